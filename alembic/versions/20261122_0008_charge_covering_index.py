"""Charges of an account read from one index: imports add a month for every account at once, so an account's
charges lie on a different heap page each month; the cabinet sums and groups them four times per load

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ["zone", "kwh", "amount_kop", "tariff_kop", "id"]


def upgrade() -> None:
    # PostgreSQL answers from the index alone; elsewhere it is an (account_id, period) index. The account_id index
    # it replaces is its prefix.
    op.create_index("ix_charge_account_period", "charge", ["account_id", "period"], postgresql_include=COVERED)
    op.drop_index("ix_charge_account_id", table_name="charge")


def downgrade() -> None:
    op.create_index("ix_charge_account_id", "charge", ["account_id"])
    op.drop_index("ix_charge_account_period", table_name="charge")
