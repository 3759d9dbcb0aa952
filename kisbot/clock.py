"""Time as the rest of kisbot reads it, so that tests can move it instead of sleeping.

Everything time-based (token windows, rate limiters, confirmation TTLs, market hours) takes a
`Clock`. `SystemClock` is the real one; `ManualClock` is moved by hand and is what tests use.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards, for measuring intervals."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this many seconds of this clock's time."""
        ...


class SystemClock:
    """The machine's clocks and asyncio's sleep."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


class ManualClock:
    """A clock that moves only when told to; sleepers wake when `advance` passes their deadline.

    With `autojump=True` a sleep moves the clock straight to its own deadline, which suits code
    that sleeps alone (a single caller waiting out a token window); concurrent sleepers should
    use the default and have the test call `advance`.
    """

    def __init__(self, start: datetime | None = None, *, autojump: bool = False) -> None:
        self._wall = start or datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 KST, a Monday
        self._mono = 1000.0
        self._autojump = autojump
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        if self._autojump:
            self._move(seconds)
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + seconds, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its deadline in order."""
        target = self._mono + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._move(deadline - self._mono)
            if not future.done():
                future.set_result(None)
            await _let_others_run()
        self._move(target - self._mono)
        await _let_others_run()

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting on this clock."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    def _move(self, seconds: float) -> None:
        if seconds > 0:
            self._mono += seconds
            self._wall += timedelta(seconds=seconds)


async def _let_others_run() -> None:
    # A few turns of the loop so woken tasks reach their next await before time moves again.
    for _ in range(5):
        await asyncio.sleep(0)
