"""App-key ownership: each app key in use is served by exactly one running bot.

KIS allows one WebSocket session per app key, and two bots polling one key would spend its rate
limit twice, so when several `kisbot run` share one PostgreSQL each key in use is owned by one
of them: the owner holds that key's WebSocket session, its alert polling and its fill polling.

- PostgreSQL: owning a key is holding a session-level advisory lock in the two-int form
  (OWNER_CLASS, 31 bits of the key's lookup hash) on one connection of the process's own, not
  from the pool. On that connection every process also holds (PROCESS_CLASS, 0) shared: the
  live processes are the holders of that lock in pg_locks. A process that dies (kill -9, a
  lost host) stops counting, and its keys come free, the moment PostgreSQL ends its session;
  the connection asks the server to probe the client every few seconds, so a silent host is
  noticed too. `rebalance` is called every few seconds by the runner with the keys in use.
- SQLite, or any other database: one process, which owns every key; no lock, no task.

Balancing never waits on a lock and never takes a key another process holds: each process
claims free keys up to its share, ceil(keys / live processes), and releases only what exceeds
it. The shares add up to at least the number of keys, so every key finds an owner; and a key
moves only when its holder is above its share, so in a steady state nothing moves at all.
Token issuance (kisbot.store.token_store) locks per key in the one-bigint form, a separate
lock space in PostgreSQL, so the two never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import socket
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from kisbot.backoff import backoff_delays
from kisbot.clock import Clock, SystemClock
from kisbot.kis.credentials import Credential
from kisbot.store.engine import create_engine
from kisbot.store.errors import DatabaseUnavailableError
from kisbot.store.vault import Vault

logger = logging.getLogger(__name__)

OWNER_CLASS = 0x6B69734F  # "kisO": (OWNER_CLASS, key) is held by the key's owner
PROCESS_CLASS = 0x6B697350  # "kisP": (PROCESS_CLASS, 0) is held shared by every live process
APPLICATION_PREFIX = "kisbot "  # application_name of the ownership connection: "kisbot host:pid"
_QUERY_TIMEOUT = 5.0  # a database that does not answer within this is treated as lost
# Server-side TCP keepalive: PostgreSQL ends the session of a host that went silent (and frees
# its keys) after about idle + interval * count seconds.
_KEEPALIVE = {
    "tcp_keepalives_idle": "4",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "2",
}

_CENSUS = text(
    "SELECT classid::bigint AS lock_class, objid::bigint AS lock_object, pid FROM pg_locks "
    "WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid::bigint IN (:owner, :process)"
)
_CLAIM = text(
    "SELECT o, pg_try_advisory_lock(:owner, o) AS taken FROM unnest(CAST(:objects AS int[])) AS o"
)
_RELEASE = text("SELECT pg_advisory_unlock(:owner, o) FROM unnest(CAST(:objects AS int[])) AS o")


def key_hash(vault: Vault, credential: Credential) -> str:
    """The id ownership knows a credential's app key by: the vault's lookup hash of it."""
    return vault.lookup_hash(credential.app_key, credential.environment.value)


def key_labels(vault: Vault, credentials: Iterable[Credential]) -> dict[str, str]:
    """Each credential's key hash and its non-secret label (APPK…real), for logs and status."""
    return {key_hash(vault, credential): credential.key_id for credential in credentials}


def lock_object(key: str) -> int:
    """The advisory lock object of a key hash: 31 bits, so pg_locks shows it as it was given."""
    return int(key[:8], 16) & 0x7FFFFFFF


def describe_owned(owned: Collection[str], labels: Mapping[str, str]) -> str:
    """`this process owns N keys: APPK…real, …`, with labels only (never a hash or a secret)."""
    names = sorted(labels.get(key, "(unlabelled)") for key in owned)
    return f"this process owns {len(names)} keys" + (f": {', '.join(names)}" if names else "")


@dataclass(frozen=True, slots=True)
class Census:
    """Who holds what, as pg_locks says: the live processes and each key lock's holder."""

    processes: frozenset[int]  # backend pids of the ownership connections
    holders: dict[int, int]  # lock object -> backend pid

    def held_by(self, pid: int) -> set[int]:
        return {lock for lock, holder in self.holders.items() if holder == pid}


async def read_census(connection: AsyncConnection) -> Census:
    """The ownership locks held in this database, read in one query."""
    rows = await connection.execute(_CENSUS, {"owner": OWNER_CLASS, "process": PROCESS_CLASS})
    processes: set[int] = set()
    holders: dict[int, int] = {}
    for lock_class, lock_object_, pid in rows:
        if lock_class == PROCESS_CLASS:
            processes.add(pid)
        else:
            holders[lock_object_] = pid
    return Census(frozenset(processes), holders)


class KeyOwnership:
    """The keys this process owns. This base is the one-process case: it owns every key."""

    def __init__(self) -> None:
        self._owned: frozenset[str] = frozenset()
        self._announced: frozenset[str] | None = None

    async def start(self) -> None:
        """Begin taking part (on PostgreSQL: connect and count as a live process)."""

    async def stop(self) -> None:
        """Release every key and stop taking part."""
        self._owned = frozenset()

    async def rebalance(self, keys: Collection[str]) -> frozenset[str]:
        """Claim and release so this process owns its fair share of `keys`; returns what it
        owns now. Never waits on another process."""
        self._owned = frozenset(keys)
        return self._owned

    def owns(self, key: str) -> bool:
        return True

    def owned(self) -> frozenset[str]:
        """The keys owned as of the last rebalance (empty once ownership was lost)."""
        return self._owned

    def announce(self, labels: Mapping[str, str]) -> None:
        """Log `this process owns N keys: …` the first time, and again whenever it changed."""
        if self._announced == self._owned:
            return
        self._announced = self._owned
        logger.info("%s", describe_owned(self._owned, labels))


