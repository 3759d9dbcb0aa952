"""Where access tokens are kept between calls, restarts and processes.

The KIS layer asks a `TokenStore` for a token before issuing one, and holds the store's issuance
lock while it issues, so that one process (or, with the database store, one of several
processes) issues at a time. `MemoryTokenStore` serves a single process; `kisbot.store`
implements the same interface on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kisbot.kis.credentials import Environment


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A KIS access token and when KIS says it expires (`access_token_token_expired`)."""

    value: str = field(repr=False)
    expires_at: datetime
    issued_at: datetime

    def __repr__(self) -> str:
        return f"AccessToken(expires_at={self.expires_at.isoformat()})"


class TokenStore(Protocol):
    async def load(self, app_key: str, environment: Environment) -> AccessToken | None:
        """The stored token for this app key, or None."""
        ...

    async def save(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        """Keep this token, replacing any earlier one for the app key."""
        ...

    async def discard(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        """Forget this token (revoked) if it is still the stored one; a newer one stays."""
        ...

    def issuance_lock(
        self, app_key: str, environment: Environment
    ) -> AbstractAsyncContextManager[None]:
        """Held while a token is issued for this app key; one holder at a time."""
        ...


class MemoryTokenStore:
    """Tokens in a dict and one asyncio.Lock per app key: enough for one process."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, Environment], AccessToken] = {}
        self._locks: dict[tuple[str, Environment], asyncio.Lock] = {}

    async def load(self, app_key: str, environment: Environment) -> AccessToken | None:
        return self._tokens.get((app_key, environment))

    async def save(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        self._tokens[(app_key, environment)] = token

    async def discard(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        if self._tokens.get((app_key, environment)) == token:
            del self._tokens[(app_key, environment)]

    @asynccontextmanager
    async def issuance_lock(self, app_key: str, environment: Environment) -> AsyncIterator[None]:
        lock = self._locks.setdefault((app_key, environment), asyncio.Lock())
        async with lock:
            yield
