"""The database engine, transactions and migrations."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, event, text
from sqlmodel import Session, create_engine

from lk_app.settings import get_settings

T = TypeVar("T")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
