"""Bench: a trivial event's round trip with Redis and 2 workers, 1 client and 50 at once, LK against a blank Reflex app."""

import argparse
import asyncio
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import (
    BLANK_BENCH_STATE,
    BLANK_TICK_EVENT,
    PROJECT_ROOT,
    backend_environment,
    blank_app,
    describe,
    flush_redis,
    free_port,
    load_average,
    percentile,
    running_backend,
    verdict,
)
from lk_app import db
from lk_app.state.login import LoginState
from tests.reflex_client import RawReflexClient, handler_name

WORKERS = 2
CLIENTS = 50
SAMPLES = 1000  # per case and app: one tab's in a row, or spread over 50 tabs at once
WARMUP_EVENTS = 5  # per tab, before any timing: both workers have imported and warmed every path
TARGET_RATIO = 1.2


@dataclass(frozen=True)
class TrivialEvent:
    """The lightest handler of an app and the state whose delta shows it done."""

    app: str
    name: str
    state: str


LK_EVENT = TrivialEvent("LK", handler_name(LoginState, "reset_form"), LoginState.get_full_name())
BLANK_EVENT = TrivialEvent("blank Reflex", BLANK_TICK_EVENT, BLANK_BENCH_STATE)


async def round_trips(tab: RawReflexClient, event: TrivialEvent, count: int) -> list[float]:
    """Seconds of `count` trivial events sent one after another by one tab."""
    return [await tab.call(event.name, until=lambda update: event.state in (update.get("delta") or {}))
            for _ in range(count)]


@dataclass
class Timings:
    """An app's tabs and the round trips timed so far: one tab alone, and all tabs at once."""

    event: TrivialEvent
    tabs: list[RawReflexClient]
    alone: list[float] = field(default_factory=list)
    together: list[float] = field(default_factory=list)

    async def open(self) -> None:
        """Open the tabs on `/` and warm them: both workers have then run every path of the event."""
        for tab in self.tabs:
            await tab.open()
        await asyncio.gather(*(round_trips(tab, self.event, WARMUP_EVENTS) for tab in self.tabs))

    async def time_round(self, samples: int) -> None:
        """One round: `samples` round trips of the first tab alone, then as many spread over all tabs at once."""
        self.alone += await round_trips(self.tabs[0], self.event, samples)
        together = await asyncio.gather(*(round_trips(tab, self.event, samples // CLIENTS) for tab in self.tabs))
        self.together += [seconds for tab_samples in together for seconds in tab_samples]

    async def close(self) -> None:
        """Disconnect every tab."""
        for tab in self.tabs:
            await tab.close()


async def measure(urls: dict[TrivialEvent, str], rounds: int) -> list[Timings]:
    """Time both apps in alternating rounds (LK, blank, blank, LK, …), so a change in the machine's load hits both."""
    apps = [Timings(event, [RawReflexClient(url) for _ in range(CLIENTS)]) for event, url in urls.items()]
    try:
        for app in apps:
            await app.open()
        for number in range(rounds):
            for app in (apps if number % 2 == 0 else apps[::-1]):
                await app.time_round(SAMPLES // rounds)
        return apps
    finally:
        for app in apps:
            await app.close()


def main() -> int:
    """Run both apps' backends in this run, time them and print the p50/p99 of each case against the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lk-redis", default="redis://127.0.0.1:6379/3", help="Redis database for LK (FLUSHDB first)")
    parser.add_argument("--blank-redis", default="redis://127.0.0.1:6379/4",
                        help="Redis database for the blank app (FLUSHDB first)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the samples are split into")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as workdir, ExitStack() as backends:
        work = Path(workdir)
        db_url = f"sqlite:///{work}/bench.db"
        db.migrate(db_url)
        blank = blank_app(work)
        urls = {}
        for event, app_dir, redis_url, settings in (
            (LK_EVENT, PROJECT_ROOT, arguments.lk_redis, {"REFLEX_DB_URL": db_url, "LK_DISPATCH_IN_APP": "0"}),
            (BLANK_EVENT, blank, arguments.blank_redis, {}),
        ):
            flush_redis(redis_url)
            port = free_port()
            log = work / f"{app_dir.name}.log"
            backends.enter_context(running_backend(port, backend_environment(WORKERS, redis_url, **settings), log, app_dir))
            urls[event] = f"http://127.0.0.1:{port}"
        print(f"{WORKERS} workers with Redis for each app; {SAMPLES} samples per case and app, in {arguments.rounds} "
              f"alternating rounds, after {WARMUP_EVENTS} warm-up events per tab")
        print(f"before: {load_average()}")
        lk, reference = asyncio.run(measure(urls, arguments.rounds))
        print(f"after:  {load_average()}")
    for case, lk_samples, blank_samples in (("1 client  ", lk.alone, reference.alone),
                                            (f"{CLIENTS} clients", lk.together, reference.together)):
        print(describe(f"{case} LK           {'reset_form':>10}", lk_samples))
        print(describe(f"{case} blank Reflex {'tick':>10}", blank_samples))
        ratio = percentile(lk_samples, 0.99) / percentile(blank_samples, 0.99)
        print(f"{case}: p99 LK / blank = {ratio:.2f}; target ≤ {TARGET_RATIO}×: {verdict(ratio, TARGET_RATIO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
