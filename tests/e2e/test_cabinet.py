"""The cabinet in a real browser: what to pay, the history tabs with the chart and the breakdown, meter readings."""

import re
from datetime import date

from playwright.sync_api import Page, expect

from lk_app.services.months import last_periods, period_of
from lk_app.settings import get_settings
from lk_app.texts.cabinet import PAYMENT_QR_ALT, month_name, month_name_lower
from tests.e2e.helpers import (
    DAY,
    NIGHT,
    Customer,
    DroppableConnection,
    clock_on_day,
    expect_on_cabinet,
    load_history,
    log_in,
    registered_customer,
    without_yookassa,
)
from tests.fakes.sendgrid_server import text_of


def open_cabinet(page: Page, lk, today: date) -> Customer:
    customer = registered_customer(page, lk)
    load_history(customer, today)
    log_in(page, customer.number)
    expect_on_cabinet(page, customer)
    return customer


def test_the_pay_card_and_the_history_tabs_each_showing_its_figures_once(page: Page, lk, monkeypatch):
    with clock_on_day(20) as today:
        monkeypatch.setenv("LK_PAYMENT_URL", "https://pay.example.ru/?ls={account}&sum={amount}")
        try:
            with without_yookassa():
                customer = open_cabinet(page, lk, today)
                # 12 × 812,50 + 1 300,00 charged, 1 234,56 paid.
                pay = page.get_by_role("link", name="Оплатить")
                expect(pay).to_have_attribute("href", f"https://pay.example.ru/?ls={customer.number}&sum=9815.44")
                box = pay.bounding_box()
                assert box["y"] + box["height"] <= page.viewport_size["height"]  # on the first screen, a phone's too
        finally:
            monkeypatch.delenv("LK_PAYMENT_URL")
            get_settings.cache_clear()
        pay_card = page.locator("#pay-card")
        expect(pay_card.get_by_role("heading", name="Задолженность")).to_be_visible()
        expect(pay_card.locator("#amount-to-pay")).to_have_text("9\u00a0815,44\u00a0₽")
        red, green, blue = _rgb(pay_card.locator("#amount-to-pay").evaluate("e => getComputedStyle(e).color"))
        assert red > 150 and red > 2 * green and red > 2 * blue  # a debt is red
        expect(page.get_by_text("9\u00a0815,44\u00a0₽")).to_have_count(1)  # the debt once, not again as «К оплате»
        qr = page.get_by_role("img", name=PAYMENT_QR_ALT.format(number=customer.number))
        expect(qr).to_be_visible()
        assert qr.get_attribute("src").endswith(f"/payment-qr/{customer.number}.svg")
        page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=qr.element_handle())  # drawn

        # This month has nothing yet: the history is the 12 months up to last month, newest first.
        last_month = last_periods(today, 2)[0]
        chart = page.locator("#history-chart")
        expect(chart).to_have_attribute("data-points", "12")
        expect(chart.locator("[data-bar]")).to_have_count(13)  # 12 charged months and last month's payment
        months = page.locator("#history-months > li")
        expect(months).to_have_count(12)
        expect(months.first).to_contain_text(month_name(last_month))
        expect(months.first).to_contain_text("1\u00a0300,00")
        expect(months.nth(1)).to_contain_text("812,50")
        expect(page.get_by_text(month_name(period_of(today)))).to_have_count(0)
        expect(page.get_by_role("heading", name="Почему такая сумма")).to_be_visible()
        expect(page.get_by_text(f"Начислено за {month_name_lower(last_month)}: 1\u00a0300,00\u00a0₽")).to_be_visible()
        expect(page.get_by_text("Электроэнергия: 190 кВт·ч = 1\u00a0300,00\u00a0₽")).to_be_visible()

        page.get_by_role("tab", name="Платежи").click()
        expect(page.locator("#history-payments > li")).to_have_count(1)
        expect(page.locator("#history-payments > li")).to_contain_text("1\u00a0234,56\u00a0₽")
        expect(months).to_have_count(0)  # one tab at a time: the charges are not repeated beside the payments
        page.get_by_role("tab", name="Счета").click()
        expect(page.get_by_role("link", name=f"Скачать счёт за {month_name_lower(last_month)}")).to_be_visible()


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", css)[:3])


