"""The KIS layer's TokenStore on the database: tokens survive restarts and are shared.

Issuance is serialized per (app key, environment) across processes: on PostgreSQL with a
transaction-scoped advisory lock; on a SQLite file with an exclusive flock on a small lock file
beside the database (a SQLite write lock would also block every other writer); always also with
an in-process asyncio.Lock so one process's tasks queue without polling.

On PostgreSQL the lock lives on a pooled connection, so the holder loads and saves on that same
connection (what `issuance_lock` yields), and the token it saves is committed with the lock's
release. Only a few issuances may hold a connection at once, fewer than the pool keeps (the
pool's own size), so the reads every update makes always find one: when 100 keys need a token
in one alert tick, the rest queue for a moment instead of emptying the pool. The SQLite lock
holds no connection, so there the store yields itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool, QueuePool

from kisbot.clock import Clock, SystemClock
from kisbot.kis.credentials import Environment
from kisbot.kis.tokens import AccessToken, TokenAccess
from kisbot.store.engine import sqlite_file
from kisbot.store.filelock import file_lock, lock_dir_for
from kisbot.store.models import AccessTokenRow
from kisbot.store.vault import Vault

_ROW = (
    AccessTokenRow.key_hash,
    AccessTokenRow.token_enc,
    AccessTokenRow.expires_at,
    AccessTokenRow.issued_at,
)


def token_owner(key_hash: str) -> str:
    """The owner a token is bound to inside its ciphertext: its own row."""
    return f"token:{key_hash}"


def lock_connections(engine: AsyncEngine) -> int | None:
    """How many issuances may hold a connection for their lock at once; None: no bound.

    One fewer than the connections the pool keeps (at least one), so that one of them and all
    the overflow stay free for everything else. A pool without a size (NullPool opens a
    connection per use) needs no bound.
    """
    pool = engine.pool
    if isinstance(pool, NullPool):
        return None
    size = pool.size() if isinstance(pool, QueuePool) else 1
    if size <= 0:  # QueuePool(pool_size=0): no limit
        return None
    return max(1, size - 1)


class DatabaseTokenStore:
    """Tokens in `access_tokens`, encrypted, keyed by the vault's HMAC of app key and env."""

    def __init__(self, engine: AsyncEngine, vault: Vault, clock: Clock | None = None) -> None:
        self._engine = engine
        self._vault = vault
        self._clock = clock or SystemClock()
        self._locks: dict[str, asyncio.Lock] = {}
        bound = lock_connections(engine)
        self._lock_holders = asyncio.Semaphore(bound) if bound is not None else None
        database = sqlite_file(engine.url.render_as_string(hide_password=False))
        self._lock_dir = None if database is None else lock_dir_for(database)

    async def load(self, app_key: str, environment: Environment) -> AccessToken | None:
        async with self._engine.connect() as connection:
            return await _load(connection, self._vault, app_key, environment)

    async def save(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        async with self._engine.begin() as connection:
            await _save(connection, self._vault, self._clock.now(), app_key, environment, token)

    async def discard(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        hashes = self._vault.lookup_hashes(app_key, Environment(environment).value)
        async with self._engine.begin() as connection:
            for row in await _rows(connection, hashes):
                # By value, not by time: another process may have saved a newer token since.
                if self._vault.decrypt(token_owner(row.key_hash), row.token_enc) == token.value:
                    await connection.execute(
                        delete(AccessTokenRow).where(AccessTokenRow.key_hash == row.key_hash)
                    )

    @contextlib.asynccontextmanager
    async def issuance_lock(
        self, app_key: str, environment: Environment
    ) -> AsyncIterator[TokenAccess]:
        key_hash = self._vault.lookup_hash(app_key, Environment(environment).value)
        async with self._locks.setdefault(key_hash, asyncio.Lock()):
            if self._engine.dialect.name == "postgresql":
                async with self._lock_connection(key_hash) as connection:
                    yield _LockedTokens(connection, self._vault, self._clock)
            elif self._lock_dir is not None:
                async with file_lock(self._lock_dir / f"token-{key_hash[:32]}.lock"):
                    yield self
            else:
                yield self

    @contextlib.asynccontextmanager
    async def _lock_connection(self, key_hash: str) -> AsyncIterator[AsyncConnection]:
        # Released with the transaction, also if the process dies and the connection drops.
        lock_id = int.from_bytes(bytes.fromhex(key_hash[:16]), "big", signed=True)
        async with contextlib.AsyncExitStack() as stack:
            if self._lock_holders is not None:
                await stack.enter_async_context(self._lock_holders)
            connection = await stack.enter_async_context(self._engine.connect())
            await stack.enter_async_context(connection.begin())
            await connection.execute(select(func.pg_advisory_xact_lock(lock_id)))
            yield connection


class _LockedTokens:
    """Load and save on the connection that holds the issuance lock, inside its transaction."""

    def __init__(self, connection: AsyncConnection, vault: Vault, clock: Clock) -> None:
        self._connection = connection
        self._vault = vault
        self._clock = clock

    async def load(self, app_key: str, environment: Environment) -> AccessToken | None:
        return await _load(self._connection, self._vault, app_key, environment)

    async def save(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        now = self._clock.now()
        await _save(self._connection, self._vault, now, app_key, environment, token)


async def _load(
    connection: AsyncConnection, vault: Vault, app_key: str, environment: Environment
) -> AccessToken | None:
    hashes = vault.lookup_hashes(app_key, Environment(environment).value)
    rows = await _rows(connection, hashes)
    if not rows:
        return None
    row = max(rows, key=lambda candidate: candidate.issued_at)
    value = vault.decrypt(token_owner(row.key_hash), row.token_enc)
    return AccessToken(value=value, expires_at=row.expires_at, issued_at=row.issued_at)


async def _rows(connection: AsyncConnection, hashes: list[str]) -> Sequence[Row[Any]]:
    query = select(*_ROW).where(AccessTokenRow.key_hash.in_(hashes))
    return (await connection.execute(query)).all()


async def _save(
    connection: AsyncConnection,
    vault: Vault,
    now: datetime,
    app_key: str,
    environment: Environment,
    token: AccessToken,
) -> None:
    env = Environment(environment).value
    hashes = vault.lookup_hashes(app_key, env)
    # Rows under older keys' hashes are the same app key's; one row remains.
    await connection.execute(delete(AccessTokenRow).where(AccessTokenRow.key_hash.in_(hashes)))
    await connection.execute(
        insert(AccessTokenRow).values(
            key_hash=hashes[0],
            environment=env,
            token_enc=vault.encrypt(token_owner(hashes[0]), token.value),
            key_id=vault.key_id,
            expires_at=token.expires_at,
            issued_at=token.issued_at,
            updated_at=now,
        )
    )
