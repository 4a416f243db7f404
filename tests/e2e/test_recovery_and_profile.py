"""Recovery by e-mail and by SMS, the profile changes and the sessions, in a real browser."""

import re

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from lk_app import db
from lk_app.models import LkUser
from lk_app.services.sessions import resolve_session
from lk_app.texts.access import phone_in_text
from tests.e2e.helpers import (
    PASSWORD,
    e164,
    expect_on_cabinet,
    log_in,
    new_phone,
    registered_customer,
    settle,
)
from tests.fakes.sendgrid_server import links_in

NEW_PASSWORD = "Синий-кит-2024"


def _give_confirmed_phone(customer) -> str:
    """A confirmed phone on the customer's LK, as the SMS tab of first login would leave it."""
    phone = e164(new_phone())

    def store(session):
        user = session.exec(select(LkUser).where(LkUser.login == customer.number)).one()
        user.phone, user.phone_confirmed = phone, True
        session.add(user)

    db.run(store)
    return phone


def _ask_recovery(page: Page, identifier: str, channel: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Забыли пароль?").click()
    expect(page.get_by_role("heading", name="Восстановление пароля")).to_be_visible()
    settle(page)
    page.get_by_label("Логин или номер лицевого счёта").fill(identifier)
    page.get_by_label(channel).check()
    page.get_by_role("button", name="Восстановить").click()


def _new_password(page: Page, password: str = NEW_PASSWORD) -> None:
    page.get_by_label("Новый пароль").fill(password)
    page.get_by_label("Подтверждение пароля").fill(password)
    page.get_by_role("button", name="Сохранить").click()


def test_recovery_by_email_link(page: Page, lk):
    customer = registered_customer(page, lk)
    lk.sendgrid.fail_next(500)  # a provider failure changes nothing the customer sees
    _ask_recovery(page, customer.number, "по e-mail")
    expect(page.get_by_text("отправлена ссылка для смены пароля")).to_be_visible()
    mail = lk.sendgrid.wait_for_mail(customer.email, timeout=40, count=2)
    page.goto(next(link for link in links_in(mail) if "/reset?token=" in link))
    _new_password(page, "short")
    expect(page.locator("#password-error")).to_contain_text("не менее 8")
    _new_password(page)
    expect(page.get_by_text("Пароль изменён")).to_be_visible()
    log_in(page, customer.number, NEW_PASSWORD)
    expect_on_cabinet(page, customer)


def test_recovery_by_sms_code(page: Page, lk):
    customer = registered_customer(page, lk)
    phone = _give_confirmed_phone(customer)
    _ask_recovery(page, customer.number, "по СМС")
    expect(page.get_by_text("на него отправлен код")).to_be_visible()
    lk.smsaero.wait_for_sms(phone, timeout=20)
    page.get_by_label("Код подтверждения").fill(lk.smsaero.codes_for(phone)[-1])
    _new_password(page)
    expect(page.get_by_text("Пароль изменён")).to_be_visible()
    log_in(page, customer.number, NEW_PASSWORD)
    expect_on_cabinet(page, customer)


def test_an_unknown_identifier_gets_the_same_answer_and_the_contact_centre(page: Page, lk):
    _ask_recovery(page, "999000333", "по e-mail")
    expect(page.get_by_text("отправлена ссылка для смены пароля")).to_be_visible()
    expect(page.get_by_text("Нет доступа ни к e-mail, ни к телефону")).to_be_visible()
    expect(page.get_by_role("link", name="8 800 100-00-00").first).to_be_visible()


def _logged_in_twice(browser: Browser, page: Page, lk):
    """The customer in this page and in a second browser; returns (customer, second page)."""
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    other = browser.new_context(base_url=lk.url).new_page()
    log_in(other, customer.number)
    expect_on_cabinet(other, customer)
    return customer, other


def test_changing_the_password_ends_the_other_browsers_session(browser: Browser, page: Page, lk):
    customer, other = _logged_in_twice(browser, page, lk)
    page.get_by_role("link", name="Настройки").click()
    page.get_by_label("Текущий пароль").fill("Неверный-пароль-1")
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтверждение нового пароля").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.locator("#current_password-error")).to_contain_text("Неверный текущий пароль")
    page.get_by_label("Текущий пароль").fill(PASSWORD)
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтверждение нового пароля").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.get_by_text("Пароль изменён")).to_be_visible()
    other.get_by_role("link", name="Настройки").click()  # its next event
    expect(other).to_have_url(re.compile(r"/$"))
    page.get_by_role("link", name="Личный кабинет").click()
    expect_on_cabinet(page, customer)  # this one goes on
    other.context.close()


def test_log_out_on_every_device(browser: Browser, page: Page, lk):
    customer, other = _logged_in_twice(browser, page, lk)
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_text("этот сеанс")).to_be_visible()
    page.get_by_role("button", name="Выйти на всех устройствах").click()
    expect(page).to_have_url(re.compile(r"/$"))
    other.reload()
    expect(other).to_have_url(re.compile(r"/$"))
    assert customer
    other.context.close()


