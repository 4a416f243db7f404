"""What the benchmarks share: a backend and a frontend in production mode, a blank Reflex app to compare with, percentiles."""

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, log_tail, stop_process_group, wait_until_answers  # noqa: F401 - for benches

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_SECONDS = 180.0
# The blank app gets one do-nothing handler so both apps can be timed on the same kind of trivial event.
BLANK_TICK = '''

class Bench(rx.State):
    """A trivial event for the benchmarks."""

    ticks: int = 0

    @rx.event
    def tick(self):
        """Count one tick."""
        self.ticks += 1
'''
# Where the blank app's `Bench` state sits in its tree (`blank/blank.py`), as the backend names it.
BLANK_BENCH_STATE = "reflex___state____state.blank___blank____bench"
BLANK_TICK_EVENT = f"{BLANK_BENCH_STATE}.tick"


def blank_app(parent: Path) -> Path:
    """`reflex init --template blank` in parent/blank, plus the trivial `Bench.tick` handler; returns the app's folder."""
    folder = parent / "blank"
    folder.mkdir()
    subprocess.run([sys.executable, "-m", "reflex", "init", "--template", "blank", "--loglevel", "warning"],
                   cwd=folder, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    with (folder / "blank" / "blank.py").open("a") as module:
        module.write(BLANK_TICK)
    return folder


def backend_environment(workers: int = 1, redis_url: str | None = None, **settings: str) -> dict[str, str]:
    """A production backend's environment: the given workers, Redis or in-memory state, extra settings."""
    environment = dict(os.environ, GRANIAN_WORKERS=str(workers), **settings)
    for name in ("REFLEX_REDIS_URL", "LK_REDIS_URL"):
        environment.pop(name, None)
    if redis_url:
        environment["REFLEX_REDIS_URL"] = redis_url
    elif workers > 1:
        raise ValueError("several workers share state only through Redis")
    return environment


@contextmanager
def running_backend(port: int, environment: dict[str, str], log_path: Path,
                    app_dir: Path = PROJECT_ROOT) -> Iterator[subprocess.Popen]:
    """The app's backend (`reflex run --backend-only --env prod`) until the block ends, then its process group ends."""
    command = [sys.executable, "-m", "reflex", "run", "--backend-only", "--env", "prod", "--backend-port", str(port)]
    with running_server(command, f"http://127.0.0.1:{port}/ping", environment, log_path, app_dir) as process:
        yield process


def export_frontend(environment: dict[str, str], log_path: Path, app_dir: Path = PROJECT_ROOT) -> Path:
    """`reflex export --frontend-only --env prod` (minified, with gzip copies); returns the folder of its static files.

    The pages reach the backend at the environment's REFLEX_API_URL, which the build bakes in.
    """
    command = [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"]
    with log_path.open("wb") as log:
        finished = subprocess.run(command, cwd=app_dir, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT)
    if finished.returncode:
        raise RuntimeError(f"export exited with {finished.returncode}:\n{log_tail(log_path)}")
    return app_dir / ".web" / "build" / "client"


@contextmanager
def serving_frontend(port: int, environment: dict[str, str], log_path: Path,
                     app_dir: Path = PROJECT_ROOT) -> Iterator[subprocess.Popen]:
    """The exported frontend served by Reflex's production static server until the block ends.

    It is the app `reflex run --env prod` mounts: the precompressed .gz files to browsers that accept gzip,
    every page route, the 404 page.
    """
    command = [sys.executable, "-m", "uvicorn", "--factory", "reflex.utils.exec:_frontend_prod_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with running_server(command, f"http://127.0.0.1:{port}/", environment, log_path, app_dir) as process:
        yield process


@contextmanager
def running_server(command: list[str], ready_url: str, environment: dict[str, str], log_path: Path,
                   app_dir: Path) -> Iterator[subprocess.Popen]:
    """A server started in its own process group, once ready_url answers 200, until the block ends."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=app_dir, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_answers(ready_url, process, log_path, STARTUP_TIMEOUT_SECONDS)
        yield process
    finally:
        stop_process_group(process)


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


def flush_redis(url: str) -> None:
    """Empty the Redis database of the URL (FLUSHDB: that database only), so a run starts without old states."""
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()


def redis_used_memory(url: str) -> int:
    """Bytes the Redis server holds (`INFO memory` used_memory): the whole server, not only the URL's database."""
    import redis

    with redis.Redis.from_url(url) as client:
        return int(client.info("memory")["used_memory"])


def tree_rss(process: subprocess.Popen) -> int:
    """Resident bytes of a process and all its descendants (the backend's workers)."""
    import psutil

    root = psutil.Process(process.pid)
    total = 0
    for member in (root, *root.children(recursive=True)):
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes, for the record: the cores may be shared."""
    return "load average " + ", ".join(f"{load:.2f}" for load in os.getloadavg())


def verdict(value: float, limit: float, *, at_most: bool = True) -> str:
    """«met» when the value is within the limit, else «missed by» how much (as a factor of the limit)."""
    met = value <= limit if at_most else value >= limit
    if met:
        return "met"
    return f"missed by {value / limit:.2f}×" if at_most else f"missed by {limit / value:.2f}×"


def redis_key_bytes(url: str) -> int:
    """Bytes the keys of the URL's Redis database take (MEMORY USAGE summed): unlike used_memory, no other database's."""
    import redis

    with redis.Redis.from_url(url) as client:
        return sum(client.memory_usage(key) or 0 for key in client.scan_iter(count=1000))


def raise_open_files_limit() -> int:
    """Lift this process's soft limit on open files to its hard limit (a socket per client); returns the new limit."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard
