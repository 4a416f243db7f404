"""LKs carried over from the old portal

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lk_user") as batch_op:
        batch_op.add_column(sa.Column("migrated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lk_user") as batch_op:
        batch_op.drop_column("migrated_at")
