"""Call slots shared by every process: one row per budget (a KIS app key, the Telegram bot)."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base


class RateBudgetRow(Base):
    """The earliest time (Unix seconds) the budget's next call may start.

    `name` is "kis:" plus the keyed hash of (app key, environment), or "telegram:" plus the bot
    id: never a secret. On PostgreSQL the table is UNLOGGED (migration 0005): after a crash it
    comes back empty, which only forgets slots that have passed anyway.
    """

    __tablename__ = "rate_budgets"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_free: Mapped[float] = mapped_column(Float(precision=53))

    def __repr__(self) -> str:
        return f"RateBudgetRow(name={self.name!r}, next_free={self.next_free})"