def _box(page: Page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def test_the_dashboard_fits_the_screen_and_the_settings_dialog_stays_in_settings(page: Page, lk):
    with clock_on_day(20) as today:
        with without_yookassa():
            customer = open_cabinet(page, lk, today)
            # Neither LK_PAYMENT_URL nor YooKassa: no «Оплатить» at all, the QR code is the way to pay.
            expect(page.get_by_role("link", name="Оплатить")).to_have_count(0)
            expect(page.get_by_role("button", name="Оплатить")).to_have_count(0)
        expect(page.locator("#amount-to-pay")).to_be_visible()
        viewport = page.viewport_size
        pay, readings = _box(page, "#pay-card"), _box(page, "#readings-card")
        if viewport["width"] >= 960:  # two columns: what to pay beside the readings
            assert abs(pay["y"] - readings["y"]) < 2 and readings["x"] > pay["x"] + pay["width"] - 1
        else:  # one column, what to pay first and within the first screen
            assert readings["y"] >= pay["y"] + pay["height"] - 1
            assert _box(page, "#amount-to-pay")["y"] + _box(page, "#amount-to-pay")["height"] <= viewport["height"]
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": viewport["height"]})
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"horizontal scroll at {width} px"
        page.set_viewport_size(viewport)

        # A refused «Добавить лицевой счёт» in the settings is not brought back by the cabinet, nor by its reload.
        page.get_by_role("link", name="Настройки").click()
        page.get_by_role("button", name="Добавить лицевой счёт").click()
        page.get_by_label("Лицевой счёт", exact=True).fill("12")
        page.get_by_role("button", name="Отправить").click()
        expect(page.locator("#add_account_number-error")).to_be_visible()
        page.goto("/cabinet")  # typed, or the browser's «back», with the dialog still open
        expect_on_cabinet(page, customer)
        expect(page.get_by_role("dialog")).to_have_count(0)
        page.reload()
        expect_on_cabinet(page, customer)
        expect(page.locator("#amount-to-pay")).to_be_visible()
        expect(page.get_by_role("dialog")).to_have_count(0)


def test_submit_a_reading_then_correct_it(page: Page, lk):
    with clock_on_day(20) as today:
        customer = open_cabinet(page, lk, today)
        month = month_name_lower(period_of(today))
        expect(page.get_by_text("Показания принимаются с 15 по 26 число. Приём открыт до 26")).to_be_visible()
        expect(page.get_by_text("Последнее принятое: 1\u00a0000")).to_be_visible()
        expect(page.get_by_text("Последнее принятое: 500")).to_be_visible()

        page.get_by_label(DAY).fill("1 120")
        page.get_by_label(NIGHT).fill("560,5")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_role("alert").filter(has_text=f"Показания за {month} приняты")).to_be_visible()
        expect(page.get_by_text(f"Показания за {month} переданы")).to_be_visible()
        mail = lk.sendgrid.wait_for_mail(customer.email, count=2, timeout=20)
        assert mail["subject"].startswith("Показания приняты")
        assert f"{DAY}: 1\u00a0120" in text_of(mail)

        page.reload()
        expect(page.get_by_label(DAY)).to_have_value("1\u00a0120")
        page.get_by_label(DAY).fill("1110")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_role("alert").filter(has_text=f"Исправленные показания за {month} приняты")).to_be_visible()
        page.reload()
        expect(page.get_by_label(DAY)).to_have_value("1\u00a0110")
        expect(page.get_by_label(NIGHT)).to_have_value("560,5")


def test_readings_typed_before_a_dropped_connection_are_still_there_to_send(page: Page, lk):
    # The cabinet reloads on every reconnect; a customer who went to the meter with the tab frozen keeps the figures.
    connection = DroppableConnection(page)
    with clock_on_day(20) as today:
        open_cabinet(page, lk, today)
        page.get_by_label(DAY).fill("1 120")
        page.get_by_label(NIGHT).fill("560,5")
        connection.drop()
        expect(page.get_by_label(DAY)).to_have_value("1 120")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_role("alert").filter(has_text=f"Показания за {month_name_lower(period_of(today))} приняты")
               ).to_be_visible()


def test_refusals_lower_reading_and_a_jump_to_confirm(page: Page, lk):
    with clock_on_day(20) as today:
        open_cabinet(page, lk, today)
        month = month_name_lower(period_of(today))

        page.get_by_label(DAY).fill("990")
        page.get_by_label(NIGHT).fill("510")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_text("Меньше последнего принятого показания (1\u00a0000).")).to_be_visible()
        expect(page.get_by_label(DAY)).to_have_value("990")  # what was typed stays
        expect(page.get_by_label(DAY)).to_have_attribute("aria-invalid", "true")

        page.get_by_label(DAY).fill("1500")  # 500 + 10 kWh against 150 a month
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_text("больше чем втрое выше обычного")).to_be_visible()
        expect(page.get_by_text(f"Показания за {month} приняты")).to_have_count(0)
        page.get_by_label("Да, показания верны").check()
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_role("alert").filter(has_text=f"Показания за {month} приняты")).to_be_visible()

        # A jump warned about and then typed right: accepted, and the warning goes with its question.
        page.get_by_label(DAY).fill("2600")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_text("больше чем втрое выше обычного")).to_be_visible()
        page.get_by_label(DAY).fill("1100")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_role("alert").filter(has_text=f"Исправленные показания за {month} приняты")).to_be_visible()
        expect(page.get_by_text("больше чем втрое выше обычного")).to_have_count(0)
        expect(page.get_by_label("Да, показания верны")).to_have_count(0)


def test_outside_the_window_the_form_says_when_it_opens(page: Page, lk):
    with clock_on_day(27) as today:
        open_cabinet(page, lk, today)
        expect(page.get_by_text("Показания принимаются с 15 по 26 число. Следующий приём — с 15")).to_be_visible()
        expect(page.get_by_label(DAY)).to_have_count(0)
        expect(page.get_by_role("button", name="Передать показания")).to_have_count(0)
