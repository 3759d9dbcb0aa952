"""KRX trading days and hours, so that alerts are checked only while prices can move.

Sessions come from exchange-calendars' XKRX calendar (holidays, and the late 10:00 open on the
first trading day of a year), with the 수능 (CSAT) days it does not know moved an hour later.
Building that calendar takes seconds, so it is built once, lazily (or ahead of time with
`warm_up`), and shared by every `KrxCalendar`. Dates the library cannot answer, or a missing
library, fall back to weekdays 09:00-15:30 (10:00-16:30 on the CSAT days listed here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kisbot.clock import KST, Clock

logger = logging.getLogger(__name__)

# The regular session: continuous trading 09:00-15:20 plus the closing call auction to 15:30 (the
# close moved from 15:00 to 15:30 on 2016-08-01). The 08:30-09:00 opening auction and the
# after-hours sessions (시간외 단일가, NXT) are left out: KRX prices do not trade continuously
# then, so a price alert has nothing new to see.
REGULAR_OPEN = time(9, 0)
REGULAR_CLOSE = time(15, 30)
# On the day of the college entrance exam (수능) KRX trades 10:00-16:30. exchange-calendars 4.x
# lists these days only up to 2020; the Ministry of Education announces each one a year or more
# ahead (2027학년도: 2026-11-19). Add the next one here when it is announced.
CSAT_DAYS = frozenset(
    {
        date(2021, 11, 18),
        date(2022, 11, 17),
        date(2023, 11, 16),
        date(2024, 11, 14),
        date(2025, 11, 13),
        date(2026, 11, 19),
    }
)
CSAT_DELAY = timedelta(hours=1)
_YEARS_BEFORE = 1
_YEARS_AHEAD = 3
_SEARCH_DAYS = 30  # the longest run of KRX holidays (Chuseok + weekend) is far shorter


@dataclass(frozen=True, slots=True)
class _Sessions:
    """Session open/close times (KST) by date, for the years the calendar covers."""

    first: date
    last: date
    hours: dict[date, tuple[datetime, datetime]]

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


_cache: dict[int, _Sessions] = {}
_cache_lock = threading.Lock()


def _build_sessions(year: int) -> _Sessions:
    """The XKRX sessions around `year`, or an empty range when exchange-calendars fails."""
    with _cache_lock:
        if year in _cache:
            return _cache[year]
        try:
            sessions = _load_xkrx(year)
        except Exception as exc:  # any library failure means weekday logic, not a crash
            logger.warning("KRX calendar unavailable (%s); using weekdays", type(exc).__name__)
            sessions = _Sessions(first=date.max, last=date.min, hours={})
        _cache[year] = sessions
        return sessions


def _load_xkrx(year: int) -> _Sessions:
    import exchange_calendars
    from exchange_calendars.exchange_calendar_xkrx import XKRXExchangeCalendar

    # The library refuses years past its precomputed lunar holidays (2050 in 4.x).
    latest = getattr(XKRXExchangeCalendar, "_latest_precomputed_year", lambda: year)()
    first, last = date(year - _YEARS_BEFORE, 1, 1), date(min(year + _YEARS_AHEAD, latest), 12, 31)
    with warnings.catch_warnings():
        # exchange-calendars 4.x trips pandas deprecation warnings inside its own constructor.
        warnings.simplefilter("ignore", DeprecationWarning)
        calendar = exchange_calendars.get_calendar("XKRX", start=first, end=last)
    schedule = calendar.schedule
    hours = {
        label.date(): (
            opens.to_pydatetime().astimezone(KST),
            closes.to_pydatetime().astimezone(KST),
        )
        for label, opens, closes in zip(
            schedule.index, schedule["open"], schedule["close"], strict=True
        )
    }
    for day in CSAT_DAYS & hours.keys():
        opens, closes = hours[day]
        if opens.time() == REGULAR_OPEN:  # not already moved by the library
            hours[day] = (opens + CSAT_DELAY, closes + CSAT_DELAY)
    return _Sessions(first=first, last=last, hours=hours)


class KrxCalendar:
    """Whether KRX's regular session is open, reading 'now' from an injected clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def warm_up(self) -> None:
        """Build the calendar in a worker thread, so the first check does not block the loop.

        A daemon thread rather than the default executor: a bot told to stop during the few
        seconds the build takes must not wait for it before exiting.
        """
        loop = asyncio.get_running_loop()
        built: asyncio.Future[None] = loop.create_future()

        def build() -> None:
            try:
                self._sessions()
            finally:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(_resolve, built)

        threading.Thread(target=build, name="krx-calendar", daemon=True).start()
        await built

    def is_trading_day(self, day: date) -> bool:
        """Whether `day` is a KRX trading day (a weekday that is not a KRX holiday)."""
        return self.session_hours(day) is not None

    def session_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The regular session's open and close (KST) on `day`, or None if KRX is closed."""
        sessions = self._sessions()
        if sessions.covers(day):
            return sessions.hours.get(day)
        if day.weekday() >= 5:
            return None
        delay = CSAT_DELAY if day in CSAT_DAYS else timedelta(0)
        opens = datetime.combine(day, REGULAR_OPEN, KST) + delay
        return (opens, datetime.combine(day, REGULAR_CLOSE, KST) + delay)

    def is_open(self, at: datetime | None = None) -> bool:
        """Whether the regular session is running at `at` (default: the clock's now)."""
        moment = self._kst(at)
        hours = self.session_hours(moment.date())
        return hours is not None and hours[0] <= moment < hours[1]

    def next_open(self, after: datetime | None = None) -> datetime:
        """The first session open strictly after `after` (default: now), in KST."""
        moment = self._kst(after)
        for offset in range(_SEARCH_DAYS + 1):
            hours = self.session_hours(moment.date() + timedelta(days=offset))
            if hours is not None and hours[0] > moment:
                return hours[0]
        raise LookupError(f"no KRX session within {_SEARCH_DAYS} days of {moment.date()}")

    def _kst(self, at: datetime | None) -> datetime:
        moment = self._clock.now() if at is None else at
        if moment.tzinfo is None:
            raise ValueError("market hours need a timezone-aware datetime")
        return moment.astimezone(KST)

    def _sessions(self) -> _Sessions:
        year = self._clock.now().astimezone(KST).year
        return _cache.get(year) or _build_sessions(year)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
