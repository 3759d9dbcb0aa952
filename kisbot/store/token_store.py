"""The KIS layer's TokenStore on the database: tokens survive restarts and are shared.

Issuance is serialized per (app key, environment) across processes: on PostgreSQL with a
transaction-scoped advisory lock; on a SQLite file with an exclusive flock on a small lock file
beside the database (a SQLite write lock would also block every other writer, and the KIS layer
may hold this lock for a minute while it waits out tokenP's rate limit); always also with an
in-process asyncio.Lock so one process's tasks queue without polling.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kisbot.clock import Clock, SystemClock
from kisbot.kis.credentials import Environment
from kisbot.kis.tokens import AccessToken
from kisbot.store.engine import sqlite_file
from kisbot.store.filelock import file_lock, lock_dir_for
from kisbot.store.models import AccessTokenRow
from kisbot.store.vault import Vault


def token_owner(key_hash: str) -> str:
    """The owner a token is bound to inside its ciphertext: its own row."""
    return f"token:{key_hash}"


class DatabaseTokenStore:
    """Tokens in `access_tokens`, encrypted, keyed by the vault's HMAC of app key and env."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        vault: Vault,
        clock: Clock | None = None,
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._vault = vault
        self._clock = clock or SystemClock()
        self._locks: dict[str, asyncio.Lock] = {}
        database = sqlite_file(engine.url.render_as_string(hide_password=False))
        self._lock_dir = None if database is None else lock_dir_for(database)

    async def load(self, app_key: str, environment: Environment) -> AccessToken | None:
        hashes = self._vault.lookup_hashes(app_key, Environment(environment).value)
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(AccessTokenRow).where(AccessTokenRow.key_hash.in_(hashes))
                )
            ).all()
        if not rows:
            return None
        row = max(rows, key=lambda candidate: candidate.issued_at)
        value = self._vault.decrypt(token_owner(row.key_hash), row.token_enc)
        return AccessToken(value=value, expires_at=row.expires_at, issued_at=row.issued_at)

    async def save(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        env = Environment(environment).value
        hashes = self._vault.lookup_hashes(app_key, env)
        row = AccessTokenRow(
            key_hash=hashes[0],
            environment=env,
            token_enc=self._vault.encrypt(token_owner(hashes[0]), token.value),
            key_id=self._vault.key_id,
            expires_at=token.expires_at,
            issued_at=token.issued_at,
            updated_at=self._clock.now(),
        )
        async with self._sessions.begin() as session:
            # Rows under older keys' hashes are the same app key's; one row remains.
            await session.execute(delete(AccessTokenRow).where(AccessTokenRow.key_hash.in_(hashes)))
            session.add(row)

    async def discard(self, app_key: str, environment: Environment, token: AccessToken) -> None:
        hashes = self._vault.lookup_hashes(app_key, Environment(environment).value)
        async with self._sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(AccessTokenRow).where(AccessTokenRow.key_hash.in_(hashes))
                )
            ).all()
            for row in rows:
                # By value, not by time: another process may have saved a newer token since.
                if self._vault.decrypt(token_owner(row.key_hash), row.token_enc) == token.value:
                    await session.delete(row)

    @contextlib.asynccontextmanager
    async def issuance_lock(self, app_key: str, environment: Environment) -> AsyncIterator[None]:
        key_hash = self._vault.lookup_hash(app_key, Environment(environment).value)
        async with self._locks.setdefault(key_hash, asyncio.Lock()):
            if self._engine.dialect.name == "postgresql":
                async with self._advisory_lock(key_hash):
                    yield
            elif self._lock_dir is not None:
                async with file_lock(self._lock_dir / f"token-{key_hash[:32]}.lock"):
                    yield
            else:
                yield

    @contextlib.asynccontextmanager
    async def _advisory_lock(self, key_hash: str) -> AsyncIterator[None]:
        # Released with the transaction, also if the process dies and the connection drops.
        lock_id = int.from_bytes(bytes.fromhex(key_hash[:16]), "big", signed=True)
        async with self._engine.connect() as connection, connection.begin():
            await connection.execute(select(func.pg_advisory_xact_lock(lock_id)))
            yield
