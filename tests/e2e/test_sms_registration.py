"""Both registration paths with the phone proved by SMS through the fake SMS Aero gateway, and their refusals."""

import re

from playwright.sync_api import Page, expect
from sqlmodel import select

from lk_app import db
from lk_app.models import OutboxMessage
from tests.e2e.helpers import (
    PASSWORD,
    DroppableConnection,
    confirm,
    e164,
    expect_on_cabinet,
    fill_registration,
    load_customer,
    log_in,
    new_phone,
    poll,
    prove,
    settle,
)
from tests.fakes.sendgrid_server import links_in


def _by_sms(page: Page, lk, customer, phone: str) -> None:
    """Steps 1 and 2 of first login up to a code sent to `phone` by «Подтверждение по СМС»."""
    prove(page, customer.number, customer.surname)
    fill_registration(page, customer, submit=False)
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()  # the SMS panel replaced the form's «Телефон»
    page.get_by_label("Телефон").fill(phone)
    page.get_by_role("button", name="Отправить СМС").click()
    expect(page.get_by_text("Код отправлен")).to_be_visible()


def _code(lk, phone: str, count: int = 1) -> str:
    lk.smsaero.wait_for_sms(e164(phone), timeout=20, count=count)
    return lk.smsaero.codes_for(e164(phone))[-1]


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_first_login_confirmed_by_sms_enters_the_cabinet_at_once(page: Page, lk):
    customer, phone = load_customer(), new_phone()
    _by_sms(page, lk, customer, phone)
    expect(page.get_by_text("Повторная отправка")).to_be_visible()  # the countdown
    page.get_by_label("Код подтверждения").fill(_code(lk, phone))
    page.get_by_role("button", name="ОК").click()
    expect(page.get_by_text("Подтверждено")).to_be_visible()
    page.get_by_role("button", name="Сохранить").click()
    expect_on_cabinet(page, customer)
    # The e-mail still gets its link, for the e-bills to come.
    assert any("/confirm?token=" in link for link in links_in(lk.sendgrid.wait_for_mail(customer.email, timeout=20)))


def test_a_connection_dropped_while_the_customer_reads_the_sms_loses_nothing(page: Page, lk):
    # On a phone the customer leaves for the SMS app; the frozen tab's websocket can drop, and Reflex reruns the
    # page's on_load when it reconnects. Before, that sent the customer back to step 1 with the code forgotten.
    connection = DroppableConnection(page)
    customer, phone = load_customer(), new_phone()
    _by_sms(page, lk, customer, phone)
    code = _code(lk, phone)
    connection.drop()
    page.get_by_label("Код подтверждения").fill(code)
    page.get_by_role("button", name="ОК").click()
    expect(page.get_by_text("Подтверждено")).to_be_visible()
    page.get_by_role("button", name="Сохранить").click()
    expect_on_cabinet(page, customer)


def test_the_phone_typed_in_the_form_prefills_the_by_sms(page: Page, lk):
    customer, phone = load_customer(), new_phone()
    prove(page, customer.number, customer.surname)
    page.get_by_label("Телефон").fill(phone)
    page.get_by_label("Телефон").blur()
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()  # the SMS panel replaced the form's «Телефон»
    expect(page.get_by_label("Телефон")).to_have_value(phone)


def test_save_by_sms_before_the_code_is_refused(page: Page, lk):
    customer = load_customer()
    prove(page, customer.number, customer.surname)
    fill_registration(page, customer, submit=False)
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()  # the SMS panel replaced the form's «Телефон»
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#sms_code-error")).to_contain_text("подтвердите телефон")
    expect(page.get_by_label("E-mail")).to_have_count(1)  # the rest of the form is still there


def test_five_wrong_codes_kill_the_code_and_the_right_one_is_refused_after(page: Page, lk):
    customer, phone = load_customer(), new_phone()
    _by_sms(page, lk, customer, phone)
    code = _code(lk, phone)
    for left in (4, 3, 2, 1):
        page.get_by_label("Код подтверждения").fill(_wrong(code))
        page.get_by_role("button", name="ОК").click()
        expect(page.locator("#sms_code-error")).to_contain_text(f"Осталось попыток: {left}")
    page.get_by_label("Код подтверждения").fill(_wrong(code))
    page.get_by_role("button", name="ОК").click()
    expect(page.locator("#sms_code-error")).to_contain_text("слишком много раз")
    page.get_by_label("Код подтверждения").fill(code)
    page.get_by_role("button", name="ОК").click()
    expect(page.locator("#sms_code-error")).to_contain_text("слишком много раз")
    expect(page.get_by_text("Подтверждено")).to_have_count(0)


