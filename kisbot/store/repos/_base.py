"""What every repository holds: the session factory and the clock that stamps its rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Row, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kisbot.clock import Clock, SystemClock
from kisbot.store.models import User


class Repo:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None
    ) -> None:
        self._sessions = sessions
        self._clock = clock or SystemClock()

    def _now(self) -> datetime:
        return self._clock.now()

    async def _first_row(self, statement: Executable, params: Mapping[str, Any]) -> Row[Any] | None:
        """The first row of a read-only Core query, run on a plain connection.

        Every update reads the user's language and active credential; a connection does that
        for about half the CPU of an ORM Session (0.2 against 0.4 ms on SQLite here).
        """
        engine: AsyncEngine = self._sessions.kw["bind"]
        async with engine.connect() as connection:
            return (await connection.execute(statement, params)).first()


async def ensure_user(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Insert the user row if it is missing; a concurrent insert of the same user is fine."""
    values = {"id": user_id, "created_at": now, "updated_at": now, "alert_seq": 0}
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        await session.execute(pg_insert(User).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        await session.execute(sqlite_insert(User).values(values).on_conflict_do_nothing())
    elif await session.get(User, user_id) is None:
        await session.execute(insert(User).values(values))
