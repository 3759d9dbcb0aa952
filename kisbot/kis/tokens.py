"""Where access tokens are kept between calls, restarts and processes.

The KIS layer asks a `TokenStore` for a token before issuing one, and holds the store's issuance
lock while it issues, so that one process (or, with the database store, one of several
processes) issues at a time. Under the lock it reads and writes through what the lock yields (a
`TokenAccess`): a database store hands out the connection that holds its lock, so an issuance
takes one connection, not two. `MemoryTokenStore` serves a single process and yields itself;
`kisbot.store` implements the same interface on the database.
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


class TokenAccess(Protocol):
    """Reading and keeping tokens: a whole store, or what its issuance lock yields."""

    async def load(self, app_key: str, environment: Environment) -> AccessToken | None:
        """The stored token for this app key, or None."""
        ...

    async def save(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        """Keep this token, replacing any earlier one for the app key."""
        ...


class TokenStore(TokenAccess, Protocol):
    """The one contract between the KIS layer and whatever keeps its tokens."""

    async def discard(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        """Forget this token (revoked) if it is still the stored one; a newer one stays."""
        ...

    def issuance_lock(
        self, app_key: str, environment: Environment
    ) -> AbstractAsyncContextManager[TokenAccess]:
        """Held while a token is issued for this app key; one holder at a time.

        The holder loads and saves through what this yields, never through the store itself:
        a store whose lock lives on a database connection yields that connection's load and
        save, and one whose lock holds nothing may yield itself. A save becomes visible to
        other processes no later than the lock's release. The KIS layer holds it for one
        tokenP call and waits out KIS's one-a-minute window before taking it, so a store may
        bound how many holders it admits at once (they then queue).
        """
        ...


class MemoryTokenStore:
    """Tokens in a dict and one asyncio.Lock per app key: enough for one process.

    Its issuance lock yields the store itself: there is no connection to share.
    """

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
    async def issuance_lock(
        self, app_key: str, environment: Environment
    ) -> AsyncIterator[MemoryTokenStore]:
        lock = self._locks.setdefault((app_key, environment), asyncio.Lock())
        async with lock:
            yield self
