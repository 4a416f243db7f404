"""A fake YooKassa API v3 on 127.0.0.1: redirect payments with 54-ФЗ receipts, a checkout page, notifications, faults."""

import copy
import html
import http.client
import json
import queue
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Self
from urllib.parse import urlsplit

from tests.fakes.provider import Fault, FakeProvider, ProviderHandler, RecordedRequest

API_PREFIX = "/v3"
PAYMENTS_PATH = "/v3/payments"
CHECKOUT_PREFIX = "/checkout/"
GATEWAY_ID = "100700"
# What the fake keeps of each payment as its fee, so `income_amount` differs from `amount` as it does for a real shop:
# code that credits the customer with `income_amount` instead of `amount` shows up in a test.
COMMISSION = Decimal("0.035")
NOTIFY_TIMEOUT = 5.0
IDEMPOTENCE_KEY_MAX = 64
DESCRIPTION_MAX = 128
METADATA_KEYS_MAX = 16
METADATA_KEY_MAX = 32
METADATA_VALUE_MAX = 512
RETURN_URL_MAX = 2048
RECEIPT_ITEMS_MAX = 100
PAYMENT_METHODS = frozenset({"bank_card", "sbp"})
PAYMENT_SUBJECTS = frozenset({
    "commodity", "excise", "job", "service", "gambling_bet", "gambling_prize", "lottery", "lottery_prize",
    "intellectual_activity", "payment", "agent_commission", "composite", "another", "property_right",
    "non_operating_gain", "insurance_premium", "sales_tax", "resort_fee", "fine", "tax", "lien", "cost",
    "pension_insurance_without_payouts", "pension_insurance_with_payouts", "health_insurance_without_payouts",
    "health_insurance_with_payouts", "health_insurance", "casino", "agent_withdrawals", "non_marked_excise",
    "marked_excise", "marked", "non_marked",
})
PAYMENT_MODES = frozenset({
    "full_prepayment", "partial_prepayment", "advance", "full_payment", "partial_payment", "credit", "credit_payment",
})
MEASURES = frozenset({
    "piece", "gram", "kilogram", "ton", "centimeter", "decimeter", "meter", "square_centimeter", "square_decimeter",
    "square_meter", "milliliter", "liter", "cubic_meter", "kilowatt_hour", "gigacalorie", "day", "hour", "minute",
    "second", "kilobyte", "megabyte", "gigabyte", "terabyte", "another",
})
ERROR_CODES = {
    400: "invalid_request", 401: "invalid_credentials", 403: "forbidden", 404: "not_found", 405: "invalid_request",
    415: "invalid_request", 429: "too_many_requests", 500: "internal_server_error",
}
_PAYMENT_PATH = re.compile(r"/v3/payments/([^/]+)")
_CHECKOUT_PATH = re.compile(r"/checkout/([^/]+)(?:/(pay|decline))?")
_MONEY = re.compile(r"\d+\.\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_E164_DIGITS = re.compile(r"[1-9]\d{7,14}")
_KOPECK = Decimal("0.01")
# YooKassa's ids start with the seconds since 2000-01-01 UTC in hex, then fixed groups, then randomness.
_ID_EPOCH = 946684800


@dataclass(frozen=True)
class Notification:
    """One notification the fake sent: event, payment id, where to, the answer's status (None: unreachable), body."""

    event: str
    payment_id: str | None
    url: str
    status: int | None
    body: dict


class FakeYooKassa(FakeProvider[dict]):
    """A real HTTP server in a background thread; use it as a context manager (`with FakeYooKassa() as kassa`)."""

    def __init__(self, shop_id: str = "123456", secret_key: str = "test_fake_secret_key", keep: bool = True) -> None:
        super().__init__(_Handler, "YooKassa", taken="payments made", keep=keep)
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.notification_url: str | None = None
        self.notifications: list[Notification] = []
        self.lost_notifications: list[tuple[str, str]] = []
        # Payments are kept even without `keep`: the fake has to answer for them.
        self._payments: dict[str, dict] = {}
        self._keys: dict[str, tuple[str, str]] = {}
        # The checkout page sends the customer back here even after the payment has dropped its confirmation.
        self._return_urls: dict[str, str] = {}
        self._drops = 0
        self._extra_copies: list[int] = []
        self._holding = False
        self._held: list[tuple[str, str, str, dict]] = []
        self._outbox: queue.Queue[tuple[str, str, str | None, dict] | None] = queue.Queue()
        self._sender: threading.Thread | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        # One sender thread keeps notifications in the order they were made; out of order is `release(reverse=True)`.
        self._sender = threading.Thread(target=self._send_loop, name="fake-yookassa-notifications", daemon=True)
        self._sender.start()
        return self

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self._outbox.put(None)
        self._sender.join(NOTIFY_TIMEOUT)

    @property
    def url(self) -> str:
        """The API base to pass as `api_url` to `yookassa.Configuration.configure`."""
        return f"{self._address()}{API_PREFIX}"

    @property
    def payments(self) -> list[dict]:
        """Every payment as it stands now, in creation order (copies)."""
        with self._changed:
            return [copy.deepcopy(payment) for payment in self._payments.values()]

    @property
    def created(self) -> int:
        """How many distinct payments were made (a replay with the same Idempotence-Key makes none)."""
        with self._changed:
            return len(self._payments)

    def payment(self, payment_id: str) -> dict:
        """The payment as it stands now (a copy); KeyError for an id the fake never made."""
        with self._changed:
            return copy.deepcopy(self._payments[payment_id])

    def pay(self, payment_id: str, notify: bool = True) -> dict:
        """What «Оплатить» on the checkout page does: the payment succeeds (a final one stays as it is)."""
        return self._finish(payment_id, "succeeded", notify)

    def decline(self, payment_id: str, notify: bool = True) -> dict:
        """What «Отказаться» on the checkout page does: the payment is canceled (a final one stays as it is)."""
        return self._finish(payment_id, "canceled", notify)

    def wait_for_payment(self, count: int = 1, timeout: float = 5) -> dict:
        """The newest payment once `count` have been made; TimeoutError after `timeout` seconds."""
        return self.payment(self._wait_for(lambda: list(self._payments), count, timeout, "payments"))

    def wait_for_notifications(self, count: int = 1, timeout: float = 5) -> Notification:
        """The newest notification once `count` have been sent (answered or not); TimeoutError after `timeout` s."""
        return self._wait_for(lambda: self.notifications, count, timeout, "notifications")

    def drop_notifications(self, count: int = 1) -> None:
        """Never send the next `count` notifications: lost on the way, as a real one may be."""
        with self._changed:
            self._drops += count

    def duplicate_notifications(self, count: int = 1) -> None:
        """Send the next notification `1 + count` times: YooKassa may deliver one more than once."""
        with self._changed:
            self._extra_copies.append(count)

    def hold_notifications(self) -> None:
        """Keep notifications back until `release_notifications`."""
        with self._changed:
            self._holding = True

    def release_notifications(self, reverse: bool = False) -> int:
        """Send the held notifications, newest first with `reverse` (out of order), and stop holding; how many."""
        with self._changed:
            held, self._held, self._holding = self._held, [], False
        for item in reversed(held) if reverse else held:
            self._outbox.put(item)
        return len(held)

    def send_notification(self, event: str, payment_object_or_id: dict | str, url: str | None = None) -> int | None:
        """POST a notification body now (a test forges one so), recorded like the rest; the answer's status or None."""
        target = url or self.notification_url
        if target is None:
            raise ValueError("no url given and notification_url is not set")
        payment = (self.payment(payment_object_or_id) if isinstance(payment_object_or_id, str)
                   else payment_object_or_id)
        body = {"type": "notification", "event": event, "object": payment}
        return self._deliver(target, event, payment.get("id") if isinstance(payment, dict) else None, body)

    def _finish(self, payment_id: str, status: str, notify: bool) -> dict:
        with self._changed:
            payment = self._payments[payment_id]
            if payment["status"] != "pending":
                return copy.deepcopy(payment)
            now = _now()
            payment.update(status=status)
            payment.pop("confirmation", None)  # only a pending payment has something left to confirm
            if status == "succeeded":
                value = Decimal(payment["amount"]["value"])
                fee = (value * COMMISSION).quantize(_KOPECK, rounding=ROUND_HALF_UP)
                method = payment.setdefault("payment_method", {"type": "bank_card", "id": payment_id, "saved": False})
                if method["type"] == "bank_card":
                    method.update(title="Bank card *4444", card={
                        "first6": "555555", "last4": "4444", "expiry_month": "12", "expiry_year": "2030",
                        "card_type": "MasterCard", "issuer_country": "RU",
                    })
                payment.update(
                    paid=True, captured_at=now, refundable=True, receipt_registration="succeeded",
                    income_amount={"value": str(value - fee), "currency": payment["amount"]["currency"]},
                    refunded_amount={"value": "0.00", "currency": payment["amount"]["currency"]},
                    authorization_details={"rrn": f"{secrets.randbelow(10**12):012d}",
                                           "auth_code": f"{secrets.randbelow(10**6):06d}",
                                           "three_d_secure": {"applied": False}},
                )
            else:
                payment.update(receipt_registration="canceled",
                               cancellation_details={"party": "payment_network", "reason": "general_decline"})
            snapshot = copy.deepcopy(payment)
            self._changed.notify_all()
        if notify:
            self._notify(f"payment.{status}", snapshot)
        return copy.deepcopy(snapshot)

    def _notify(self, event: str, payment: dict) -> None:
        """Queue the notification of a status change, as the drop / duplicate / hold controls say."""
        with self._changed:
            url = self.notification_url
            if url is None:
                return
            if self._drops:
                self._drops -= 1
                self.lost_notifications.append((event, payment["id"]))
                return
            copies = 1 + (self._extra_copies.pop(0) if self._extra_copies else 0)
            body = {"type": "notification", "event": event, "object": payment}
            items = [(url, event, payment["id"], body)] * copies
            if self._holding:
                self._held.extend(items)
                return
        for item in items:
            self._outbox.put(item)

    def _send_loop(self) -> None:
        while (item := self._outbox.get()) is not None:
            self._deliver(*item)

    def _deliver(self, url: str, event: str, payment_id: str | None, body: dict) -> int | None:
        status = _post_json(url, body)
        with self._changed:
            self.notifications.append(Notification(event, payment_id, url, status, body))
            self._changed.notify_all()
        return status

    def _create(self, key: str, request: dict, address: str) -> tuple[int, dict, dict | None]:
        """The answer to a checked POST /v3/payments and the payment it made, under the Idempotence-Key rules."""
        fingerprint = json.dumps(request, sort_keys=True, ensure_ascii=False)
        with self._changed:
            if key in self._keys:
                used_with, payment_id = self._keys[key]
                if used_with != fingerprint:
                    return 400, _error(400, "Idempotence key was already used with other request data. "
                                            "Use a new key for a new request", "Idempotence-Key"), None
                return 200, copy.deepcopy(self._payments[payment_id]), None
            problem = _payment_problem(request)
            if problem is not None:
                parameter, description = problem
                return 400, _error(400, description, parameter), None
            payment = self._new_payment(request, address)
            self._payments[payment["id"]] = payment
            self._return_urls[payment["id"]] = payment["confirmation"]["return_url"]
            self._keys[key] = (fingerprint, payment["id"])
            self._changed.notify_all()
            return 200, copy.deepcopy(payment), copy.deepcopy(payment)

    def _new_payment(self, request: dict, address: str) -> dict:
        while (payment_id := _payment_id()) in self._payments:
            pass
        confirmation = request["confirmation"]
        payment = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": {"value": request["amount"]["value"], "currency": request["amount"]["currency"]},
            "recipient": {"account_id": self.shop_id, "gateway_id": GATEWAY_ID},
            "created_at": _now(),
            "confirmation": {"type": "redirect", "confirmation_url": f"{address}{CHECKOUT_PREFIX}{payment_id}",
                             "return_url": confirmation["return_url"]},
            "test": True,
            "refundable": False,
            "metadata": dict(request.get("metadata") or {}),
            "receipt_registration": "pending",
        }
        if "description" in request:
            payment["description"] = request["description"]
        method = request.get("payment_method_data")
        if method is not None:
            payment["payment_method"] = {"type": method["type"], "id": payment_id, "saved": False}
        return payment


