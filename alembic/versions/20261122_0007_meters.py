"""Meters of billing accounts and their readings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("zones", sa.Integer(), nullable=False),
        sa.CheckConstraint("zones BETWEEN 1 AND 3", name="ck_meter_zones"),
        sa.ForeignKeyConstraint(["account_id"], ["billing_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "number"),
    )
    op.create_index(op.f("ix_meter_account_id"), "meter", ["account_id"], unique=False)
    op.create_table(
        "meter_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("value1", sa.Float(), nullable=False),
        sa.Column("value2", sa.Float(), nullable=True),
        sa.Column("value3", sa.Float(), nullable=True),
        sa.Column("read_on", sa.Date(), nullable=True),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["meter_id"], ["meter.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["lk_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meter_id", "period", "source"),
    )
    op.create_index(op.f("ix_meter_reading_meter_id"), "meter_reading", ["meter_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_meter_reading_meter_id"), table_name="meter_reading")
    op.drop_table("meter_reading")
    op.drop_index(op.f("ix_meter_account_id"), table_name="meter")
    op.drop_table("meter")
