"""A fake SendGrid v3 API on 127.0.0.1 that checks requests as the real one does, with injectable faults."""

import base64
import binascii
import json
import math
import re
import secrets
import time

from tests.fakes.provider import Fault, FakeProvider, ProviderHandler, RecordedRequest

MAIL_SEND_PATH = "/v3/mail/send"
RATE_LIMIT = 600  # what the fake's X-RateLimit-Limit says; it limits only when told to
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"https?://[^\s<>\"«»]+")
# Headers SendGrid sets itself and refuses in the `headers` object of a request.
RESERVED_HEADERS = frozenset({
    "x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type", "content-transfer-encoding", "to", "from",
    "subject", "reply-to", "cc", "bcc",
})


class FakeSendGrid(FakeProvider[dict]):
    """A real HTTP server in a background thread; use it as a context manager (`with FakeSendGrid(...) as sg`)."""

    def __init__(self, api_key: str = "SG.test-key", keep: bool = True) -> None:
        super().__init__(_Handler, "SendGrid", taken="accepted", keep=keep)
        self.api_key = api_key

    def rate_limit_next(self, seconds: float, count: int = 1) -> None:
        """Answer the next `count` sends 429 with an X-RateLimit-Reset `seconds` from now, as the real API does."""
        self._add_faults(Fault("rate limit", status=429, seconds=seconds), count)

    @property
    def url(self) -> str:
        """The API base to configure as LK_SENDGRID_HOST."""
        return self._address()

    def mails_to(self, address: str) -> list[dict]:
        """Every accepted mail with `address` among its recipients, oldest first."""
        with self._changed:
            return [mail for mail in self.received if address.lower() in _recipients(mail)]

    def wait_for_mail(self, to: str, timeout: float = 10, count: int = 1) -> dict:
        """The newest mail to `to`, once at least `count` have arrived; TimeoutError after `timeout` seconds."""
        return self._wait_for(lambda: self.mails_to(to), count, timeout, f"mails to {to}")


class _Handler(ProviderHandler):
    """Answers like api.sendgrid.com: 202 and X-Message-Id for a valid mail, SendGrid-style errors otherwise."""

    send_path = MAIL_SEND_PATH

    def _handle(self, path: str, body: bytes, fault: Fault | None) -> None:
        fake = self.server.fake
        if fault is not None and fault.kind in ("hang", "reset"):
            self._drop(path, body, fault)
            return
        headers = {}
        if fault is not None and fault.kind == "rate limit":
            status, errors, mail = 429, [_error("too many requests")], None
            headers = {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": str(math.ceil(time.time() + fault.seconds))}
        elif fault is not None:
            status, errors, mail = fault.status, [_error(f"injected failure {fault.status}")], None
        else:
            status, errors, mail = self._check(path, body)
        message_id = secrets.token_urlsafe(16)[:22] if status == 202 else None
        fake._record(RecordedRequest(self.command, path, dict(self.headers), body if fake.keep else b"", status,
                                     message_id), mail)
        self._answer(status, errors, message_id, headers)

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

    def _answer(self, status: int, errors: list[dict], message_id: str | None, headers: dict[str, str]) -> None:
        payload = json.dumps({"errors": errors}).encode("utf-8") if errors else b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
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
    errors.extend(_header_errors(mail.get("headers")))
    errors.extend(_attachment_errors(mail.get("attachments")))
    return errors


def _header_errors(headers: object) -> list[dict]:
    """Custom headers: string names and values, none of the ones SendGrid writes itself."""
    if headers is None:
        return []
    if not isinstance(headers, dict):
        return [_error("Invalid type. Expected: object, given: " + type(headers).__name__ + ".", "headers")]
    errors = []
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            errors.append(_error(f"The header {name} is reserved and cannot be set in the headers parameter.",
                                 "headers"))
        elif not isinstance(value, str) or "\r" in value or "\n" in value:
            errors.append(_error(f"The value of the header {name} must be a single-line string.", f"headers.{name}"))
    return errors


def _attachment_errors(attachments: object) -> list[dict]:
    """Attachments: base64 content and a filename each; a type without `;` or line breaks; a known disposition."""
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        return [_error("Invalid type. Expected: array, given: " + type(attachments).__name__ + ".", "attachments")]
    errors = []
    for a, attachment in enumerate(attachments):
        attachment = attachment if isinstance(attachment, dict) else {}
        content = attachment.get("content")
        if not isinstance(content, str) or not content:
            errors.append(_error("The attachment content is required.", f"attachments.{a}.content"))
        else:
            try:
                base64.b64decode(content, validate=True)
            except binascii.Error:
                errors.append(_error("The attachment content must be base64 encoded.", f"attachments.{a}.content"))
        if not isinstance(attachment.get("filename"), str) or not attachment["filename"]:
            errors.append(_error("The attachment filename parameter is required.", f"attachments.{a}.filename"))
        content_type = attachment.get("type", "")
        if not isinstance(content_type, str) or any(mark in content_type for mark in (";", "\r", "\n")):
            errors.append(_error("The attachment type cannot contain ';', or CRLF characters.", f"attachments.{a}.type"))
        disposition = attachment.get("disposition", "attachment")
        if disposition not in ("inline", "attachment"):
            errors.append(_error("The disposition of your attachment can be either 'inline' or 'attachment'.",
                                 f"attachments.{a}.disposition"))
        elif disposition == "inline" and not attachment.get("content_id"):
            errors.append(_error("The content_id parameter is required if your attachment is inline.",
                                 f"attachments.{a}.content_id"))
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


def attachments_of(mail: dict) -> list[tuple[str, str, bytes]]:
    """The (filename, type, decoded content) of each attachment of an accepted mail."""
    return [(a["filename"], a.get("type", ""), base64.b64decode(a["content"])) for a in mail.get("attachments", [])]


def links_in(mail: dict) -> list[str]:
    """The URLs in a mail's text/plain part, in order: how a browser test follows a confirmation link."""
    return [link.rstrip(".,;:!?)") for link in _URL.findall(text_of(mail))]
