"""Alert outbox: the send in flight (sending_at) and messages resent as a possible repeat.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 02:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("possible_repeat", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.drop_column("possible_repeat")
        batch_op.drop_column("sending_at")
