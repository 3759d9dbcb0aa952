"""Initial schema: users, credentials, access tokens, alerts, alert outbox, confirmations.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:32:56.870200

Times are DateTime(timezone=True) holding UTC (kisbot.store.types.UTCDateTime); alert
thresholds are exact decimals kept as text (kisbot.store.types.DecimalText).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.Column("token_enc", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "environment IN ('real', 'mock')", name=op.f("ck_access_tokens_environment")
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_access_tokens")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=True),
        sa.Column("active_env", sa.String(length=4), nullable=True),
        sa.Column("alert_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("active_env IN ('real', 'mock')", name=op.f("ck_users_active_env")),
        sa.CheckConstraint("locale IN ('ko', 'en')", name=op.f("ck_users_locale")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("threshold", sa.String(length=40), nullable=False),
        sa.Column("reference_price", sa.BigInteger(), nullable=True),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=False),
        sa.Column("last_fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('above', 'below', 'percent')", name=op.f("ck_alerts_kind")),
        sa.CheckConstraint("state IN ('active', 'fired', 'paused')", name=op.f("ck_alerts_state")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("user_id", "number", name=op.f("uq_alerts_user_id_number")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_state_code", ["state", "code"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "confirmations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=True),
        sa.Column("side", sa.String(length=4), nullable=True),
        sa.Column("code", sa.String(length=6), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("order_type", sa.String(length=16), nullable=True),
        sa.Column("target_order_no", sa.String(length=20), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("kis_order_no", sa.String(length=20), nullable=True),
        sa.Column("kis_org_no", sa.String(length=10), nullable=True),
        sa.Column("msg_cd", sa.String(length=16), nullable=True),
        sa.Column("msg1", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "environment IN ('real', 'mock')", name=op.f("ck_confirmations_environment")
        ),
        sa.CheckConstraint(
            "kind IN ('order', 'cancel', 'modify', 'switch_real', 'forget')",
            name=op.f("ck_confirmations_kind"),
        ),
        sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f("ck_confirmations_side")),
        sa.CheckConstraint(
            "state IN ('pending', 'submitting', 'submitted', 'failed', 'unknown', 'cancelled', "
            "'expired')",
            name=op.f("ck_confirmations_state"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_confirmations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmations")),
    )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_confirmations_state_expires_at", ["state", "expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_confirmations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.Column("app_key_enc", sa.Text(), nullable=False),
        sa.Column("app_secret_enc", sa.Text(), nullable=False),
        sa.Column("account_enc", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "environment IN ('real', 'mock')", name=op.f("ck_credentials_environment")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credentials_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint(
            "user_id", "environment", name=op.f("uq_credentials_user_id_environment")
        ),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credentials_user_id"), ["user_id"], unique=False)

    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_outbox_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_outbox_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_outbox")),
    )
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_outbox_delivered_at_id", ["delivered_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_outbox_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_outbox_user_id"))
        batch_op.drop_index("ix_alert_outbox_delivered_at_id")

    op.drop_table("alert_outbox")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_user_id"))

    op.drop_table("credentials")
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confirmations_user_id"))
        batch_op.drop_index("ix_confirmations_state_expires_at")

    op.drop_table("confirmations")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_user_id"))
        batch_op.drop_index("ix_alerts_state_code")

    op.drop_table("alerts")
    op.drop_table("users")
    op.drop_table("access_tokens")
