"""The 2026 trading day: which venue runs which session, and what alerts and orders follow."""

from __future__ import annotations

import threading
import time as time_module
from datetime import date, datetime, time

import pytest

from kisbot import market_hours
from kisbot.clock import KST, ManualClock
from kisbot.kis import Environment
from kisbot.kis.models import PriceFeed, Venue
from kisbot.market_hours import SCHEDULES, KrxCalendar, Schedule, SessionKind

REAL, MOCK = Environment.REAL, Environment.MOCK
MONDAY = date(2026, 11, 23)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), KST)


def running(calendar: KrxCalendar, moment: datetime) -> set[tuple[str, str]]:
    return {(s.venue.value, s.name) for s in calendar.sessions_at(moment)}


@pytest.fixture
def calendar() -> KrxCalendar:
    return KrxCalendar(ManualClock())


@pytest.mark.parametrize(
    ("hour", "minute", "sessions"),
    [
        (7, 59, set()),
        (8, 0, {("NXT", "pre")}),
        (8, 29, {("NXT", "pre")}),
        (8, 30, {("NXT", "pre"), ("KRX", "pre_close"), ("KRX", "opening_call")}),
        (8, 40, {("NXT", "pre"), ("KRX", "opening_call")}),
        (8, 50, {("KRX", "opening_call")}),
        (9, 0, {("KRX", "regular"), ("NXT", "main")}),
        (15, 19, {("KRX", "regular"), ("NXT", "main")}),
        (15, 20, {("KRX", "closing_call")}),
        (15, 30, {("NXT", "after")}),
        (15, 40, {("NXT", "after"), ("KRX", "after_close")}),
        (16, 0, {("NXT", "after"), ("KRX", "single_price")}),
        (18, 0, {("NXT", "after")}),
        (19, 59, {("NXT", "after")}),
        (20, 0, set()),
    ],
)
def test_each_boundary_of_the_day(
    calendar: KrxCalendar, hour: int, minute: int, sessions: set[tuple[str, str]]
) -> None:
    assert running(calendar, at(hour, minute)) == sessions


def test_nothing_trades_on_weekends_and_holidays(calendar: KrxCalendar) -> None:
    assert calendar.sessions_at(at(10, 0, date(2026, 11, 28))) == []  # Saturday
    assert calendar.sessions_at(at(19, 0, date(2026, 9, 24))) == []  # Chuseok
    assert not calendar.any_trading(at(8, 10, date(2026, 1, 1)))


def test_csat_day_moves_every_session_an_hour_but_not_past_2000(calendar: KrxCalendar) -> None:
    csat = date(2026, 11, 19)
    assert running(calendar, at(8, 30, csat)) == set()
    assert running(calendar, at(9, 0, csat)) == {("NXT", "pre")}
    assert running(calendar, at(10, 0, csat)) == {("KRX", "regular"), ("NXT", "main")}
    assert running(calendar, at(16, 25, csat)) == {("KRX", "closing_call")}
    assert running(calendar, at(18, 30, csat)) == {("NXT", "after"), ("KRX", "single_price")}
    assert running(calendar, at(19, 59, csat)) == {("NXT", "after")}
    assert running(calendar, at(20, 0, csat)) == set()


def test_nxt_did_not_trade_before_its_launch(calendar: KrxCalendar) -> None:
    assert running(calendar, at(19, 0, date(2025, 2, 28))) == set()
    assert running(calendar, at(19, 0, date(2025, 3, 4))) == {("NXT", "after")}


def test_a_change_of_hours_is_one_row_and_a_date() -> None:
    change = date(2026, 12, 1)
    schedules = (
        *SCHEDULES,
        Schedule(
            Venue.KRX, "after_market", SessionKind.CONTINUOUS, time(16, 0), time(20, 0), change
        ),
        Schedule(Venue.KRX, "single_price", SessionKind.AFTER_HOURS, None, None, change),
    )
    calendar = KrxCalendar(ManualClock(), schedules)
    assert ("KRX", "single_price") in running(calendar, at(17, 0, date(2026, 11, 30)))
    assert running(calendar, at(17, 0, date(2026, 12, 1))) == {
        ("KRX", "after_market"),
        ("NXT", "after"),
    }
    assert calendar.default_venue(at(17, 0, date(2026, 12, 1))) is Venue.KRX


@pytest.mark.parametrize(
    ("hour", "minute", "venue"),
    [
        (7, 59, None),
        (8, 0, Venue.NXT),
        (8, 10, Venue.NXT),
        (8, 29, Venue.NXT),
        (8, 30, Venue.KRX),
        (8, 55, Venue.KRX),
        (9, 0, Venue.KRX),
        (15, 29, Venue.KRX),
        (15, 30, Venue.NXT),
        (17, 0, Venue.NXT),  # KRX's 시간외 단일가 takes only its own order type
        (19, 59, Venue.NXT),
        (20, 0, None),
    ],
)
def test_default_venue(calendar: KrxCalendar, hour: int, minute: int, venue: Venue | None) -> None:
    assert calendar.default_venue(at(hour, minute)) is venue


@pytest.mark.parametrize(
    ("hour", "minute", "real", "mock"),
    [
        (7, 59, None, None),
        (8, 0, PriceFeed.NXT, None),
        (8, 30, PriceFeed.COMBINED, None),
        (9, 0, PriceFeed.COMBINED, PriceFeed.KRX),
        (15, 29, PriceFeed.COMBINED, PriceFeed.KRX),
        (15, 30, PriceFeed.NXT, None),
        (19, 0, PriceFeed.NXT, None),
        (20, 0, None, None),
    ],
)
def test_alert_feed(
    calendar: KrxCalendar,
    hour: int,
    minute: int,
    real: PriceFeed | None,
    mock: PriceFeed | None,
) -> None:
    assert calendar.alert_feed(REAL, at(hour, minute)) is real
    assert calendar.alert_feed(MOCK, at(hour, minute)) is mock


def test_any_venue_trading_spans_0800_to_2000(calendar: KrxCalendar) -> None:
    assert not calendar.any_trading(at(7, 59))
    assert calendar.any_trading(at(8, 0))
    assert calendar.any_trading(at(8, 55))  # only KRX's opening call
    assert calendar.any_trading(at(19, 59))
    assert not calendar.any_trading(at(20, 0))
    assert calendar.nxt_trading(at(19, 0))
    assert not calendar.nxt_trading(at(8, 55))


def test_the_bots_calendar_answers_from_weekdays_while_it_is_built(monkeypatch) -> None:
    release, loaded = threading.Event(), threading.Event()
    real = market_hours._load_xkrx

    def slow(year: int) -> market_hours._Sessions:
        release.wait(10)
        sessions = real(year)
        loaded.set()
        return sessions

    monkeypatch.setattr(market_hours, "_cache", {})
    monkeypatch.setattr(market_hours, "_load_xkrx", slow)
    calendar = KrxCalendar(ManualClock(), wait_for_build=False)
    chuseok = date(2026, 9, 24)  # a Thursday, a holiday only the built calendar knows
    assert calendar.default_venue(at(10, 0, chuseok)) is Venue.KRX  # at once, from weekdays
    release.set()
    assert loaded.wait(10)
    for _ in range(100):  # the thread stores it right after loading
        if market_hours._cache:
            break
        time_module.sleep(0.01)
    assert calendar.default_venue(at(10, 0, chuseok)) is None