class _Handler(ProviderHandler):
    """Answers like api.yookassa.ru/v3 under /v3, and like YooKassa's payment form under /checkout/."""

    send_path = PAYMENTS_PATH
    server_version = "nginx"  # the Server header api.yookassa.ru sends, not Python's BaseHTTP/x.y
    json_content_type = "application/json;charset=UTF-8"
    sys_version = ""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        # The base class takes a fault only for POSTs to send_path; here fetching a payment can fail too.
        faultable = (self.command == "POST" and path == PAYMENTS_PATH) or (
            self.command == "GET" and _PAYMENT_PATH.fullmatch(path) is not None)
        self._handle(path, body, self.server.fake._take_fault() if faultable else None)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST  # noqa: N815

    def _handle(self, path: str, body: bytes, fault: Fault | None) -> None:
        fake: FakeYooKassa = self.server.fake
        if path.startswith(CHECKOUT_PREFIX):
            self._checkout(path, body)
            return
        if fault is not None and fault.kind == "reset":
            self._drop(path, body, fault)  # lost before YooKassa did anything: a retry makes the payment afresh
            return
        if fault is not None and fault.kind == "status":
            status, answer, made = fault.status, _error(fault.status, f"Injected failure {fault.status}"), None
        else:
            # A hang does the work first and answers late, as a slow API would: a retry with the key finds it done.
            status, answer, made = self._api(path, body)
        payment_id = answer.get("id") if status == 200 else None
        fake._record(RecordedRequest(self.command, path, dict(self.headers), body if fake.keep else b"", status,
                                     payment_id), made)
        if fault is not None and fault.kind == "hang":
            fake._closing.wait(fault.seconds)
            try:
                self._answer(status, answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting: the point of the hang
            return
        self._answer(status, answer)

    def _api(self, path: str, body: bytes) -> tuple[int, dict, dict | None]:
        """The status and answer for a /v3 request, and the payment it made, checked in the order the API checks."""
        fake: FakeYooKassa = self.server.fake
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            return 404, _error(404, f"Resource {path} not found"), None
        if self._credentials() != (fake.shop_id, fake.secret_key):
            return 401, _error(401, "Login fails. Check the shopId and secret key in the Authorization header "
                                    "(HTTP Basic Auth)", "Authorization"), None
        fetched = _PAYMENT_PATH.fullmatch(path)
        if self.command == "GET" and fetched:
            with fake._changed:
                payment = fake._payments.get(fetched.group(1))
                if payment is None:
                    return 404, _error(404, "Incorrect payment_id. Payment doesn't exist or access denied",
                                       "payment_id"), None
                return 200, copy.deepcopy(payment), None
        if self.command != "POST" or path != PAYMENTS_PATH:
            return 404, _error(404, f"The fake YooKassa does not serve {self.command} {path}"), None
        key = self.headers.get("Idempotence-Key")
        if not key:
            return 400, _error(400, "Idempotence key isn't specified", "Idempotence-Key"), None
        if len(key) > IDEMPOTENCE_KEY_MAX:
            return 400, _error(400, f"Idempotence key is longer than {IDEMPOTENCE_KEY_MAX} characters",
                               "Idempotence-Key"), None
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return 415, _error(415, "Content-Type must be application/json"), None
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, _error(400, "Request body is not valid JSON"), None
        if not isinstance(request, dict):
            return 400, _error(400, "Request body must be a JSON object"), None
        return fake._create(key, request, fake._address())

    def _checkout(self, path: str, body: bytes) -> None:
        """The customer's side: the payment page and its two buttons, which answer 303 to the shop's return_url."""
        fake: FakeYooKassa = self.server.fake
        match = _CHECKOUT_PATH.fullmatch(path)
        payment_id, action = (match.group(1), match.group(2)) if match else (None, None)
        try:
            payment = fake.payment(payment_id) if payment_id else None
        except KeyError:
            payment = None
        return_url = fake._return_urls.get(payment_id) if payment else None
        if payment is None:
            status, page, location = 404, _page("Платёж не найден", "<p>Такого платежа нет.</p>"), None
        elif action is None and self.command == "GET":
            status, page, location = 200, _checkout_page(payment, return_url), None
        elif action is not None and self.command == "POST":
            (fake.pay if action == "pay" else fake.decline)(payment_id)
            status, page, location = 303, b"", return_url
        else:
            status, page, location = 405, _page("Метод не поддерживается", "<p>Так нельзя.</p>"), None
        fake._record(RecordedRequest(self.command, path, dict(self.headers), body if fake.keep else b"", status,
                                     payment_id if payment else None))
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if page:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)



