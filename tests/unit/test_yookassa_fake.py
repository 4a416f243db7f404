"""The fake YooKassa: the real `yookassa` SDK against it, raw requests where the SDK cannot send the wrong thing."""

import copy
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from yookassa import Configuration, Payment
from yookassa.domain.exceptions import (
    BadRequestError,
    InternalServerError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
)
from yookassa.domain.notification import WebhookNotificationFactory

from tests.fakes.yookassa_server import PAYMENTS_PATH, FakeYooKassa

SHOP = "654321"
KEY = "test_Zx8Qm2Lw7Rt4Kp9Vb3Nc6Hd1Fg5Js0Ay"
RETURN_URL = "https://lk.example.ru/payments/return?bill=2025-03"
ID = re.compile(r"[0-9a-f]{8}-000f-5000-[89ab]000-[0-9a-f]{12}")
CREATED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
# Everything the SDK's Configuration holds: it is global, and each test puts it back as it found it.
CONFIGURATION = ("account_id", "secret_key", "auth_token", "logger", "api_url", "timeout", "max_attempts", "verify",
                 "agent_framework", "agent_cms", "agent_module")
PARAMS = {
    "amount": {"value": "1234.50", "currency": "RUB"},
    "capture": True,
    "confirmation": {"type": "redirect", "return_url": RETURN_URL},
    "description": "Оплата счёта за март 2025, лицевой счёт 1234567",
    "metadata": {"account": "1234567", "bill": "2025-03"},
    "payment_method_data": {"type": "bank_card"},
    "receipt": {
        "customer": {"email": "ivanova@example.ru", "phone": "79123456789"},
        "tax_system_code": 1,
        "items": [
            {"description": "Электроэнергия, март 2025", "quantity": "1", "amount": {"value": "1000.00", "currency": "RUB"},
             "vat_code": 1, "payment_subject": "service", "payment_mode": "full_payment"},
            {"description": "Пени", "quantity": 2, "amount": {"value": "117.25", "currency": "RUB"},
             "vat_code": 1, "payment_subject": "payment", "payment_mode": "full_payment", "measure": "piece"},
        ],
    },
}


@pytest.fixture
def kassa():
    """A fresh fake YooKassa, and the SDK configured for it (and put back afterwards)."""
    saved = {name: getattr(Configuration, name) for name in CONFIGURATION}
    with FakeYooKassa(shop_id=SHOP, secret_key=KEY) as fake:
        Configuration.configure(SHOP, KEY, api_url=fake.url)
        try:
            yield fake
        finally:
            for name, value in saved.items():
                setattr(Configuration, name, value)


@pytest.fixture(scope="module")
def shared_kassa():
    """One fake for the many refused bodies: they make nothing, so they can share it (and its start-up time)."""
    with FakeYooKassa(shop_id=SHOP, secret_key=KEY) as fake:
        yield fake


