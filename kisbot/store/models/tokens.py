"""KIS access tokens and WebSocket approval keys, encrypted, keyed by a keyed hash of the app key.

The app key itself is never stored here: `key_hash` is an HMAC whose key derives from the master
key, so the table reveals neither the app key nor which user it belongs to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base


class AccessTokenRow(Base):
    __tablename__ = "access_tokens"
    __table_args__ = (CheckConstraint("environment IN ('real', 'mock')", name="environment"),)

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    environment: Mapped[str] = mapped_column(String(4))
    token_enc: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    issued_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"AccessTokenRow(environment={self.environment}, expires_at={self.expires_at})"


class ApprovalKeyRow(Base):
    """A WebSocket approval key (`/oauth2/Approval`), kept like tokens: encrypted, keyed by the
    HMAC of (app key, environment). KIS reuses one for 24 h; keeping it saves an issuance per
    restart."""

    __tablename__ = "approval_keys"
    __table_args__ = (CheckConstraint("environment IN ('real', 'mock')", name="environment"),)

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    environment: Mapped[str] = mapped_column(String(4))
    approval_key_enc: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    issued_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"ApprovalKeyRow(environment={self.environment}, expires_at={self.expires_at})"
