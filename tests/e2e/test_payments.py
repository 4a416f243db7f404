"""Paying in LK through YooKassa (the fake) in a real browser: the dialog «Оплата», the acquirer's page and back,
what the cabinet and the console show, and what a forged or a lost notification does."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import select

import lk_app.state.cabinet
from lk_app import db
from lk_app.models import BillingAccount, LkUser, OnlinePayment
from lk_app.models.payments import CANCELED, PENDING, SUCCEEDED
from lk_app.services.desk import create_operator
from lk_app.services.online_payments import PaymentRequest, StartedPayment, configured_acquirer, new_attempt, start_payment
from lk_app.settings import get_settings
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import ROOT
from tests.e2e.helpers import (
    PASSWORD,
    Customer,
    confirmed_lk,
    expect_on_cabinet,
    load_customer,
    log_in,
    poll,
    without_yookassa,
)

DESKTOP_ONLY = pytest.mark.parametrize("page", ["desktop"], indirect=True)
NBSP = "\u00a0"
# load_customer() charges 1 300,00 and has 1 234,56 paid.
OWED = f"65,44{NBSP}₽"


@pytest.fixture(scope="module")
def shared(database_url) -> Customer:
    """One confirmed LK for the tests that do not count on its amount to pay (made in the database: no browser)."""
    return _new_lk()


@pytest.fixture(autouse=True)
def checkout_icon(page: Page, lk) -> None:
    """The fake's checkout page has no icon, and Chromium reports the browser's own /favicon.ico 404 on the console:
    the icon is answered here, so that any other console error still fails the test."""
    origin = lk.yookassa.url.removesuffix("/v3")
    page.context.route(f"{origin}/favicon.ico", lambda route: route.fulfill(status=204))


def _new_lk(surname: str = "Ёлкина") -> Customer:
    customer = load_customer(surname)
    confirmed_lk(customer)
    return customer


def _enter(page: Page, customer: Customer) -> None:
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)


def _phone(page: Page) -> bool:
    return page.viewport_size["width"] < 600


def _open_dialog(page: Page) -> Locator:
    """«Оплатить» on the pay card: the dialog «Оплата», its form loaded."""
    page.locator("#pay-card").get_by_role("button", name="Оплатить").click()
    dialog = page.get_by_role("dialog", name="Оплата")
    expect(dialog.get_by_label("Сумма, ₽")).to_be_enabled()
    return dialog


def _checkout_prefix(lk) -> str:
    return lk.yookassa.url.removesuffix("/v3") + "/checkout/"


def _to_checkout(page: Page, lk, dialog: Locator) -> str:
    """«Перейти к оплате», then the fake's checkout page; the acquirer's id of the payment."""
    dialog.get_by_role("button", name="Перейти к оплате").click()
    return _at_checkout(page, lk)


def _at_checkout(page: Page, lk) -> str:
    prefix = _checkout_prefix(lk)
    page.wait_for_url(lambda url: url.startswith(prefix))
    expect(page.get_by_role("heading", name="Оплата заказа")).to_be_visible()
    return page.url.removeprefix(prefix)


def _rows(number: str) -> list[OnlinePayment]:
    """The account's LK payments, oldest first."""
    return db.run(lambda session: list(session.exec(
        select(OnlinePayment).join(BillingAccount, BillingAccount.id == OnlinePayment.account_id)
        .where(BillingAccount.number == number).order_by(OnlinePayment.id)).all()))


def _row(acquirer_id: str) -> OnlinePayment:
    return db.run(lambda session: session.exec(select(OnlinePayment).where(OnlinePayment.acquirer_id == acquirer_id)).one())


def _to_pay(page: Page) -> str:
    return page.locator("#amount-to-pay").inner_text()


