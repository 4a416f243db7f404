"""The frame of every page: the 404 page, the language, the policy page, the menu, «Выход», demo mode's pages."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

import lk_app.services.demo
import lk_app.state.demo
from lk_app import db
from lk_app.messaging.outbox import queue_sms
from lk_app.models import OutboxMessage
from lk_app.models.outbox import OUTBOX_SENT
from lk_app.settings import get_settings
from lk_app.theme import BRAND
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import confirm, e164, expect_on_cabinet, load_customer, log_in, new_phone, poll, register
from tests.e2e.proxy import Proxy
from tests.reflex_client import run_apart

UNKNOWN = "/no/such-page"
# Chromium reports every answer of 400 and above on the console, the document's own 404 too.
DOCUMENT_404 = rf"status of 404 \(Not Found\) \(.*{UNKNOWN}\)"


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", css)[:3])


def _luminance(rgb: tuple[int, ...]) -> float:
    """WCAG's relative luminance of an sRGB colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two computed colours, 1 to 21."""
    lighter, darker = sorted((_luminance(_rgb(one)), _luminance(_rgb(other))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _computed(page: Page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"(el) => getComputedStyle(el).getPropertyValue('{prop}')")


def _expect_frame(page: Page) -> None:
    """The supplier's header and the contact centre's footer."""
    expect(page.locator("header").get_by_text(get_settings().supplier_name)).to_be_visible()
    expect(page.locator("footer").get_by_text("Контакт-центр")).to_be_visible()


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.console_errors_expected(DOCUMENT_404)
def test_an_unknown_address_answers_404_with_the_frame_and_a_way_back(page: Page, lk: RunningApp):
    answer = page.goto(UNKNOWN)
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Страница не найдена")).to_be_visible()
    _expect_frame(page)
    assert page.evaluate("document.documentElement.lang") == "ru"
    page.get_by_role("link", name="На главную").click()
    expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()
    # The server answers LK's pages, and its own files, as before (the production build's static server sends
    # /first-login on to /first-login/ first).
    assert httpx.get(f"{lk.url}{UNKNOWN}").status_code == 404
    assert [httpx.get(lk.url + path, follow_redirects=True).status_code
            for path in ("/", "/first-login", "/favicon.svg")] == [200] * 3


def test_the_production_server_and_nginx_answer_an_unknown_address_with_the_404_page(production: RunningApp,
                                                                                     proxied: Proxy):
    # The exported 404 page: the app, which draws «Страница не найдена» in the browser (the next test).
    answer = httpx.get(production.url + UNKNOWN)
    assert answer.status_code == 404 and '<html lang="ru"' in answer.text
    assert httpx.get(production.url + "/privacy/").status_code == 200

    async def through_nginx():
        async with proxied.client_session() as http, http.get(proxied.url + UNKNOWN) as reply:
            return reply.status, await reply.text()

    assert run_apart(through_nginx()) == (404, answer.text)  # nginx passes the app's page on as it is


@pytest.mark.console_errors_expected(DOCUMENT_404)
def test_the_404_page_of_the_production_build_leads_back(prod_page: Page):
    answer = prod_page.goto(UNKNOWN)
    assert answer is not None and answer.status == 404
    expect(prod_page.get_by_role("heading", name="Страница не найдена")).to_be_visible()
    _expect_frame(prod_page)
    prod_page.get_by_role("link", name="На главную").click()
    expect(prod_page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()


def test_the_policy_is_a_page_in_the_frame_and_the_consent_links_to_it(page: Page):
    page.goto("/register")
    assert page.evaluate("document.documentElement.lang") == "ru"
    expect(page.get_by_role("link", name="политика")).to_have_attribute("href", "/privacy")
    page.goto("/privacy.html")  # the address mails sent before named
    expect(page).to_have_url(re.compile(r"/privacy/?$"))
    expect(page.get_by_role("heading", name="Политика обработки персональных данных")).to_be_visible()
    expect(page.get_by_role("heading", name="Ваши права")).to_be_visible()
    expect(page.get_by_text("152-ФЗ «О персональных данных»")).to_be_visible()
    _expect_frame(page)
    _no_horizontal_scroll(page)


def test_the_menu_marks_the_current_page_and_log_out_is_a_clear_button(page: Page, lk: RunningApp):
    customer = load_customer()
    confirm(page, register(page, lk, customer))
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    menu = page.get_by_role("navigation", name="Меню Личного кабинета")
    cabinet, settings = menu.get_by_role("link", name="Личный кабинет"), menu.get_by_role("link", name="Настройки")
    expect(cabinet).to_have_attribute("aria-current", "page")
    expect(settings).not_to_have_attribute("aria-current", "page")
    assert "underline" in cabinet.evaluate("(el) => getComputedStyle(el).textDecorationLine")
    assert "underline" not in settings.evaluate("(el) => getComputedStyle(el).textDecorationLine")

    header = _computed(page, "header", "background-color")
    assert _rgb(header) == _rgb(f"rgb({int(BRAND[1:3], 16)}, {int(BRAND[3:5], 16)}, {int(BRAND[5:7], 16)})")
    log_out = menu.get_by_role("button", name="Выход")
    expect(log_out).to_be_visible()
    expect(log_out).to_be_enabled()
    background = log_out.evaluate("(el) => getComputedStyle(el).backgroundColor")
    text = log_out.evaluate("(el) => getComputedStyle(el).color")
    assert _contrast(background, header) >= 3, "the button stands out of the header"
    assert _contrast(text, background) >= 4.5, "its word reads"
    box, viewport = log_out.bounding_box(), page.viewport_size
    assert box is not None and viewport is not None and box["x"] + box["width"] <= viewport["width"]
    _no_horizontal_scroll(page)

    settings.click()
    expect(page.get_by_role("heading", name="Настройки")).to_be_visible()
    expect(settings).to_have_attribute("aria-current", "page")
    expect(cabinet).not_to_have_attribute("aria-current", "page")
    _no_horizontal_scroll(page)


@pytest.fixture
def demo_mode(monkeypatch):
    """Demo mode in the app of this process, which runs with real (fake) providers: LK_DEMO=1 would be refused."""
    settings = get_settings().model_copy(update={"demo": True})
    monkeypatch.setattr(lk_app.state.demo, "get_settings", lambda: settings)
    monkeypatch.setattr(lk_app.services.demo, "get_settings", lambda: settings)


def test_demo_mode_shows_its_banner_without_a_console_error(page: Page, demo_mode):
    load_customer(surname="Демина")  # an account without an LK: there is a sample (the first five are shown)
    page.goto("/")
    expect(page.get_by_text("Демо-режим. Лицевые счета для «Первого входа»:")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d{6,15} — \S+$")).first).to_be_visible()
    page.get_by_role("link", name="Исходящие письма и СМС").click()
    expect(page.get_by_role("heading", name="Исходящие сообщения")).to_be_visible()
    # A console error on either page fails the test at its teardown (conftest's page fixture).


def test_the_demo_payment_stand_in_shows_the_account_and_amount_it_was_given(page: Page, demo_mode):
    page.goto("/dev/pay?account=700100200&amount=65.44")  # where the demo's «Оплатить» leads (Settings.payment_page)
    expect(page.get_by_role("heading", name="Оплата (демо)")).to_be_visible()
    expect(page.get_by_text("700100200", exact=True)).to_be_visible()
    expect(page.get_by_text("65.44", exact=True)).to_be_visible()
    expect(page.get_by_text("В демо-режиме ничего не оплачивается.")).to_be_visible()


def test_the_outbox_speaks_russian(page: Page, lk: RunningApp, demo_mode):
    customer = load_customer()
    register(page, lk, customer)
    phone = e164(new_phone())
    db.run(lambda session: queue_sms(session=session, to=phone, text="Код 123456"))

    def both_sent() -> bool:
        statuses = db.run(lambda session: session.exec(
            select(OutboxMessage.status).where(OutboxMessage.recipient.in_([customer.email, phone]))).all())
        return statuses == [OUTBOX_SENT] * 2

    poll(both_sent)
    page.goto("/dev/outbox")
    mail = page.get_by_role("article").filter(has_text=customer.email)
    expect(mail.get_by_text("Письмо", exact=True)).to_be_visible()
    expect(mail.get_by_text("Подтверждение регистрации", exact=True)).to_be_visible()
    expect(mail.get_by_text("отправлено", exact=True)).to_be_visible()
    sms = page.get_by_role("article").filter(has_text=phone)
    expect(sms.get_by_text("СМС", exact=True)).to_be_visible()
    expect(sms.get_by_text("отправлено", exact=True)).to_be_visible()
    for english in ("email", "sms", "sent", "pending", "confirm_registration"):
        expect(page.get_by_text(english, exact=True)).to_have_count(0)