def _error(status: int, description: str, parameter: str | None = None) -> dict:
    """YooKassa's error body for an HTTP status."""
    code = ERROR_CODES.get(status, "internal_server_error" if status >= 500 else "invalid_request")
    error = {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}
    if parameter is not None:
        error["parameter"] = parameter
    return error


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _payment_id() -> str:
    seconds = (int(time.time()) - _ID_EPOCH) & 0xFFFFFFFF
    return f"{seconds:08x}-000f-5000-{secrets.choice('89ab')}000-{secrets.token_hex(6)}"


def _payment_problem(request: dict) -> tuple[str, str] | None:
    """The (parameter, description) of the first thing the API refuses in a payment request, or None."""
    problem = _amount_problem(request.get("amount"), "amount")
    if problem:
        return problem
    if "capture" in request and not isinstance(request["capture"], bool):
        return "capture", "Invalid parameter value: capture must be a boolean"
    problem = _confirmation_problem(request.get("confirmation"))
    if problem:
        return problem
    if "description" in request:
        description = request["description"]
        if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
            return "description", f"Invalid parameter value: description must be a string of at most {DESCRIPTION_MAX} characters"
    if "metadata" in request:
        problem = _metadata_problem(request["metadata"])
        if problem:
            return "metadata", problem
    if "payment_method_data" in request:
        method = request["payment_method_data"]
        if not isinstance(method, dict) or method.get("type") not in PAYMENT_METHODS:
            return "payment_method_data.type", ("Invalid parameter value: payment_method_data.type must be one of "
                                                + ", ".join(sorted(PAYMENT_METHODS)))
    return _receipt_problem(request.get("receipt"), Decimal(request["amount"]["value"]))


