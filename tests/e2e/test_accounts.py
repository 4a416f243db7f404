"""Several accounts in one LK in a real browser: the add dialog, its refusals, switching, removing, sharing."""

import re

from playwright.sync_api import Page, expect
from sqlmodel import select

from lk_app import db
from lk_app.models import AccountLink, BillingAccount
from lk_app.settings import get_settings
from tests.e2e.helpers import (
    Customer,
    DroppableConnection,
    add_account_in_settings,
    expect_on_cabinet,
    fill_add_account,
    lk_without_accounts,
    load_customer,
    log_in,
    log_out,
    registered_customer,
    revoke_sessions,
)
from tests.fakes.sendgrid_server import text_of

SWITCHER = "Выбор лицевого счёта"


def _listed(page: Page, customer):
    """The customer's account in the settings list."""
    return page.get_by_role("list", name="Лицевые счета").get_by_text(customer.number, exact=True)


def _add_dialog_open(page: Page, lk) -> tuple[Customer, Customer]:
    """A registered customer in «Настройки» with «Добавить лицевой счёт» open, and another customer's account."""
    customer = registered_customer(page, lk)
    other = load_customer("Петрова")
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    page.get_by_role("link", name="Настройки").click()
    page.get_by_role("button", name="Добавить лицевой счёт").click()
    return customer, other


def _expect_card(page: Page, customer) -> None:
    expect(page.get_by_text(f"{customer.surname} Анна Петровна")).to_be_visible()
    expect(page.get_by_text(customer.address)).to_be_visible()


def _switch_to(page: Page, customer) -> None:
    page.get_by_role("combobox", name=SWITCHER).click()
    page.get_by_role("option", name=customer.number).click()
    _expect_card(page, customer)


def test_a_second_and_a_third_account_appear_at_once_and_the_choice_is_remembered(page: Page, lk):
    customer = registered_customer(page, lk)
    second, third = load_customer("Петрова"), load_customer("Сидорова")
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    expect(page.get_by_role("combobox", name=SWITCHER)).to_have_count(0)  # one account: nothing to switch

    add_account_in_settings(page, second)
    add_account_in_settings(page, third, amount="1 234.56")
    for account in (customer, second, third):
        expect(_listed(page, account)).to_be_visible()

    page.get_by_role("link", name="Личный кабинет").click()
    _expect_card(page, customer)
    _switch_to(page, third)
    _switch_to(page, second)
    expect(page.get_by_text(customer.address)).to_be_hidden()

    page.reload()
    _expect_card(page, second)
    log_out(page)
    log_in(page, customer.number)
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
    _expect_card(page, second)


def test_a_connection_dropped_while_the_dialog_is_open_keeps_it_open(page: Page, lk):
    # Reflex reruns /settings' on_load when the websocket reconnects; it used to close the dialog being filled in.
    connection = DroppableConnection(page)
    customer, second = _add_dialog_open(page, lk)
    page.get_by_label("Лицевой счёт").fill(second.number)
    connection.drop()
    page.get_by_label("Сумма последнего платежа").fill("1234,56")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text(f"Лицевой счёт {second.number} добавлен")).to_be_visible()
    expect(_listed(page, second)).to_be_visible()


def test_refusals_name_the_field_and_keep_what_was_typed(page: Page, lk):
    customer, other = _add_dialog_open(page, lk)
    dialog = page.get_by_role("dialog", name="Добавление лицевого счёта")

    fill_add_account(page, other.number, "1234")
    expect(page.locator("#add_account_amount-error")).to_have_text("Укажите сумму с копейками, например 1234,00.")
    expect(page.get_by_label("Лицевой счёт")).to_have_value(other.number)
    expect(page.get_by_label("Сумма последнего платежа")).to_have_value("1234")

    fill_add_account(page, other.number, "1234,57")
    expect(page.locator("#add_account_amount-error")).to_contain_text("Платёж на эту сумму за последние 3 месяца не найден")

    fill_add_account(page, customer.number, "1234,56")
    expect(page.locator("#add_account_number-error")).to_have_text("Этот лицевой счёт уже есть в вашем Личном кабинете.")

    page.get_by_role("button", name="Закрыть").click()
    expect(dialog).to_be_hidden()
    expect(_listed(page, other)).to_have_count(0)