def test_pressing_send_again_and_again_sends_one_sms_and_says_when(page: Page, lk):
    customer, phone = load_customer(), new_phone()
    _by_sms(page, lk, customer, phone)
    button = page.get_by_role("button", name="Отправить СМС")
    expect(button).to_be_disabled()  # while the countdown runs, which says when
    expect(page.get_by_text(re.compile(r"Повторная отправка — через \d+ с"))).to_be_visible()
    for _ in range(20):
        button.click(force=True)
    lk.smsaero.wait_for_sms(e164(phone), timeout=20)
    assert len(db.run(lambda session: session.exec(
        select(OutboxMessage).where(OutboxMessage.recipient == e164(phone))).all())) == 1


def test_a_phone_that_is_not_a_russian_mobile_is_refused(page: Page, lk):
    customer = load_customer()
    prove(page, customer.number, customer.surname)
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()  # the SMS panel replaced the form's «Телефон»
    page.get_by_label("Телефон").fill("+7 495 123-45-67")
    page.get_by_role("button", name="Отправить СМС").click()
    expect(page.locator("#sms_phone-error")).to_contain_text("мобильный номер России")


def test_a_gateway_that_hangs_gets_a_calm_answer_and_no_second_sms(page: Page, lk):
    customer, phone = load_customer(), new_phone()
    lk.smsaero.hang_next(3)  # longer than the app's provider timeout of 2 s
    _by_sms(page, lk, customer, phone)
    lk.smsaero.wait_for_sms(e164(phone), timeout=20)

    def abandoned() -> bool:
        return db.run(lambda session: session.exec(
            select(OutboxMessage.status).where(OutboxMessage.recipient == e164(phone))).one()) == "abandoned"

    poll(abandoned, timeout=20)
    assert len(lk.smsaero.sms_to(e164(phone))) == 1


def _register(page: Page, lk, login: str, email: str, phone: str) -> None:
    """Fill every field of /register, with the code the gateway received, and press «Регистрация»."""
    page.get_by_label("Логин", exact=True).fill(login)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(PASSWORD)
    page.get_by_label("Адрес e-mail").fill(email)
    page.get_by_label("Телефон").fill(phone)
    page.get_by_role("button", name="Получить код").click()
    page.get_by_label("Код подтверждения").fill(_code(lk, phone))
    page.get_by_label("Согласен на обработку персональных данных").check()
    page.get_by_role("button", name="Регистрация").click()


def test_register_by_login_then_confirm_then_log_in(page: Page, lk):
    phone = new_phone()
    login = f"anna.{e164(phone)[-6:]}"
    email = f"{login}@example.ru"
    page.goto("/")
    page.get_by_role("link", name="Регистрация").click()
    expect(page.get_by_role("heading", name="Регистрация")).to_be_visible()
    settle(page)
    _register(page, lk, login, email, phone)
    expect(page.get_by_text(email)).to_be_visible()

    mail = lk.sendgrid.wait_for_mail(email, timeout=20)
    confirm(page, next(link for link in links_in(mail) if "/confirm?token=" in link))
    log_in(page, login.upper())
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
    # An LK with no account is offered the add-account dialog at once.
    expect(page.get_by_role("dialog", name="Добавление лицевого счёта")).to_be_visible()


def test_register_refusals_name_their_field_and_keep_the_rest(page: Page, lk):
    phone = new_phone()
    page.goto("/register")
    page.get_by_label("Логин", exact=True).fill("ab")
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(PASSWORD)
    page.get_by_label("Адрес e-mail").fill("anna@example.ru")
    page.get_by_label("Телефон").fill(phone)
    page.get_by_role("button", name="Регистрация").click()
    expect(page.locator("#login-error")).to_contain_text("от 3 до 32")
    expect(page.locator("#sms_code-error")).to_contain_text("получите код")
    expect(page.get_by_label("Логин", exact=True)).to_be_focused()
    expect(page.get_by_label("Адрес e-mail")).to_have_value("anna@example.ru")
    expect(page.get_by_label("Телефон")).to_have_value(phone)
    expect(page.get_by_label("Пароль", exact=True)).to_have_value("")


def test_a_taken_login_is_refused_with_a_way_out(page: Page, lk):
    first, second = new_phone(), new_phone()
    login = f"taken.{e164(first)[-6:]}"
    for phone, email in ((first, f"{login}@example.ru"), (second, f"other.{login}@example.ru")):
        page.goto("/register")
        _register(page, lk, login, email, phone)
        if phone == first:
            expect(page.get_by_text(email)).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("Этот логин недоступен")
    expect(page.get_by_role("link", name="Забыли пароль?")).to_be_visible()
