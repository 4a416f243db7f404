"""Paying through YooKassa: the amount's rules, the receipt, one payment per attempt, statuses only from the API,
reconciliation, matching with the billing import and the register for billing — the real SDK against the fake."""

import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from lk_app import clock, db
from lk_app.billing.importer import import_billing_dir
from lk_app.models import OnlinePayment, OutboxMessage, Payment
from lk_app.models.payments import CANCELED, PENDING, SUCCEEDED
from lk_app.payments.acquirer import YooKassa
from lk_app.payments.receipt import BANK_CARD, SBP, PaymentOrder, payment_request
from lk_app.services.cabinet import account_card
from lk_app.services.online_payments import (
    Notification,
    PaymentRefusal,
    PaymentRequest,
    Refusal,
    ReturnStatus,
    check_request,
    new_attempt,
    parse_amount,
    payment_form,
    payment_return,
    payments_register,
    reconcile_payments,
    record_payment,
    start_payment,
    take_notification,
    to_pay_kop,
)
from tests.fakes.yookassa_server import FakeYooKassa
from tests.unit.factories import billing_account, charge, link, lk_user

MAX = 50_000_000
NUMBER = "40010001"


@pytest.mark.parametrize(("typed", "kopecks"), [
    ("1 234,56", 123456), ("1234.56", 123456), ("1234", 123400), ("1\u00a0234,5", 123450), (" 1,00 ", 100),
    ("500000.00", MAX),
])
def test_amounts_as_customers_type_them(typed, kopecks):
    assert parse_amount(typed, max_kop=MAX) == kopecks


@pytest.mark.parametrize(("typed", "refusal"), [
    ("", PaymentRefusal.AMOUNT_MISSING), ("  ", PaymentRefusal.AMOUNT_MISSING),
    ("0", PaymentRefusal.AMOUNT_TOO_SMALL), ("0,99", PaymentRefusal.AMOUNT_TOO_SMALL), ("-5", PaymentRefusal.AMOUNT_TOO_SMALL),
    ("12,345", PaymentRefusal.AMOUNT_DECIMALS), ("500000,01", PaymentRefusal.AMOUNT_TOO_LARGE),
    ("сто", PaymentRefusal.AMOUNT_FORMAT), ("1e5", PaymentRefusal.AMOUNT_FORMAT), ("1.2.3", PaymentRefusal.AMOUNT_FORMAT),
    ("9" * 40, PaymentRefusal.AMOUNT_FORMAT),
])
def test_amounts_refused_with_their_reason(typed, refusal):
    assert parse_amount(typed, max_kop=MAX) == refusal


def test_the_form_names_each_bad_field():
    refusals = check_request("0", "cash", "not-an-address", by_email=True)
    assert refusals == [Refusal(PaymentRefusal.AMOUNT_TOO_SMALL, "amount"), Refusal(PaymentRefusal.METHOD_UNKNOWN, "method"),
                        Refusal(PaymentRefusal.EMAIL_INVALID, "receipt_email")]
    assert check_request("100", SBP, " ", by_email=True) == [Refusal(PaymentRefusal.EMAIL_MISSING, "receipt_email")]
    assert check_request("100", SBP, "12", by_email=False) == [Refusal(PaymentRefusal.PHONE_INVALID, "receipt_phone")]
    assert check_request("100", SBP, "", by_email=False) == [Refusal(PaymentRefusal.PHONE_MISSING, "receipt_phone")]
    assert check_request("100", SBP, "8 (912) 345-67-89", by_email=False) == PaymentRequest(10000, SBP, None, "+79123456789")
    assert check_request("100", BANK_CARD, "Anna@Example.RU", by_email=True) == \
        PaymentRequest(10000, BANK_CARD, "Anna@example.ru", None)


def test_the_54_fz_receipt_of_one_service_for_the_whole_amount():
    order = PaymentOrder(NUMBER, 123456, SBP, None, "+79123456789", "https://lk.example.ru/payment/return?payment=x", "x")
    body = payment_request(order, vat_code=1, tax_system_code=None)
    assert body["amount"] == {"value": "1234.56", "currency": "RUB"} and body["capture"] is True
    assert body["confirmation"] == {"type": "redirect", "return_url": order.return_url}
    assert body["description"] == f"Оплата электроэнергии, л/с {NUMBER}"
    assert body["metadata"] == {"account_number": NUMBER, "lk_payment": "x"}
    assert body["payment_method_data"] == {"type": "sbp"}
    receipt = body["receipt"]
    assert receipt["customer"] == {"phone": "79123456789"} and "tax_system_code" not in receipt
    assert receipt["items"] == [{"description": f"Электроэнергия, л/с {NUMBER}", "quantity": "1.00",
                                 "amount": {"value": "1234.56", "currency": "RUB"}, "vat_code": 1,
                                 "payment_subject": "service", "payment_mode": "full_payment"}]
    with_system = payment_request(order, vat_code=4, tax_system_code=2)["receipt"]
    assert with_system["tax_system_code"] == 2 and with_system["items"][0]["vat_code"] == 4


