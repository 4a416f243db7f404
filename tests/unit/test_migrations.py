"""The Alembic migrations build exactly the tables the models describe, step down and up again, and keep the audit
log append-only on PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from alembic import command
from lk_app import db
from lk_app.models import metadata

EBILL_TABLES = {"ebill_subscription", "sent_bill", "outbox_attachment"}


def test_the_migrated_database_matches_the_models(database_url):
    with db.engine_for(database_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_the_ebill_migration_goes_down_and_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    db.migrate(url)
    config = db.alembic_config(url)
    command.downgrade(config, "0004")
    engine = db.engine_for(url)
    tables = set(inspect(engine).get_table_names())
    assert not EBILL_TABLES & tables
    assert "headers" not in {column["name"] for column in inspect(engine).get_columns("outbox_message")}
    command.upgrade(config, "head")
    assert EBILL_TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def _insert_old_message(connection, channel: str, status: str, body: str, headers: str | None = None) -> None:
    connection.execute(text(
        "INSERT INTO outbox_message (channel, recipient, subject, body_text, body_html, status, attempts,"
        " next_attempt_at, created_at, bulk, headers) VALUES (:channel, 'to', '', :body, :body, :status, 1,"
        " '2026-11-30 10:00:00', '2026-11-30 10:00:00', 0, :headers)"),
        dict(channel=channel, body=body, status=status, headers=headers))


def test_the_outbox_secrets_migration_wipes_what_was_sent_and_keeps_what_waits(tmp_path):
    url = f"sqlite:///{tmp_path / 'secrets.db'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0010")
    engine = db.engine_for(url)
    with engine.begin() as connection:
        _insert_old_message(connection, "sms", "sent", "Код: 123456")
        _insert_old_message(connection, "email", "abandoned", "https://lk.example.ru/reset?token=old",
                            '{"List-Unsubscribe": "<https://x/ebills/unsubscribe?token=t>"}')
        _insert_old_message(connection, "email", "sent", "Ваше обращение № 7 принято.")
        _insert_old_message(connection, "email", "pending", "https://lk.example.ru/confirm?token=waiting")
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT kind, carries_secret, body_text, body_html IS NULL, headers IS NULL, redacted_at IS NOT NULL"
            " FROM outbox_message ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        ("sms", 1, "", 1, 1, 1),
        ("", 1, "", 1, 1, 1),
        ("", 0, "Ваше обращение № 7 принято.", 0, 1, 0),
        ("", 1, "https://lk.example.ru/confirm?token=waiting", 0, 1, 0),  # the outbox-only demo's: still unsent
    ]
    command.downgrade(config, "0010")
    assert "carries_secret" not in {column["name"] for column in inspect(engine).get_columns("outbox_message")}
    engine.dispose()


def _postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the audit log's triggers and grants are PostgreSQL's; SQLite has neither")


def test_postgresql_refuses_to_truncate_the_audit_log(database_url, clean_db):
    _postgresql(database_url)
    with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"):
        with db.engine_for(database_url).begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))


def test_a_role_other_than_the_owner_may_only_add_to_the_audit_log_and_read_it(database_url, clean_db):
    _postgresql(database_url)
    role = f"lk_app_probe_{os.getpid()}"
    engine = db.engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        # What an app role holds before the migration: everything on every table, as a careless GRANT gives it.
        connection.execute(text(f"GRANT ALL ON audit_log TO {role}"))
    try:
        config = db.alembic_config(database_url)
        command.downgrade(config, "0010")
        command.upgrade(config, "head")
        with engine.connect() as connection:
            allowed = {privilege: connection.execute(
                text(f"SELECT has_table_privilege('{role}', 'audit_log', '{privilege}')")).scalar()
                for privilege in ("INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE")}
            sequence = connection.execute(text(
                f"SELECT has_sequence_privilege('{role}', pg_get_serial_sequence('audit_log', 'id'), 'USAGE')"
            )).scalar()
        assert allowed == {"INSERT": True, "SELECT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}
        assert sequence
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
