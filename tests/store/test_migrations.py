"""The Alembic migrations build exactly the models' schema, on both databases."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from kisbot.store.engine import create_engine
from kisbot.store.errors import MigrationError
from kisbot.store.migrations import alembic_config, migrations_dir, upgrade_database
from kisbot.store.models import Base
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
