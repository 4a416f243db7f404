"""Fixtures shared by unit and browser tests: a migrated database, SQLite or PostgreSQL."""

import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from lk_app import clock, db
from lk_app.settings import get_settings

TEST_BCRYPT_ROUNDS = "4"


def _database_url(tmp_dir: Path) -> str:
    """PostgreSQL when LK_TEST_DATABASE_URL is set (CI), otherwise a fresh SQLite file."""
    url = os.environ.get("LK_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / 'lk-test.db'}"
    engine = db.engine_for(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:  # noqa: BLE001 - the message says how to fix it
        pytest.exit(
            f"LK_TEST_DATABASE_URL={url} is not reachable ({error}). Start PostgreSQL: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            returncode=3,
        )
    return url


@pytest.fixture(scope="session")
def database_url():
    """A migrated database for the whole run, named in REFLEX_DB_URL for the app's code."""
    with tempfile.TemporaryDirectory(prefix="lk-test-") as tmp:
        url = _database_url(Path(tmp))
        os.environ["REFLEX_DB_URL"] = url
        os.environ["LK_BCRYPT_ROUNDS"] = TEST_BCRYPT_ROUNDS
        get_settings.cache_clear()
        db.migrate(url)
        yield url
        db.engine_for(url).dispose()


@pytest.fixture
def clean_db(database_url):
    """Empty every table before the test, so tests share nothing."""
    from lk_app.models import AuditEntry, metadata

    with db.engine_for(database_url).begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name == AuditEntry.__tablename__ and connection.dialect.name == "postgresql":
                # Its triggers refuse DELETE and TRUNCATE (the log is append-only); only its owner may set them aside.
                connection.execute(text(f"ALTER TABLE {table.name} DISABLE TRIGGER USER"))
                connection.execute(text(f"TRUNCATE {table.name}"))
                connection.execute(text(f"ALTER TABLE {table.name} ENABLE TRIGGER USER"))
            else:
                connection.execute(table.delete())
    clock.reset()
    yield database_url
    clock.reset()


@pytest.fixture
def session(clean_db):
    """A database session on the clean test database; committed work is visible to the code under test."""
    with db.session_scope() as s:
        yield s


@pytest.fixture
def settings(monkeypatch, database_url):
    """Change settings for one test: `settings(LK_DEMO="1")` returns the fresh Settings."""

    def apply(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()

    yield apply
    get_settings.cache_clear()
