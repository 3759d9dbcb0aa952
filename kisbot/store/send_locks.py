"""Who is sending an outbox message right now: a lock that dies with the process holding it.

An alert message is marked "sending" in the database right before its send and unmarked when
the outcome is recorded. The mark alone cannot tell a send in flight from one whose process was
killed; this lock can: the sender holds it from before the mark until after the outcome, and
the database or the kernel drops it the moment its process dies. So a process that gets the lock
and finds the mark knows the send was orphaned, and resends at once instead of waiting out a
lease long enough to cover the slowest send.

- PostgreSQL: a transaction-scoped advisory lock on (namespace, message id), held on its own
  connection; a killed process's connection closes and the server releases the lock.
- A SQLite file: an flock on one of a few lock files beside the database (message id modulo
  `STRIPES`, so the files do not pile up); the kernel releases it when the process dies.
- Either way, and alone for an in-memory database: the ids this process is sending, so two
  of its own tasks never send one message together.

A process whose database connection breaks in the middle of a send loses its PostgreSQL lock
while it lives; another process may then resend that one message (marked as a possible repeat).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kisbot.store.engine import sqlite_file
from kisbot.store.filelock import lock_dir_for, try_file_lock

STRIPES = 64
_NAMESPACE = 0x6B6F7574  # "kout": the advisory-lock space of outbox sends (an int4)


class SendLocks:
    """One lock per outbox message, taken without waiting."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sending: set[int] = set()
        database = sqlite_file(engine.url.render_as_string(hide_password=False))
        self._lock_dir = None if database is None else lock_dir_for(database)

    @contextlib.asynccontextmanager
    async def hold(self, message_id: int) -> AsyncIterator[bool]:
        """Hold the message's send lock if nobody (no live process) holds it; yields whether
        it is held. Released on leaving, also by an exception."""
        if message_id in self._sending:
            yield False
            return
        self._sending.add(message_id)
        try:
            if self._engine.dialect.name == "postgresql":
                async with self._advisory_lock(message_id) as held:
                    yield held
            elif self._lock_dir is not None:
                with try_file_lock(self._lock_dir / f"outbox-{message_id % STRIPES}.lock") as held:
                    yield held
            else:
                yield True
        finally:
            self._sending.discard(message_id)

    @contextlib.asynccontextmanager
    async def _advisory_lock(self, message_id: int) -> AsyncIterator[bool]:
        async with self._engine.connect() as connection, connection.begin():
            held = await connection.scalar(
                select(func.pg_try_advisory_xact_lock(_NAMESPACE, message_id))
            )
            yield bool(held)