@pytest.fixture
def fake():
    with FakeYooKassa() as server:
        yield server


@pytest.fixture
def acquirer(fake, settings):
    settings(LK_PUBLIC_URL="https://lk.example.ru")
    return YooKassa(fake.shop_id, fake.secret_key, api_url=fake.url, timeout_seconds=1, vat_code=1,
                    tax_system_code=None)


@pytest.fixture
def customer(session):
    """An LK with a confirmed e-mail and one account that owes 1 500,00 ₽."""
    account = billing_account(session, NUMBER, "Иванова")
    user = lk_user(session, email="anna@example.ru")
    link(session, user, account, primary=True)
    charge(session, account, "2026-11", 150, 150000)
    session.commit()
    return user.id


def _request(amount_kop=150000, method=BANK_CARD) -> PaymentRequest:
    return PaymentRequest(amount_kop, method, "anna@example.ru", None)


def _rows() -> list[OnlinePayment]:
    return db.run(lambda session: list(session.exec(select(OnlinePayment).order_by(OnlinePayment.id)).all()))


def _mails(template="payment_accepted") -> list[OutboxMessage]:
    return db.run(lambda session: list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == template)).all()))


def test_the_dialog_opens_on_the_amount_to_pay_and_the_lks_email(customer):
    form = db.run(payment_form, customer, NUMBER)
    assert (form.number, form.amount, form.email) == (NUMBER, "1\u00a0500,00", "anna@example.ru")
    assert db.run(payment_form, customer, "40010002") is None  # not its account


def test_one_attempt_makes_one_payment_however_often_it_is_pressed(customer, acquirer, fake):
    attempt = new_attempt()
    first = start_payment(customer, NUMBER, _request(), attempt, acquirer=acquirer)
    again = start_payment(customer, NUMBER, _request(), attempt, acquirer=acquirer)
    assert first == again and fake.created == 1
    assert first.confirmation_url.startswith(fake.url.removesuffix("/v3"))
    [row] = _rows()
    assert (row.status, row.amount_kop, row.public_id) == (PENDING, 150000, first.public_id)
    made = fake.payments[0]
    assert made["metadata"]["account_number"] == NUMBER and made["amount"]["value"] == "1500.00"
    assert made["confirmation"]["return_url"] == f"https://lk.example.ru/payment/return?payment={first.public_id}"
    # Another amount is another attempt's payment, and so is a new attempt (the dialog opened again).
    start_payment(customer, NUMBER, _request(100000), attempt, acquirer=acquirer)
    start_payment(customer, NUMBER, _request(), new_attempt(), acquirer=acquirer)
    assert fake.created == 3 and len(_rows()) == 3


