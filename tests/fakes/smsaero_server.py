"""A fake SMS Aero v2 gateway on 127.0.0.1 that checks `sms/send` as the real one does, with injectable faults."""

import base64
import binascii
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SMS_SEND_PATH = "/v2/sms/send"
_RUSSIAN_NUMBER = re.compile(r"7\d{10}")
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


@dataclass(frozen=True)
class ReceivedSms:
    """One SMS the gateway took: its id, the number as SMS Aero echoes it (digits), the text and sender name."""

    id: int
    number: str
    text: str
    sign: str


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, and its answer (status None: reset, no answer)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None


@dataclass(frozen=True)
class _Fault:
    """What to do to the next sms/send request instead of, or besides, handling it."""

    kind: str  # "status", "no money", "hang" or "reset"
    status: int = 0
    seconds: float = 0.0


class FakeSmsAero:
    """A real HTTP server in a background thread; use it as a context manager (`with FakeSmsAero(...) as gate`)."""

    def __init__(self, email: str = "lk@example.ru", api_key: str = "test0api0key0for0the0fake0gate00") -> None:
        self.email = email
        self.api_key = api_key
        self.received: list[ReceivedSms] = []
        self.requests: list[RecordedRequest] = []
        self._ids = itertools.count(100001)
        self._faults: deque[_Fault] = deque()
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The gateway to configure as LK_SMSAERO_GATE."""
        if self._server is None:
            raise RuntimeError("the fake SMS Aero is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v2/"

    def __enter__(self) -> "FakeSmsAero":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-smsaero", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._closing.set()  # wakes hung answers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail_next(self, status: int, count: int = 1) -> None:
        """Answer the next `count` sms/send requests with this HTTP status and an SMS Aero error body."""
        self._add_faults(_Fault("status", status=status), count)

    def no_money_next(self, count: int = 1) -> None:
        """Refuse the next `count` sms/send requests for want of money on the account, sending nothing."""
        self._add_faults(_Fault("no money"), count)

    def hang_next(self, seconds: float, count: int = 1) -> None:
        """Take the next `count` requests as usual (a valid SMS is sent at once) but answer only after `seconds`."""
        self._add_faults(_Fault("hang", seconds=seconds), count)

    def reset_next(self, count: int = 1) -> None:
        """Reset the connection (TCP RST) of the next `count` requests after reading them, sending nothing."""
        self._add_faults(_Fault("reset"), count)

    def sms_to(self, phone: str) -> list[ReceivedSms]:
        """Every SMS sent to `phone` (+7XXXXXXXXXX or digits), oldest first."""
        number = re.sub(r"\D", "", phone)
        with self._changed:
            return [sms for sms in self.received if sms.number == number]

    def wait_for_sms(self, phone: str, timeout: float = 10, count: int = 1) -> ReceivedSms:
        """The newest SMS to `phone`, once at least `count` have arrived; TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                messages = self.sms_to(phone)
                if len(messages) >= count:
                    return messages[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(messages)} of {count} SMS to {phone} arrived in {timeout} s; "
                        f"{len(self.received)} sent, {len(self.requests)} requests in all"
                    )
                self._changed.wait(remaining)

    def codes_for(self, phone: str) -> list[str]:
        """The 6-digit code of each SMS sent to `phone`, oldest first: the newest is `codes_for(phone)[-1]`."""
        return [code_in(sms.text) for sms in self.sms_to(phone)]

    def _add_faults(self, fault: _Fault, count: int) -> None:
        with self._changed:
            self._faults.extend([fault] * count)

    def _take_fault(self) -> _Fault | None:
        with self._changed:
            return self._faults.popleft() if self._faults else None

    def _record(self, request: RecordedRequest, sms: ReceivedSms | None = None) -> None:
        with self._changed:
            self.requests.append(request)
            if sms is not None:
                self.received.append(sms)
            self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSmsAero


class _Handler(BaseHTTPRequestHandler):
    """Answers like gate.smsaero.ru: the v2 envelope `{success, data, message}` for every request."""

    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._handle()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST  # noqa: N815

    def log_message(self, *_args) -> None:
        """Quiet: the tests read `requests` instead of a log on stderr."""

    def _handle(self) -> None:
        fake = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        fault = fake._take_fault() if path == SMS_SEND_PATH and self.command == "POST" else None
        if fault is not None and fault.kind == "reset":
            fake._record(RecordedRequest(self.command, path, dict(self.headers), body, None))
            # SO_LINGER 0 makes close() send RST instead of FIN: the client sees a connection reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        sms = None
        if fault is not None and fault.kind == "status":
            status, answer = fault.status, _refusal(f"injected failure {fault.status}")
        elif fault is not None and fault.kind == "no money":
            # The v2 envelope as the gateway sends it, plus the `result` the library's check_response looks for.
            status, answer = 200, {**_refusal("Not enough money"), "result": "no credits"}
        else:
            status, answer, sms = self._check(path, body)
        fake._record(RecordedRequest(self.command, path, dict(self.headers), body, status), sms)
        if fault is not None and fault.kind == "hang":
            fake._closing.wait(fault.seconds)
            try:
                self._answer(status, answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting: the point of the hang
            return
        self._answer(status, answer)

    def _check(self, path: str, body: bytes) -> tuple[int, dict, ReceivedSms | None]:
        """The status and answer for a request, and the SMS it sends, checked in the order the gateway checks."""
        fake = self.server.fake
        if path != SMS_SEND_PATH:
            return 404, _refusal("Not Found"), None
        if self.command != "POST":
            return 405, _refusal("Method Not Allowed"), None
        if self._credentials() != (fake.email, fake.api_key):
            return 401, _refusal("Your credentials are incorrect"), None
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, _refusal("Bad request: the body is not JSON"), None
        if not isinstance(request, dict):
            return 400, _refusal("Bad request: the body is not a JSON object"), None
        problem = _sms_problem(request)
        if problem:
            return 400, _refusal(f"Validation error: {problem}"), None
        sms = ReceivedSms(next(fake._ids), str(request["number"]), request["text"], request["sign"])
        now = int(time.time())
        data = {
            "id": sms.id, "from": sms.sign, "number": sms.number, "text": sms.text, "status": 8,
            "extendStatus": "moderation", "channel": "FREE SIGN", "cost": 5.49, "dateCreate": now, "dateSend": now,
        }
        return 200, {"success": True, "data": data, "message": None}, sms

    def _credentials(self) -> tuple[str, str] | None:
        """The e-mail and key of an HTTP basic Authorization header."""
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            email, separator, key = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (email, key) if separator else None

    def _answer(self, status: int, answer: dict) -> None:
        payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _refusal(message: str) -> dict:
    return {"success": False, "data": None, "message": message}


def _sms_problem(request: dict) -> str | None:
    """What the gateway refuses in an sms/send body, or None when it takes it."""
    number = request.get("number")
    if isinstance(number, bool) or not isinstance(number, (int, str)) or not _RUSSIAN_NUMBER.fullmatch(str(number)):
        return "number must be an 11-digit Russian number, 7XXXXXXXXXX"
    text = request.get("text")
    if not isinstance(text, str) or not 2 <= len(text) <= 640:
        return "text must be 2 to 640 characters"
    sign = request.get("sign")
    if not isinstance(sign, str) or not 2 <= len(sign) <= 64:
        return "sign must be 2 to 64 characters"
    return None


def code_in(text: str) -> str:
    """The 6-digit code in an SMS text: how a test reads the code the customer would type."""
    match = _CODE.search(text)
    if match is None:
        raise ValueError(f"no 6-digit code in the SMS {text!r}")
    return match.group()
