"""The bill by e-mail in a real browser: subscribing, confirming the address, the mailing, unsubscribing, downloading."""

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from lk_app.billing.bill_pdf import period_title
from lk_app.services.ebill_mailing import run_mailing
from lk_app.texts.cabinet import month_name_lower
from tests.e2e.helpers import expect_on_cabinet, log_in, registered_customer
from tests.fakes.sendgrid_server import attachments_of, links_in
from tests.pdf_reading import pdf_qr_codes, pdf_text


def _billed_period() -> str:
    """The month load_customer charges: the last full one."""
    return f"{date.today().replace(day=1) - timedelta(days=1):%Y-%m}"


def _account_row(page: Page, number: str):
    return page.get_by_role("list", name="Лицевые счета").get_by_role("listitem").filter(has_text=number)


def test_a_bill_address_is_confirmed_then_mailed_and_the_mails_link_unsubscribes(page: Page, lk):
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    page.get_by_role("link", name="Настройки").click()
    row = _account_row(page, customer.number)
    address = row.get_by_label("E-mail для счетов")
    expect(address).to_have_value(customer.email)  # the LK's own e-mail until another is saved

    bills_address = f"bills.{customer.email}"
    row.get_by_label("Получать счёт на e-mail").check()
    address.fill("bills@")
    row.get_by_role("button", name="Сохранить").click()
    expect(row.get_by_role("alert")).to_have_text("Укажите e-mail в виде name@example.ru.")
    expect(address).to_have_value("bills@")
    address.fill(bills_address)
    row.get_by_role("button", name="Сохранить").click()
    expect(row.get_by_role("status")).to_contain_text(f"На {bills_address} отправлена ссылка")
    expect(row.get_by_text(f"Адрес {bills_address} ещё не подтверждён")).to_be_visible()

    confirmation = lk.sendgrid.wait_for_mail(bills_address, timeout=20)
    page.goto(next(link for link in links_in(confirmation) if "/confirm?token=" in link))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Адрес для счетов подтверждён")).to_be_visible()
    page.goto("/settings")
    expect(_account_row(page, customer.number).get_by_text(f"Счета приходят на {bills_address}.")).to_be_visible()

    period = _billed_period()
    assert run_mailing(period).queued >= 1
    bill = lk.sendgrid.wait_for_mail(bills_address, timeout=30, count=2)
    assert bill["subject"].startswith(f"Счёт за электроэнергию за {period_title(period)}")
    assert bill["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:\d+/ebills/unsubscribe\?token=[\w-]+>", bill["headers"]["List-Unsubscribe"])
    [(filename, _, pdf)] = attachments_of(bill)
    assert filename == f"epd-{customer.number}-{period}.pdf" and customer.number in pdf_text(pdf)

    page.goto(next(link for link in links_in(bill) if "/unsubscribe?token=" in link))
    expect(page.get_by_text(f"приходят на {bills_address}")).to_be_visible()
    page.get_by_role("button", name="Отписаться").click()
    expect(page.get_by_role("alert")).to_contain_text(f"больше не будут приходить на {bills_address}")
    page.goto("/settings")
    row = _account_row(page, customer.number)
    expect(row.get_by_label("Получать счёт на e-mail")).not_to_be_checked()
    expect(row.get_by_text("Счета приходят на")).to_have_count(0)


def test_the_cabinet_lists_the_bills_and_downloads_one_as_pdf(page: Page, lk):
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    period = _billed_period()
    page.get_by_role("tab", name="Счета").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Скачать счёт за {month_name_lower(period)}").click()
    assert download.value.suggested_filename == f"epd-{customer.number}-{period}.pdf"
    pdf = Path(download.value.path()).read_bytes()
    text = pdf_text(pdf)
    assert customer.number in text and f"{customer.surname} Анна Петровна" in text and "1 300,00" in text
    [code] = pdf_qr_codes(pdf)
    assert f"|PersAcc={customer.number}|" in code.bytes.decode("utf-8")


def test_saving_with_the_box_unticked_stops_the_bills(page: Page, lk):
    customer = registered_customer(page, lk)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    page.get_by_role("link", name="Настройки").click()
    row = _account_row(page, customer.number)
    row.get_by_label("Получать счёт на e-mail").check()
    row.get_by_role("button", name="Сохранить").click()
    expect(row.get_by_role("status")).to_have_text(
        f"Счета по лицевому счёту {customer.number} будут приходить на {customer.email}.")
    row.get_by_label("Получать счёт на e-mail").uncheck()
    row.get_by_role("button", name="Сохранить").click()
    expect(row.get_by_role("status")).to_have_text(
        f"Счета по лицевому счёту {customer.number} больше не будут приходить на e-mail.")
    page.reload()
    expect(_account_row(page, customer.number).get_by_label("Получать счёт на e-mail")).not_to_be_checked()