def test_presses_at_the_same_moment_make_one_payment(customer, acquirer, fake):
    attempt, results = new_attempt(), []
    threads = [threading.Thread(target=lambda: results.append(
        start_payment(customer, NUMBER, _request(), attempt, acquirer=acquirer))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.created == 1 and len(_rows()) == 1 and len(set(results)) == 1


def test_an_account_of_another_lk_is_refused_without_asking_yookassa(customer, acquirer, fake, session):
    billing_account(session, "40010002", "Петров")
    session.commit()
    refused = start_payment(customer, "40010002", _request(), new_attempt(), acquirer=acquirer)
    assert refused == Refusal(PaymentRefusal.NOT_OWN_ACCOUNT) and fake.created == 0 and _rows() == []


def test_yookassa_down_leaves_no_payment_row(customer, acquirer, fake):
    fake.fail_next(500, count=3)
    assert start_payment(customer, NUMBER, _request(), new_attempt(), acquirer=acquirer) == \
        Refusal(PaymentRefusal.ACQUIRER_UNAVAILABLE)
    assert _rows() == []


def test_an_unanswered_create_is_sent_again_under_its_key_and_makes_one_payment(customer, acquirer, fake):
    fake.hang_next(1.5)  # longer than the client's 1 s: the fake makes the payment but answers too late
    started = start_payment(customer, NUMBER, _request(), new_attempt(), acquirer=acquirer)
    assert fake.created == 1 and [row.public_id for row in _rows()] == [started.public_id]
    keys = {request.headers["Idempotence-Key"] for request in fake.requests if request.path == "/v3/payments"}
    assert len(keys) == 1


def _paid(customer, acquirer, fake, amount_kop=150000):
    started = start_payment(customer, NUMBER, _request(amount_kop), new_attempt(), acquirer=acquirer)
    acquirer_id = _rows()[-1].acquirer_id
    fake.pay(acquirer_id, notify=False)
    return started, acquirer_id


def test_a_success_is_recorded_once_and_told_once(customer, acquirer, fake):
    started, acquirer_id = _paid(customer, acquirer, fake)
    found = acquirer.fetch(acquirer_id)
    results = []
    threads = [threading.Thread(target=lambda: results.append(db.run(record_payment, found))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    [row] = _rows()
    assert row.status == SUCCEEDED and row.paid_on == clock.today()
    [mail] = _mails()
    assert mail.recipient == "anna@example.ru" and "1\u00a0500,00\u00a0₽" in mail.body_text
    assert payment_return(started.public_id, customer, acquirer=acquirer).status == ReturnStatus.ACCEPTED
    # The cabinet counts it at once: nothing is owed any more, and the list says it was paid in LK.
    assert db.run(lambda session: to_pay_kop(row.account_id, session=session)) == 0
    card = db.run(account_card, customer, NUMBER)
    assert card.standing.value == "settled" and card.payments[0].online == "accepted"


def test_a_forged_notification_changes_nothing(customer, acquirer, fake):
    start_payment(customer, NUMBER, _request(), new_attempt(), acquirer=acquirer)
    payment = dict(fake.payments[0], status="succeeded", paid=True)
    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": payment}).encode()
    assert take_notification(body, "203.0.113.9", acquirer=acquirer, check_ip=False) == Notification.RECORDED
    assert _rows()[0].status == PENDING and _mails() == []  # the API says pending, and that is what counts
    assert take_notification(body, "203.0.113.9", acquirer=acquirer, check_ip=True) == Notification.UNTRUSTED
    assert take_notification(b"{not json", "203.0.113.9", acquirer=acquirer, check_ip=False) == Notification.MALFORMED
    stranger = json.dumps({"type": "notification", "event": "payment.succeeded",
                           "object": dict(payment, id="2ea1c4f7-000f-5000-a000-000000000000")}).encode()
    before = len(fake.requests)
    assert take_notification(stranger, "203.0.113.9", acquirer=acquirer, check_ip=False) == Notification.NOT_OURS
    assert len(fake.requests) == before  # a stranger's id is not even asked about


def test_notifications_twice_and_out_of_order_end_where_the_api_is(customer, acquirer, fake):
    start_payment(customer, NUMBER, _request(), new_attempt(), acquirer=acquirer)
    acquirer_id = _rows()[0].acquirer_id
    fake.decline(acquirer_id, notify=False)
    canceled = json.dumps({"type": "notification", "event": "payment.canceled", "object": fake.payment(acquirer_id)})
    late = json.dumps({"type": "notification", "event": "payment.waiting_for_capture",
                       "object": dict(fake.payment(acquirer_id), status="waiting_for_capture")})
    for body in (canceled, canceled, late):
        take_notification(body.encode(), "203.0.113.9", acquirer=acquirer, check_ip=False)
    [row] = _rows()
    assert row.status == CANCELED and row.cancellation_reason == "general_decline"


def test_api_down_during_a_notification_asks_yookassa_to_send_it_again(customer, acquirer, fake):
    _started, acquirer_id = _paid(customer, acquirer, fake)
    fake.fail_next(500)
    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": fake.payment(acquirer_id)})
    assert take_notification(body.encode(), "203.0.113.9", acquirer=acquirer, check_ip=False) == Notification.UNAVAILABLE
    assert _rows()[0].status == PENDING


def test_reconciliation_asks_about_payments_left_open_for_ten_minutes(customer, acquirer, fake):
    _started, acquirer_id = _paid(customer, acquirer, fake)  # paid; its notification lost
    assert reconcile_payments(acquirer=acquirer).checked == 0  # too fresh: its notification may still come
    db.run(lambda session: session.exec(update(OnlinePayment).values(created_at=clock.now() - timedelta(minutes=11))))
    summary = reconcile_payments(acquirer=acquirer)
    assert (summary.checked, summary.changed, summary.failed) == (1, 1, 0)
    assert _rows()[0].status == SUCCEEDED and len(_mails()) == 1
    assert reconcile_payments(acquirer=acquirer).checked == 0  # final: never asked again


def test_the_return_page_never_shows_another_lks_payment(customer, acquirer, fake, session):
    started = start_payment(customer, NUMBER, _request(), new_attempt(), acquirer=acquirer)
    other = lk_user(session, login="boris", email="boris@example.ru")
    session.commit()
    assert payment_return(started.public_id, other.id, acquirer=acquirer) is None
    assert payment_return(started.public_id, None, acquirer=acquirer).status == ReturnStatus.PROCESSING  # session gone
    assert payment_return("0" * 32, None, acquirer=acquirer) is None
    assert payment_return("../etc", None, acquirer=acquirer) is None


def _import_payments(tmp_path, *lines: str) -> None:
    (tmp_path / "payments.csv").write_text("account_number,paid_on,amount,external_id\n" + "\n".join(lines) + "\n",
                                          encoding="utf-8")
    import_billing_dir(tmp_path, on_problem=lambda problem: pytest.fail(str(problem)))


def test_the_billing_import_takes_over_a_payment_by_its_yookassa_id(customer, acquirer, fake, tmp_path):
    _started, acquirer_id = _paid(customer, acquirer, fake)
    db.run(record_payment, acquirer.fetch(acquirer_id))
    # Billing posts it the next day and sends YooKassa's id back: the same payment, not a second one.
    _import_payments(tmp_path, f"{NUMBER},{(clock.today() + timedelta(days=1)).isoformat()},1500.00,{acquirer_id}")
    [row] = _rows()
    imported = db.run(lambda session: session.get(Payment, row.payment_id))
    assert imported.external_id == acquirer_id
    card = db.run(account_card, customer, NUMBER)
    assert card.standing.value == "settled" and [line.online for line in card.payments] == ["posted"]


def test_without_the_id_account_day_and_amount_match_one_payment_each(customer, acquirer, fake, tmp_path):
    for _ in range(2):  # two equal payments on one day
        _paid(customer, acquirer, fake, 75000)
    for row in _rows():
        db.run(record_payment, acquirer.fetch(row.acquirer_id))
    day = clock.today().isoformat()
    _import_payments(tmp_path, f"{NUMBER},{day},750.00,")
    assert sorted(row.payment_id is not None for row in _rows()) == [False, True]  # one imported, one still waiting
    assert db.run(lambda session: to_pay_kop(_rows()[0].account_id, session=session)) == 0  # counted once each


def test_the_register_for_billing_is_the_same_on_every_run(customer, acquirer, fake):
    for amount in (150000, 2000):
        _started, acquirer_id = _paid(customer, acquirer, fake, amount)
        db.run(record_payment, acquirer.fetch(acquirer_id))
    start_payment(customer, NUMBER, _request(999), new_attempt(), acquirer=acquirer)  # pending: not in it
    lines = db.run(payments_register, clock.today())
    assert [line.amount for line in lines] == ["1500.00", "20.00"]
    assert lines == db.run(payments_register, clock.today())
    assert all(line.account_number == NUMBER and line.paid_at.startswith(clock.today().isoformat()) for line in lines)
    assert db.run(payments_register, date(2020, 1, 1)) == []


@pytest.fixture
def notifications(settings, fake):
    """The notification route of an app whose YooKassa is the fake, with the sender's address checked."""
    import warnings

    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from starlette.testclient import TestClient
    from lk_app.routes import backend_routes

    settings(LK_YOOKASSA_SHOP_ID=fake.shop_id, LK_YOOKASSA_SECRET_KEY=fake.secret_key, LK_YOOKASSA_API_URL=fake.url,
             LK_YOOKASSA_CHECK_IP="1", LK_PUBLIC_URL="https://lk.example.ru")
    with TestClient(backend_routes, follow_redirects=False) as client:
        yield client


def test_the_notification_route_answers_yookassa_by_what_became_of_it(customer, acquirer, fake, notifications, settings):
    _started, acquirer_id = _paid(customer, acquirer, fake)
    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": fake.payment(acquirer_id)})
    # The test client comes from «testclient», not from YooKassa's networks: refused, nothing recorded.
    assert notifications.post("/payments/yookassa", content=body).status_code == 403
    assert _rows()[0].status == PENDING
    settings(LK_YOOKASSA_SHOP_ID=fake.shop_id, LK_YOOKASSA_SECRET_KEY=fake.secret_key, LK_YOOKASSA_API_URL=fake.url,
             LK_YOOKASSA_CHECK_IP="1", LK_TRUSTED_PROXY_HOPS="1")
    from_yookassa = {"X-Forwarded-For": "185.71.76.5"}  # through LK's one trusted proxy, from one of YooKassa's
    assert notifications.post("/payments/yookassa", content=body, headers=from_yookassa).status_code == 200
    assert _rows()[0].status == SUCCEEDED
    assert notifications.post("/payments/yookassa", content=b"[]", headers=from_yookassa).status_code == 400
    assert notifications.post("/payments/yookassa", content=b"x" * 70_000, headers=from_yookassa).status_code == 413
    _started, other = _paid(customer, acquirer, fake, 1000)
    again = json.dumps({"type": "notification", "event": "payment.succeeded", "object": fake.payment(other)})
    fake.fail_next(500)  # the API cannot say: YooKassa is asked to send the notification again
    assert notifications.post("/payments/yookassa", content=again, headers=from_yookassa).status_code == 503
    assert notifications.post("/payments/yookassa", content=again, headers=from_yookassa).status_code == 200
    assert notifications.get("/payments/yookassa").status_code == 405
    settings(LK_YOOKASSA_SHOP_ID="")
    assert notifications.post("/payments/yookassa", content=body, headers=from_yookassa).status_code == 404


def test_the_commands_of_billing_and_reconciliation(customer, acquirer, fake, settings, capsys):
    from lk_app.__main__ import main

    for amount in (150000, 2000):
        _started, acquirer_id = _paid(customer, acquirer, fake, amount)
        db.run(record_payment, acquirer.fetch(acquirer_id))
    day = clock.today().isoformat()
    assert main(["export-payments", "--date", day]) == 0
    first = capsys.readouterr()
    assert main(["export-payments", "--date", day]) == 0
    assert capsys.readouterr().out == first.out  # the register billing loads: the same file on a rerun
    header, *lines = first.out.splitlines()
    assert header == "account_number,amount,paid_at,external_id" and len(lines) == 2
    assert lines[0].startswith(f"{NUMBER},1500.00,{day}T") and first.err.strip().endswith(": 2")
    assert main(["export-payments", "--date", "04.12.2026"]) == 2
    assert "ГГГГ-ММ-ДД" in capsys.readouterr().err

    assert main(["reconcile-payments"]) == 2  # the app's settings name no shop
    assert "LK_YOOKASSA_SHOP_ID" in capsys.readouterr().err
    settings(LK_YOOKASSA_SHOP_ID=fake.shop_id, LK_YOOKASSA_SECRET_KEY=fake.secret_key, LK_YOOKASSA_API_URL=fake.url)
    start_payment(customer, NUMBER, _request(5000), new_attempt(), acquirer=acquirer)
    db.run(lambda session: session.exec(update(OnlinePayment).values(created_at=clock.now() - timedelta(minutes=11))))
    fake.fail_next(500)
    assert main(["reconcile-payments"]) == 1  # YooKassa did not answer about the open one
    assert "проверено 1, изменилось 0, ЮKassa не ответила по 1" in capsys.readouterr().out
    assert main(["reconcile-payments"]) == 0


def test_the_secret_key_never_travels_over_plain_http_to_another_machine(settings):
    from pydantic import ValidationError

    assert not settings().has_acquirer and settings(LK_YOOKASSA_SHOP_ID="1", LK_YOOKASSA_SECRET_KEY="k").has_acquirer
    assert not settings(LK_YOOKASSA_SHOP_ID="1", LK_YOOKASSA_SECRET_KEY="k").demo_mode  # a real acquirer: no demo
    assert settings(LK_PAYMENT_MAX="1000.50").payment_max_kop == 100050
    assert settings(LK_YOOKASSA_API_URL="http://127.0.0.1:8123/v3").yookassa_api_url == "http://127.0.0.1:8123/v3"
    with pytest.raises(ValidationError, match="LK_YOOKASSA_API_URL"):
        settings(LK_YOOKASSA_API_URL="http://api.yookassa.ru/v3")
