"""The 2026 trading day: the venue an order confirmation sends to (KRX, NXT or SOR).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows from before stay NULL: those orders went to KRX, the only venue kisbot knew.
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("venue", sa.String(length=3), nullable=True))
        batch_op.create_check_constraint("venue", "venue IN ('KRX', 'NXT', 'SOR')")


def downgrade() -> None:
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_constraint("venue", type_="check")
        batch_op.drop_column("venue")
