"""Store fixtures: every test runs on SQLite, and on PostgreSQL if KISBOT_TEST_DATABASE_URL is set.

Each database is migrated with Alembic once per session: SQLite into a template file that each
test copies, PostgreSQL in place, with its tables emptied before each test (so a failed run
leaves nothing that breaks the next).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from kisbot.clock import ManualClock
from kisbot.config import Settings, load_settings
from kisbot.store.database import Database, open_database
from kisbot.store.engine import create_engine
from kisbot.store.migrations import upgrade_database
from kisbot.store.models import Base
from kisbot.store.vault import generate_key

PG_URL_VARIABLE = "KISBOT_TEST_DATABASE_URL"
Opener = Callable[..., Awaitable[Database]]
KEY_A = generate_key()
KEY_B = generate_key()


@dataclass(frozen=True, slots=True)
class Backend:
    """One migrated, empty database for the test: its URL and where its files may go."""

    name: str
    url: str
    data_dir: Path

    def settings(self, master_key: str | None = KEY_A) -> Settings:
        environ = {"KISBOT_DATA_DIR": str(self.data_dir), "KISBOT_DATABASE_URL": self.url}
        if master_key is not None:
            environ["KISBOT_MASTER_KEY"] = master_key
        return load_settings(environ)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "kisbot.db"


def migrate_once(url: str) -> None:
    # Session fixtures may first be requested from inside a running loop; migrate on a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, upgrade_database(url)).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kisbot.db"
    migrate_once(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        pytest.skip(f"PostgreSQL store tests need {PG_URL_VARIABLE} (a scratch database URL)")
    migrate_once(url)
    return url


async def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "kisbot.db")
        return Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'kisbot.db'}", tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    await empty_postgres(url)
    return Backend("postgresql", url, tmp_path)


@pytest.fixture
async def opened(backend: Backend) -> AsyncIterator[Opener]:
    """Open Database objects on the backend (each its own engine, like a process); all closed."""
    databases: list[Database] = []

    async def open_one(clock: ManualClock | None = None, master_key: str = KEY_A) -> Database:
        database = await open_database(backend.settings(master_key), clock)
        databases.append(database)
        return database

    yield open_one
    for database in databases:
        await database.close()


@pytest.fixture
async def db(opened: Opener, clock: ManualClock) -> Database:
    """The store on the backend, with the test's manual clock."""
    return await opened(clock)