def _amount_problem(amount: object, where: str) -> tuple[str, str] | None:
    if amount is None:
        return where, f"Parameter {where} is required"
    if not isinstance(amount, dict):
        return where, f"Invalid parameter value: {where} must be an object"
    value = amount.get("value")
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        return f"{where}.value", (f"Invalid amount value {value!r}: it must be a string with a dot and two decimals, "
                                  "like \"100.00\"")
    if Decimal(value) <= 0:
        return f"{where}.value", f"Invalid amount value {value}: it must be greater than 0"
    if amount.get("currency") != "RUB":
        return f"{where}.currency", f"Invalid currency {amount.get('currency')!r}: this shop accepts RUB"
    return None


def _confirmation_problem(confirmation: object) -> tuple[str, str] | None:
    if confirmation is None:
        return "confirmation", "Parameter confirmation is required"
    if not isinstance(confirmation, dict):
        return "confirmation", "Invalid parameter value: confirmation must be an object"
    if confirmation.get("type") != "redirect":
        return "confirmation.type", "Invalid confirmation type: the fake YooKassa serves redirect"
    return_url = confirmation.get("return_url")
    parts = urlsplit(return_url) if isinstance(return_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(return_url) > RETURN_URL_MAX:
        return "confirmation.return_url", "Invalid return_url: it must be an absolute http(s) URL"
    if "locale" in confirmation and confirmation["locale"] not in ("ru_RU", "en_US"):
        return "confirmation.locale", "Invalid locale: it must be ru_RU or en_US"
    return None


def _metadata_problem(metadata: object) -> str | None:
    if not isinstance(metadata, dict):
        return "Invalid parameter value: metadata must be an object"
    if len(metadata) > METADATA_KEYS_MAX:
        return f"Invalid metadata: at most {METADATA_KEYS_MAX} keys"
    for key, value in metadata.items():
        if len(key) > METADATA_KEY_MAX:
            return f"Invalid metadata: the key {key!r} is longer than {METADATA_KEY_MAX} characters"
        if not isinstance(value, str) or len(value) > METADATA_VALUE_MAX:
            return f"Invalid metadata: the value of {key!r} must be a string of at most {METADATA_VALUE_MAX} characters"
    return None


def _receipt_problem(receipt: object, total: Decimal) -> tuple[str, str] | None:
    """The 54-ФЗ receipt: this shop is set up to send one with every payment."""
    if receipt is None:
        return "receipt", "Receipt is required: the shop sends 54-FZ receipts through YooKassa"
    if not isinstance(receipt, dict):
        return "receipt", "Invalid parameter value: receipt must be an object"
    problem = _customer_problem(receipt.get("customer"))
    if problem:
        return problem
    items = receipt.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= RECEIPT_ITEMS_MAX:
        return "receipt.items", f"Invalid receipt items: there must be 1 to {RECEIPT_ITEMS_MAX}"
    items_sum = Decimal(0)
    for index, item in enumerate(items):
        problem, line = _item_problem(item, f"receipt.items[{index}]")
        if problem:
            return problem
        items_sum += line
    if items_sum != total:
        return "receipt.items", (f"The sum of the receipt items (quantity × amount) {items_sum} is not equal to the "
                                 f"payment amount {total}")
    if "tax_system_code" in receipt:
        code = receipt["tax_system_code"]
        if isinstance(code, bool) or not isinstance(code, int) or not 1 <= code <= 6:
            return "receipt.tax_system_code", "Invalid tax_system_code: it must be an integer from 1 to 6"
    return None


def _customer_problem(customer: object) -> tuple[str, str] | None:
    if not isinstance(customer, dict) or not (customer.get("email") or customer.get("phone")):
        return "receipt.customer", "Receipt customer must have an email or a phone"
    email = customer.get("email")
    if email is not None and (not isinstance(email, str) or not _EMAIL.fullmatch(email)):
        return "receipt.customer.email", "Invalid email"
    phone = customer.get("phone")
    if phone is not None and (not isinstance(phone, str) or not _E164_DIGITS.fullmatch(phone)):
        return "receipt.customer.phone", "Invalid phone: digits only in ITU-T E.164, without +, like 79000000000"
    return None


def _item_problem(item: object, where: str) -> tuple[tuple[str, str] | None, Decimal]:
    """What is wrong with one receipt item, and its sum (quantity × amount, in kopecks) when nothing is."""
    nothing = Decimal(0)
    if not isinstance(item, dict):
        return (where, "Invalid receipt item: it must be an object"), nothing
    description = item.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > DESCRIPTION_MAX:
        return (f"{where}.description", f"Item description must be 1 to {DESCRIPTION_MAX} characters"), nothing
    quantity = _number(item.get("quantity"))
    if quantity is None or quantity <= 0:
        return (f"{where}.quantity", "Item quantity must be a number greater than 0"), nothing
    problem = _amount_problem(item.get("amount"), f"{where}.amount")
    if problem:
        return problem, nothing
    vat_code = item.get("vat_code")
    if isinstance(vat_code, bool) or not isinstance(vat_code, int) or not 1 <= vat_code <= 12:
        return (f"{where}.vat_code", "Item vat_code must be an integer from 1 to 12"), nothing
    if item.get("payment_subject") not in PAYMENT_SUBJECTS:
        return (f"{where}.payment_subject", f"Invalid payment_subject {item.get('payment_subject')!r}"), nothing
    if item.get("payment_mode") not in PAYMENT_MODES:
        return (f"{where}.payment_mode", f"Invalid payment_mode {item.get('payment_mode')!r}"), nothing
    if "measure" in item and item["measure"] not in MEASURES:
        return (f"{where}.measure", f"Invalid measure {item['measure']!r}"), nothing
    line = (quantity * Decimal(item["amount"]["value"])).quantize(_KOPECK, rounding=ROUND_HALF_UP)
    return None, line


def _number(value: object) -> Decimal | None:
    """A quantity as a number or a numeric string; None for anything else (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _post_json(url: str, body: dict) -> int | None:
    """POST a JSON body; the answer's HTTP status, or None when nobody answered."""
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with _OPENER.open(request, timeout=NOTIFY_TIMEOUT) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the shop's answer, not a place to deliver to again."""

    def redirect_request(self, *_args, **_kwargs) -> None:
        """Follow none: urllib then raises HTTPError with the 3xx status."""
        return None


# No proxies: a notification goes straight to the shop's URL, whatever http_proxy the test machine has.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _rubles(value: str) -> str:
    """'1234.50' as a Russian page writes it: '1 234,50 ₽' with no-break spaces."""
    whole, kopecks = value.split(".")
    return f"{int(whole):,}".replace(",", "\u00a0") + f",{kopecks}\u00a0₽"


def _page(title: str, content: str) -> bytes:
    return (
        "<!doctype html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title></head>\n<body><main>\n{content}\n</main></body></html>\n"
    ).encode("utf-8")


def _checkout_page(payment: dict, return_url: str | None) -> bytes:
    """The payment form: amount, description and the two buttons while pending, the outcome once final."""
    amount = _rubles(payment["amount"]["value"])
    parts = ["<h1>Оплата заказа</h1>", "<p>Тестовый платёж ЮKassa: деньги не списываются.</p>"]
    if payment.get("description"):
        parts.append(f"<p>{html.escape(payment['description'])}</p>")
    parts.append(f"<p>Сумма к оплате: <strong data-value=\"{payment['amount']['value']}\">{amount}</strong></p>")
    base = f"{CHECKOUT_PREFIX}{html.escape(payment['id'])}"
    if payment["status"] == "pending":
        parts.append(f"<form method=\"post\" action=\"{base}/pay\"><button type=\"submit\">Оплатить</button></form>")
        parts.append(f"<form method=\"post\" action=\"{base}/decline\"><button type=\"submit\">Отказаться</button>"
                     "</form>")
    else:
        outcome = "Платёж прошёл" if payment["status"] == "succeeded" else "Платёж отменён"
        parts.append(f"<p role=\"status\">{outcome}</p>")
        if return_url:
            parts.append(f"<p><a href=\"{html.escape(return_url)}\">Вернуться в магазин</a></p>")
    return _page(f"Оплата {amount} — ЮKassa (тест)", "\n".join(parts))
