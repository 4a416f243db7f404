"""Refusals in the browser: each names its field, keeps what was typed, and gives nothing away."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from lk_app import clock
from tests.e2e.helpers import (
    PASSWORD,
    confirm,
    confirmation_link,
    fill_registration,
    load_customer,
    log_in,
    prove,
    register,
    registered_customer,
)


LABELS = {"password": "Новый пароль", "email": "E-mail", "consent": "Согласен на обработку персональных данных"}


def _error_of(page: Page, field_id: str):
    return page.locator(f"#{field_id}-error")


def test_account_number_with_letters_is_refused_next_to_the_field(page: Page):
    prove(page, "12345А678", "Ёлкина")
    expect(_error_of(page, "account_number")).to_contain_text("6–15 цифр")
    expect(page.get_by_label("Фамилия")).to_have_value("Ёлкина")


def test_wrong_surname_and_unknown_account_get_one_neutral_message(page: Page):
    customer = load_customer()
    prove(page, customer.number, "Иванова")
    neutral = page.get_by_role("alert").filter(has_text="не найден")
    expect(neutral).to_be_visible()
    first = neutral.inner_text()
    prove(page, "999000111", customer.surname)
    expect(page.get_by_role("alert").filter(has_text="не найден")).to_have_text(first)


def test_many_wrong_pairs_are_limited(page: Page):
    prove(page, "999000001", "Иванова")
    for _ in range(21):
        page.get_by_role("button", name="Продолжить").click()
    expect(page.get_by_role("alert").filter(has_text="Слишком много")).to_be_visible()


def test_each_bad_field_is_named_and_the_rest_is_kept(page: Page):
    customer = load_customer()
    prove(page, customer.number, customer.surname)
    cases = [
        (dict(password="Ab3$xyz"), "password", "не менее 8"),
        (dict(password="Ab3$xyzQw-Ab3$xyzQw-x"), "password", "не более 20"),
        (dict(password=PASSWORD, confirmation="Другой-пароль-9"), "password", "не совпадают"),
        (dict(password="qwerty123"), "password", "распространён"),
        (dict(password=customer.number), "password", "не должен совпадать"),
        (dict(email="anna@@example"), "email", "name@example.ru"),
        (dict(consent=False), "consent", "согласие"),
    ]
    for changes, field_id, reason in cases:
        fill_registration(page, customer, **changes)
        expect(_error_of(page, field_id)).to_contain_text(reason)
        expect(page.get_by_label("Фамилия")).to_have_value(customer.surname)
        if field_id != "email":
            expect(page.get_by_label("E-mail")).to_have_value(customer.email)
        expect(page.get_by_label("Новый пароль")).to_have_value("")
        expect(page.get_by_label(LABELS[field_id])).to_be_focused()


def test_a_used_link_says_so_and_offers_a_new_one(page: Page, lk):
    customer = load_customer()
    link = register(page, lk, customer)
    confirm(page, link)
    page.goto(link)
    expect(page.get_by_text("уже использована")).to_be_visible()
    page.get_by_role("button", name="Отправить новую ссылку").click()
    expect(page.get_by_text("регистрация уже подтверждена")).to_be_visible()


def test_an_expired_link_offers_a_new_one_that_works(page: Page, lk):
    customer = load_customer()
    link = register(page, lk, customer)
    clock.move(timedelta(hours=25))
    try:
        page.goto(link)
        expect(page.get_by_text("Срок действия ссылки истёк")).to_be_visible()
        page.get_by_role("button", name="Отправить новую ссылку").click()
        expect(page.get_by_text(f"Новая ссылка отправлена на {customer.email}")).to_be_visible()
    finally:
        clock.reset()
    fresh = lk.sendgrid.wait_for_mail(customer.email, timeout=20, count=2)
    new_link = confirmation_link(lk, customer)
    assert new_link != link and fresh
    confirm(page, new_link)


def test_a_forged_token_is_refused(page: Page):
    page.goto("/confirm?token=forged-" + "A" * 40)
    expect(page.get_by_text("Ссылка недействительна")).to_be_visible()
    expect(page.get_by_role("button", name="Подтвердить")).to_have_count(0)


def test_a_registered_account_is_pointed_to_recovery(page: Page, lk):
    customer = registered_customer(page, lk)
    prove(page, customer.number, customer.surname)
    expect(page.get_by_text("уже зарегистрирован")).to_be_visible()
    expect(page.get_by_role("link", name="Забыли пароль?").first).to_be_visible()


def test_unknown_account_and_wrong_password_get_the_same_message(page: Page, lk):
    customer = registered_customer(page, lk)
    log_in(page, customer.number, "Неверный-пароль-1")
    wrong = page.get_by_role("alert").filter(has_text="Неверный")
    expect(wrong).to_be_visible()
    message = wrong.inner_text()
    expect(page.get_by_label("Логин или номер лицевого счёта")).to_have_value(customer.number)
    expect(page.get_by_label("Пароль", exact=True)).to_have_value("")
    log_in(page, "999000222", "Неверный-пароль-1")
    expect(page.get_by_role("alert").filter(has_text="Неверный")).to_have_text(message)


def test_an_unconfirmed_lk_is_told_and_can_get_a_new_link(page: Page, lk):
    customer = load_customer()
    register(page, lk, customer)
    log_in(page, customer.number)
    expect(page.get_by_text("Регистрация ещё не подтверждена")).to_be_visible()
    page.get_by_role("button", name="Получить новую ссылку").click()
    expect(page.get_by_text(f"Новая ссылка отправлена на {customer.email}")).to_be_visible()
    lk.sendgrid.wait_for_mail(customer.email, timeout=20, count=2)
    confirm(page, confirmation_link(lk, customer))
    log_in(page, customer.number)
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
