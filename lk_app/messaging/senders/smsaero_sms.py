"""SMS through SMS Aero's v2 API, with the official `smsaero-api` client, pinned to one gateway."""

import ipaddress
import logging
import re
from urllib.parse import urlsplit

import requests
from email_validator import EmailNotValidError, validate_email
from smsaero import SmsAero, SmsAeroException, SmsAeroNoMoneyException
from urllib3.exceptions import MaxRetryError, NewConnectionError

from lk_app.messaging.senders.base import PermanentSendError, Sender, TransientSendError
from lk_app.models import OutboxMessage

# The library logs its request URLs at DEBUG, and they carry the API key: keep it above DEBUG.
logging.getLogger("smsaero").setLevel(logging.INFO)
logger = logging.getLogger(__name__)

MAX_TIMEOUT_SECONDS = 10.0
_API_KEY = re.compile(r"[A-Za-z0-9_-]{16,32}")
_HOST = re.compile(r"[a-z0-9.:-]+")  # a name or an address, as urlsplit gives it: lower case, IPv6 unbracketed


class _SmsAeroClient(SmsAero):
    """The library's client, checking its arguments without DNS and lending its session for a single request."""

    @staticmethod
    def init_validate(email: str, api_key: str, *_args, **_kwargs) -> None:
        """Check the account e-mail by its syntax and the key by its form, without the network."""
        # The library asks DNS whether the e-mail's domain takes mail: building a sender (at app start, in the
        # worker) must neither wait for DNS nor fail while it is down, and the gateway checks the login anyway.
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValueError(f"LK_SMSAERO_EMAIL is not an e-mail address: {error}") from None
        # build_url puts the key into the URL unquoted, so it must hold no URL syntax; the length is the library's.
        if not isinstance(api_key, str) or not _API_KEY.fullmatch(api_key):
            raise ValueError("LK_SMSAERO_API_KEY must be 16 to 32 letters, digits, '-' or '_'")

    @property
    def session(self) -> requests.Session:
        """The library's own session (private to it, so reached by its mangled name)."""
        return self._SmsAero__sess


class SmsAeroSender(Sender):
    """Posts each SMS once to `sms/send` of one pinned gateway; maps failures to transient or permanent."""

    def __init__(self, email: str, api_key: str, gate: str | None, sign: str, timeout: float) -> None:
        scheme, library_gate = _gate(gate)
        self._client = _SmsAeroClient(email=email, api_key=api_key, url_gate=library_gate)
        # Built once here and posted to directly: the library's request() would try its other gateways after a
        # read timeout (a second SMS) and fall back to http after a TLS error (the key in clear).
        self._url = self._client.build_url(scheme, "sms/send", self._client.get_gate())
        self._api_key = api_key
        self._sign = sign
        self._timeout = min(timeout, MAX_TIMEOUT_SECONDS)
        self.gateway = f"{scheme}://{library_gate.removeprefix('@')}"  # where SMS go, without the credentials

    def send(self, message: OutboxMessage) -> str | None:
        """Send one SMS; returns SMS Aero's message id."""
        try:
            number = int(message.recipient.removeprefix("+"))
            self._client.send_sms_validate(number, message.body_text, self._sign)
        except (TypeError, ValueError) as error:
            raise PermanentSendError(f"SMS Aero would refuse this SMS: {error}") from None
        try:
            response = self._client.session.post(
                self._url,
                json={"number": number, "text": message.body_text, "sign": self._sign},
                timeout=self._timeout,
                allow_redirects=False,  # one request, to the pinned gateway only
            )
        except requests.RequestException as error:
            if _nothing_sent(error):
                raise TransientSendError(f"SMS Aero not reached: {self._redacted(error)}") from None
            # The gateway may have taken the request and sent the SMS: another try could send it twice, so the
            # message is given up and the customer asks for a new code.
            reason = f"SMS Aero gave no answer, the SMS may have gone: {self._redacted(error)}"
            raise PermanentSendError(reason) from None
        return self._message_id(response)

    def _message_id(self, response: requests.Response) -> str | None:
        """The id of an accepted SMS, or the failure an answer stands for."""
        status = response.status_code
        try:
            data = self._client.check_response(response)
        except SmsAeroException as error:
            reason = f"SMS Aero answered {status}: {self._redacted(error)}"
            if isinstance(error, SmsAeroNoMoneyException) or status == 402:
                # A top-up fixes this, not a change to the request: the dispatcher's capped backoff keeps trying
                # while the supplier pays, and the messages go out if that happens before their last attempt.
                logger.error("SMS Aero account has no money left: top it up; SMS are retried meanwhile")
                raise TransientSendError(reason) from None
            if status == 429 or status >= 500:
                raise TransientSendError(reason) from None
            raise PermanentSendError(reason) from None
        # Accepted: whatever the answer lacks, the SMS is on its way and must not be tried again.
        message_id = data.get("id") if isinstance(data, dict) else None
        return None if message_id is None else str(message_id)

    def _redacted(self, error: Exception) -> str:
        """An error's text without the API key, which request URLs carry."""
        return str(error).replace(self._api_key, "***")


def _gate(value: str | None) -> tuple[str, str]:
    """The scheme and the library's `@host/…/v2/` form of LK_SMSAERO_GATE, which may also be a full URL."""
    value = (value or SmsAero.GATE_URLS[0]).strip()
    parts = urlsplit(value if "://" in value else "https://" + value.removeprefix("@"))
    try:
        port_ok = parts.port != 0
    except ValueError:  # not a number, or above 65535
        port_ok = False
    # Caught here, not at the first send: requests would quote the whole URL, key included, in its error.
    if (
        parts.scheme not in ("http", "https")
        or not _HOST.fullmatch(parts.hostname or "")
        or not port_ok
        or parts.username
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"LK_SMSAERO_GATE {value!r} is not a gateway address like @gate.smsaero.ru/v2/")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            f"LK_SMSAERO_GATE {value!r}: plain http would send the API key in clear; use https "
            "(http is allowed only for a gateway on this host)"
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/v2"):
        path += "/v2"
    return parts.scheme, f"@{parts.netloc}{path}/"


def _is_loopback(host: str) -> bool:
    """Whether a host name or address stays on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _nothing_sent(error: requests.RequestException) -> bool:
    """Whether a request failed before the gateway could read it: unresolved, refused, unreachable, timed out."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    cause = error.args[0] if error.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)
