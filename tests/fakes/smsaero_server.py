"""A fake SMS Aero v2 gateway on 127.0.0.1 that checks `sms/send` as the real one does, with injectable faults."""

import itertools
import json
import re
import time
from dataclasses import dataclass

from tests.fakes.provider import Fault, FakeProvider, ProviderHandler, RecordedRequest

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


class FakeSmsAero(FakeProvider[ReceivedSms]):
    """A real HTTP server in a background thread; use it as a context manager (`with FakeSmsAero(...) as gate`)."""

    def __init__(self, email: str = "lk@example.ru", api_key: str = "test0api0key0for0the0fake0gate00") -> None:
        super().__init__(_Handler, "SMS Aero", taken="sent")
        self.email = email
        self.api_key = api_key
        self._ids = itertools.count(100001)

    @property
    def url(self) -> str:
        """The gateway to configure as LK_SMSAERO_GATE."""
        return f"{self._address()}/v2/"

    def no_money_next(self, count: int = 1) -> None:
        """Refuse the next `count` sms/send requests for want of money on the account, sending nothing."""
        self._add_faults(Fault("no money"), count)

    def sms_to(self, phone: str) -> list[ReceivedSms]:
        """Every SMS sent to `phone` (+7XXXXXXXXXX or digits), oldest first."""
        number = re.sub(r"\D", "", phone)
        with self._changed:
            return [sms for sms in self.received if sms.number == number]

    def wait_for_sms(self, phone: str, timeout: float = 10, count: int = 1) -> ReceivedSms:
        """The newest SMS to `phone`, once at least `count` have arrived; TimeoutError after `timeout` seconds."""
        return self._wait_for(lambda: self.sms_to(phone), count, timeout, f"SMS to {phone}")

    def codes_for(self, phone: str) -> list[str]:
        """The 6-digit code of each SMS sent to `phone`, oldest first: the newest is `codes_for(phone)[-1]`.

        An SMS with a link is a change notice («Это не я»), not a code: its token may hold six digits in a row.
        """
        return [code_in(sms.text) for sms in self.sms_to(phone) if "://" not in sms.text]


class _Handler(ProviderHandler):
    """Answers like gate.smsaero.ru: the v2 envelope `{success, data, message}` for every request."""

    send_path = SMS_SEND_PATH

    def _handle(self, path: str, body: bytes, fault: Fault | None) -> None:
        fake = self.server.fake
        if fault is not None and fault.kind == "reset":
            self._drop(path, body, fault)
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