class SharedOwnership(KeyOwnership):
    """Ownership among the processes that share one PostgreSQL database (see the module)."""

    def __init__(self, url: str, clock: Clock | None = None, *, name: str | None = None) -> None:
        super().__init__()
        self._engine: AsyncEngine = create_engine(url, poolclass=NullPool)
        self._clock = clock or SystemClock()
        self._name = (name or f"{APPLICATION_PREFIX}{socket.gethostname()}:{os.getpid()}")[:63]
        self._connection: AsyncConnection | None = None
        self._pid = 0
        self._delays = backoff_delays(first=1.0, cap=15.0)
        self._retry_at = 0.0
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect and count as a live process; raise DatabaseUnavailableError if unreachable."""
        async with self._lock:
            await self._connect()

    async def stop(self) -> None:
        async with self._lock:
            await self._disconnect()
        await self._engine.dispose()

    async def rebalance(self, keys: Collection[str]) -> frozenset[str]:
        async with self._lock:
            if self._connection is None and not await self._reconnect():
                return self._owned
            try:
                async with asyncio.timeout(_QUERY_TIMEOUT):
                    self._owned = await self._balance(frozenset(keys))
            except Exception as exc:  # the class name only: driver messages may echo the URL
                logger.warning(
                    "the database connection that holds app-key ownership was lost (%s); this "
                    "process owns no key until it reconnects",
                    type(exc).__name__,
                )
                await self._disconnect()
            return self._owned

    def owns(self, key: str) -> bool:
        return key in self._owned

    async def _balance(self, keys: frozenset[str]) -> frozenset[str]:
        assert self._connection is not None
        objects = {key: lock_object(key) for key in keys}
        census = await read_census(self._connection)
        mine = census.held_by(self._pid)
        share = math.ceil(len(keys) / max(1, len(census.processes)))
        kept = sorted(key for key, lock in objects.items() if lock in mine)
        kept, excess = kept[:share], kept[share:]
        released = {objects[key] for key in excess} | (mine - set(objects.values()))
        await self._release(released)
        free = list({lock for lock in objects.values() if lock not in census.holders})
        random.shuffle(free)  # processes claiming at once mostly try different keys
        taken = await self._claim(free[: max(0, share - len(kept))])
        return frozenset(key for key, lock in objects.items() if lock in taken) | frozenset(kept)

    async def _claim(self, locks: list[int]) -> set[int]:
        if not locks:
            return set()
        assert self._connection is not None
        params = {"owner": OWNER_CLASS, "objects": locks}
        return {lock for lock, taken in await self._connection.execute(_CLAIM, params) if taken}

    async def _release(self, locks: set[int]) -> None:
        if locks:
            assert self._connection is not None
            params = {"owner": OWNER_CLASS, "objects": sorted(locks)}
            await self._connection.execute(_RELEASE, params)

    async def _reconnect(self) -> bool:
        if self._clock.monotonic() < self._retry_at:
            return False
        try:
            await self._connect()
        except DatabaseUnavailableError as error:
            delay = next(self._delays)
            self._retry_at = self._clock.monotonic() + delay
            logger.warning("%s Retrying app-key ownership in %.1f s.", error, delay)
            return False
        logger.info("app-key ownership is connected again; claiming keys")
        return True

    async def _connect(self) -> None:
        try:
            async with asyncio.timeout(_QUERY_TIMEOUT):
                connection = await self._engine.connect()
                try:
                    connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    self._pid = await self._join(connection)
                except BaseException:
                    await _close(connection)
                    raise
        except Exception as exc:
            # The class name only: driver messages can echo connection parameters.
            raise DatabaseUnavailableError(
                f"Could not reach the database for app-key ownership ({type(exc).__name__})."
            ) from exc
        self._connection = connection
        self._delays = backoff_delays(first=1.0, cap=15.0)

    async def _join(self, connection: AsyncConnection) -> int:
        settings = {"application_name": self._name, **_KEEPALIVE}
        for name, value in settings.items():
            await connection.execute(
                text("SELECT set_config(:name, :value, false)"), {"name": name, "value": value}
            )
        await connection.execute(
            text("SELECT pg_advisory_lock_shared(:process, 0)"), {"process": PROCESS_CLASS}
        )
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        self._owned = frozenset()
        if connection is not None:
            await _close(connection)  # ends the session, and with it every lock it held


async def _close(connection: AsyncConnection) -> None:
    with contextlib.suppress(Exception):  # a dead connection may fail to close, or hang
        async with asyncio.timeout(1.0):
            await connection.close()
            return
    with contextlib.suppress(Exception):
        await connection.invalidate()


def key_ownership(url: str, clock: Clock | None = None) -> KeyOwnership:
    """Ownership for the database at `url`: shared on PostgreSQL, every key otherwise."""
    if make_url(url).get_backend_name() == "postgresql":
        return SharedOwnership(url, clock)
    return KeyOwnership()
