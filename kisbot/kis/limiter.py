"""Calls per second per app key, evenly spaced, with a user's command before alert polling.

KIS counts every REST call of an app key (18/s real, 1/s mock) and answers EGW00201 past it.
Spacing calls 1/rate apart, rather than letting a burst through and then waiting, keeps every
one-second window under the limit. Waiting interactive calls are served before any waiting
background call. Time comes from a Clock, so tests move it by hand.

Several processes serving one app key share its budget through a SharedBudget (PostgreSQL, in
kisbot.store.rate_budget): each slot is then reserved there, one waiter at a time, so calls from
every process together stay 1/rate apart. Priority still orders the waiters within a process.
A call that leaves late (its process was busy) would bring the slots after it closer to it than
KIS's one-second window allows, so the lateness seen is added to this process's next slot,
which moves every later slot on by as much.
If the shared budget cannot answer, the limiter spaces this process's calls alone (logged) and
asks it again for the next slot: a lost database must not stop every command.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from kisbot.clock import Clock
from kisbot.kis.credentials import Credential
from kisbot.kis.models import Priority

logger = logging.getLogger(__name__)


class SharedBudget(Protocol):
    """Call slots of an app key shared by every process that calls KIS with it."""

    async def reserve(self, credential: Credential, interval: float) -> float:
        """Take the next slot of this key, `interval` seconds after the last slot any process
        took; return the seconds from now until it starts (0 or less: now)."""
        ...


# Reserves one shared slot for this limiter's key, given the interval; returns the wait.
ReserveSlot = Callable[[float], Awaitable[float]]
SHARED_RETRY = 5.0  # seconds between asks of a shared budget that stopped answering
# Shared slots are this much longer than 1/rate. Each process sends its call a few ms after its
# slot, and those delays differ between processes: at exactly 1/rate, call k sent late and
# call k+rate sent on time land inside one second and KIS refuses the later one. Three busy
# processes on two cores were seen 40 ms apart; 10% gives a second's worth of calls 100 ms of
# play, for 10% of the rate (16.4/s of a real key's 18).
SHARED_SLACK = 0.10


class RateLimiter:
    """Hands out call slots `1/rate` seconds apart; rate 0 means no limit."""

    def __init__(self, rate: float, clock: Clock, *, shared: ReserveSlot | None = None) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._shared = shared
        self._shared_failing = False
        self._shared_retry_at = 0.0
        self._next_free: float | None = None
        self._late = 0.0  # how late a call left after its shared slot, not yet made up for
        self._queues: dict[Priority, deque[asyncio.Future[float]]] = {
            priority: deque() for priority in Priority
        }
        self._dispatcher: asyncio.Task[None] | None = None

    @property
    def rate(self) -> float:
        return 1.0 / self._interval if self._interval else 0.0

    @property
    def waiting(self) -> int:
        """How many callers are queued for a slot."""
        return sum(1 for queue in self._queues.values() for f in queue if not f.done())

    async def acquire(self, priority: Priority = Priority.INTERACTIVE) -> None:
        """Return when this caller may send one request."""
        if not self._interval:
            return
        if self._shared is None and not self.waiting and self._slot_is_free():
            self._take_slot()
            return
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._queues[priority].append(future)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        try:
            slot = await future
            if self._shared is not None:
                self._late = max(self._late, self._clock.monotonic() - slot)
        except asyncio.CancelledError:
            # A caller that gives up leaves its place; a slot already granted is simply unused.
            with contextlib.suppress(ValueError):
                self._queues[priority].remove(future)
            raise

    async def aclose(self) -> None:
        """Stop the dispatcher (pending callers are cancelled)."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
        for queue in self._queues.values():
            for future in queue:
                future.cancel()
            queue.clear()

    def _slot_is_free(self) -> bool:
        return self._next_free is None or self._clock.monotonic() >= self._next_free

    def _take_slot(self) -> float:
        now = self._clock.monotonic()
        start = now if self._next_free is None else max(now, self._next_free)
        self._next_free = start + self._interval
        return start

    def _next_waiter(self) -> asyncio.Future[float] | None:
        for priority in Priority:  # declaration order: INTERACTIVE first
            queue = self._queues[priority]
            while queue:
                future = queue.popleft()
                if not future.done():
                    return future
        return None

    async def _dispatch(self) -> None:
        while self.waiting:
            if self._asks_shared():
                slot = await self._wait_for_shared_slot()
                if slot is not None:
                    self._grant_next(slot)
                    continue
            if not self._slot_is_free():
                assert self._next_free is not None
                await self._clock.sleep(self._next_free - self._clock.monotonic())
                continue
            self._grant_next(self._take_slot())

    def _grant_next(self, slot: float) -> None:
        # With nobody left (all gave up while we waited) the slot is simply unused.
        future = self._next_waiter()
        if future is not None:
            future.set_result(slot)

    def _asks_shared(self) -> bool:
        return self._shared is not None and (
            not self._shared_failing or self._clock.monotonic() >= self._shared_retry_at
        )

    async def _wait_for_shared_slot(self) -> float | None:
        """Sleep until a slot reserved in the shared budget and return when it started (this
        clock's monotonic time); None if the budget did not answer."""
        assert self._shared is not None
        late, self._late = self._late, 0.0
        try:
            wait = await self._shared(self._interval * (1 + SHARED_SLACK) + late)
        except Exception as error:  # any failure of the budget's database, whatever the driver
            if not self._shared_failing:
                logger.warning(
                    "the shared rate budget did not answer (%s); this process paces the key "
                    "alone until it does",
                    type(error).__name__,
                )
            self._shared_failing = True
            self._shared_retry_at = self._clock.monotonic() + SHARED_RETRY
            return None
        if self._shared_failing:
            logger.info("the shared rate budget answers again")
            self._shared_failing = False
        slot = self._clock.monotonic() + max(wait, 0.0)
        # Our own slots follow the shared one, so a later fallback keeps the spacing.
        self._next_free = slot + self._interval
        if wait > 0:
            await self._clock.sleep(wait)
        return slot
