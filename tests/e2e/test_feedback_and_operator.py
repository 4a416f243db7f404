"""«Обратная связь» and the operator console in a real browser, and what a customer's raw socket gets from the console."""

import itertools
import re

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from lk_app import db
from lk_app.models import AuditEntry, FeedbackTicket, LkUser, OutboxMessage
from lk_app.services import limits
from lk_app.services.feedback import FeedbackForm, submit_feedback
from lk_app.services.desk import create_operator
from lk_app.services.sessions import resolve_session
from lk_app.state.audit import AuditState
from lk_app.state.operator_desk import OperatorState
from lk_app.state.tickets import TicketsState
from tests.e2e.conftest import PATIENCE_MS
from tests.e2e.helpers import PASSWORD, expect_on_cabinet, log_in, poll, registered_customer
from tests.e2e.test_raw_client import _barrier, _lk_with_session
from tests.fakes.sendgrid_server import html_of, links_in, text_of
from tests.reflex_client import handler_name, open_tab, run_apart

SUPPORT = "support@example.ru"
CONTACT_PHONE = "8 800 100-00-00"
HOSTILE = '<b>жирный</b> <img src=x onerror="document.title=\'взлом\'"> & <script>alert(1)</script>'
NEW_PASSWORD = "Синий-кит-2024"
_serial = itertools.count(1)


def _support_mail(lk, number: int) -> dict:
    """The support address's mail about ticket `number`, once it has arrived."""
    def arrived():
        return [mail for mail in lk.sendgrid.mails_to(SUPPORT) if f"Номер обращения: {number}\n" in text_of(mail)]

    poll(arrived)
    return arrived()[-1]


def _ticket_number(scope) -> int:
    """The number in «Обращение № N принято»."""
    notice = scope.get_by_text(re.compile(r"Обращение № \d+ принято"))
    expect(notice).to_be_visible()
    return int(re.search(r"№ (\d+)", notice.inner_text()).group(1))


def _operator(browser: Browser, lk) -> Page:
    """A fresh operator, logged in on `/` like anyone and sent on to the console, on a desktop screen."""
    login = f"op.e2e{next(_serial)}"
    assert db.run(create_operator, login, PASSWORD) is None
    page = browser.new_context(base_url=lk.url, locale="ru-RU").new_page()  # the default desktop screen
    page.context.set_default_timeout(PATIENCE_MS)
    log_in(page, login)
    expect(page).to_have_url(re.compile(r"/operator/?$"))
    expect(page.get_by_role("heading", name="Операторская консоль")).to_be_visible()
    return page


def test_feedback_from_the_login_page_dialog(page: Page, lk):
    page.goto("/")
    page.get_by_role("button", name="Обратная связь").click()
    dialog = page.get_by_role("dialog", name="Обратная связь")
    expect(dialog.get_by_role("link", name=CONTACT_PHONE)).to_be_visible()
    message = "Не пришёл счёт за октябрь.\nВторая строка."
    dialog.get_by_label("Имя").fill("Анна")
    dialog.get_by_label("E-mail или телефон").fill("anna@@example")
    dialog.get_by_label("Номер лицевого счёта").fill("12")
    dialog.get_by_label("Сообщение").fill(message)
    dialog.get_by_role("button", name="Отправить").click()
    expect(dialog.locator("#feedback_contact-error")).to_contain_text("name@example.ru")
    expect(dialog.locator("#feedback_account_number-error")).to_contain_text("6–15 цифр")
    expect(dialog.locator("#consent-error")).to_contain_text("согласие")
    expect(dialog.get_by_label("E-mail или телефон")).to_be_focused()
    expect(dialog.get_by_label("Имя")).to_have_value("Анна")  # nothing typed is lost
    expect(dialog.get_by_label("Сообщение")).to_have_value(message)

    dialog.get_by_label("E-mail или телефон").fill("8 (912) 000-77-66")
    dialog.get_by_label("Номер лицевого счёта").fill("")
    dialog.get_by_label("Согласен на обработку персональных данных").check()
    dialog.get_by_role("button", name="Отправить").click()
    number = _ticket_number(dialog)
    expect(dialog.get_by_role("link", name=CONTACT_PHONE)).to_be_visible()
    mail = _support_mail(lk, number)
    assert "+79120007766" in text_of(mail) and "Вторая строка." in text_of(mail)

    dialog.get_by_role("button", name="Закрыть").click()
    page.get_by_role("button", name="Обратная связь").click()
    expect(page.get_by_role("dialog").get_by_label("Имя")).to_have_value("")  # a fresh form for the next one


