"""Messages decided but not yet delivered (fired alerts, order notices): retried, never lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base


class OutboxMessage(Base):
    __tablename__ = "alert_outbox"
    __table_args__ = (Index("ix_alert_outbox_delivered_at_id", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    alert_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("alerts.id", ondelete="SET NULL")
    )
    # Set for messages that must exist once whoever decides them, and however often (an order
    # notice: user, day, order number, kind, quantity); a second enqueue with it adds nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    # The message this one answers (an order's confirmation), if any.
    reply_to_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A plain fallback text; `payload` (JSON) is what the bot renders in the user's language
    # when it delivers, so a /lang change between firing and delivery is honoured.
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    # Not tried again before this time (Telegram's RetryAfter). None means due now.
    next_attempt_at: Mapped[datetime | None]
    # Set, in a commit of its own, right before a send; cleared with the send's outcome. Found
    # set by a process holding the message's send lock (kisbot.store.send_locks), it means the
    # sender died mid-send: Telegram may have the message already.
    sending_at: Mapped[datetime | None]
    # An earlier send may have reached the user (see sending_at): the message then says so.
    possible_repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set while the user has blocked the bot; released when they come back.
    held_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"OutboxMessage(id={self.id}, user_id={self.user_id}, attempts={self.attempts})"
