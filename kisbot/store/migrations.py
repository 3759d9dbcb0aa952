"""Running the Alembic migrations from code: `kisbot db upgrade` and `kisbot run` at start.

The migrations live in the repository's `alembic/` and travel inside the wheel as
`kisbot/_migrations`; the Alembic configuration is built here, so nothing at run time reads
alembic.ini (which is for developers).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, func, select

import kisbot
from alembic import command
from kisbot.store.engine import create_engine, sqlite_file
from kisbot.store.errors import MigrationError
from kisbot.store.filelock import file_lock, lock_dir_for

logger = logging.getLogger(__name__)

_MIGRATION_LOCK_ID = 0x6B6973626F74  # "kisbot"; the advisory lock taken while migrating


def migrations_dir() -> Path:
    """Where the migration scripts are: inside the installed package, else the repository."""
    package_dir = Path(kisbot.__file__).resolve().parent
    shipped = package_dir / "_migrations"
    if shipped.is_dir():
        return shipped
    return package_dir.parent / "alembic"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config for these migrations; env.py takes the URL or connection from it."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url is not None:
        config.attributes["database_url"] = url
    return config


async def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; raise MigrationError if that fails."""
    engine = create_engine(url, foreign_keys=False)
    database = sqlite_file(url)
    try:
        # SQLite runs DDL outside a transaction: two processes starting at once take turns.
        async with contextlib.AsyncExitStack() as stack:
            if database is not None:
                await stack.enter_async_context(file_lock(lock_dir_for(database) / "migrate.lock"))
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade, alembic_config(url), revision)
    except MigrationError:
        raise
    except Exception as exc:
        # The class name only: driver messages can echo connection parameters.
        raise MigrationError(
            f"Could not migrate the database ({type(exc).__name__}). Check KISBOT_DATABASE_URL "
            "and that the database is reachable and writable."
        ) from exc
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Two processes starting together: the second waits, then finds nothing to do.
        connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_ID)))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    logger.info("database schema is at %s", revision)
