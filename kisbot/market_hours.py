"""KRX trading days and the sessions of the trading day on KRX and NXT.

The calendar says which days trade and when KRX's regular session opens; `SCHEDULES` says which
sessions each venue runs on such a day (kis-api §8). Alerts, /price and orders ask it which
venue trades now (`sessions_at`, `alert_feed`, `default_venue`).

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
from enum import StrEnum

from kisbot.clock import KST, Clock
from kisbot.kis.credentials import Environment
from kisbot.kis.models import PriceFeed, Venue

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
_DAY_END = time(20, 0)  # nothing trades later; a late-opening day does not push sessions past it


class SessionKind(StrEnum):
    """How a session trades, which decides what kisbot may do in it."""

    CONTINUOUS = "continuous"  # prices move trade by trade; ordinary orders (00, 01) go in
    CALL = "call"  # a call auction (동시호가): ordinary orders queue for one price
    AFTER_HOURS = "after_hours"  # 시간외: its own order types (05/06/07); kisbot does not send them


@dataclass(frozen=True, slots=True)
class Schedule:
    """One row of the session table: from `since` on, `venue` runs `session` from start to end.

    A later row of the same venue and session replaces an earlier one from its date; a row with
    no start ends the session from its date. So a change of hours is one row and a date.
    """

    venue: Venue
    session: str
    kind: SessionKind
    start: time | None
    end: time | None
    since: date


_NXT_LAUNCH = date(2025, 3, 4)
_LONG_AGO = date(2016, 8, 1)  # KRX's close moved to 15:30

# KST, on KRX trading days (kis-api §8). KRX announced 07:00-08:00 and 16:00-20:00 sessions
# replacing 16:00-18:00 for 2026-06-29, UNCONFIRMED whether live: when it is, add
# (KRX, "pre_market", CONTINUOUS, 07:00, 08:00, that date), (KRX, "after_market", ...) and a row
# ending "single_price" (start None) on that date.
SCHEDULES: tuple[Schedule, ...] = (
    Schedule(Venue.KRX, "pre_close", SessionKind.AFTER_HOURS, time(8, 30), time(8, 40), _LONG_AGO),
    Schedule(Venue.KRX, "opening_call", SessionKind.CALL, time(8, 30), time(9, 0), _LONG_AGO),
    Schedule(Venue.KRX, "regular", SessionKind.CONTINUOUS, time(9, 0), time(15, 20), _LONG_AGO),
    Schedule(Venue.KRX, "closing_call", SessionKind.CALL, time(15, 20), time(15, 30), _LONG_AGO),
    Schedule(
        Venue.KRX, "after_close", SessionKind.AFTER_HOURS, time(15, 40), time(16, 0), _LONG_AGO
    ),
    Schedule(
        Venue.KRX, "single_price", SessionKind.AFTER_HOURS, time(16, 0), time(18, 0), _LONG_AGO
    ),
    Schedule(Venue.NXT, "pre", SessionKind.CONTINUOUS, time(8, 0), time(8, 50), _NXT_LAUNCH),
    Schedule(Venue.NXT, "main", SessionKind.CONTINUOUS, time(9, 0), time(15, 20), _NXT_LAUNCH),
    Schedule(Venue.NXT, "after", SessionKind.CONTINUOUS, time(15, 30), time(20, 0), _NXT_LAUNCH),
)


@dataclass(frozen=True, slots=True)
class Session:
    """One session on one day: which venue, which session, and when (KST)."""

    venue: Venue
    name: str
    kind: SessionKind
    start: datetime
    end: datetime

    @property
    def takes_orders(self) -> bool:
        """Whether ordinary limit and market orders (the ones kisbot sends) go in now."""
        return self.kind is not SessionKind.AFTER_HOURS


def schedules_on(day: date, schedules: tuple[Schedule, ...] = SCHEDULES) -> list[Schedule]:
    """The rows in force on `day`: for each venue and session, the latest row since then."""
    latest: dict[tuple[Venue, str], Schedule] = {}
    for row in schedules:
        key = (row.venue, row.session)
        if row.since <= day and (key not in latest or latest[key].since <= row.since):
            latest[key] = row
    return [row for row in latest.values() if row.start is not None and row.end is not None]


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
_building: set[int] = set()  # years a background thread is building
_building_lock = threading.Lock()  # not _cache_lock: that one is held for a whole build
_WEEKDAYS = _Sessions(first=date.max, last=date.min, hours={})  # covers nothing: weekday logic


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


def _build_in_background(year: int) -> None:
    """Start building `year`'s sessions in a daemon thread, unless one is at it already."""
    with _building_lock:
        if year in _cache or year in _building:
            return
        _building.add(year)

    def build() -> None:
        try:
            _build_sessions(year)
        finally:
            with _building_lock:
                _building.discard(year)

    threading.Thread(target=build, name="krx-calendar", daemon=True).start()


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
    """KRX's trading days and the sessions of both venues, reading 'now' from a clock."""

    def __init__(
        self,
        clock: Clock,
        schedules: tuple[Schedule, ...] = SCHEDULES,
        *,
        wait_for_build: bool = True,
    ) -> None:
        """`wait_for_build=False` (the bot's): a question asked before the calendar is built
        starts the build in a thread and is answered from weekdays meanwhile, so no command
        or round ever waits seconds for it (nor spends them when nothing asks)."""
        self._clock = clock
        self._schedules = schedules
        self._wait_for_build = wait_for_build

    async def warm_up(self) -> None:
        """Build the calendar in a worker thread, so the first check does not block the loop.

        A daemon thread rather than the default executor: a bot told to stop during the few
        seconds the build takes must not wait for it before exiting.
        """
        loop = asyncio.get_running_loop()
        built: asyncio.Future[None] = loop.create_future()

        def build() -> None:
            try:
                _build_sessions(self._year())
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

    # -- the sessions of the day ------------------------------------------------------------

    def sessions_on(self, day: date) -> list[Session]:
        """Every session of `day` on both venues, earliest first; none on a holiday.

        On a day KRX opens late (the first trading day of a year, 수능) every session moves by
        the same delay, except that none runs past 20:00 (UNCONFIRMED for NXT: it followed
        KRX's shift on the 2025 수능).
        """
        hours = self.session_hours(day)
        if hours is None:
            return []
        delay = hours[0] - datetime.combine(day, REGULAR_OPEN, KST)
        last = datetime.combine(day, _DAY_END, KST)
        sessions = []
        for row in schedules_on(day, self._schedules):
            assert row.start is not None and row.end is not None
            start = datetime.combine(day, row.start, KST) + delay
            end = min(datetime.combine(day, row.end, KST) + delay, max(last, start))
            if start < end:
                sessions.append(Session(row.venue, row.session, row.kind, start, end))
        return sorted(sessions, key=lambda session: (session.start, session.venue))

    def sessions_at(self, at: datetime | None = None) -> list[Session]:
        """The sessions running at `at` (default: now) on either venue."""
        moment = self._kst(at)
        return [s for s in self.sessions_on(moment.date()) if s.start <= moment < s.end]

    def any_trading(self, at: datetime | None = None) -> bool:
        """Whether any venue runs a session at `at` (08:00-20:00 on a trading day)."""
        return bool(self.sessions_at(at))

    def nxt_trading(self, at: datetime | None = None) -> bool:
        """Whether NXT runs a session at `at`."""
        return any(s.venue is Venue.NXT for s in self.sessions_at(at))

    def default_venue(self, at: datetime | None = None) -> Venue | None:
        """Where an order goes when the user names no venue: KRX while KRX takes ordinary
        orders (08:30-15:30), NXT while only NXT does, None when neither does."""
        taking = {s.venue for s in self.sessions_at(at) if s.takes_orders}
        if Venue.KRX in taking:
            return Venue.KRX
        return Venue.NXT if Venue.NXT in taking else None

    def alert_feed(self, environment: Environment, at: datetime | None = None) -> PriceFeed | None:
        """Which price an alert reads now, or None when none moves.

        Real keys: the combined price (UN) while KRX takes orders, NXT's (NX) while only NXT
        trades. Mock keys have KRX's price only, which moves in the regular session and its
        closing call (09:00-15:30; the opening call only sets the open).
        """
        if environment.is_mock:
            return PriceFeed.KRX if self.is_open(at) else None
        venue = self.default_venue(at)
        if venue is Venue.KRX:
            return PriceFeed.COMBINED
        return PriceFeed.NXT if venue is Venue.NXT else None

    def _kst(self, at: datetime | None) -> datetime:
        moment = self._clock.now() if at is None else at
        if moment.tzinfo is None:
            raise ValueError("market hours need a timezone-aware datetime")
        return moment.astimezone(KST)

    def _year(self) -> int:
        return self._clock.now().astimezone(KST).year

    def _sessions(self) -> _Sessions:
        year = self._year()
        cached = _cache.get(year)
        if cached is not None:
            return cached
        if self._wait_for_build:
            return _build_sessions(year)
        _build_in_background(year)
        return _WEEKDAYS


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