def test_a_new_email_is_confirmed_by_its_link(page: Page, lk):
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    page.get_by_role("link", name="Настройки").click()
    new_email = f"new.{customer.email}"
    page.get_by_label("Новый e-mail").fill(new_email)
    page.get_by_label("Пароль для смены e-mail").fill(PASSWORD)
    page.get_by_role("button", name="Сменить e-mail").click()
    expect(page.get_by_text(f"отправлена на {new_email}")).to_be_visible()
    assert lk.sendgrid.wait_for_mail(customer.email, timeout=20, count=2)  # the old address is told
    confirm_link = next(link for link in links_in(lk.sendgrid.wait_for_mail(new_email, timeout=20)) if "/confirm?token=" in link)
    page.goto(confirm_link)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Новый e-mail подтверждён")).to_be_visible()
    page.goto("/settings")
    expect(page.get_by_text(new_email, exact=True)).to_be_visible()


def test_a_new_phone_by_sms_code(page: Page, lk):
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    page.get_by_role("link", name="Настройки").click()
    phone = new_phone()
    page.get_by_label("Новый телефон").fill(phone)
    page.get_by_role("button", name="Получить код").click()
    lk.smsaero.wait_for_sms(e164(phone), timeout=20)
    page.get_by_label("Код подтверждения").fill(lk.smsaero.codes_for(e164(phone))[-1])
    page.get_by_label("Пароль для смены телефона").fill(PASSWORD)
    page.get_by_role("button", name="Сменить телефон").click()
    expect(page.get_by_text(f"Телефон изменён на {phone_in_text(e164(phone))}")).to_be_visible()


def test_a_session_token_planted_before_login_does_not_survive_it(page: Page, lk):
    customer = registered_customer(page, lk)
    planted = "planted-by-an-attacker-0123456789"
    page.context.add_cookies([{"name": "lk_session", "value": planted, "url": lk.url}])
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    cookie = next(c for c in page.context.cookies() if c["name"] == "lk_session")
    assert cookie["value"] != planted
    assert db.run(resolve_session, planted) is None
    assert db.run(resolve_session, cookie["value"]) is not None



def test_links_grants_and_codes_never_reach_the_logs(page: Page, lk, caplog, capfd):
    customer = registered_customer(page, lk)
    _ask_recovery(page, customer.number, "по e-mail")
    reset_link = next(link for link in links_in(lk.sendgrid.wait_for_mail(customer.email, timeout=20, count=2))
                      if "/reset?token=" in link)
    page.goto(reset_link)
    _new_password(page)
    log_in(page, customer.number, NEW_PASSWORD)
    expect_on_cabinet(page, customer)
    logged = caplog.text + "".join(capfd.readouterr())
    token = reset_link.split("token=", 1)[1]
    assert token not in logged
    assert "grant=" not in logged.replace("grant=***", "")
    assert "token=***" in logged or "grant=***" in logged  # the server's request lines were there, masked