def test_five_wrong_amounts_lock_the_account_and_say_when_to_try_again(page: Page, lk):
    customer, other = _add_dialog_open(page, lk)
    for cents in range(1, 6):
        fill_add_account(page, other.number, f"1,0{cents}")
        expect(page.locator("#add_account_amount-error")).to_be_visible()
    fill_add_account(page, other.number, "1234,56")  # the right amount is not even compared now
    expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text(
        re.compile(r"Слишком много неверных попыток\. Попробуйте снова через 2[34] ч")
    )
    page.get_by_role("button", name="Закрыть").click()
    expect(_listed(page, other)).to_have_count(0)


def test_an_lk_without_accounts_opens_the_dialog_and_shares_an_account_the_owner_is_told(page: Page, lk):
    owner = registered_customer(page, lk)
    login = lk_without_accounts()
    log_in(page, login)
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
    expect(page.get_by_role("dialog", name="Добавление лицевого счёта")).to_be_visible()
    page.reload()  # the visit's start, which closes a dialog left open elsewhere, does not close this one
    expect(page.get_by_role("dialog", name="Добавление лицевого счёта")).to_be_visible()

    fill_add_account(page, owner.number, "1234,56")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect_on_cabinet(page, owner)  # no reload: the cabinet behind the dialog shows the account at once

    mail = lk.sendgrid.wait_for_mail(owner.email, timeout=20, count=2)
    assert "Доступ к лицевому счёту" in mail["subject"]
    body = text_of(mail)
    assert owner.number[-4:] in body and owner.number not in body
    assert get_settings().contact_phone in body

    # The account's number still logs in to the LK registered with it, not to the one that added it.
    log_out(page)
    log_in(page, owner.number)
    expect_on_cabinet(page, owner)
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_text("Счёт регистрации")).to_be_visible()


def test_an_added_account_is_removed_after_confirmation_the_registration_one_never(page: Page, lk):
    customer = registered_customer(page, lk)
    second = load_customer("Петрова")
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    add_account_in_settings(page, second)

    expect(page.get_by_role("button", name=f"Удалить счёт {customer.number}")).to_have_count(0)
    expect(page.get_by_text("Счёт регистрации")).to_be_visible()
    remove = page.get_by_role("button", name=f"Удалить счёт {second.number}")
    remove.click()
    confirmation = page.get_by_role("alertdialog", name="Удаление счёта")
    expect(confirmation).to_contain_text(second.number)
    confirmation.get_by_role("button", name="Отмена").click()
    expect(confirmation).to_be_hidden()
    expect(_listed(page, second)).to_be_visible()

    remove.click()
    confirmation.get_by_role("button", name="Удалить").click()
    expect(page.get_by_text(f"Лицевой счёт {second.number} удалён из Личного кабинета.")).to_be_visible()
    expect(_listed(page, second)).to_have_count(0)

    page.get_by_role("link", name="Личный кабинет").click()
    expect(page.get_by_role("heading", name="Личный кабинет")).to_be_visible()
    expect_on_cabinet(page, customer)
    expect(page.get_by_role("combobox", name=SWITCHER)).to_have_count(0)


def test_adding_after_the_session_ended_adds_nothing_and_leads_to_the_login_page(page: Page, lk):
    customer, other = _add_dialog_open(page, lk)
    revoke_sessions(customer.number)
    fill_add_account(page, other.number, "1234,56")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()
    linked = db.run(lambda session: session.exec(
        select(AccountLink.id).join(BillingAccount, BillingAccount.id == AccountLink.account_id)
        .where(BillingAccount.number == other.number)).first())
    assert linked is None
