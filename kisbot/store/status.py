"""`kisbot status`: the running bots on the configured database and the app keys each owns.

It reads what `kisbot run` reads (KISBOT_* settings) and changes nothing: on PostgreSQL the
ownership locks in pg_locks (kisbot.store.ownership) and the stored credentials, whose app keys
it names by their labels (APPK…real), never by a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from kisbot.config import ConfigError, Settings, load_settings
from kisbot.store.database import open_database
from kisbot.store.engine import create_engine
from kisbot.store.errors import StoreError
from kisbot.store.ownership import lock_object, read_census
from kisbot.store.vault import master_key_configured

_SESSIONS = text(
    "SELECT pid, application_name, backend_start FROM pg_stat_activity "
    "WHERE pid = ANY(CAST(:pids AS int[]))"
)


@dataclass(frozen=True, slots=True)
class BotProcess:
    """One running bot as its ownership connection shows it."""

    name: str  # "kisbot HOST:PID"
    since: datetime | None
    keys: list[str]  # labels of the keys it owns
    unnamed: int  # keys it owns that no stored credential names (deleted since, say)


@dataclass(frozen=True, slots=True)
class OwnershipStatus:
    """What `kisbot status` prints, as plain data."""

    database: str  # the URL without its password
    shared: bool  # PostgreSQL: keys are shared out among processes
    processes: list[BotProcess]
    stored: list[str]  # labels of every stored app key
    unowned: list[str]  # labels of stored app keys that no process owns
    labels_known: bool  # False when no master key is configured (nothing can be named)


async def read_status(settings: Settings) -> OwnershipStatus:
    """The ownership of the app keys stored in the database of these settings."""
    url = settings.resolved_database_url
    found = await _stored_labels(settings)
    labels = found or {}
    parsed = make_url(url)
    database = parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)
    stored = sorted(labels.values())
    if parsed.get_backend_name() != "postgresql":
        return OwnershipStatus(database, False, [], stored, [], found is not None)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            processes, owned = await _processes(connection, labels)
    finally:
        await engine.dispose()
    unowned = sorted(label for key, label in labels.items() if key not in owned)
    return OwnershipStatus(database, True, processes, stored, unowned, found is not None)


async def _stored_labels(settings: Settings) -> dict[str, str] | None:
    if not master_key_configured(settings):
        return None  # no key, so no secret can be stored either (and none is generated here)
    database = await open_database(settings)
    try:
        return await database.stored_key_labels()
    finally:
        await database.close()


async def _processes(
    connection: AsyncConnection, labels: dict[str, str]
) -> tuple[list[BotProcess], set[str]]:
    """The live bots with the keys each owns, and the hashes of every owned stored key."""
    census = await read_census(connection)
    by_lock = {lock_object(key): key for key in labels}
    sessions = await connection.execute(_SESSIONS, {"pids": sorted(census.processes)})
    found: list[BotProcess] = []
    owned: set[str] = set()
    for pid, name, since in sorted(sessions, key=lambda row: row[2]):
        held = census.held_by(pid)
        keys = {by_lock[lock] for lock in held if lock in by_lock}
        owned |= keys
        names = sorted(labels[key] for key in keys)
        found.append(BotProcess(name or f"pid {pid}", since, names, len(held) - len(keys)))
    return found, owned


def render_status(status: OwnershipStatus) -> str:
    """The report as lines of text."""
    lines = [f"Database: {status.database}"]
    if not status.labels_known:
        lines.append("No master key is configured here, so no app key is stored to name.")
    if not status.shared:
        lines.append(
            "SQLite: one process (`kisbot run`) serves this database and owns every app key "
            f"({_keys(status.stored)})."
        )
        return "\n".join(lines)
    if not status.processes:
        lines.append("No kisbot process is running on this database.")
    else:
        lines.append(f"{len(status.processes)} kisbot process(es) running:")
    for process in status.processes:
        since = f", since {process.since:%Y-%m-%d %H:%M:%S %Z}" if process.since else ""
        owned = _keys(process.keys)
        if process.unnamed:
            owned += f" and {process.unnamed} key(s) no longer stored"
        lines.append(f"  {process.name}{since}: owns {owned}")
    if status.labels_known:
        lines.append(f"Stored app keys that no process owns: {_keys(status.unowned)}")
    return "\n".join(lines)


def _keys(labels: list[str]) -> str:
    return f"{len(labels)} key(s)" + (f": {', '.join(labels)}" if labels else "")


def main(argv: list[str]) -> int:
    """`kisbot status`: print which running bots own which app keys."""
    argparse.ArgumentParser(
        prog="kisbot status",
        description="Show the kisbot processes running on the configured database "
        "(KISBOT_DATABASE_URL) and the app keys each of them owns. Changes nothing.",
    ).parse_args(argv)
    try:
        status = asyncio.run(read_status(load_settings()))
    except (ConfigError, StoreError) as exc:
        print(f"kisbot: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the class name only: driver messages may echo the URL
        print(
            f"kisbot: could not read the database ({type(exc).__name__}). Check "
            "KISBOT_DATABASE_URL and run `kisbot db upgrade`.",
            file=sys.stderr,
        )
        return 1
    print(render_status(status))
    return 0