def test_feedback_seen_answered_and_closed_by_an_operator(page: Page, browser: Browser, lk):
    contact = f"writer{next(_serial)}@example.ru"
    page.goto("/feedback")
    page.get_by_label("Имя").fill("Пётр <i>Иванов</i>")
    page.get_by_label("E-mail или телефон").fill(contact)
    page.get_by_label("Номер лицевого счёта").fill("700 100 999")
    page.get_by_label("Сообщение").fill(HOSTILE)
    page.get_by_label("Согласен на обработку персональных данных").check()
    page.get_by_role("button", name="Отправить").click()
    number = _ticket_number(page)
    mail = _support_mail(lk, number)
    assert HOSTILE in text_of(mail)
    assert "<script>" not in html_of(mail) and "<img" not in html_of(mail) and "&lt;script&gt;" in html_of(mail)

    console = _operator(browser, lk)
    console.get_by_role("tab", name="Обращения").click()
    console.get_by_role("button", name=f"Обращение № {number}", exact=True).click()
    message = console.locator("#ticket-message")
    expect(message).to_have_text(HOSTILE)  # shown as the characters typed, never as markup
    expect(message.locator("b, img, script")).to_have_count(0)
    expect(console.get_by_text("700100999")).to_be_visible()
    console.get_by_role("button", name="Взять в работу").click()
    expect(console.get_by_text("Обращение взято в работу")).to_be_visible()
    console.get_by_role("button", name="Ответить").click()
    expect(console.locator("#ticket_reply-error")).to_contain_text("Напишите ответ")
    console.get_by_label("Ответ", exact=True).fill("Счёт за октябрь отправлен повторно.")
    console.get_by_role("button", name="Ответить").click()
    expect(console.get_by_text(f"Ответ отправлен на {contact}")).to_be_visible()
    reply = lk.sendgrid.wait_for_mail(contact, timeout=20)
    assert f"№ {number}" in text_of(reply) and "Счёт за октябрь отправлен повторно." in text_of(reply)
    console.get_by_role("button", name="Закрыть обращение").click()
    expect(console.get_by_text("Обращение закрыто.")).to_be_visible()
    expect(console.get_by_role("button", name="Ответить")).to_have_count(0)
    console.get_by_role("button", name="Закрытые").click()
    expect(console.get_by_role("button", name=f"Обращение № {number}", exact=True)).to_be_visible()
    assert console.title() != "взлом"
    console.get_by_role("tab", name="Журнал действий").click()
    log = console.get_by_role("table")
    this_ticket = re.compile(rf"обращение № {number}(?!\d)")
    for action in ("Обращение взято в работу", "Ответ на обращение", "Обращение закрыто"):
        expect(log.get_by_role("row").filter(has_text=action).filter(has_text=this_ticket)).to_have_count(1)
    console.context.close()


def test_an_operator_sets_a_new_email_and_the_customer_recovers_through_it(page: Page, browser: Browser, lk):
    customer = registered_customer(page, lk)
    new_email = f"new.{customer.email}"
    console = _operator(browser, lk)
    console.get_by_label("Номер счёта, логин, e-mail или телефон").fill(customer.number)
    console.get_by_role("button", name="Найти").click()
    console.get_by_role("button", name=f"Открыть ЛК {customer.number}", exact=True).click()
    expect(console.get_by_text("e-mail подтверждён")).to_be_visible()
    expect(console.get_by_text(f"{customer.surname} Анна Петровна")).to_be_visible()
    console.get_by_label("Новый e-mail клиента").fill(new_email)
    console.get_by_role("button", name="Сменить e-mail").click()
    expect(console.locator("#caller_checked-error")).to_contain_text("проверьте звонящего")
    console.get_by_label("Звонящий проверен").check()
    console.get_by_role("button", name="Сменить e-mail").click()
    expect(console.get_by_text(f"E-mail изменён на {new_email}")).to_be_visible()
    expect(console.get_by_text("e-mail не подтверждён")).to_be_visible()
    assert "/confirm?token=" in " ".join(links_in(lk.sendgrid.wait_for_mail(new_email, timeout=20)))

    page.goto("/forgot")
    page.get_by_label("Логин или номер лицевого счёта").fill(customer.number)
    page.get_by_label("по e-mail").check()
    page.get_by_role("button", name="Восстановить").click()
    expect(page.get_by_text("отправлена ссылка для смены пароля")).to_be_visible()
    reset_mail = lk.sendgrid.wait_for_mail(new_email, timeout=20, count=2)
    page.goto(next(link for link in links_in(reset_mail) if "/reset?token=" in link))
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Пароль изменён")).to_be_visible()
    log_in(page, customer.number, NEW_PASSWORD)
    expect_on_cabinet(page, customer)

    console.get_by_role("tab", name="Журнал действий").click()
    console.get_by_role("button", name="Обновить").click()
    row = console.get_by_role("row").filter(has_text="Смена e-mail").filter(has_text=f"ЛК {customer.number}")
    expect(row).to_contain_text(f"{customer.email} → {new_email}")
    console.context.close()