def test_the_amount_to_pay_paid_by_card_or_sbp_is_accepted_and_shown_in_the_cabinet(page: Page, lk):
    customer = _new_lk()
    method, code = ("СБП", "sbp") if _phone(page) else ("Банковская карта", "bank_card")
    _enter(page, customer)
    expect(page.locator("#amount-to-pay")).to_have_text(OWED)
    dialog = _open_dialog(page)
    expect(dialog.get_by_text(customer.number, exact=True)).to_be_visible()
    amount = dialog.get_by_label("Сумма, ₽")
    expect(amount).to_have_value("65,44")  # the amount to pay
    expect(dialog.get_by_label("E-mail для чека")).to_have_value(customer.email)
    expect(dialog.get_by_role("radio", name="Банковская карта")).to_be_checked()
    # Typed as people type it, read back as money; then the amount to pay again.
    amount.fill("1234")
    amount.blur()
    expect(dialog.get_by_text(f"К оплате: 1{NBSP}234,00{NBSP}₽")).to_be_visible()
    amount.fill("65.44")
    amount.blur()
    expect(dialog.get_by_text(f"К оплате: 65,44{NBSP}₽")).to_be_visible()
    dialog.get_by_role("radio", name=method).click()
    expect(dialog.get_by_role("radio", name=method)).to_be_checked()
    if _phone(page):
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        option = dialog.get_by_role("radio", name="Банковская карта").bounding_box()
        frame = dialog.bounding_box()
        assert option["x"] >= frame["x"] and option["x"] + option["width"] <= frame["x"] + frame["width"]

    payment_id = _to_checkout(page, lk, dialog)
    made = lk.yookassa.payment(payment_id)
    assert made["amount"]["value"] == "65.44" and made["payment_method"]["type"] == code
    assert _row(payment_id).status == PENDING
    page.get_by_role("button", name="Оплатить").click()

    expect(page.get_by_role("heading", name="Платёж принят")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/payment/return/?\?payment=[0-9a-f]{32}$"))  # the production server adds a /
    expect(page.locator("#payment-amount")).to_have_text(OWED)
    expect(page.locator("#payment-account")).to_have_text(f"л/с ••••{customer.number[-4:]}")
    expect(page.get_by_text(customer.number)).to_have_count(0)  # masked on a page that may be seen by others
    assert _row(payment_id).status == SUCCEEDED
    assert axe_violations(page, "/payment/return «Платёж принят»") == []
    back_here = page.url

    page.get_by_role("link", name="Вернуться в Личный кабинет").click()
    expect_on_cabinet(page, customer)
    expect(page.locator("#amount-to-pay")).to_have_text(f"0,00{NBSP}₽")
    expect(page.locator("#pay-card").get_by_role("heading", name="Задолженности нет")).to_be_visible()
    page.get_by_role("tab", name="Платежи").click()
    newest = page.locator("#history-payments > li").first
    expect(newest).to_contain_text("через Личный кабинет · принят")
    expect(newest).to_contain_text(OWED)
    expect(page.locator("#history-payments > li")).to_have_count(2)

    # The session gone (a customer who paid for half an hour), the return address still tells how it went.
    page.context.clear_cookies()
    page.goto(back_here)
    expect(page.get_by_role("heading", name="Платёж принят")).to_be_visible()
    expect(page.locator("#payment-amount")).to_have_text(OWED)


def test_a_declined_payment_is_told_so_and_can_be_tried_again(page: Page, lk, shared: Customer):
    _enter(page, shared)
    dialog = _open_dialog(page)
    dialog.get_by_label("Сумма, ₽").fill("100")
    payment_id = _to_checkout(page, lk, dialog)
    page.get_by_role("button", name="Отказаться").click()

    expect(page.get_by_role("heading", name="Платёж не прошёл")).to_be_visible()
    expect(page.locator("#payment-amount")).to_have_text(f"100,00{NBSP}₽")
    assert _row(payment_id).status == CANCELED
    assert axe_violations(page, "/payment/return «Платёж не прошёл»") == []
    page.get_by_role("link", name="Попробовать ещё раз").click()
    expect_on_cabinet(page, shared)
    dialog = _open_dialog(page)
    expect(dialog.get_by_role("button", name="Перейти к оплате")).to_be_enabled()


def test_a_double_click_on_pay_makes_one_payment(page: Page, lk, shared: Customer):
    _enter(page, shared)
    dialog = _open_dialog(page)
    dialog.get_by_label("Сумма, ₽").fill("10")
    made, rows = lk.yookassa.created, len(_rows(shared.number))
    dialog.get_by_role("button", name="Перейти к оплате").dblclick()
    payment_id = _at_checkout(page, lk)
    assert lk.yookassa.created == made + 1
    assert [row.acquirer_id for row in _rows(shared.number)[rows:]] == [payment_id]


# In an order where each message differs from the one before: every check waits for its own answer.
BAD_AMOUNTS = (
    ("0", f"Сумма — не меньше 1,00{NBSP}₽."),
    ("12,345", "Не больше двух знаков после запятой."),
    ("-5", f"Сумма — не меньше 1,00{NBSP}₽."),
    ("500000,01", f"Сумма — не больше 500{NBSP}000,00{NBSP}₽."),
)


def test_bad_amounts_are_refused_by_their_field_and_nothing_typed_is_lost(page: Page, lk, shared: Customer):
    _enter(page, shared)
    dialog = _open_dialog(page)
    made = lk.yookassa.created
    dialog.get_by_role("radio", name="СБП").click()
    email = dialog.get_by_label("E-mail для чека")
    email.fill(f"receipts.{shared.email}")
    amount = dialog.get_by_label("Сумма, ₽")
    for typed, message in BAD_AMOUNTS:
        amount.fill(typed)
        dialog.get_by_role("button", name="Перейти к оплате").click()
        expect(dialog.locator("#payment_amount-error")).to_have_text(message)
        expect(amount).to_have_attribute("aria-invalid", "true")
        expect(amount).to_be_focused()
        expect(amount).to_have_value(typed)
        expect(email).to_have_value(f"receipts.{shared.email}")
        expect(dialog.get_by_role("radio", name="СБП")).to_be_checked()

    # Put right, with a bad e-mail: that one is refused by its own field, and the amount's refusal is gone.
    amount.fill("10")
    email.fill("почта@")
    dialog.get_by_role("button", name="Перейти к оплате").click()
    expect(dialog.locator("#receipt_email-error")).to_have_text("Проверьте адрес e-mail.")
    expect(dialog.locator("#payment_amount-error")).to_have_count(0)
    assert lk.yookassa.created == made


@DESKTOP_ONLY
def test_yookassa_down_gets_a_calm_message_and_no_half_made_payment(page: Page, lk, shared: Customer):
    _enter(page, shared)
    dialog = _open_dialog(page)
    dialog.get_by_label("Сумма, ₽").fill("15")
    rows, made = len(_rows(shared.number)), lk.yookassa.created
    lk.yookassa.fail_next(500, count=3)  # each of LK's three tries
    dialog.get_by_role("button", name="Перейти к оплате").click()
    expect(dialog.get_by_role("alert").filter(has_text="ЮKassa сейчас не отвечает")).to_be_visible()
    expect(dialog.get_by_role("button", name="Перейти к оплате")).to_be_enabled()
    assert len(_rows(shared.number)) == rows and lk.yookassa.created == made

    # Pressed again once YooKassa is back: the same attempt, one payment.
    payment_id = _to_checkout(page, lk, dialog)
    assert [row.acquirer_id for row in _rows(shared.number)[rows:]] == [payment_id]
    assert lk.yookassa.created == made + 1


@DESKTOP_ONLY
def test_a_forged_notification_changes_nothing_and_the_return_page_waits_for_the_api(page: Page, lk, shared: Customer):
    _enter(page, shared)
    before = _to_pay(page)
    dialog = _open_dialog(page)
    dialog.get_by_label("Сумма, ₽").fill("20")
    payment_id = _to_checkout(page, lk, dialog)

    # Someone posts «succeeded» for a payment YooKassa holds pending: LK asks the API, which says pending.
    forged = {**lk.yookassa.payment(payment_id), "status": "succeeded", "paid": True,
              "captured_at": "2026-01-01T00:00:00.000Z"}
    assert lk.yookassa.send_notification("payment.succeeded", forged) == 200
    assert _row(payment_id).status == PENDING
    page.goto("/cabinet")
    expect_on_cabinet(page, shared)
    expect(page.locator("#amount-to-pay")).to_have_text(before)

    # Back on the return address before YooKassa decided: «обрабатывается», then, asked again, «принят».
    page.goto(f"/payment/return?payment={_row(payment_id).public_id}")
    expect(page.get_by_role("heading", name="Платёж обрабатывается")).to_be_visible()
    lk.yookassa.pay(payment_id, notify=False)
    expect(page.get_by_role("heading", name="Платёж принят")).to_be_visible()
    assert _row(payment_id).status == SUCCEEDED


@DESKTOP_ONLY
def test_a_lost_notification_is_caught_by_reconcile_payments(page: Page, lk):
    customer = _new_lk()
    _enter(page, customer)
    payment_id = _to_checkout(page, lk, _open_dialog(page))
    lk.yookassa.drop_notifications()
    lk.yookassa.pay(payment_id)  # paid, and the customer closed the tab instead of coming back
    assert ("payment.succeeded", payment_id) in lk.yookassa.lost_notifications
    assert _row(payment_id).status == PENDING

    # The command runs in a process of its own and cannot see a moved clock: the payment is made older instead.
    def make_older(session) -> None:
        row = session.exec(select(OnlinePayment).where(OnlinePayment.acquirer_id == payment_id)).one()
        row.created_at -= timedelta(minutes=11)
        session.add(row)

    db.run(make_older)
    done = subprocess.run([sys.executable, "-m", "lk_app", "reconcile-payments"], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Сверка платежей с ЮKassa" in done.stdout
    assert _row(payment_id).status == SUCCEEDED

    page.goto("/cabinet")
    expect_on_cabinet(page, customer)
    expect(page.locator("#amount-to-pay")).to_have_text(f"0,00{NBSP}₽")
    page.get_by_role("tab", name="Платежи").click()
    expect(page.locator("#history-payments > li").first).to_contain_text("через Личный кабинет · принят")


def _user_id(customer: Customer) -> int:
    return db.run(lambda session: session.exec(select(LkUser.id).where(LkUser.login == customer.number)).one())


def _made_in_lk(customer: Customer, kopecks: int, method: str = "bank_card") -> StartedPayment:
    """A payment of the customer's made as the dialog makes it, without a browser."""
    started = start_payment(_user_id(customer), customer.number, PaymentRequest(kopecks, method, customer.email, None),
                            new_attempt(), acquirer=configured_acquirer())
    assert isinstance(started, StartedPayment), started
    return started


@DESKTOP_ONLY
def test_another_lks_payment_is_not_found(page: Page, lk, shared: Customer):
    theirs = _made_in_lk(shared, 4321_00)
    _enter(page, _new_lk("Иванова"))
    page.goto(f"/payment/return?payment={theirs.public_id}")
    expect(page.get_by_role("heading", name="Платёж не найден")).to_be_visible()
    expect(page.get_by_text("4\u00a0321,00")).to_have_count(0)
    page.goto("/payment/return?payment=../../etc/passwd")
    expect(page.get_by_role("heading", name="Платёж не найден")).to_be_visible()


@pytest.fixture
def demo_without_keys(monkeypatch) -> Iterator[None]:
    """Demo mode as a presenter runs it: no YooKassa keys (the fakes' other providers make LK_DEMO=1 refuse to start,
    so the cabinet's settings are patched)."""
    with without_yookassa():
        settings = get_settings().model_copy(update={"demo": True})
        monkeypatch.setattr(lk_app.state.cabinet, "get_settings", lambda: settings)
        yield


@DESKTOP_ONLY
def test_in_demo_mode_without_keys_the_dialog_says_what_it_needs_and_shows_the_qr(page: Page, lk, shared: Customer,
                                                                                 demo_without_keys):
    made = lk.yookassa.created
    _enter(page, shared)
    page.locator("#pay-card").get_by_role("button", name="Оплатить").click()
    dialog = page.get_by_role("dialog", name="Оплата")
    expect(dialog.get_by_text("Оплата картой и через СБП заработает, когда поставщик укажет ключи ЮKassa")).to_be_visible()
    qr = dialog.get_by_role("img", name=re.compile("QR-код для оплаты"))
    expect(qr).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=qr.element_handle())
    expect(dialog.get_by_role("button", name="Перейти к оплате")).to_have_count(0)
    dialog.get_by_role("button", name="Закрыть").click()
    expect(dialog).to_have_count(0)
    assert lk.yookassa.created == made


@DESKTOP_ONLY
def test_the_console_lists_an_lks_payments_with_their_statuses(page: Page, browser: Browser, lk):
    customer = _new_lk()
    paid, declined, waiting = (_made_in_lk(customer, kopecks, method)
                               for kopecks, method in ((10_00, "bank_card"), (20_00, "sbp"), (30_00, "bank_card")))
    acquirer_ids = {started.public_id: _acquirer_id(started) for started in (paid, declined, waiting)}
    lk.yookassa.pay(acquirer_ids[paid.public_id])
    lk.yookassa.decline(acquirer_ids[declined.public_id])
    poll(lambda: [_row(acquirer_ids[p.public_id]).status for p in (paid, declined)] == [SUCCEEDED, CANCELED])

    login = f"op.pay{customer.number}"
    assert db.run(create_operator, login, PASSWORD) is None
    log_in(page, login)
    expect(page.get_by_role("heading", name="Операторская консоль")).to_be_visible()
    page.get_by_label("Номер счёта, логин, e-mail или телефон").fill(customer.number)
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("button", name=f"Открыть ЛК {customer.number}", exact=True).click()
    expect(page.get_by_role("heading", name="Платежи через Личный кабинет")).to_be_visible()
    lines = page.locator("#lk-payments > div")
    expect(lines).to_have_count(3)
    for line, (amount, method, status, started) in zip(
            (lines.nth(0), lines.nth(1), lines.nth(2)),
            ((f"30,00{NBSP}₽", "карта", "ожидает оплаты", waiting), (f"20,00{NBSP}₽", "СБП", "отменён", declined),
             (f"10,00{NBSP}₽", "карта", "принят", paid))):
        expect(line).to_contain_text(f"{customer.number} · {amount} · {method}")
        expect(line).to_contain_text(status)
        expect(line).to_contain_text(acquirer_ids[started.public_id])
    expect(lines.nth(1)).to_contain_text("отказ банка")


def _acquirer_id(started: StartedPayment) -> str:
    return db.run(lambda session: session.exec(
        select(OnlinePayment.acquirer_id).where(OnlinePayment.public_id == started.public_id)).one())

