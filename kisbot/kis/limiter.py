"""Calls per second per app key, evenly spaced, with a user's command before alert polling.

KIS counts every REST call of an app key (18/s real, 1/s mock) and answers EGW00201 past it.
Spacing calls 1/rate apart, rather than letting a burst through and then waiting, keeps every
one-second window under the limit. Waiting interactive calls are served before any waiting
background call. Time comes from a Clock, so tests move it by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from kisbot.clock import Clock
from kisbot.kis.models import Priority


class RateLimiter:
    """Hands out call slots `1/rate` seconds apart; rate 0 means no limit."""

    def __init__(self, rate: float, clock: Clock) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next_free: float | None = None
        self._queues: dict[Priority, deque[asyncio.Future[None]]] = {
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
        if not self.waiting and self._slot_is_free():
            self._take_slot()
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues[priority].append(future)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        try:
            await future
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

    def _take_slot(self) -> None:
        now = self._clock.monotonic()
        start = now if self._next_free is None else max(now, self._next_free)
        self._next_free = start + self._interval

    def _next_waiter(self) -> asyncio.Future[None] | None:
        for priority in Priority:  # declaration order: INTERACTIVE first
            queue = self._queues[priority]
            while queue:
                future = queue.popleft()
                if not future.done():
                    return future
        return None

    async def _dispatch(self) -> None:
        while self.waiting:
            if not self._slot_is_free():
                assert self._next_free is not None
                await self._clock.sleep(self._next_free - self._clock.monotonic())
                continue
            future = self._next_waiter()
            if future is None:
                return
            self._take_slot()
            future.set_result(None)
