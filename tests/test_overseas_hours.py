"""Overseas trading hours in each exchange's own time zone: US daylight saving moves the KST
window, holidays and early closes come from exchange-calendars, lunch breaks are closed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kisbot.clock import KST, ManualClock
from kisbot.kis.overseas import exchange
from kisbot.overseas_hours import OverseasHours

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def hours() -> OverseasHours:
    return OverseasHours(ManualClock())


@pytest.mark.parametrize(
    ("kst", "is_open"),
    [
        (datetime(2026, 12, 7, 23, 29, tzinfo=KST), False),  # 09:29 EST
        (datetime(2026, 12, 7, 23, 30, tzinfo=KST), True),  # winter: 23:30 KST
        (datetime(2026, 12, 7, 23, 45, tzinfo=KST), True),
        (datetime(2026, 12, 8, 5, 59, tzinfo=KST), True),
        (datetime(2026, 12, 8, 6, 0, tzinfo=KST), False),  # 16:00 EST
        (datetime(2026, 7, 7, 22, 30, tzinfo=KST), True),  # summer: an hour earlier
        (datetime(2026, 7, 8, 5, 0, tzinfo=KST), False),
        (datetime(2026, 12, 5, 23, 45, tzinfo=KST), False),  # a Saturday
        (datetime(2026, 12, 25, 23, 45, tzinfo=KST), False),  # Christmas (Friday in New York)
        (datetime(2026, 11, 28, 2, 30, tzinfo=KST), True),  # the day after Thanksgiving: 12:30
        (datetime(2026, 11, 28, 3, 30, tzinfo=KST), False),  # early close at 13:00 ET
    ],
)
def test_us_hours_follow_new_york_time(hours: OverseasHours, kst: datetime, is_open: bool) -> None:
    for code in ("NAS", "NYS", "AMS"):
        assert hours.is_open(exchange(code), kst) is is_open


def test_lunch_breaks_are_closed(hours: OverseasHours) -> None:
    hong_kong, tokyo = exchange("HKS"), exchange("TSE")
    monday = date(2026, 12, 7)
    assert hours.is_open(hong_kong, datetime(2026, 12, 7, 11, 0, tzinfo=KST))  # 10:00 HKT
    assert not hours.is_open(hong_kong, datetime(2026, 12, 7, 13, 30, tzinfo=KST))  # 12:30 HKT
    assert hours.is_open(tokyo, datetime(2026, 12, 7, 15, 20, tzinfo=KST))  # TSE's 15:30 close
    assert [p.start.astimezone(tokyo.timezone).hour for p in hours.periods(tokyo, monday)] == [
        9,
        12,
    ]


def test_shanghai_past_its_recorded_holidays_trades_on_weekdays(hours: OverseasHours) -> None:
    shanghai = exchange("SHS")
    periods = hours.periods(shanghai, date(2027, 3, 8))
    local = [(p.start.astimezone(shanghai.timezone).hour, p.end.astimezone(shanghai.timezone).hour)
             for p in periods]  # fmt: skip
    assert local == [(9, 11), (13, 15)]
    assert hours.periods(shanghai, date(2027, 3, 6)) == ()  # Saturday


def test_vietnam_trades_weekdays_in_its_own_time(hours: OverseasHours) -> None:
    ho_chi_minh = exchange("HSX")
    assert hours.is_open(ho_chi_minh, datetime(2026, 12, 7, 11, 30, tzinfo=KST))  # 09:30 ICT
    assert not hours.is_open(ho_chi_minh, datetime(2026, 12, 7, 14, 0, tzinfo=KST))  # 12:00
    assert not hours.is_open(ho_chi_minh, datetime(2026, 12, 6, 11, 30, tzinfo=KST))  # Sunday


def test_the_next_open_and_the_local_time(hours: OverseasHours) -> None:
    nasdaq = exchange("NAS")
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=KST)
    assert hours.next_open(nasdaq, saturday) == datetime(2026, 12, 7, 9, 30, tzinfo=NEW_YORK)
    assert hours.local_time(nasdaq, saturday).hour == 22  # Friday 22:00 in New York
    with pytest.raises(ValueError):
        hours.is_open(nasdaq, datetime(2026, 12, 7, 23, 45))  # naive: whose 23:45?


def test_now_comes_from_the_clock() -> None:
    clock = ManualClock(datetime(2026, 12, 7, 14, 45, tzinfo=UTC))  # 23:45 KST
    assert OverseasHours(clock).is_open(exchange("NAS"))
