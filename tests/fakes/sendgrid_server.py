"""A fake SendGrid v3 API on 127.0.0.1 that checks requests as the real one does, with injectable faults."""

import json
import re
import secrets
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAIL_SEND_PATH = "/v3/mail/send"
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"https?://[^\s<>\"«»]+")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, and its answer (status None: hung or reset, no answer)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    message_id: str | None = None


@dataclass(frozen=True)
class _Fault:
    """What to do to the next mail/send request instead of handling it."""

    kind: str  # "status", "hang" or "reset"
    status: int = 0
    seconds: float = 0.0


class FakeSendGrid:
    """A real HTTP server in a background thread; use it as a context manager (`with FakeSendGrid(...) as sg`)."""

    def __init__(self, api_key: str = "SG.test-key") -> None:
        self.api_key = api_key
        self.received: list[dict] = []
        self.requests: list[RecordedRequest] = []
        self._faults: deque[_Fault] = deque()
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The API base to configure as LK_SENDGRID_HOST."""
        if self._server is None:
            raise RuntimeError("the fake SendGrid is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeSendGrid":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-sendgrid", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._closing.set()  # wakes hung answers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail_next(self, status: int, count: int = 1) -> None:
        """Answer the next `count` mail/send requests with this HTTP status and a SendGrid error body."""
        self._add_faults(_Fault("status", status=status), count)

    def hang_next(self, seconds: float, count: int = 1) -> None:
        """Keep the next `count` requests waiting, then drop them unanswered (as if the provider lost them)."""
        self._add_faults(_Fault("hang", seconds=seconds), count)

    def reset_next(self, count: int = 1) -> None:
        """Reset the connection (TCP RST) of the next `count` requests after reading them."""
        self._add_faults(_Fault("reset"), count)

    def mails_to(self, address: str) -> list[dict]:
        """Every accepted mail with `address` among its recipients, oldest first."""
        with self._changed:
            return [mail for mail in self.received if address.lower() in _recipients(mail)]

    def wait_for_mail(self, to: str, timeout: float = 10, count: int = 1) -> dict:
        """The newest mail to `to`, once at least `count` have arrived; TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                mails = self.mails_to(to)
                if len(mails) >= count:
                    return mails[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(mails)} of {count} mails to {to} arrived in {timeout} s; "
                        f"{len(self.received)} accepted, {len(self.requests)} requests in all"
                    )
                self._changed.wait(remaining)

    def _add_faults(self, fault: _Fault, count: int) -> None:
        with self._changed:
            self._faults.extend([fault] * count)

    def _take_fault(self) -> _Fault | None:
        with self._changed:
            return self._faults.popleft() if self._faults else None

    def _record(self, request: RecordedRequest, mail: dict | None = None) -> None:
        with self._changed:
            self.requests.append(request)
            if mail is not None:
                self.received.append(mail)
            self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSendGrid


class _Handler(BaseHTTPRequestHandler):
    """Answers like api.sendgrid.com: 202 and X-Message-Id for a valid mail, SendGrid-style errors otherwise."""

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
        fault = fake._take_fault() if path == MAIL_SEND_PATH and self.command == "POST" else None
        if fault is not None and fault.kind != "status":
            fake._record(RecordedRequest(self.command, path, dict(self.headers), body, None))
            if fault.kind == "hang":
                fake._closing.wait(fault.seconds)
            else:
                # SO_LINGER 0 makes close() send RST instead of FIN: the client sees a connection reset.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault is not None:
            status, errors, mail = fault.status, [_error(f"injected failure {fault.status}")], None
        else:
            status, errors, mail = self._check(path, body)
        message_id = secrets.token_urlsafe(16)[:22] if status == 202 else None
        fake._record(RecordedRequest(self.command, path, dict(self.headers), body, status, message_id), mail)
        self._answer(status, errors, message_id)

    def _check(self, path: str, body: bytes) -> tuple[int, list[dict], dict | None]:
        """The status, errors and accepted mail for a request, checked in the order SendGrid checks."""
        if path != MAIL_SEND_PATH:
            return 404, [_error("resource not found")], None
        if self.command != "POST":
            return 405, [_error("method not allowed")], None
        authorization = self.headers.get("Authorization")
        if not authorization:
            return 401, [_error("authorization required")], None
        if authorization != f"Bearer {self.server.fake.api_key}":
            return 401, [_error("The provided authorization grant is invalid, expired, or revoked")], None
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return 400, [_error("Content-Type should be application/json.")], None
        try:
            mail = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, [_error("Bad Request")], None
        if not isinstance(mail, dict):
            return 400, [_error("Bad Request")], None
        errors = _mail_errors(mail)
        return (400, errors, None) if errors else (202, [], mail)

    def _answer(self, status: int, errors: list[dict], message_id: str | None) -> None:
        payload = json.dumps({"errors": errors}).encode("utf-8") if errors else b""
        self.send_response(status)
        if message_id:
            self.send_header("X-Message-Id", message_id)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _error(message: str, field: str | None = None) -> dict:
    return {"message": message, "field": field, "help": None}


