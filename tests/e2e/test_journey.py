"""The whole first slice in a real browser: import → first login → registration → link → login → cabinet → logout."""

import re

from playwright.sync_api import Page, expect

from lk_app.settings import get_settings
from tests.e2e.helpers import confirm, expect_on_cabinet, load_customer, log_in, log_out, register


def test_login_page_shows_the_form_links_and_contact_centre(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()
    expect(page.get_by_label("Логин или номер лицевого счёта")).to_be_visible()
    expect(page.get_by_label("Пароль", exact=True)).to_be_visible()
    for link in ("Забыли пароль?", "Первый вход", "Регистрация"):
        expect(page.get_by_role("link", name=link)).to_be_visible()
    expect(page.get_by_role("button", name="Обратная связь")).to_be_visible()
    expect(page.get_by_text(get_settings().contact_phone).first).to_be_visible()


def test_from_billing_import_to_cabinet_and_out(page: Page, lk):
    customer = load_customer()
    page.goto("/")
    # The login form is enabled once the page's hydrate has run; a link followed before that sends the next page's
    # on_load while the hydrate (carried by the socket's CONNECT, outside the event queue) may still be running.
    expect(page.get_by_label("Логин или номер лицевого счёта")).to_be_enabled()
    page.get_by_role("link", name="Первый вход").click()
    expect(page).to_have_url(re.compile("/first-login"))
    # Reloading now would race the page's own on_load from the link on a second socket (seen with Redis).
    link = register(page, lk, customer, open_page=False)
    expect(page.get_by_text("Спам", exact=False)).to_be_visible()

    confirm(page, link)
    page.get_by_role("link", name="Войти").click()
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    expect(page.get_by_role("heading", name="Задолженность")).to_be_visible()  # 1 234,56 paid of 1 300,00 charged
    expect(page.get_by_text("65,44\u00a0₽")).to_have_count(1)  # the debt is the amount to pay: shown once
    page.get_by_role("tab", name="Платежи").click()
    expect(page.get_by_text("1\u00a0234,56\u00a0₽")).to_have_count(1)  # the last payment

    log_out(page)
    # The page sends a visitor without a session on at once: in the production build often before its load event.
    page.goto("/cabinet", wait_until="commit")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()


def test_pages_behind_the_login_lead_to_the_login_page(page: Page):
    for route in ("/cabinet", "/settings"):
        page.goto(route, wait_until="commit")
        expect(page).to_have_url(re.compile(r"/$"))
        expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()


def test_the_session_cookie_is_httponly_and_not_readable_by_scripts(page: Page, lk):
    from tests.e2e.helpers import registered_customer

    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    cookie = next(c for c in page.context.cookies() if c["name"] == "lk_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "lk_session" not in page.evaluate("document.cookie")
