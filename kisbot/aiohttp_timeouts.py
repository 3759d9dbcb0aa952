"""Four-phase timeouts (read, write, connect, pool), as httpx and PTB give them, for aiohttp.

aiohttp has no write timeout of its own: when every phase is bounded, their sum bounds the whole
exchange, which bounds the write too. Its `connect` includes waiting for a free connection in
the pool, so it gets connect + pool. A caller uses one or two combinations, so each is built once.
"""

from __future__ import annotations

import aiohttp

Phases = tuple[float | None, float | None, float | None, float | None]  # read, write, connect, pool

_MAX_KEPT = 64


class ClientTimeouts:
    """Hands out the aiohttp.ClientTimeout for a combination of the four phases."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[Phases, aiohttp.ClientTimeout] = {}

    def get(
        self, read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        key = (read, write, connect, pool)
        timeout = self._made.get(key)
        if timeout is None:
            finite = None not in key
            timeout = aiohttp.ClientTimeout(
                total=sum(t for t in key if t is not None) if finite else None,
                connect=connect + pool if connect is not None and pool is not None else None,
                sock_connect=connect,
                sock_read=read,
            )
            if len(self._made) < _MAX_KEPT:
                self._made[key] = timeout
        return timeout
