"""The database engine, transactions and migrations."""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, event, text
from sqlmodel import Session, create_engine

from lk_app.settings import get_settings

T = TypeVar("T")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@lru_cache
def engine_for(url: str) -> Engine:
    """One engine per database URL; SQLite gets WAL and a busy timeout so workers can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    """The engine of the configured database."""
    return engine_for(get_settings().db_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def run(service: Callable[..., T], *args, **kwargs) -> T:
    """Call a service function in its own transaction (what states hand to a thread)."""
    with session_scope() as session:
        return service(*args, session=session, **kwargs)


def _lock_key(key: str) -> int:
    """The signed 32-bit number PostgreSQL's two-key advisory locks take for a key."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big", signed=True)


def hold(locks: Iterable[tuple[int, str]], *, session: Session) -> None:
    """Let no other transaction check and change the same things until this one ends; call before any savepoint.

    PostgreSQL takes an advisory lock per (class, key). SQLite has one writer at a time: taking its write lock
    before the first read makes the whole transaction run alone (the driver would begin only at the first write).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Taken in one order, whoever asks and in whatever order they list them, so no two transactions wait in a
        # circle; the same lock twice (in one call or in two) is no harm, a transaction holds it again.
        numbers = sorted({(lock_class, _lock_key(key)) for lock_class, key in locks})
        calls = ", ".join(f"pg_advisory_xact_lock(:class{n}, :key{n})" for n in range(len(numbers)))
        values = {name: value for n, (lock_class, key) in enumerate(numbers)
                  for name, value in ((f"class{n}", lock_class), (f"key{n}", key))}
        if numbers:
            # One round trip for all of them.
            connection.execute(text(f"SELECT {calls}"), values)
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def ping(*, session: Session) -> None:
    """Ask the database the cheapest question; raises when it cannot answer."""
    session.exec(text("SELECT 1"))


def alembic_config(url: str | None = None):
    """The Alembic configuration of this project for a database URL (the configured one by default)."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url or get_settings().db_url)
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str | None = None) -> None:
    """Bring the database up to the newest Alembic revision."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
