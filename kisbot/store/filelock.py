"""Locks between processes on one machine: flock on a small file.

Used where SQLite has no lock of its own that fits: token issuance per app key, migrating, and
the alert outbox's send locks, and the run lock (every running bot holds it shared; key
rotation needs it alone). Closing the descriptor (or the process dying) releases the lock, so a
crash never leaves it held.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per SQLite file then
    fcntl = None  # type: ignore[assignment]

_POLL_SECONDS = 0.02


class LockBusy(Exception):
    """The lock is held by another process (raised only when not waiting for it)."""


def lock_dir_for(database: Path) -> Path:
    """The directory of lock files that belongs to this SQLite database file."""
    return database.with_name(database.name + ".locks")


@contextlib.asynccontextmanager
async def file_lock(
    path: Path,
    *,
    shared: bool = False,
    wait: bool = True,
    on_wait: Callable[[], None] | None = None,
) -> AsyncIterator[None]:
    """Hold an flock on `path`, exclusive unless `shared`.

    While another process holds it in a conflicting mode, wait (without blocking the loop,
    calling `on_wait` once) or, with `wait=False`, raise LockBusy at once.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise LockBusy(str(path)) from None
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                await asyncio.sleep(_POLL_SECONDS)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def try_file_lock(path: Path) -> Iterator[bool]:
    """Hold an exclusive flock on `path` if nobody holds it right now; yields whether it is held."""
    if fcntl is None:  # pragma: no cover
        yield True
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)