def test_an_operator_sees_why_a_typed_email_is_refused_by_the_field(page: Page, browser: Browser, lk):
    customer = registered_customer(page, lk)
    console = _operator(browser, lk)
    console.get_by_label("Номер счёта, логин, e-mail или телефон").fill(customer.number)
    console.get_by_role("button", name="Найти").click()
    console.get_by_role("button", name=f"Открыть ЛК {customer.number}", exact=True).click()
    console.get_by_label("Новый e-mail клиента").fill("anna@@example")
    console.get_by_label("Звонящий проверен").check()
    console.get_by_role("button", name="Сменить e-mail").click()
    expect(console.locator("#operator_new_email-error")).to_have_text("Укажите e-mail в виде name@example.ru.")
    expect(console.get_by_label("Новый e-mail клиента")).to_be_focused()
    expect(console.get_by_text("e-mail подтверждён")).to_be_visible()  # the LK keeps its address
    console.context.close()


def test_a_customer_is_calmly_refused_the_console(page: Page, lk):
    page.goto("/operator")
    expect(page).to_have_url(re.compile(r"/$"))  # no session: the login page
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    page.goto("/operator")
    expect(page.get_by_text("для сотрудников контакт-центра")).to_be_visible()
    expect(page.get_by_role("button", name="Найти")).to_have_count(0)
    expect(page.get_by_role("tab")).to_have_count(0)


def test_a_customer_session_calling_operator_handlers_gets_nothing(lk):
    victim, victim_session = _lk_with_session("Петрова")
    _attacker, attacker_session = _lk_with_session("Сидорова")
    ticket = db.run(submit_feedback, FeedbackForm("Ольга", "olga@example.ru", "", "Личное сообщение", True), ip="10.9.8.7")

    def lock(session):
        for _ in range(limits.LOGIN_PER_IDENTIFIER.count):
            limits.record(limits.LOGIN_PER_IDENTIFIER, victim, session=session)

    db.run(lock)
    counts = (AuditEntry, OutboxMessage)
    before = [db.run(lambda session, model=model: len(session.exec(select(model.id)).all())) for model in counts]

    async def scenario():
        tab = await open_tab(lk, cookie=attacker_session, path="/operator")
        await tab.call(handler_name(OperatorState, "load"),
                       until=lambda u: (u.get("delta") or {}).get(OperatorState.get_full_name(), {}).get("denied_rx_state_"))
        sent = [
            (OperatorState, "search", {"form_data": {"lk_query": victim}}),
            (OperatorState, "setvar", {"var_name": "login", "value": victim}),
            (OperatorState, "open_lk", {"login": victim}),
            (OperatorState, "change_email", {"form_data": {"operator_new_email": "thief@example.ru", "caller_checked": "on"}}),
            (OperatorState, "resend_confirmation", {}),
            (OperatorState, "unlock", {}),
            (OperatorState, "end_all_sessions", {}),
            (TicketsState, "load", {}),
            (TicketsState, "choose_status", {"status": "new"}),
            (TicketsState, "open_ticket", {"number": ticket.number}),
            (TicketsState, "setvar", {"var_name": "number", "value": ticket.number}),
            (TicketsState, "take", {}),
            (TicketsState, "reply", {"form_data": {"ticket_reply": "Ответ злоумышленника"}}),
            (TicketsState, "close", {}),
            (AuditState, "load", {}),
        ]
        for state, handler, payload in sent:
            await tab.send(handler_name(state, handler), payload)
        await _barrier(tab)
        await tab.close()
        return tab

    tab = run_apart(scenario())
    seen = str(tab.vars)
    for secret in (victim, "olga@example.ru", "Личное сообщение", "Петрова"):
        assert secret not in seen
    assert tab.value(TicketsState, "rows", []) == [] and tab.value(AuditState, "entries", []) == []
    user = db.run(lambda session: session.exec(select(LkUser).where(LkUser.login == victim)).one())
    assert user.email != "thief@example.ru" and user.email_confirmed
    assert db.run(resolve_session, victim_session) is not None
    assert db.run(lambda session: limits.exceeded(limits.LOGIN_PER_IDENTIFIER, victim, session=session))
    assert db.run(lambda session: session.get(FeedbackTicket, ticket.number).status) == "new"
    assert [db.run(lambda session, model=model: len(session.exec(select(model.id)).all())) for model in counts] == before
