"""A Telegram user of the bot: where to write to them, in which language, on which account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("active_env IN ('real', 'mock')", name="active_env"),
        CheckConstraint("locale IN ('ko', 'en')", name="locale"),
    )

    # The Telegram user id is the identity; it never changes for a person.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str | None] = mapped_column(String(2))  # None: KISBOT_LOCALE applies
    active_env: Mapped[str | None] = mapped_column(String(4))  # None until a key is stored
    # The last short alert number handed out; /alert numbers grow per user and are not reused.
    alert_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"User(id={self.id}, locale={self.locale}, active_env={self.active_env})"
