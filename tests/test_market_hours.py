from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

import pytest

from kisbot import market_hours
from kisbot.clock import KST, ManualClock
from kisbot.market_hours import KrxCalendar


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


@pytest.fixture
def calendar() -> KrxCalendar:
    return KrxCalendar(ManualClock())  # 2026-11-23 09:00 KST, a Monday


def test_weekday_mid_morning_is_open(calendar: KrxCalendar) -> None:
    assert calendar.is_open(kst(2026, 11, 23, 10, 0))


def test_session_runs_from_0900_until_1530(calendar: KrxCalendar) -> None:
    assert not calendar.is_open(kst(2026, 11, 23, 8, 59))
    assert calendar.is_open(kst(2026, 11, 23, 9, 0))
    assert calendar.is_open(kst(2026, 11, 23, 15, 29))
    assert not calendar.is_open(kst(2026, 11, 23, 15, 30))
    assert not calendar.is_open(kst(2026, 11, 23, 15, 31))


def test_weekend_is_closed(calendar: KrxCalendar) -> None:
    assert not calendar.is_open(kst(2026, 11, 28, 10, 0))  # Saturday
    assert not calendar.is_trading_day(date(2026, 11, 29))  # Sunday


def test_krx_holidays_are_closed(calendar: KrxCalendar) -> None:
    assert not calendar.is_open(kst(2026, 1, 1, 10, 0))  # New Year's Day, a Thursday
    assert not calendar.is_trading_day(date(2026, 9, 24))  # Chuseok
    assert not calendar.is_trading_day(date(2026, 9, 25))  # Chuseok
    assert not calendar.is_trading_day(date(2025, 12, 31))  # year-end closing day
    assert calendar.is_trading_day(date(2026, 9, 28))


def test_first_trading_day_of_the_year_opens_at_1000(calendar: KrxCalendar) -> None:
    assert not calendar.is_open(kst(2026, 1, 2, 9, 30))
    assert calendar.is_open(kst(2026, 1, 2, 10, 30))


@pytest.mark.parametrize("day", [date(2025, 11, 13), date(2026, 11, 19)])
def test_csat_day_trades_an_hour_later(calendar: KrxCalendar, day: date) -> None:
    assert calendar.session_hours(day) == (
        datetime.combine(day, time(10, 0), KST),
        datetime.combine(day, time(16, 30), KST),
    )
    assert not calendar.is_open(datetime.combine(day, time(9, 30), KST))
    assert calendar.is_open(datetime.combine(day, time(16, 0), KST))
    assert calendar.session_hours(date(2026, 11, 20))[0].time() == time(9, 0)  # type: ignore[index]


def test_utc_inputs_are_read_in_korean_time(calendar: KrxCalendar) -> None:
    assert calendar.is_open(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # 10:00 KST
    assert not calendar.is_open(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # 16:00 KST
    # Friday in UTC, but already Saturday morning in Seoul.
    assert not calendar.is_open(datetime(2026, 11, 27, 23, 0, tzinfo=UTC))


def test_naive_datetimes_are_refused(calendar: KrxCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(datetime(2026, 11, 23, 10, 0))


async def test_without_an_argument_the_clock_says_when() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # Monday 09:30 KST
    calendar = KrxCalendar(clock)
    assert calendar.is_open()
    await clock.advance(6 * 3600)  # 15:30 KST
    assert not calendar.is_open()


def test_next_open_skips_weekends_and_holidays(calendar: KrxCalendar) -> None:
    assert calendar.next_open(kst(2026, 11, 27, 16, 0)) == kst(2026, 11, 30, 9, 0)
    assert calendar.next_open(kst(2026, 9, 23, 16, 0)) == kst(2026, 9, 28, 9, 0)
    assert calendar.next_open(kst(2025, 12, 30, 16, 0)) == kst(2026, 1, 2, 10, 0)


def test_next_open_during_a_session_is_the_next_morning(calendar: KrxCalendar) -> None:
    assert calendar.next_open(kst(2026, 11, 23, 10, 0)) == kst(2026, 11, 24, 9, 0)
    assert calendar.next_open(kst(2026, 11, 23, 8, 0)) == kst(2026, 11, 23, 9, 0)


def test_next_open_of_a_utc_time_is_the_same_instant(calendar: KrxCalendar) -> None:
    opens = calendar.next_open(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))  # Friday 16:00 KST
    assert opens == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert opens.utcoffset() is not None


def test_dates_beyond_the_calendar_fall_back_to_weekdays(calendar: KrxCalendar) -> None:
    assert calendar.is_open(kst(2099, 6, 10, 10, 0))  # a Wednesday
    assert not calendar.is_open(kst(2099, 6, 13, 10, 0))  # a Saturday
    assert calendar.next_open(kst(2099, 6, 12, 16, 0)) == kst(2099, 6, 15, 9, 0)


def test_a_broken_calendar_library_degrades_to_weekdays(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(year: int) -> market_hours._Sessions:
        raise RuntimeError("no data")

    monkeypatch.setattr(market_hours, "_cache", {})
    monkeypatch.setattr(market_hours, "_load_xkrx", broken)
    calendar = KrxCalendar(ManualClock())
    with caplog.at_level(logging.WARNING):
        assert calendar.is_open(kst(2026, 1, 1, 10, 0))  # the holiday is unknown now
        assert not calendar.is_open(kst(2026, 11, 28, 10, 0))
        assert not calendar.is_open(kst(2026, 11, 19, 9, 30))  # the CSAT day is still known
        assert calendar.is_open(kst(2026, 11, 19, 16, 0))
    assert "KRX calendar unavailable" in caplog.text


def test_the_calendar_is_built_once_and_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real = market_hours._load_xkrx

    def counting(year: int) -> market_hours._Sessions:
        builds.append(year)
        return real(year)

    monkeypatch.setattr(market_hours, "_cache", {})
    monkeypatch.setattr(market_hours, "_load_xkrx", counting)
    first, second = KrxCalendar(ManualClock()), KrxCalendar(ManualClock())
    for moment in (kst(2026, 11, 23, 10, 0), kst(2026, 11, 28, 10, 0)):
        first.is_open(moment)
        second.is_open(moment)
    assert builds == [2026]


async def test_warm_up_builds_without_blocking(calendar: KrxCalendar) -> None:
    await calendar.warm_up()
    assert calendar.is_trading_day(date(2026, 11, 23))
