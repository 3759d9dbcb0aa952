"""The run lock: every running bot holds it shared; `kisbot rotate-key` needs it alone.

Rotating the master key under a running bot leaves that bot with keys that no longer fit the
data (every command that reads a secret fails) and lets it write new secrets under the old key.
So a bot holds this lock, shared, for as long as it runs, and rotate-key takes it exclusively
or refuses. A bot that starts while a rotation runs waits for it, then reads the rotated data.

- A SQLite file: an flock on `run.lock` in the lock directory beside the database.
- PostgreSQL: a session-level advisory lock on a connection of its own (so bots on several
  machines count). The lock lives as long as that connection: it is checked every
  `check_every` seconds and, if it dropped (say the database restarted), made again and the
  lock taken again; `on_regained` then lets the bot check that its keys still fit, since a
  rotation may have run in between.
- SQLite in memory, or another database: nothing to hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from kisbot.backoff import backoff_delays
from kisbot.store.engine import create_engine, sqlite_file
from kisbot.store.errors import DatabaseInUseError, DatabaseUnavailableError, StoreError
from kisbot.store.filelock import LockBusy, file_lock, lock_dir_for

logger = logging.getLogger(__name__)

RUN_LOCK_ID = 0x6B6973626F7452  # "kisbotR"; the advisory lock every running bot holds shared
_RUN_LOCK_FILE = "run.lock"
_WAIT_SECONDS = 0.5
_IN_USE = "A running kisbot holds this database (`kisbot run`, here or on another machine)."


def _log_waiting() -> None:
    logger.info("a key rotation (`kisbot rotate-key`) is running; waiting for it to finish")


@contextlib.asynccontextmanager
async def hold_run_lock(
    url: str,
    *,
    on_regained: Callable[[], Awaitable[None]] | None = None,
    check_every: float = 30.0,
) -> AsyncIterator[None]:
    """Hold the run lock shared while the body runs (a bot), waiting while a rotation holds it.

    Raises DatabaseUnavailableError if a PostgreSQL database cannot be reached.
    """
    path = sqlite_file(url)
    if path is not None:
        lock_file = lock_dir_for(path) / _RUN_LOCK_FILE
        async with file_lock(lock_file, shared=True, on_wait=_log_waiting):
            yield
    elif make_url(url).get_backend_name() == "postgresql":
        async with _SharedAdvisoryLock(url, on_regained, check_every):
            yield
    else:
        yield


@contextlib.asynccontextmanager
async def exclusive_run_lock(url: str) -> AsyncIterator[None]:
    """Hold the run lock alone while the body runs; raise DatabaseInUseError if a bot holds it."""
    path = sqlite_file(url)
    if path is not None:
        try:
            async with file_lock(lock_dir_for(path) / _RUN_LOCK_FILE, wait=False):
                yield
        except LockBusy:
            raise DatabaseInUseError(_IN_USE) from None
    elif make_url(url).get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            connection = await _connect(engine)
            try:
                if not await connection.scalar(select(func.pg_try_advisory_lock(RUN_LOCK_ID))):
                    raise DatabaseInUseError(_IN_USE)
                yield
            finally:
                await connection.close()  # ends the session, and with it the lock
        finally:
            await engine.dispose()
    else:
        yield


class _SharedAdvisoryLock:
    """The PostgreSQL side of `hold_run_lock`: one connection, its lock, and a watch on both."""

    def __init__(
        self,
        url: str,
        on_regained: Callable[[], Awaitable[None]] | None,
        check_every: float,
    ) -> None:
        self._engine: AsyncEngine = create_engine(url, poolclass=NullPool)
        self._on_regained = on_regained
        self._check_every = check_every
        self._connection: AsyncConnection | None = None
        self._watch: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        try:
            self._connection = await self._lock()
        except BaseException:
            await self._engine.dispose()
            raise
        self._watch = asyncio.create_task(self._keep(), name="run-lock-watch")

    async def __aexit__(self, *exc_info: object) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self._drop_connection()
        await self._engine.dispose()

    async def _lock(self) -> AsyncConnection:
        connection = await _connect(self._engine)
        try:
            waited = False
            while not await connection.scalar(
                select(func.pg_try_advisory_lock_shared(RUN_LOCK_ID))
            ):
                if not waited:
                    _log_waiting()
                    waited = True
                await asyncio.sleep(_WAIT_SECONDS)
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close()
            raise
        return connection

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self._check_every)
            if await self._alive():
                continue
            logger.warning("the database connection that holds the run lock dropped; reconnecting")
            await self._drop_connection()
            self._connection = await self._lock_again()
            logger.info("the run lock is held again")
            if self._on_regained is not None:
                try:
                    await self._on_regained()
                except Exception as exc:  # the watch goes on; the class name only, as elsewhere
                    logger.warning(
                        "the check after regaining the run lock failed (%s)", type(exc).__name__
                    )

    async def _alive(self) -> bool:
        assert self._connection is not None
        try:
            await self._connection.scalar(select(1))
        except Exception:
            return False
        return True

    async def _lock_again(self) -> AsyncConnection:
        delays = backoff_delays()
        while True:
            try:
                return await self._lock()
            except StoreError as error:
                delay = next(delays)
                logger.warning("%s Retrying in %.1f s.", error, delay)
                await asyncio.sleep(delay)

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a dead connection may fail to close
                await connection.close()


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    try:
        connection = await engine.connect()
        return await connection.execution_options(isolation_level="AUTOCOMMIT")
    except Exception as exc:
        # The class name only: driver messages can echo connection parameters.
        raise DatabaseUnavailableError(
            f"Could not reach the database ({type(exc).__name__}). Check KISBOT_DATABASE_URL "
            "and that the database is running."
        ) from exc
