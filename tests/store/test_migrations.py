"""The Alembic migrations build exactly the models' schema, on both databases."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, insert, table, text

from alembic import command
from kisbot.store.database import open_database
from kisbot.store.engine import create_engine
from kisbot.store.errors import MigrationError
from kisbot.store.migrations import alembic_config, migrations_dir, upgrade_database
from kisbot.store.models import Base
from kisbot.store.types import UTCDateTime
from tests.store.conftest import Backend


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_the_migrations(backend: Backend) -> None:
    engine = create_engine(backend.url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_upgrade_on_a_fresh_sqlite_file_enables_wal_and_keeps_app_loggers(
    tmp_path: Path,
) -> None:
    app_logger = logging.getLogger("kisbot.app")
    url = f"sqlite+aiosqlite:///{tmp_path / 'new' / 'kisbot.db'}"
    await upgrade_database(url)
    await upgrade_database(url)  # a second start finds nothing to do
    assert not app_logger.disabled
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        await engine.dispose()


async def test_unreachable_database_fails_without_echoing_the_password() -> None:
    with pytest.raises(MigrationError) as error:
        await upgrade_database("postgresql+asyncpg://kisbot:hunter2pw@127.0.0.1:9/kisbot")
    assert "hunter2pw" not in str(error.value)
    assert "KISBOT_DATABASE_URL" in str(error.value)


def test_migrations_are_found_in_the_repository_when_not_installed_as_a_wheel() -> None:
    assert (migrations_dir() / "env.py").is_file()
    assert list((migrations_dir() / "versions").glob("*.py"))


async def test_two_processes_starting_together_both_migrate_a_new_sqlite_file(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kisbot.db'}"
    await asyncio.gather(upgrade_database(url), upgrade_database(url))
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def _downgrade(url: str, revision: str) -> None:
    engine = create_engine(url, foreign_keys=False)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
    finally:
        await engine.dispose()


async def _queue_a_message_by_hand(url: str) -> None:
    # Core on plain tables: the models describe the newest schema, not this one.
    now = datetime.now(UTC)
    users = table(
        "users",
        column("id"),
        column("created_at", UTCDateTime()),
        column("updated_at", UTCDateTime()),
    )
    outbox = table(
        "alert_outbox",
        *(column(name) for name in ("user_id", "chat_id", "text", "attempts")),
        column("created_at", UTCDateTime()),
    )
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(users).values(id=501, created_at=now, updated_at=now))
            await connection.execute(
                insert(outbox).values(
                    user_id=501, chat_id=501, text="waiting", attempts=0, created_at=now
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_from_0002_keeps_waiting_alert_messages_as_plain_sends(
    backend: Backend,
) -> None:
    await _downgrade(backend.url, "0002")
    try:
        await _queue_a_message_by_hand(backend.url)
        await _downgrade(backend.url, "0001")  # the row survives SQLite's table rebuilds
    finally:
        await upgrade_database(backend.url)
    database = await open_database(backend.settings())
    try:
        [message] = await database.outbox.pending()
    finally:
        await database.close()
    assert (message.text, message.sending_at, message.possible_repeat) == ("waiting", None, False)
