"""Alembic environment for kisbot, used by `kisbot db upgrade`, `kisbot run` and developers.

From code (kisbot.store.migrations) a connection arrives in `config.attributes`; from the
`alembic` command line the URL comes from KISBOT_DATABASE_URL (or the default SQLite file).
"""

from __future__ import annotations

import asyncio
import logging.config
from typing import Any, Literal

from sqlalchemy import Connection

from alembic import context
from kisbot.store.models import Base
from kisbot.store.types import DecimalText, UTCDateTime

config = context.config
target_metadata = Base.metadata

# Only the developer's `alembic` command configures logging from alembic.ini; when kisbot
# migrates at start, fileConfig would silence the application's own loggers.
if config.config_file_name is not None and "connection" not in config.attributes:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    from kisbot.config import load_settings

    return load_settings().resolved_database_url


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    # Autogenerate writes kisbot's column types as the plain types they store.
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, DecimalText):
        return "sa.String(length=40)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by recreating them
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_new_engine() -> None:
    from kisbot.store.engine import create_engine

    engine = create_engine(_database_url(), foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif "connection" in config.attributes:
    _run(config.attributes["connection"])
else:
    asyncio.run(_run_with_new_engine())
