"""Bench: memory per connected session — workers' RSS and Redis bytes for 1,000 hydrated tabs, LK's /cabinet against a
blank Reflex app's /."""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlmodel import select

from bench.common import (
    PROJECT_ROOT,
    backend_environment,
    blank_app,
    flush_redis,
    free_port,
    load_average,
    raise_open_files_limit,
    redis_key_bytes,
    redis_used_memory,
    running_backend,
    tree_rss,
    verdict,
)
from lk_app import db
from lk_app.billing.demo import seed_demo
from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.services.sessions import SESSION_COOKIE, issue_login_grant, redeem_login_grant
from lk_app.settings import get_settings
from lk_app.state.cabinet import CabinetState
from tests.reflex_client import RawReflexClient

SESSIONS = 1000
WARMUP_SESSIONS = 20  # opened before the first reading: imports, pools and caches are then in the baseline
BATCH = 50  # tabs opening at once
WORKERS = 2
SETTLE_SECONDS = 3.0  # after the last tab: deltas sent, buffers drained
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class Footprint:
    """What a backend holds at one moment: its workers' resident memory and its Redis database's bytes."""

    rss: int
    redis_keys: int
    redis_used: int

    def per_session(self, before: "Footprint", sessions: int) -> "Footprint":
        """The growth from `before`, per session."""
        return Footprint(*((after - start) // sessions for after, start in
                           ((self.rss, before.rss), (self.redis_keys, before.redis_keys), (self.redis_used, before.redis_used))))

    @property
    def total(self) -> int:
        """Worker RSS and Redis keys together: what a session costs the deployment."""
        return self.rss + self.redis_keys


def seed_sessions(db_url: str, count: int) -> list[str]:
    """Demo households with a year of charges, payments and a meter, each in its own LK with a live session; the ids."""
    os.environ["REFLEX_DB_URL"] = db_url
    get_settings.cache_clear()
    db.migrate(db_url)
    seed_demo(count)

    def make(session):
        session_ids = []
        for account in session.exec(select(BillingAccount).order_by(BillingAccount.id)).all():
            user = LkUser(login=account.number, login_key=account.number, password_hash="-",
                          email=f"{account.number}@example.ru", email_confirmed=True)
            session.add(user)
            session.flush()
            session.add(AccountLink(user_id=user.id, account_id=account.id, primary=True))
            grant = issue_login_grant(user.id, session=session)
            session_ids.append(redeem_login_grant(*grant, ip="127.0.0.1", user_agent="bench", session=session))
        return session_ids

    return db.run(make)


async def open_tabs(base_url: str, path: str, cookies: list[str | None]) -> list[RawReflexClient]:
    """Tabs on `path`, each with its own token (and session cookie), hydrated with the page's on_load, in batches."""
    tabs = []
    for start in range(0, len(cookies), BATCH):
        batch = [RawReflexClient(base_url, path=path, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {})
                 for cookie in cookies[start:start + BATCH]]
        await asyncio.gather(*(tab.open() for tab in batch))
        tabs += batch
    return tabs


async def measure(base_url: str, path: str, cookies: list[str | None], backend, redis_url: str) -> tuple[Footprint, Footprint, list]:
    """The footprint after the warm-up tabs and after the measured ones, and the measured tabs (closed by then)."""
    tabs = await open_tabs(base_url, path, cookies[:WARMUP_SESSIONS])
    try:
        await asyncio.sleep(SETTLE_SECONDS)
        before = Footprint(tree_rss(backend), redis_key_bytes(redis_url), redis_used_memory(redis_url))
        measured = await open_tabs(base_url, path, cookies[WARMUP_SESSIONS:])
        tabs += measured
        await asyncio.sleep(SETTLE_SECONDS)
        after = Footprint(tree_rss(backend), redis_key_bytes(redis_url), redis_used_memory(redis_url))
        return before, after, measured
    finally:
        for tab in tabs:
            await tab.close()


def run_app(app_dir: Path, path: str, cookies: list[str | None], redis_url: str, log: Path, **settings: str):
    """Start the app's backend on an emptied Redis database and measure it."""
    flush_redis(redis_url)
    port = free_port()
    with running_backend(port, backend_environment(WORKERS, redis_url, **settings), log, app_dir) as backend:
        return asyncio.run(measure(f"http://127.0.0.1:{port}", path, cookies, backend, redis_url))


def kilobytes(value: int) -> str:
    """Bytes as kilobytes with one decimal."""
    return f"{value / 1024:7.1f} KB"


def main() -> int:
    """Seed, measure LK and the blank app one after the other, print the per-session figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--lk-redis", default="redis://127.0.0.1:6379/3", help="Redis database for LK (FLUSHDB first)")
    parser.add_argument("--blank-redis", default="redis://127.0.0.1:6379/4",
                        help="Redis database for the blank app (FLUSHDB first)")
    arguments = parser.parse_args()
    print(f"open files limit: {raise_open_files_limit()}")
    total = WARMUP_SESSIONS + arguments.sessions
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as workdir:
        work = Path(workdir)
        db_url = f"sqlite:///{work}/bench.db"
        started = time.monotonic()
        cookies = seed_sessions(db_url, total)
        print(f"seeded {total} LKs with a year of charges and a live session each in {time.monotonic() - started:.0f} s")
        blank = blank_app(work)
        print(f"before: {load_average()}")
        lk_before, lk_after, lk_tabs = run_app(PROJECT_ROOT, "/cabinet", cookies, arguments.lk_redis, work / "lk.log",
                                               REFLEX_DB_URL=db_url, LK_DISPATCH_IN_APP="0")
        blank_before, blank_after, _ = run_app(blank, "/", [None] * total, arguments.blank_redis, work / "blank.log")
        print(f"after:  {load_average()}")
    loaded = sum(bool(tab.value(CabinetState, "loaded")) and bool(tab.value(CabinetState, "months")) for tab in lk_tabs)
    print(f"{WORKERS} workers with Redis for each app; {arguments.sessions} measured tabs after {WARMUP_SESSIONS} warm-up "
          f"ones; LK tabs on /cabinet with its months loaded: {loaded}/{len(lk_tabs)}")
    lk = lk_after.per_session(lk_before, arguments.sessions)
    reference = blank_after.per_session(blank_before, arguments.sessions)
    print("per session           LK          blank Reflex   LK / blank")
    for label, name in (("worker RSS ", "rss"), ("Redis keys ", "redis_keys"), ("Redis used ", "redis_used"),
                        ("RSS + keys ", "total")):
        lk_value, blank_value = getattr(lk, name), getattr(reference, name)
        ratio = f"{lk_value / blank_value:6.2f}" if blank_value > 0 else "     -"
        print(f"{label}       {kilobytes(lk_value)}   {kilobytes(blank_value)}   {ratio}")
    ratio = lk.total / reference.total
    print(f"target: RSS + Redis keys per session ≤ {TARGET_RATIO}× blank's: {verdict(ratio, TARGET_RATIO)}")
    print("(Redis used is the whole server's used_memory: other databases on it count too; Redis keys are this run's own)")
    if loaded < len(lk_tabs):
        print("bench invalid: not every LK tab loaded its cabinet")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
