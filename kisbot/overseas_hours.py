"""When each overseas exchange trades, in its own time zone (kis-api §13.9).

US hours move with American daylight saving, so nothing here is a fixed KST window: sessions
come from exchange-calendars (XNYS for NASDAQ/NYSE/AMEX, XHKG, XSHG for Shanghai and Shenzhen,
XTKS), with their holidays, lunch breaks and early closes. The library has no Vietnamese
calendar: Hanoi and Ho Chi Minh trade weekdays 09:00-11:30 and 13:00-14:45 local time here
(HOSE's hours; KIS does not state them, UNCONFIRMED), holidays unknown. Only the regular
session counts: US pre- and after-market prices are left out, as KIS's free quote is.

Building a calendar takes a moment, so each is built once per process, for a few years around
the one asked, and kept.
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from kisbot.clock import Clock
from kisbot.kis.overseas import Exchange

logger = logging.getLogger(__name__)

_CALENDARS = {"US": "XNYS", "HK": "XHKG", "CN": "XSHG", "JP": "XTKS"}
# Local hours on weekdays where no calendar answers: Vietnam always (the library has none), and
# any year a calendar does not cover (XSHG records its holidays a year at a time).
_WEEKDAY_HOURS: dict[str, tuple[tuple[time, time], ...]] = {
    "US": ((time(9, 30), time(16, 0)),),
    "HK": ((time(9, 30), time(12, 0)), (time(13, 0), time(16, 0))),
    "CN": ((time(9, 30), time(11, 30)), (time(13, 0), time(15, 0))),
    "JP": ((time(9, 0), time(11, 30)), (time(12, 30), time(15, 30))),
    "VN": ((time(9, 0), time(11, 30)), (time(13, 0), time(14, 45))),
}
_YEARS_AROUND = 1


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of continuous trading, as aware datetimes (UTC)."""

    start: datetime
    end: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class _Sessions:
    first: date
    last: date
    periods: dict[date, tuple[Period, ...]]

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


_cache: dict[tuple[str, int], _Sessions] = {}
_cache_lock = threading.Lock()


def _sessions(calendar_name: str, year: int) -> _Sessions:
    """The calendar's sessions around `year`, as far as the library knows them (none when it
    fails: weekday hours then, logged once)."""
    with _cache_lock:
        key = (calendar_name, year)
        if key not in _cache:
            try:
                _cache[key] = _load(calendar_name, year)
            except Exception as exc:  # any library failure: weekdays, not a crash
                logger.warning("%s calendar unavailable (%s)", calendar_name, type(exc).__name__)
                _cache[key] = _Sessions(date.max, date.min, {})
        return _cache[key]


def _load(calendar_name: str, year: int) -> _Sessions:
    import exchange_calendars
    import pandas

    first = date(year - _YEARS_AROUND, 1, 1)
    calendar = None
    for last_year in range(year + _YEARS_AROUND, year - 1, -1):
        try:  # some calendars record holidays only up to the current year
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                calendar = exchange_calendars.get_calendar(
                    calendar_name, start=first, end=date(last_year, 12, 31)
                )
            break
        except ValueError:
            continue
    if calendar is None:
        return _Sessions(date.max, date.min, {})
    schedule = calendar.schedule
    periods: dict[date, tuple[Period, ...]] = {}
    for label, opens, lunch, back, closes in zip(
        schedule.index,
        schedule["open"],
        schedule["break_start"],
        schedule["break_end"],
        schedule["close"],
        strict=True,
    ):
        start, end = opens.to_pydatetime(), closes.to_pydatetime()
        if pandas.isna(lunch) or pandas.isna(back):
            periods[label.date()] = (Period(start, end),)
        else:
            middle = (lunch.to_pydatetime(), back.to_pydatetime())
            periods[label.date()] = (Period(start, middle[0]), Period(middle[1], end))
    return _Sessions(first, calendar.last_session.date(), periods)


class OverseasHours:
    """Whether an overseas exchange trades at a moment (default: now, from the clock)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def local_time(self, exchange: Exchange, at: datetime | None = None) -> datetime:
        """The moment in the exchange's own time zone."""
        return self._moment(at).astimezone(exchange.timezone)

    def periods(self, exchange: Exchange, day: date) -> tuple[Period, ...]:
        """The trading periods of the exchange's local `day` (none on a weekend or holiday)."""
        name = _CALENDARS.get(exchange.country)
        sessions = _sessions(name, day.year) if name else None
        if sessions is None or not sessions.covers(day):
            return _weekday_periods(exchange, day, _WEEKDAY_HOURS[exchange.country])
        return sessions.periods.get(day, ())

    def is_open(self, exchange: Exchange, at: datetime | None = None) -> bool:
        """Whether the exchange's regular session runs at `at` (lunch breaks excluded)."""
        moment = self._moment(at)
        return any(moment in period for period in self.periods(exchange, self._day(exchange, at)))

    def next_open(self, exchange: Exchange, at: datetime | None = None) -> datetime | None:
        """When the exchange next starts trading after `at` (None if not within two weeks)."""
        moment = self._moment(at)
        day = self._day(exchange, at)
        for offset in range(15):
            for period in self.periods(exchange, day + timedelta(days=offset)):
                if period.start > moment:
                    return period.start
        return None

    def _day(self, exchange: Exchange, at: datetime | None) -> date:
        return self.local_time(exchange, at).date()

    def _moment(self, at: datetime | None) -> datetime:
        moment = self._clock.now() if at is None else at
        if moment.tzinfo is None:
            raise ValueError("an overseas market time must be timezone-aware")
        return moment.astimezone(UTC)


def _weekday_periods(
    exchange: Exchange, day: date, hours: tuple[tuple[time, time], ...]
) -> tuple[Period, ...]:
    if day.weekday() >= 5:
        return ()
    zone = exchange.timezone
    return tuple(
        Period(
            datetime.combine(day, start, zone).astimezone(UTC),
            datetime.combine(day, end, zone).astimezone(UTC),
        )
        for start, end in hours
    )
