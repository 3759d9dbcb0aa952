"""One token issuer per app key in this process; the tasks queued behind it learn how long.

A plain asyncio.Lock would do for the single flight, but a task queued on it cannot tell its
caller anything. Here the holder says when a wait of its own starts and until when, every
queued task wakes on that news and tells its own listener (kisbot.kis.waits), in its own task,
then queues on. News comes when the holder starts a wait and when it lets go.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kisbot.clock import Clock
from kisbot.kis.waits import announce_token_wait


@dataclass(slots=True)
class _Flight:
    held: bool = False
    waiting_until: datetime | None = None  # when the holder's current wait ends
    news: asyncio.Event = field(default_factory=asyncio.Event)

    def tell(self) -> None:
        news, self.news = self.news, asyncio.Event()
        news.set()


class SingleFlight:
    """A lock per key whose holder's waits are announced to the tasks queued behind it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._flights: dict[Hashable, _Flight] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Be the one task of this process that works on `key`; others queue until it is done."""
        flight = self._flights.setdefault(key, _Flight())
        announced: datetime | None = None
        while flight.held:
            until = flight.waiting_until
            if until is not None and until != announced:
                announce_token_wait(until, self._clock.now())
                announced = until
            await flight.news.wait()
        flight.held = True  # no await since the check: no other task got in between
        try:
            yield
        finally:
            flight.held = False
            flight.waiting_until = None
            flight.tell()

    async def sleep(self, key: Hashable, seconds: float) -> None:
        """The holder of `key` waits; its caller and the tasks queued behind it are told."""
        now = self._clock.now()
        until = now + timedelta(seconds=seconds)
        announce_token_wait(until, now)
        flight = self._flights[key]
        flight.waiting_until = until
        flight.tell()
        try:
            await self._clock.sleep(seconds)
        finally:
            flight.waiting_until = None
