"""LK and a blank Reflex app, both built for production in the same run and served as production serves them."""

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    PROJECT_ROOT,
    backend_environment,
    blank_app,
    export_frontend,
    free_port,
    running_backend,
    serving_frontend,
)
from lk_app import db


@dataclass(frozen=True)
class ServedApp:
    """One app's production pages: where a browser opens them and how long their build took."""

    name: str
    origin: str
    build_seconds: float


@contextmanager
def serving(name: str, app_dir: Path, workdir: Path, **settings: str) -> Iterator[ServedApp]:
    """Export the app's frontend for production, then serve it beside its production backend until the block ends."""
    backend_port = free_port()
    frontend_port = free_port()
    origin = f"http://127.0.0.1:{frontend_port}"
    # LK_PUBLIC_URL is the one origin LK's websocket accepts; the blank app ignores it.
    environment = backend_environment(REFLEX_API_URL=f"http://127.0.0.1:{backend_port}", LK_PUBLIC_URL=origin, **settings)
    started = time.perf_counter()
    export_frontend(environment, workdir / f"{name}-export.log", app_dir)
    build_seconds = time.perf_counter() - started
    with (
        running_backend(backend_port, environment, workdir / f"{name}-backend.log", app_dir),
        serving_frontend(frontend_port, environment, workdir / f"{name}-frontend.log", app_dir),
    ):
        yield ServedApp(name, origin, build_seconds)


def lk_database(workdir: Path) -> str:
    """A migrated SQLite database for LK in the work folder; returns its URL."""
    db_url = f"sqlite:///{workdir}/lk.db"
    db.migrate(db_url)
    return db_url


@contextmanager
def lk_and_blank(workdir: Path, db_url: str) -> Iterator[tuple[ServedApp, ServedApp]]:
    """LK on the given database and `reflex init --template blank`, both built and served in production."""
    with ExitStack() as stack:
        lk = stack.enter_context(serving("LK", PROJECT_ROOT, workdir, REFLEX_DB_URL=db_url))
        blank = stack.enter_context(serving("blank", blank_app(workdir), workdir))
        yield lk, blank
