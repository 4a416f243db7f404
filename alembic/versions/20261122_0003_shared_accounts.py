"""shared billing accounts: one account in several LKs, the registration link, the chosen account

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001 left the UNIQUE (account_id) unnamed: PostgreSQL named it itself, SQLite batch mode names it by this convention.
UNNAMED_UNIQUE = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
PRIMARY_IS_SET = sa.text('"primary"')

account_link = sa.table(
    "account_link", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer), sa.column("account_id", sa.Integer),
    sa.column("primary", sa.Boolean),
)
lk_user = sa.table("lk_user", sa.column("id", sa.Integer), sa.column("login_key", sa.String))
billing_account = sa.table("billing_account", sa.column("id", sa.Integer), sa.column("number", sa.String))


def _account_unique_name() -> str:
    return "account_link_account_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_account_link_account_id"


def upgrade() -> None:
    with op.batch_alter_table("account_link", naming_convention=UNNAMED_UNIQUE) as batch_op:
        batch_op.drop_constraint(_account_unique_name(), type_="unique")
        batch_op.add_column(sa.Column("primary", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint("uq_account_link_user_account", ["user_id", "account_id"])
        batch_op.create_index("ix_account_link_account_id", ["account_id"], unique=False)

    # Until now only first login made links: the link is the LK's own when its login is the account number.
    registered_with = (
        sa.select(sa.literal(1))
        .select_from(lk_user.join(billing_account, billing_account.c.number == lk_user.c.login_key))
        .where(lk_user.c.id == account_link.c.user_id, billing_account.c.id == account_link.c.account_id)
        .exists()
    )
    op.execute(account_link.update().where(registered_with).values(primary=sa.true()))
    op.create_index("uq_account_link_primary_account", "account_link", ["account_id"], unique=True,
                    sqlite_where=PRIMARY_IS_SET, postgresql_where=PRIMARY_IS_SET)

    with op.batch_alter_table("lk_user") as batch_op:
        batch_op.add_column(sa.Column("chosen_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_lk_user_chosen_account_id", "billing_account", ["chosen_account_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade() -> None:
    """Back to one LK per account: every shared link but the oldest of each account is dropped."""
    with op.batch_alter_table("lk_user") as batch_op:
        batch_op.drop_constraint("fk_lk_user_chosen_account_id", type_="foreignkey")
        batch_op.drop_column("chosen_account_id")

    op.drop_index("uq_account_link_primary_account", table_name="account_link")
    older = account_link.alias("older")
    op.execute(
        account_link.delete().where(
            sa.select(older.c.id)
            .where(older.c.account_id == account_link.c.account_id, older.c.id < account_link.c.id)
            .exists()
        )
    )
    with op.batch_alter_table("account_link", naming_convention=UNNAMED_UNIQUE) as batch_op:
        batch_op.drop_index("ix_account_link_account_id")
        batch_op.drop_constraint("uq_account_link_user_account", type_="unique")
        batch_op.drop_column("primary")
        batch_op.create_unique_constraint(_account_unique_name(), ["account_id"])
