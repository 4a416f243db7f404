"""Servers in processes of their own, for tests and benchmarks: a free port, waiting for an answer, ending them."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

SHUTDOWN_TIMEOUT_SECONDS = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Poll `url` until it answers 200; fail with the process's log if it exits or takes longer than `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{log_tail(log_path)}")


def wait_until_listens(port: int, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Poll until something accepts connections on 127.0.0.1:`port`; fail with the log if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s:\n{log_tail(log_path)}")


def stop_process_group(process: subprocess.Popen) -> None:
    """End a server started with `start_new_session=True` and its workers: SIGTERM to the group, SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(log_path: Path, lines: int = 40) -> str:
    """The last lines of a server's log."""
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
