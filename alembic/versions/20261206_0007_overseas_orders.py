"""Overseas stocks: security keys up to 24 characters (NAS.AAPL, NYS.BRK.B) in confirmations and
alerts, and an overseas limit price as an exact decimal in its own currency.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.alter_column("code", type_=sa.String(length=24), existing_nullable=True)
        # Text, like alerts.threshold: SQLite would round a NUMERIC through a float.
        batch_op.add_column(sa.Column("unit_price", sa.String(length=40), nullable=True))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("code", type_=sa.String(length=24), existing_nullable=False)


def downgrade() -> None:
    # Overseas rows do not fit the old columns: they go first.
    op.execute("DELETE FROM confirmations WHERE length(code) > 6")
    op.execute("DELETE FROM alerts WHERE length(code) > 6")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("code", type_=sa.String(length=6), existing_nullable=False)
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_column("unit_price")
        batch_op.alter_column("code", type_=sa.String(length=6), existing_nullable=True)
