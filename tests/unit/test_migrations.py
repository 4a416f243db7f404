"""The Alembic migrations build exactly the tables the models describe, and the e-bill step goes down and up again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lk_app.models import metadata
from lk_app.services import db

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