class _Shop:
    """A tiny HTTP server standing in for LK's notification endpoint: records each POST, answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict, dict]] = []
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                shop.received.append((dict(self.headers), json.loads(body)))
                self.send_response(shop.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/yookassa/notifications"

    def __enter__(self) -> "_Shop":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def shop(kassa):
    """LK's notification endpoint, already set as the fake's notification_url."""
    with _Shop() as endpoint:
        kassa.notification_url = endpoint.url
        yield endpoint


def _params(**changes) -> dict:
    params = copy.deepcopy(PARAMS)
    params.update(changes)
    return params


def _changed(path: str, value: object) -> dict:
    """PARAMS with the field at a dotted path (list indices as numbers) set to value, or removed when value is ...."""
    params = copy.deepcopy(PARAMS)
    *parents, last = path.split(".")
    target = params
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key = int(last) if isinstance(target, list) else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return params


def _post(fake: FakeYooKassa, body: dict | bytes, *, key: str | None = "raw-key-1", auth=(SHOP, KEY),
          content_type: str = "application/json", timeout: float = 5) -> requests.Response:
    """POST /v3/payments by hand: the SDK formats amounts and always sends a key, so it cannot send these wrongs."""
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Idempotence-Key"] = key
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return requests.post(fake.url + "/payments", data=data, headers=headers, auth=auth, timeout=timeout)


def _closed_port() -> tuple[int, socket.socket]:
    placeholder = socket.socket()
    placeholder.bind(("127.0.0.1", 0))
    return placeholder.getsockname()[1], placeholder


def _checkout_base(kassa: FakeYooKassa) -> str:
    return kassa.url.removesuffix("/v3")


def test_a_valid_create_makes_a_pending_payment_with_the_fakes_checkout_url(kassa):
    payment = Payment.create(_params(), "order-1")
    assert ID.fullmatch(payment.id) and len(payment.id) == 36
    assert (payment.status, payment.paid, payment.test, payment.refundable) == ("pending", False, True, False)
    assert (str(payment.amount.value), payment.amount.currency) == ("1234.50", "RUB")
    assert payment.confirmation.type == "redirect"
    assert payment.confirmation.confirmation_url == f"{_checkout_base(kassa)}/checkout/{payment.id}"
    assert payment.confirmation.return_url == RETURN_URL
    assert (payment.recipient.account_id, payment.recipient.gateway_id) == (SHOP, "100700")
    assert CREATED_AT.fullmatch(payment.created_at)
    assert payment.description == PARAMS["description"]
    assert payment.metadata == {**PARAMS["metadata"], "cms_name": "yookassa_sdk_python"}  # the SDK adds cms_name
    assert (payment.payment_method.type, payment.payment_method.id, payment.payment_method.saved) == (
        "bank_card", payment.id, False)
    assert payment.receipt_registration == "pending"
    assert kassa.created == 1 and kassa.wait_for_payment(1)["id"] == payment.id
    [request] = kassa.requests
    assert (request.method, request.path, request.status, request.message_id) == ("POST", PAYMENTS_PATH, 200, payment.id)
    assert request.headers["Idempotence-Key"] == "order-1"
    assert Payment.find_one(payment.id).status == "pending"


def test_a_payment_without_a_method_gets_none_until_paid(kassa):
    body = copy.deepcopy(PARAMS)
    del body["payment_method_data"]
    payment = Payment.create(body, "no-method")
    assert payment.payment_method is None
    assert kassa.pay(payment.id, notify=False)["payment_method"]["type"] == "bank_card"


def test_the_same_key_and_body_twice_make_one_payment(kassa):
    first = Payment.create(_params(), "order-1")
    second = Payment.create(_params(), "order-1")
    assert second.id == first.id
    assert kassa.created == 1 and [p["id"] for p in kassa.payments] == [first.id]
    assert [r.status for r in kassa.requests] == [200, 200]
    assert Payment.create(_params(), "order-2").id != first.id
    assert kassa.created == 2


def test_the_same_key_with_another_body_is_refused(kassa):
    Payment.create(_params(), "order-1")
    with pytest.raises(BadRequestError) as refused:
        Payment.create(_params(description="Другой платёж"), "order-1")
    assert refused.value.content["code"] == "invalid_request"
    assert refused.value.content["parameter"] == "Idempotence-Key"
    assert "other request data" in refused.value.content["description"]
    assert kassa.created == 1


def test_a_refused_request_does_not_use_up_its_key(kassa):
    body = copy.deepcopy(PARAMS)
    del body["receipt"]
    with pytest.raises(BadRequestError) as refused:
        Payment.create(body, "order-1")
    assert refused.value.content["parameter"] == "receipt"
    assert Payment.create(_params(), "order-1").status == "pending"
    assert kassa.created == 1


def test_a_wrong_secret_key_is_401_with_yookassas_error_body(kassa):
    Configuration.configure(SHOP, "test_wrong_key", api_url=kassa.url)
    with pytest.raises(UnauthorizedError) as refused:
        Payment.create(_params(), "order-1")
    error = refused.value.content
    assert (error["type"], error["code"]) == ("error", "invalid_credentials")
    assert re.fullmatch(r"[0-9a-f-]{36}", error["id"]) and error["description"]
    assert kassa.created == 0


@pytest.mark.parametrize("auth", [None, ("000000", KEY), (SHOP, "")])
def test_every_v3_request_needs_the_shops_basic_auth(kassa, auth):
    payment = Payment.create(_params(), "order-1")
    answer = requests.get(f"{kassa.url}/payments/{payment.id}", auth=auth, timeout=5)
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_credentials"
    assert _post(kassa, _params(), key="order-2", auth=auth).status_code == 401


def test_a_create_without_an_idempotence_key_is_refused(shared_kassa):
    answer = _post(shared_kassa, _params(), key=None)
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["parameter"]) == ("invalid_request", "Idempotence-Key")
    too_long = _post(shared_kassa, _params(), key="k" * 65)
    assert too_long.status_code == 400 and too_long.json()["parameter"] == "Idempotence-Key"
    assert shared_kassa.created == 0


def test_a_body_that_is_not_json_is_refused(shared_kassa):
    assert _post(shared_kassa, b"amount=1234.50").status_code == 400
    assert _post(shared_kassa, b"[]").status_code == 400
    assert _post(shared_kassa, _params(), content_type="text/plain").status_code == 415


@pytest.mark.parametrize(
    ("path", "value", "parameter"),
    [
        ("amount.value", "12.345", "amount.value"),
        ("amount.value", 1234.5, "amount.value"),
        ("amount.value", 1234.50, "amount.value"),
        ("amount.value", "1234.5", "amount.value"),
        ("amount.value", "1234", "amount.value"),
        ("amount.value", "1 234.50", "amount.value"),
        ("amount.value", "0.00", "amount.value"),
        ("amount.value", "-1234.50", "amount.value"),
        ("amount", ..., "amount"),
        ("amount.currency", "USD", "amount.currency"),
        ("capture", "true", "capture"),
        ("confirmation", ..., "confirmation"),
        ("confirmation.type", "embedded", "confirmation.type"),
        ("confirmation.return_url", "/payments/return", "confirmation.return_url"),
        ("confirmation.return_url", "ftp://lk.example.ru/", "confirmation.return_url"),
        ("description", "я" * 129, "description"),
        ("metadata", {f"key{n}": "v" for n in range(17)}, "metadata"),
        ("metadata", {"k" * 33: "v"}, "metadata"),
        ("metadata", {"account": 1234567}, "metadata"),
        ("metadata", {"account": "v" * 513}, "metadata"),
        ("payment_method_data.type", "yoo_money", "payment_method_data.type"),
        ("receipt", ..., "receipt"),
        ("receipt.customer", ..., "receipt.customer"),
        ("receipt.customer", {}, "receipt.customer"),
        ("receipt.customer", {"phone": "+79123456789"}, "receipt.customer.phone"),
        ("receipt.customer", {"phone": "7 912 345-67-89"}, "receipt.customer.phone"),
        ("receipt.customer", {"email": "ivanova.example.ru"}, "receipt.customer.email"),
        ("receipt.items", [], "receipt.items"),
        ("receipt.items", [PARAMS["receipt"]["items"][0]] * 101, "receipt.items"),
        ("receipt.items.0.description", "", "receipt.items[0].description"),
        ("receipt.items.0.description", "я" * 129, "receipt.items[0].description"),
        ("receipt.items.0.quantity", 0, "receipt.items[0].quantity"),
        ("receipt.items.0.quantity", "один", "receipt.items[0].quantity"),
        ("receipt.items.0.amount.value", "1000.0", "receipt.items[0].amount.value"),
        ("receipt.items.0.amount.currency", "EUR", "receipt.items[0].amount.currency"),
        ("receipt.items.0.vat_code", 13, "receipt.items[0].vat_code"),
        ("receipt.items.0.vat_code", "1", "receipt.items[0].vat_code"),
        ("receipt.items.0.vat_code", ..., "receipt.items[0].vat_code"),
        ("receipt.items.1.payment_subject", "electricity", "receipt.items[1].payment_subject"),
        ("receipt.items.1.payment_mode", "prepayment", "receipt.items[1].payment_mode"),
        ("receipt.items.1.measure", "kwh", "receipt.items[1].measure"),
        ("receipt.items.1.quantity", 3, "receipt.items"),  # the items' sum is no longer the payment's amount
        ("receipt.tax_system_code", 7, "receipt.tax_system_code"),
    ],
)
def test_the_api_refuses_what_yookassa_refuses_naming_the_parameter(shared_kassa, path, value, parameter):
    answer = _post(shared_kassa, _changed(path, value))  # one key for all: a refused request does not use it up
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert (error["type"], error["code"], error["parameter"]) == ("error", "invalid_request", parameter)
    assert error["description"]
    assert shared_kassa.created == 0


def test_the_items_sum_must_be_the_payments_amount_through_the_sdk(kassa):
    with pytest.raises(BadRequestError) as refused:
        Payment.create(_params(amount={"value": "1234.51", "currency": "RUB"}), "order-1")
    assert refused.value.content["parameter"] == "receipt.items"
    assert kassa.created == 0


def test_fractional_quantities_and_a_bare_phone_are_taken(kassa):
    body = _changed("receipt.items", [
        {"description": "Электроэнергия, 350,5 кВт·ч", "quantity": 350.5, "amount": {"value": "6.57", "currency": "RUB"},
         "vat_code": 1, "payment_subject": "service", "payment_mode": "full_payment", "measure": "kilowatt_hour"},
    ])
    body["amount"]["value"] = "2302.79"  # 350.5 × 6.57 = 2302.785, rounded half up to kopecks
    body["receipt"]["customer"] = {"phone": "79123456789"}
    answer = _post(kassa, body, key="fractional")
    assert answer.status_code == 200, answer.text
    assert answer.json()["amount"] == {"value": "2302.79", "currency": "RUB"}


def test_find_one_of_an_unknown_payment_is_not_found(kassa):
    with pytest.raises(NotFoundError) as missing:
        Payment.find_one("2ea1c4f7-000f-5000-a000-1b2c3d4e5f60")
    assert missing.value.content["code"] == "not_found"
    assert requests.get(kassa.url + "/refunds", auth=(SHOP, KEY), timeout=5).status_code == 404


def test_the_checkout_page_shows_the_amount_and_two_buttons(kassa):
    payment = Payment.create(_params(), "order-1")
    page = requests.get(payment.confirmation.confirmation_url, timeout=5)  # no auth: the customer's browser
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="ru">' in page.text and re.search(r"<title>[^<]+</title>", page.text)
    assert "1\u00a0234,50\u00a0₽" in page.text
    assert f'action="/checkout/{payment.id}/pay"><button type="submit">Оплатить</button>' in page.text
    assert f'action="/checkout/{payment.id}/decline"><button type="submit">Отказаться</button>' in page.text
    assert requests.get(f"{_checkout_base(kassa)}/checkout/nope", timeout=5).status_code == 404


def test_paying_on_the_checkout_page_returns_to_the_shop_and_succeeds(kassa):
    payment = Payment.create(_params(), "order-1")
    pressed = requests.post(f"{payment.confirmation.confirmation_url}/pay", allow_redirects=False, timeout=5)
    assert (pressed.status_code, pressed.headers["Location"]) == (303, RETURN_URL)
    paid = Payment.find_one(payment.id)
    assert (paid.status, paid.paid, paid.receipt_registration) == ("succeeded", True, "succeeded")
    assert CREATED_AT.fullmatch(paid.captured_at)
    assert paid.income_amount.currency == "RUB" and paid.income_amount.value < paid.amount.value  # YooKassa's fee
    assert paid.payment_method.card.last4 == "4444"
    again = requests.post(f"{payment.confirmation.confirmation_url}/decline", allow_redirects=False, timeout=5)
    assert (again.status_code, again.headers["Location"]) == (303, RETURN_URL)
    assert Payment.find_one(payment.id).status == "succeeded"  # final stays final
    assert "Платёж прошёл" in requests.get(payment.confirmation.confirmation_url, timeout=5).text


def test_declining_on_the_checkout_page_cancels(kassa):
    payment = Payment.create(_params(), "order-1")
    pressed = requests.post(f"{payment.confirmation.confirmation_url}/decline", allow_redirects=False, timeout=5)
    assert (pressed.status_code, pressed.headers["Location"]) == (303, RETURN_URL)
    canceled = Payment.find_one(payment.id)
    assert (canceled.status, canceled.paid) == ("canceled", False)
    assert (canceled.cancellation_details.party, canceled.cancellation_details.reason) == (
        "payment_network", "general_decline")
    assert kassa.pay(payment.id)["status"] == "canceled"


def test_a_status_change_is_notified_in_yookassas_format(kassa, shop):
    payment = Payment.create(_params(), "order-1")
    kassa.pay(payment.id)
    sent = kassa.wait_for_notifications(1)
    assert (sent.event, sent.payment_id, sent.url, sent.status) == ("payment.succeeded", payment.id, shop.url, 200)
    [(headers, body)] = shop.received
    assert headers["Content-Type"] == "application/json"
    assert (body["type"], body["event"], body["object"]["status"]) == ("notification", "payment.succeeded", "succeeded")
    assert WebhookNotificationFactory().create(body).object.id == payment.id  # the SDK reads it as YooKassa's
    other = Payment.create(_params(), "order-2")
    kassa.decline(other.id)
    assert kassa.wait_for_notifications(2).event == "payment.canceled"
    kassa.pay(payment.id)  # already final: no second notification
    kassa.pay(Payment.create(_params(), "order-3").id, notify=False)
    third = Payment.create(_params(), "order-4")
    kassa.pay(third.id)
    assert kassa.wait_for_notifications(3).payment_id == third.id
    assert [n.payment_id for n in kassa.notifications] == [payment.id, other.id, third.id]


def test_no_notification_url_sends_none(kassa):
    payment = Payment.create(_params(), "order-1")
    kassa.pay(payment.id)
    assert kassa.notifications == [] and kassa.lost_notifications == []


def test_a_dropped_notification_is_never_sent(kassa, shop):
    first, second = (Payment.create(_params(), f"order-{n}") for n in (1, 2))
    kassa.drop_notifications()
    kassa.pay(first.id)
    kassa.pay(second.id)
    assert kassa.wait_for_notifications(1).payment_id == second.id
    assert kassa.lost_notifications == [("payment.succeeded", first.id)]
    assert [body["object"]["id"] for _, body in shop.received] == [second.id]


def test_a_duplicated_notification_arrives_more_than_once(kassa, shop):
    first, second = (Payment.create(_params(), f"order-{n}") for n in (1, 2))
    kassa.duplicate_notifications(2)
    kassa.pay(first.id)
    kassa.decline(second.id)
    kassa.wait_for_notifications(4)
    assert [(n.event, n.payment_id) for n in kassa.notifications] == [("payment.succeeded", first.id)] * 3 + [
        ("payment.canceled", second.id)]
    assert len(shop.received) == 4


def test_held_notifications_are_released_out_of_order(kassa, shop):
    first, second = (Payment.create(_params(), f"order-{n}") for n in (1, 2))
    kassa.hold_notifications()
    kassa.pay(first.id)
    kassa.decline(second.id)
    assert kassa.notifications == []
    assert kassa.release_notifications(reverse=True) == 2
    kassa.wait_for_notifications(2)
    assert [(n.event, n.payment_id) for n in kassa.notifications] == [
        ("payment.canceled", second.id), ("payment.succeeded", first.id)]
    assert [body["object"]["status"] for _, body in shop.received] == ["canceled", "succeeded"]


def test_an_unreachable_or_failing_endpoint_is_recorded(kassa):
    port, placeholder = _closed_port()
    with placeholder:
        kassa.notification_url = f"http://127.0.0.1:{port}/notifications"
        kassa.pay(Payment.create(_params(), "order-1").id)
        assert kassa.wait_for_notifications(1).status is None
    with _Shop(status=500) as failing:
        kassa.notification_url = failing.url
        kassa.pay(Payment.create(_params(), "order-2").id)
        assert kassa.wait_for_notifications(2).status == 500


def test_a_test_can_forge_a_notification(kassa, shop):
    payment = Payment.create(_params(), "order-1")
    forged = {**kassa.payment(payment.id), "status": "succeeded", "paid": True}
    assert kassa.send_notification("payment.succeeded", forged) == 200
    assert kassa.send_notification("payment.canceled", payment.id) == 200
    assert [(body["event"], body["object"]["status"]) for _, body in shop.received] == [
        ("payment.succeeded", "succeeded"), ("payment.canceled", "pending")]
    assert kassa.payment(payment.id)["status"] == "pending"  # forging changes nothing in the fake
    assert len(kassa.notifications) == 2


def test_an_injected_500_raises_internal_server_error_and_makes_nothing(kassa):
    kassa.fail_next(500)
    with pytest.raises(InternalServerError) as failed:
        Payment.create(_params(), "order-1")
    assert failed.value.content["code"] == "internal_server_error"
    assert kassa.created == 0
    assert Payment.create(_params(), "order-1").status == "pending"  # the retry with the same key goes through


def test_fetching_a_payment_can_fail_too(kassa):
    payment = Payment.create(_params(), "order-1")
    kassa.fail_next(429)
    with pytest.raises(TooManyRequestsError) as limited:
        Payment.find_one(payment.id)
    assert limited.value.content["code"] == "too_many_requests"
    kassa.fail_next(401)
    with pytest.raises(UnauthorizedError):
        Payment.find_one(payment.id)
    assert Payment.find_one(payment.id).id == payment.id


def test_a_hung_create_still_makes_the_payment_and_the_retry_gets_it(kassa, monkeypatch):
    kassa.hang_next(10)
    session_request = requests.Session.request

    def with_a_short_timeout(session, method, url, **kwargs):
        kwargs.setdefault("timeout", 0.3)  # the SDK itself sets no timeout at all
        return session_request(session, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", with_a_short_timeout)
    # The SDK hands a transport error's missing response to its error handler: a timeout surfaces as AttributeError.
    with pytest.raises((requests.Timeout, AttributeError)):
        Payment.create(_params(), "order-1")
    [made] = kassa.payments
    retried = Payment.create(_params(), "order-1")
    assert retried.id == made["id"] and kassa.created == 1


def test_a_reset_create_makes_nothing(kassa):
    kassa.reset_next()
    with pytest.raises(requests.ConnectionError):
        _post(kassa, _params(), key="order-1")
    assert kassa.created == 0 and kassa.requests[0].status is None
    assert _post(kassa, _params(), key="order-1").status_code == 200


def test_without_keep_the_fake_still_serves_its_payments():
    with FakeYooKassa(keep=False) as fake:
        answer = _post(fake, _params(), key="order-1", auth=("123456", "test_fake_secret_key"))
        assert answer.status_code == 200
        assert fake.requests == [] and fake.request_count == 1 and fake.created == 1
        assert fake.pay(answer.json()["id"], notify=False)["status"] == "succeeded"
