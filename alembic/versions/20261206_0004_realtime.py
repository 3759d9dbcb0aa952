"""Real time and several processes: the HTS ID and key hash on credentials, approval keys,
notice dedupe and order progress.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hts_id_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("key_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_credentials_key_hash"), ["key_hash"], unique=False)
    op.create_table(
        "approval_keys",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.Column("approval_key_enc", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "environment IN ('real', 'mock')", name=op.f("ck_approval_keys_environment")
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_approval_keys")),
    )
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("reply_to_message_id", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_alert_outbox_dedupe_key"), ["dedupe_key"])
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("filled_quantity", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_column("filled_quantity")
        batch_op.drop_column("progress")
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_alert_outbox_dedupe_key"), type_="unique")
        batch_op.drop_column("reply_to_message_id")
        batch_op.drop_column("dedupe_key")
    op.drop_table("approval_keys")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_key_hash"))
        batch_op.drop_column("key_hash")
        batch_op.drop_column("hts_id_enc")