def _mail_errors(mail: dict) -> list[dict]:
    """What SendGrid's v3 mail/send refuses in a request body, in its words."""
    errors = []
    templated = bool(mail.get("template_id"))
    personalizations = mail.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        errors.append(_error(
            "The personalizations field is required and must have at least one personalization.", "personalizations"
        ))
        personalizations = []
    for p, personalization in enumerate(personalizations):
        recipients = personalization.get("to") if isinstance(personalization, dict) else None
        if not isinstance(recipients, list) or not recipients:
            errors.append(_error(
                "The to array is required for all personalization objects, and must have at least one email "
                "object with a valid email address.",
                f"personalizations.{p}.to",
            ))
            continue
        for r, recipient in enumerate(recipients):
            if not isinstance(recipient, dict) or not _ADDRESS.fullmatch(str(recipient.get("email", ""))):
                errors.append(_error("Does not contain a valid address.", f"personalizations.{p}.to.{r}.email"))
    sender = mail.get("from")
    if not isinstance(sender, dict) or not sender.get("email"):
        errors.append(_error(
            "The from object must be provided for every email send. It is an object that requires an email "
            "parameter, but may also contain a name parameter.",
            "from",
        ))
    elif not _ADDRESS.fullmatch(str(sender["email"])):
        errors.append(_error("The from email does not contain a valid address.", "from.email"))
    every_personalization_has_subject = bool(personalizations) and all(
        isinstance(p, dict) and p.get("subject") for p in personalizations
    )
    if not templated and not mail.get("subject") and not every_personalization_has_subject:
        errors.append(_error(
            "The subject is required. You can get around this requirement if you use a template with a subject "
            "defined or if every personalization has a subject defined.",
            "subject",
        ))
    errors.extend(_content_errors(mail.get("content"), templated))
    return errors


def _content_errors(content: object, templated: bool) -> list[dict]:
    if content is None and templated:
        return []
    if not isinstance(content, list) or not content:
        return [_error(
            "Unless a valid template_id is provided, the content parameter is required. There must be at least "
            "one defined content block.",
            "content",
        )]
    errors = []
    for c, block in enumerate(content):
        block = block if isinstance(block, dict) else {}
        if not isinstance(block.get("type"), str) or not block["type"]:
            errors.append(_error("The content type must be provided and must be at least one character in length",
                                 f"content.{c}.type"))
        if not isinstance(block.get("value"), str) or not block["value"]:
            errors.append(_error("The content value must be a string at least one character in length.",
                                 f"content.{c}.value"))
    types = [block.get("type") for block in content if isinstance(block, dict)]
    if "text/plain" in types and types.index("text/plain") != 0:
        errors.append(_error(
            "The text/plain content type must be first, followed by text/html, followed by any other content.",
            "content",
        ))
    return errors


def _recipients(mail: dict) -> set[str]:
    return {
        str(recipient.get("email", "")).lower()
        for personalization in mail.get("personalizations", [])
        for recipient in personalization.get("to", [])
    }


def text_of(mail: dict) -> str:
    """The text/plain part of an accepted mail."""
    return next((block["value"] for block in mail.get("content", []) if block.get("type") == "text/plain"), "")


def html_of(mail: dict) -> str:
    """The text/html part of an accepted mail."""
    return next((block["value"] for block in mail.get("content", []) if block.get("type") == "text/html"), "")


def links_in(mail: dict) -> list[str]:
    """The URLs in a mail's text/plain part, in order: how a browser test follows a confirmation link."""
    return [link.rstrip(".,;:!?)") for link in _URL.findall(text_of(mail))]
