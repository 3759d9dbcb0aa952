"""Price alerts: the table is the truth; the scheduler only ticks over it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base
from kisbot.store.types import DecimalText

ALERT_KINDS = ("above", "below", "percent")
ALERT_STATES = ("active", "fired", "paused")


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("user_id", "number"),
        CheckConstraint("kind IN ('above', 'below', 'percent')", name="kind"),
        CheckConstraint("state IN ('active', 'fired', 'paused')", name="state"),
        Index("ix_alerts_state_code", "state", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # the short id the user sees and /unalert takes
    code: Mapped[str] = mapped_column(String(24))  # a security key: 005930, NAS.AAPL
    kind: Mapped[str] = mapped_column(String(8))
    # Won for above/below; percent (e.g. 5 or -3.5) for percent alerts.
    threshold: Mapped[Decimal] = mapped_column(DecimalText())
    reference_price: Mapped[int | None] = mapped_column(BigInteger)  # percent alerts only
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(8), default="active")
    cooldown_seconds: Mapped[int] = mapped_column(Integer, default=0)
    last_fired_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return (
            f"Alert(user_id={self.user_id}, number={self.number}, code={self.code}, "
            f"kind={self.kind}, threshold={self.threshold}, state={self.state})"
        )
