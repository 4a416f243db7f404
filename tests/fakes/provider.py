"""What the fake providers share: a threaded HTTP server on 127.0.0.1, recorded requests, a fault queue, waiting."""

import base64
import binascii
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Self, TypeVar

M = TypeVar("M")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as a fake saw it, and its answer (status None: dropped, no answer)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    message_id: str | None = None


@dataclass(frozen=True)
class Fault:
    """What to do to the next send request instead of, or besides, handling it."""

    kind: str  # "status", "hang", "reset" or one of a fake's own, like SMS Aero's "no money" or SendGrid's "rate limit"
    status: int = 0
    seconds: float = 0.0


class FakeProvider(Generic[M]):
    """A real HTTP server in a background thread, recording requests and the messages of type M they send."""

    def __init__(self, handler: type["ProviderHandler"], name: str, taken: str, keep: bool = True) -> None:
        self.received: list[M] = []
        self.requests: list[RecordedRequest] = []
        # Without `keep` (benchmarks) only the counts grow: a hundred thousand bills would not fit in memory.
        self.keep = keep
        self.received_count = 0
        self.request_count = 0
        self._handler = handler
        self._name = name
        self._taken = taken
        self._faults: deque[Fault] = deque()
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), self._handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"fake-{self._name.lower().replace(' ', '')}", daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._closing.set()  # wakes hung answers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail_next(self, status: int, count: int = 1) -> None:
        """Answer the next `count` send requests with this HTTP status and the provider's error body."""
        self._add_faults(Fault("status", status=status), count)

    def hang_next(self, seconds: float, count: int = 1) -> None:
        """Hold the next `count` send requests `seconds`: SendGrid drops them, SMS Aero sends them but answers late."""
        self._add_faults(Fault("hang", seconds=seconds), count)

    def reset_next(self, count: int = 1) -> None:
        """Reset the connection (TCP RST) of the next `count` send requests after reading them, sending nothing."""
        self._add_faults(Fault("reset"), count)

    def _address(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the fake {self._name} is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _wait_for(self, select: Callable[[], list[M]], count: int, timeout: float, describe: str) -> M:
        """The newest of `select()` once it holds `count`; TimeoutError on `describe` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = select()
                if len(found) >= count:
                    return found[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(found)} of {count} {describe} arrived in {timeout} s; "
                        f"{len(self.received)} {self._taken}, {len(self.requests)} requests in all"
                    )
                self._changed.wait(remaining)

    def _add_faults(self, fault: Fault, count: int) -> None:
        with self._changed:
            self._faults.extend([fault] * count)

    def _take_fault(self) -> Fault | None:
        with self._changed:
            return self._faults.popleft() if self._faults else None

    def _record(self, request: RecordedRequest, message: M | None = None) -> None:
        with self._changed:
            self.request_count += 1
            self.received_count += message is not None
            if self.keep:
                self.requests.append(request)
                if message is not None:
                    self.received.append(message)
            self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeProvider


class ProviderHandler(BaseHTTPRequestHandler):
    """Reads each request and takes a fault for a POST to `send_path`; the provider's `_handle` does the rest."""

    server: _Server
    send_path: str

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        fault = self.server.fake._take_fault() if path == self.send_path and self.command == "POST" else None
        self._handle(path, body, fault)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST  # noqa: N815

    def log_message(self, *_args) -> None:
        """Quiet: the tests read `requests` instead of a log on stderr."""

    def _handle(self, path: str, body: bytes, fault: Fault | None) -> None:
        """Answer the request (or not) as the provider would, recording it in the fake."""
        raise NotImplementedError

    # The Content-Type of the provider's JSON answers, as it sends it.
    json_content_type = "application/json"

    def _credentials(self) -> tuple[str, str] | None:
        """The user and password of an HTTP Basic Authorization header; None without a well-formed one."""
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, separator, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if separator else None

    def _answer(self, status: int, answer: dict) -> None:
        """A JSON answer with this status."""
        payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", self.json_content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self, path: str, body: bytes, fault: Fault) -> None:
        """Record the request unanswered and close the connection: after `fault.seconds` on a hang, else with RST."""
        fake = self.server.fake
        fake._record(RecordedRequest(self.command, path, dict(self.headers), body, None))
        if fault.kind == "hang":
            fake._closing.wait(fault.seconds)
        else:
            # SO_LINGER 0 makes close() send RST instead of FIN: the client sees a connection reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
