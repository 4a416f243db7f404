"""outbox rows keep no link token or code once sent: each names its kind and whether it carries a secret, and the
ones already sent are wiped; on PostgreSQL the audit log refuses TRUNCATE too, and roles other than its owner may
only add to it and read it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_outbox = sa.table(
    "outbox_message",
    sa.column("channel", sa.String),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("body_text", sa.Text),
    sa.column("body_html", sa.Text),
    sa.column("headers", sa.JSON(none_as_null=True)),
    sa.column("carries_secret", sa.Boolean),
    sa.column("redacted_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)

# 0005's row trigger stops UPDATE and DELETE; TRUNCATE fires only statement triggers. The same function refuses it.
REFUSE_AUDIT_TRUNCATE = """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
"""

# Every role granted anything on the log but its owner (the app's role when migrations run as an owner role, the
# current user among them when it is not the owner) keeps only adding and reading; only the owner can take the
# trigger away. PUBLIC (grantee 0) loses the three as well.
AUDIT_LOG_APPEND_ONLY_GRANTS = """
    DO $$
    DECLARE
        grantee_role text;
    BEGIN
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
        FOR grantee_role IN
            SELECT DISTINCT acl.grantee::regrole::text
            FROM pg_class AS c, aclexplode(c.relacl) AS acl
            WHERE c.oid = 'audit_log'::regclass AND acl.grantee <> c.relowner AND acl.grantee <> 0
        LOOP
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %s', grantee_role);
            EXECUTE format('GRANT INSERT, SELECT ON audit_log TO %s', grantee_role);
            EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %s', pg_get_serial_sequence('audit_log', 'id'), grantee_role);
        END LOOP;
    END
    $$
"""


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("carries_secret", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("redacted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Every SMS so far was a code; every e-mail link with a token in it was a confirmation, a reset or an unsubscribe.
    # An old e-mail's template is not recorded: its kind stays empty.
    op.execute(_outbox.update().where(_outbox.c.channel == "sms").values(kind="sms", carries_secret=True))
    op.execute(_outbox.update().where(_outbox.c.body_text.like("%token=%")).values(carries_secret=True))
    # Only a provider ever marks a row sent or abandoned: rows kept for the outbox-only demo stay pending, bodies whole.
    op.execute(
        _outbox.update()
        .where(_outbox.c.carries_secret.is_(True), _outbox.c.status.in_(("sent", "abandoned")))
        .values(body_text="", body_html=None, headers=None, redacted_at=datetime.now(UTC))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_AUDIT_TRUNCATE)
        op.execute(AUDIT_LOG_APPEND_ONLY_GRANTS)


def downgrade() -> None:
    # The privileges taken from other roles are not given back: a downgrade must not open the log to changes.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("redacted_at")
        batch_op.drop_column("carries_secret")
        batch_op.drop_column("kind")
