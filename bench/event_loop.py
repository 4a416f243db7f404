"""Bench: a bystander's trivial event round trip while 20 logins run bcrypt on the same backend."""

import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import httpx

from lk_app.models import LkUser
from lk_app.services import db
from lk_app.services.passwords import hash_password
from lk_app.settings import get_settings
from lk_app.state.login import LoginState
from tests.reflex_client import RawReflexClient, handler_name

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOGINS = 20
PASSWORD = "Bench-password-1"
BASELINE_SAMPLES = 50
MAX_STORM_SAMPLES = 20_000
TARGET_P99_MS = 50.0
STARTUP_TIMEOUT_SECONDS = 180.0
SHUTDOWN_TIMEOUT_SECONDS = 15.0

LOGIN_STATE = LoginState.get_full_name()
RESET_FORM_EVENT = handler_name(LoginState, "reset_form")
LOG_IN_EVENT = handler_name(LoginState, "log_in")
GRANT_URL_MARK = "/auth/session?grant="


@dataclass(frozen=True)
class LoginResult:
    """How one login of the storm ended."""

    succeeded: bool
    error: str


@dataclass(frozen=True)
class StormResult:
    """The bystander's round trips during the storm and how the logins went."""

    round_trips: list[float]
    login_seconds: float
    logins: list[LoginResult]


class BrowserSession(RawReflexClient):
    """One browser tab on the login page, with the two events this bench times."""

    async def reset_form_round_trip(self) -> float:
        """Seconds from sending the trivial `reset_form` to receiving its delta."""
        return await self.call(RESET_FORM_EVENT, until=lambda update: LOGIN_STATE in (update.get("delta") or {}))

    async def log_in(self, identifier: str) -> LoginResult:
        """Submit the login form; it ends with a frontend event (the grant redirect or a field reset)."""
        await self.call(LOG_IN_EVENT, {"form_data": {"identifier": identifier, "password": PASSWORD}},
                        until=lambda update: bool(update.get("events")))
        succeeded = any(GRANT_URL_MARK in str(event.get("payload")) for event in self.frontend_events)
        return LoginResult(succeeded, self.value(LoginState, "error", ""))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed_users(db_url: str) -> float:
    """Migrate a fresh database and add the storm's LKs; returns the seconds one bcrypt hash took."""
    os.environ["REFLEX_DB_URL"] = db_url
    get_settings.cache_clear()
    db.migrate(db_url)
    started = perf_counter()
    # All LKs share one password, so one hash at the real cost serves them all:
    # each login still runs a full bcrypt check against it.
    password_hash = hash_password(PASSWORD)
    hash_seconds = perf_counter() - started
    with db.session_scope() as session:
        for number in range(LOGINS):
            session.add(
                LkUser(
                    login=f"bench{number}",
                    login_key=f"bench{number}",
                    password_hash=password_hash,
                    email=f"bench{number}@example.ru",
                    email_confirmed=True,
                )
            )
    return hash_seconds


def backend_environment(db_url: str) -> dict[str, str]:
    """The backend's environment: the bench database, no in-app dispatcher, one worker."""
    environment = dict(os.environ, REFLEX_DB_URL=db_url, LK_DISPATCH_IN_APP="0")
    # Without Redis Reflex runs a single worker, so every client shares one event loop.
    for name in ("REFLEX_REDIS_URL", "LK_REDIS_URL"):
        environment.pop(name, None)
    return environment


@contextmanager
def running_backend(port: int, db_url: str, log_path: Path) -> Iterator[None]:
    """The app's backend (`reflex run --backend-only --env prod`) until the block ends, then its process group is ended."""
    command = [sys.executable, "-m", "reflex", "run", "--backend-only", "--env", "prod", "--backend-port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=backend_environment(db_url),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_ping(port, process, log_path)
        yield
    finally:
        stop_process_group(process)


def wait_for_ping(port: int, process: subprocess.Popen, log_path: Path) -> None:
    """Poll the backend's /ping until it answers; fail with its log if it exits or takes too long."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"backend exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"backend did not answer /ping within {STARTUP_TIMEOUT_SECONDS:.0f} s:\n{log_tail(log_path)}")


def stop_process_group(process: subprocess.Popen) -> None:
    """End the backend and its workers: SIGTERM to the group, SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(log_path: Path, lines: int = 40) -> str:
    """The last lines of the backend's log."""
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def describe(label: str, samples: list[float]) -> str:
    """One line: p50, p99 and max in milliseconds, and the number of samples."""
    return (
        f"{label}: p50 {percentile(samples, 0.50) * 1000:6.1f} ms   p99 {percentile(samples, 0.99) * 1000:6.1f} ms"
        f"   max {max(samples) * 1000:6.1f} ms   n={len(samples)}"
    )


async def run_logins(sessions: list[BrowserSession]) -> tuple[list[LoginResult], float]:
    """All logins sent at the same moment; their results and the seconds until the last one finished."""
    started = perf_counter()
    results = await asyncio.gather(*(session.log_in(f"bench{number}") for number, session in enumerate(sessions)))
    return results, perf_counter() - started


async def storm(bystander: BrowserSession, login_sessions: list[BrowserSession]) -> StormResult:
    """The bystander sends trivial events one after another until every login has finished."""
    logins = asyncio.create_task(run_logins(login_sessions))
    round_trips = []
    while not logins.done() and len(round_trips) < MAX_STORM_SAMPLES:
        round_trips.append(await bystander.reset_form_round_trip())
    results, login_seconds = await logins
    return StormResult(round_trips, login_seconds, results)


async def measure(base_url: str) -> tuple[list[float], StormResult]:
    """Open the tabs, take the bystander's baseline, then its round trips during the login storm."""
    bystander = BrowserSession(base_url)
    login_sessions = [BrowserSession(base_url) for _ in range(LOGINS)]
    try:
        for session in (bystander, *login_sessions):
            await session.open()
        baseline = [await bystander.reset_form_round_trip() for _ in range(BASELINE_SAMPLES)]
        return baseline, await storm(bystander, login_sessions)
    finally:
        for session in (bystander, *login_sessions):
            await session.close()


def main() -> int:
    """Run the bench and print the figure; non-zero only when the bench itself could not run properly."""
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as workdir:
        db_url = f"sqlite:///{workdir}/bench.db"
        hash_seconds = seed_users(db_url)
        cpus = os.cpu_count() or 1
        print(f"bcrypt cost {get_settings().bcrypt_rounds} (LK_BCRYPT_ROUNDS): one hash takes {hash_seconds * 1000:.0f} ms here")
        print(f"CPUs: {cpus}; asyncio.to_thread's default pool: {min(32, cpus + 4)} threads")
        port = free_port()
        with running_backend(port, db_url, Path(workdir) / "backend.log"):
            baseline, result = asyncio.run(measure(f"http://127.0.0.1:{port}"))
    succeeded = sum(login.succeeded for login in result.logins)
    print(describe("bystander baseline     ", baseline))
    print(describe("bystander during storm ", result.round_trips))
    print(f"login storm: {succeeded}/{LOGINS} logins succeeded in {result.login_seconds:.2f} s")
    met = percentile(result.round_trips, 0.99) * 1000 < TARGET_P99_MS
    print(f"target: p99 < {TARGET_P99_MS:.0f} ms: {'met' if met else 'missed'}")
    if succeeded < LOGINS:
        errors = sorted({login.error for login in result.logins if not login.succeeded})
        print(f"bench invalid: not every login succeeded, so the storm was not the real one; errors: {errors}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
