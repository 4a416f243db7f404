"""one credential epoch per LK: sessions, grants, links and codes carry the epoch they were issued under; grants are
bound to the browser that logged in, and SMS codes to the LK and the tab that asked for them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EPOCH_TABLES = ("lk_user", "auth_session", "login_grant", "one_time_token")


def _epoch_column(table: str) -> sa.Column:
    return sa.Column("credential_epoch" if table == "lk_user" else "epoch", sa.Integer(), nullable=False,
                     server_default="0")


def upgrade() -> None:
    for table in EPOCH_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(_epoch_column(table))
    with op.batch_alter_table("login_grant") as batch_op:
        batch_op.add_column(sa.Column("browser_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("sms_code") as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("epoch", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requester_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_foreign_key("fk_sms_code_user_id_lk_user", "lk_user", ["user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("sms_code") as batch_op:
        batch_op.drop_constraint("fk_sms_code_user_id_lk_user", type_="foreignkey")
        batch_op.drop_column("requester_hash")
        batch_op.drop_column("epoch")
        batch_op.drop_column("user_id")
    with op.batch_alter_table("login_grant") as batch_op:
        batch_op.drop_column("browser_hash")
    for table in reversed(EPOCH_TABLES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(_epoch_column(table).name)
