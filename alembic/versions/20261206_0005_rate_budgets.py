"""Several processes: call slots shared through the database (rate_budgets, UNLOGGED on
PostgreSQL: its rows are worth nothing after a crash, and skipping the WAL keeps each slot a
cheap write).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("next_free", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_budgets")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rate_budgets SET UNLOGGED")


def downgrade() -> None:
    op.drop_table("rate_budgets")
