"""E-mail through SendGrid's v3 API, with the official `sendgrid` client."""

import base64
import http.client
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

import sendgrid
from python_http_client.exceptions import HTTPError

from lk_app import clock
from lk_app.messaging.senders.base import PermanentSendError, Sender, TransientSendError
from lk_app.models import OutboxMessage

# python_http_client logs whole request bodies at DEBUG, and ours carry login links: keep it above DEBUG.
logging.getLogger("python_http_client.client").setLevel(logging.INFO)

# A reset further away than this is taken as this: a wrong header or clock must not park the outbox for days.
LONGEST_RATE_LIMIT_WAIT = timedelta(hours=1)


class SendGridSender(Sender):
    """Posts each message to `/v3/mail/send` with a timeout; maps failures to transient or permanent."""

    def __init__(self, api_key: str, host: str, from_email: str, from_name: str, timeout: float) -> None:
        self._api = sendgrid.SendGridAPIClient(api_key=api_key, host=host.rstrip("/"))
        self._sender = {"email": from_email, "name": from_name}
        self._timeout = timeout

    def _request_body(self, message: OutboxMessage) -> dict:
        """The v3 mail/send JSON for one message: text/plain first, then text/html, as the API requires."""
        content = [{"type": "text/plain", "value": message.body_text}]
        if message.body_html:
            content.append({"type": "text/html", "value": message.body_html})
        body = {
            "personalizations": [{"to": [{"email": message.recipient}]}],
            "from": self._sender,
            "subject": message.subject,
            "content": content,
            # Click tracking would rewrite our single-use links through SendGrid's redirect host.
            "tracking_settings": {"click_tracking": {"enable": False, "enable_text": False}},
        }
        if message.headers:
            body["headers"] = dict(message.headers)
        if message.attachments:
            body["attachments"] = [
                {
                    "content": base64.b64encode(attachment.content).decode("ascii"),
                    "type": attachment.content_type,
                    "filename": attachment.filename,
                    "disposition": "attachment",
                }
                for attachment in message.attachments
            ]
        return body

    def send(self, message: OutboxMessage) -> str | None:
        """Send one e-mail; returns SendGrid's X-Message-Id."""
        try:
            response = self._api.client.mail.send.post(request_body=self._request_body(message), timeout=self._timeout)
        except HTTPError as error:
            reason = f"SendGrid answered {error.status_code}: {_error_messages(error.body)}"
            if error.status_code == 429:
                raise TransientSendError(reason, retry_at=_rate_limit_reset(error.headers)) from None
            if error.status_code >= 500:
                raise TransientSendError(reason) from None
            raise PermanentSendError(reason) from None
        except (OSError, http.client.HTTPException) as error:
            # URLError (refused, DNS), TimeoutError and resets are all OSError; a dropped answer is HTTPException.
            raise TransientSendError(f"SendGrid not reached: {error!r}") from error
        return response.headers.get("X-Message-Id")


def _rate_limit_reset(headers: Mapping[str, str] | None) -> datetime | None:
    """When a 429's X-RateLimit-Reset (a Unix time) lets requests in again; None without a usable one."""
    try:
        reset = datetime.fromtimestamp(float((headers or {}).get("X-RateLimit-Reset", "")), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return min(reset, clock.now() + LONGEST_RATE_LIMIT_WAIT)


def _error_messages(body: bytes | str | None) -> str:
    """The `errors[].message` texts of a SendGrid error answer, or its start when it is not that JSON."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        errors = json.loads(body or "")["errors"]
        return "; ".join(str(item.get("message")) for item in errors)
    except (ValueError, KeyError, TypeError, AttributeError):
        return (body or "").strip()[:200] or "no details"
