"""Two-step confirmations (확인): the record of anything a user must confirm, and its outcome.

A row is created pending with an expiry; exactly one press moves it to submitting (a conditional
UPDATE); the outcome (KIS order number, or msg_cd/msg1 of a refusal, or unknown on a timeout)
is recorded on the same row, which stays as the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base
from kisbot.store.types import DecimalText

CONFIRMATION_KINDS = ("order", "cancel", "modify", "switch_real", "forget")
CONFIRMATION_STATES = (
    "pending",
    "submitting",
    "submitted",
    "failed",
    "unknown",
    "cancelled",
    "expired",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Confirmation(Base):
    __tablename__ = "confirmations"
    __table_args__ = (
        CheckConstraint(_in("kind", CONFIRMATION_KINDS), name="kind"),
        CheckConstraint(_in("state", CONFIRMATION_STATES), name="state"),
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
        CheckConstraint("environment IN ('real', 'mock')", name="environment"),
        CheckConstraint("venue IN ('KRX', 'NXT', 'SOR')", name="venue"),
        Index("ix_confirmations_state_expires_at", "state", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random; in callback data
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    environment: Mapped[str | None] = mapped_column(String(4))  # the account it acts on
    side: Mapped[str | None] = mapped_column(String(4))
    code: Mapped[str | None] = mapped_column(String(24))  # a security key: 005930, NAS.AAPL
    quantity: Mapped[int | None] = mapped_column(BigInteger)
    price: Mapped[int | None] = mapped_column(BigInteger)  # won; None for a market order
    # An overseas limit, exact, in the stock's currency (KRX orders use `price`).
    unit_price: Mapped[Decimal | None] = mapped_column(DecimalText())
    order_type: Mapped[str | None] = mapped_column(String(16))
    venue: Mapped[str | None] = mapped_column(String(3))  # EXCG_ID_DVSN_CD; None: KRX (older)
    target_order_no: Mapped[str | None] = mapped_column(String(20))  # cancel/modify
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the message to edit
    kis_order_no: Mapped[str | None] = mapped_column(String(20))
    kis_org_no: Mapped[str | None] = mapped_column(String(10))
    msg_cd: Mapped[str | None] = mapped_column(String(16))
    msg1: Mapped[str | None] = mapped_column(Text)
    # What KIS has said of a submitted order since (fill notices): how far it got, and how
    # much of it has filled. Only ever moves forward (kisbot.fills).
    progress: Mapped[str | None] = mapped_column(String(16))
    filled_quantity: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]  # pending -> submitting
    finished_at: Mapped[datetime | None]  # outcome recorded, cancelled or expired
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return (
            f"Confirmation(id={self.id}, kind={self.kind}, state={self.state}, "
            f"side={self.side}, code={self.code}, quantity={self.quantity}, price={self.price})"
        )
