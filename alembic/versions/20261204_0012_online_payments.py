"""payments made in LK through YooKassa, and the acquirer's id on imported payments that billing matches them by

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "online_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("idempotence_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("acquirer_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_kop", sa.Integer(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("receipt_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("receipt_phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("confirmation_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("cancellation_reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("paid_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["billing_account.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["lk_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("acquirer_id"),
        sa.UniqueConstraint("idempotence_key"),
        sa.UniqueConstraint("payment_id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index(op.f("ix_online_payment_account_id"), "online_payment", ["account_id"], unique=False)
    op.create_index("ix_online_payment_status_created", "online_payment", ["status", "created_at"], unique=False)
    op.create_index(op.f("ix_online_payment_user_id"), "online_payment", ["user_id"], unique=False)
    with op.batch_alter_table("payment") as batch_op:
        batch_op.add_column(sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_payment_external_id"), ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment") as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_external_id"))
        batch_op.drop_column("external_id")
    op.drop_index(op.f("ix_online_payment_user_id"), table_name="online_payment")
    op.drop_index("ix_online_payment_status_created", table_name="online_payment")
    op.drop_index(op.f("ix_online_payment_account_id"), table_name="online_payment")
    op.drop_table("online_payment")
