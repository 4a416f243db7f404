"""feedback tickets and their replies, the operators' audit log (append-only on PostgreSQL)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The code has no path that changes or removes an audit row; on PostgreSQL the database refuses it too.
REFUSE_AUDIT_CHANGES = (
    """
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
)


def upgrade() -> None:
    op.create_table(
        "feedback_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("contact_is_email", sa.Boolean(), nullable=False),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("taken_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["lk_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_ticket_status_created", "feedback_ticket", ["status", "created_at"], unique=False)

    op.create_table(
        "ticket_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["lk_user.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["feedback_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ticket_reply_ticket_id"), "ticket_reply", ["ticket_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["lk_user.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["feedback_ticket.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["lk_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_created_at"), "audit_log", ["created_at"], unique=False)
    op.create_index(op.f("ix_audit_log_user_id"), "audit_log", ["user_id"], unique=False)
    op.create_index(op.f("ix_audit_log_ticket_id"), "audit_log", ["ticket_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in REFUSE_AUDIT_CHANGES:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_refuse_change()")
    op.drop_index(op.f("ix_audit_log_ticket_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_user_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_created_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_ticket_reply_ticket_id"), table_name="ticket_reply")
    op.drop_table("ticket_reply")
    op.drop_index("ix_feedback_ticket_status_created", table_name="feedback_ticket")
    op.drop_table("feedback_ticket")
