"""A user's KIS app key pair and account for one environment, encrypted by the vault."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kisbot.store.base import Base


class CredentialRow(Base):
    __tablename__ = "credentials"
    __table_args__ = (
        CheckConstraint("environment IN ('real', 'mock')", name="environment"),
        # At most one credential per user and environment; /setkey replaces it.
        UniqueConstraint("user_id", "environment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    environment: Mapped[str] = mapped_column(String(4))
    app_key_enc: Mapped[str] = mapped_column(Text)
    app_secret_enc: Mapped[str] = mapped_column(Text)
    account_enc: Mapped[str] = mapped_column(Text)
    hts_id_enc: Mapped[str | None] = mapped_column(Text)  # the KIS login ID, for fill notices
    # The vault's HMAC of (app key, environment), as tokens are keyed: which app keys are in
    # use, without decrypting them (process ownership of keys). Written with the secrets.
    key_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    key_id: Mapped[str] = mapped_column(String(16))  # which master key encrypted them
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"CredentialRow(user_id={self.user_id}, environment={self.environment})"
