"""Bench: 20 logins at once — logins per second against this machine's raw bcrypt capacity, measured in the same run,
and a bystander's trivial event round trip meanwhile; on 1 worker without Redis and on 2 workers with Redis."""

import argparse
import asyncio
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from bench.common import (
    backend_environment,
    describe,
    flush_redis,
    free_port,
    load_average,
    percentile,
    running_backend,
    verdict,
)
from lk_app import db
from lk_app.models import LkUser
from lk_app.services.passwords import hash_password, verify_password
from lk_app.settings import get_settings
from lk_app.state.login import LoginState
from tests.reflex_client import RawReflexClient, handler_name

LOGINS = 20
PASSWORD = "Bench-password-1"
BASELINE_SAMPLES = 50
MAX_STORM_SAMPLES = 20_000
# The bystander is a busy customer: an event every 20 ms at most (typing fast), not a loop that would itself take
# a share of the cores the logins are measured against.
BYSTANDER_PACE_SECONDS = 0.02
TARGET_P99_MS = 50.0
TARGET_CAPACITY_SHARE = 0.9  # logins per second against raw bcrypt checks per second
CAPACITY_SECONDS = 4.0  # each process checks for this long

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


def seed_users(db_url: str) -> str:
    """Migrate a fresh database and add the storm's LKs; returns their password hash."""
    os.environ["REFLEX_DB_URL"] = db_url
    get_settings.cache_clear()
    db.migrate(db_url)
    # All LKs share one password, so one hash at the real cost serves them all:
    # each login still runs a full bcrypt check against it.
    password_hash = hash_password(PASSWORD)
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
    return password_hash


def checks_for(password_hash: str, seconds: float) -> tuple[int, float]:
    """LK's password check against the hash, over and over for `seconds`: (checks done, seconds they took)."""
    started = perf_counter()
    checks = 0
    while perf_counter() - started < seconds:
        verify_password(PASSWORD, password_hash)
        checks += 1
    return checks, perf_counter() - started


def bcrypt_capacity(password_hash: str) -> float:
    """Password checks per second this machine does in as many processes as it has cores, with nothing else of LK."""
    processes = os.cpu_count() or 1
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(checks_for, [password_hash] * processes, [CAPACITY_SECONDS] * processes))
    return sum(checks / seconds for checks, seconds in results)


async def run_logins(sessions: list[BrowserSession]) -> tuple[list[LoginResult], float]:
    """All logins sent at the same moment; their results and the seconds until the last one finished."""
    started = perf_counter()
    results = await asyncio.gather(*(session.log_in(f"bench{number}") for number, session in enumerate(sessions)))
    return results, perf_counter() - started


async def storm(bystander: BrowserSession, login_sessions: list[BrowserSession]) -> StormResult:
    """The bystander sends a trivial event every BYSTANDER_PACE_SECONDS until every login has finished."""
    logins = asyncio.create_task(run_logins(login_sessions))
    round_trips = []
    while not logins.done() and len(round_trips) < MAX_STORM_SAMPLES:
        round_trips.append(await bystander.reset_form_round_trip())
        await asyncio.sleep(max(0.0, BYSTANDER_PACE_SECONDS - round_trips[-1]))
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


def run_storm(label: str, password_hash: str, environment: dict[str, str], log: Path) -> bool:
    """Raw bcrypt capacity first, then the storm on a backend of the given environment; prints both; False if a login failed."""
    capacity = bcrypt_capacity(password_hash)
    port = free_port()
    with running_backend(port, environment, log):
        baseline, result = asyncio.run(measure(f"http://127.0.0.1:{port}"))
    succeeded = sum(login.succeeded for login in result.logins)
    rate = LOGINS / result.login_seconds
    print(f"{label} ({load_average()}):")
    print(f"  raw bcrypt capacity: {capacity:.2f} checks/s ({os.cpu_count()} processes, one check "
          f"{(os.cpu_count() or 1) / capacity * 1000:.0f} ms)")
    print(f"  login storm: {succeeded}/{LOGINS} logins succeeded in {result.login_seconds:.2f} s = {rate:.2f} logins/s"
          f" = {rate / capacity:.2f} of the capacity; target ≥ {TARGET_CAPACITY_SHARE}: "
          f"{verdict(rate / capacity, TARGET_CAPACITY_SHARE, at_most=False)}")
    print(describe("  bystander baseline     ", baseline))
    print(describe("  bystander during storm ", result.round_trips))
    p99_ms = percentile(result.round_trips, 0.99) * 1000
    print(f"  bystander p99 target < {TARGET_P99_MS:.0f} ms: {verdict(p99_ms, TARGET_P99_MS)}")
    if succeeded < LOGINS:
        errors = sorted({login.error for login in result.logins if not login.succeeded})
        print(f"  bench invalid: not every login succeeded, so the storm was not the real one; errors: {errors}")
    return succeeded == LOGINS


def main() -> int:
    """Run the bench on both setups and print the figures; non-zero only when the bench itself could not run properly."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3", help="Redis database for the 2-worker setup (FLUSHDB first)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as workdir:
        db_url = f"sqlite:///{workdir}/bench.db"
        password_hash = seed_users(db_url)
        cpus = os.cpu_count() or 1
        print(f"bcrypt cost {get_settings().bcrypt_rounds} (LK_BCRYPT_ROUNDS); CPUs: {cpus}; "
              f"asyncio.to_thread's default pool: {min(32, cpus + 4)} threads per worker")
        # One worker without Redis: every client shares one event loop, the case the bystander figure is about.
        # Two workers with Redis: production's kind of deployment.
        single = run_storm("1 worker, no Redis", password_hash,
                           backend_environment(REFLEX_DB_URL=db_url, LK_DISPATCH_IN_APP="0"), Path(workdir) / "one.log")
        flush_redis(arguments.redis)
        double = run_storm("2 workers, Redis", password_hash,
                           backend_environment(2, arguments.redis, REFLEX_DB_URL=db_url, LK_DISPATCH_IN_APP="0"),
                           Path(workdir) / "two.log")
    return 0 if single and double else 1


if __name__ == "__main__":
    sys.exit(main())
