"""Mass mailings go after the messages a person waits for, and claims walk an index in the order messages go:
at 100,000 rows a claim sorted the whole outbox, and a confirmation queued behind a month's bills waited for them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("bulk", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_outbox_due", ["channel", "status", "bulk", "next_attempt_at", "id"])
        batch_op.drop_index("ix_outbox_channel_status_due")


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.create_index("ix_outbox_channel_status_due", ["channel", "status", "next_attempt_at"])
        batch_op.drop_index("ix_outbox_due")
        batch_op.drop_column("bulk")
