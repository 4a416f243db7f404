"""`/cabinet`: the customer's home, the chosen account at a glance, and its bills as PDF."""

import reflex as rx

from lk_app.components.forms import checkbox, form, submit
from lk_app.components.layout import alert, customer_menu, labelled_row, page
from lk_app.pages.account_settings import add_account_button, add_account_dialog
from lk_app.state.accounts import AccountsState
from lk_app.state.cabinet import CabinetState as S
from lk_app.state.readings import ReadingsState as R
from lk_app.texts.cabinet import SINGLE_RATE

NO_METERS = "Счётчиков, показания которых передаются через Личный кабинет, у этого лицевого счёта нет."
# Not «Лицевой счёт»: that is the label of the add dialog's number field.
SWITCHER_LABEL = "Выбор лицевого счёта"


def _account_card() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.account_numbers.length() > 1,
            rx.select.root(
                rx.select.trigger(aria_label=SWITCHER_LABEL, width="100%"),
                rx.select.content(rx.foreach(S.account_numbers, lambda number: rx.select.item(number, value=number))),
                value=S.number,
                on_change=S.choose,
                size="3",
            ),
            rx.fragment(),
        ),
        _balance_and_payment(),
        labelled_row("Лицевой счёт", S.number),
        labelled_row("Владелец", S.holder),
        labelled_row("Адрес", S.address),
        rx.heading("Последние платежи", as_="h2", size="4"),
        rx.cond(
            S.payments.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Дата"), rx.table.column_header_cell("Сумма"))),
                rx.table.body(rx.foreach(S.payments, lambda p: rx.table.row(rx.table.cell(p.paid_on), rx.table.cell(p.amount)))),
                width="100%",
            ),
            rx.text("Платежей пока нет.", color_scheme="gray"),
        ),
        _history_section(),
        _breakdown_section(),
        _bills(),
        _readings_section(),
        spacing="3",
        width="100%",
    )


def _balance_and_payment() -> rx.Component:
    """The balance first, the amount to pay this month, «Оплатить» (only when LK_PAYMENT_URL is set) and the payment QR."""
    return rx.vstack(
        rx.flex(
            rx.vstack(rx.text(S.balance_note, color_scheme="gray", size="2"), rx.text(S.balance, size="6", weight="bold"),
                      spacing="0"),
            rx.vstack(rx.text("К оплате в этом месяце", color_scheme="gray", size="2"),
                      rx.text(S.to_pay, size="6", weight="bold"), spacing="0"),
            direction={"initial": "column", "sm": "row"},
            gap="4",
            justify="between",
            width="100%",
        ),
        rx.cond(
            S.payment_url != "",
            rx.link(rx.button("Оплатить", size="3", width="100%"), href=S.payment_url, is_external=True, width="100%"),
            rx.fragment(),
        ),
        rx.cond(
            S.payment_qr_url != "",
            rx.hstack(
                rx.image(src=S.payment_qr_url, alt="QR-код для оплаты в приложении банка", width="140px", height="140px"),
                rx.text("Отсканируйте код в приложении банка: реквизиты и сумма заполнятся сами.", size="2",
                        color_scheme="gray"),
                align="center",
                spacing="3",
            ),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
        padding="12px",
        border_radius="8px",
        background="var(--accent-2)",
    )


def _history_chart() -> rx.Component:
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="month", font_size=11),
            rx.recharts.y_axis(font_size=11, width=48),
            rx.recharts.tooltip(),
            rx.recharts.legend(),
            rx.recharts.bar(data_key="charged", name="Начислено, ₽", fill="#0b5cad", is_animation_active=False),
            rx.recharts.bar(data_key="paid", name="Оплачено, ₽", fill="#2f9e44", is_animation_active=False),
            data=S.chart,
            width="100%",
            height=260,
        ),
        # The browser tests count the chart's months here as well as in its bars.
        custom_attrs={"data-points": S.chart.length()},
        id="history-chart",
        width="100%",
    )


def _history_section() -> rx.Component:
    """Charges and payments of the last 12 months: a chart, then a table with the newest month first."""
    return rx.vstack(
        rx.heading("Начисления и платежи за 12 месяцев", as_="h2", size="4"),
        _history_chart(),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Месяц"),
                    rx.table.column_header_cell("кВт·ч"),
                    rx.table.column_header_cell("Начислено"),
                    rx.table.column_header_cell("Оплачено"),
                )),
                rx.table.body(rx.foreach(S.months.reverse(), lambda m: rx.table.row(
                    rx.table.row_header_cell(m.month), rx.table.cell(m.kwh), rx.table.cell(m.charged), rx.table.cell(m.paid),
                ))),
                size="1",
                width="100%",
                id="history-table",
            ),
            overflow_x="auto",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _breakdown_section() -> rx.Component:
    """«Почему такая сумма»: the last charged month, kWh × tariff per zone."""
    return rx.cond(
        S.breakdown_month != "",
        rx.vstack(
            rx.heading("Почему такая сумма", as_="h2", size="4"),
            rx.text("Начислено за ", S.breakdown_month, ": ", rx.text.strong(S.breakdown_total), size="2"),
            rx.foreach(S.breakdown, lambda b: rx.text(
                rx.cond(b.zone != "", b.zone, SINGLE_RATE), ": ", b.kwh, " кВт·ч",
                rx.cond(b.tariff != "", rx.fragment(" × ", b.tariff, " за кВт·ч"), rx.fragment()),
                " = ", b.amount,
                size="2",
            )),
            spacing="2",
            width="100%",
        ),
        rx.fragment(),
    )


def _reading_field(f) -> rx.Component:
    return rx.vstack(
        rx.el.label(f.label, html_for=f.key, style={"fontWeight": "500"}),
        rx.input(
            id=f.key,
            name=f.key,
            default_value=f.value,
            input_mode="decimal",
            auto_complete="off",
            aria_invalid=rx.cond(f.error != "", "true", "false"),
            size="3",
            width="100%",
        ),
        rx.cond(f.last != "", rx.text("Последнее принятое: ", f.last, size="1", color_scheme="gray"), rx.fragment()),
        rx.cond(f.error != "", rx.text(f.error, role="alert", color_scheme="red", size="2"), rx.fragment()),
        spacing="1",
        width="100%",
    )


def _readings_section() -> rx.Component:
    """«Передать показания»: one field per meter zone while the reading window is open."""
    return rx.vstack(
        rx.heading("Передать показания", as_="h2", size="4"),
        rx.text(R.window_note, size="2", id="readings-window"),
        rx.cond(R.sent_note != "", rx.text(R.sent_note, size="2", color_scheme="gray"), rx.fragment()),
        rx.cond(R.message != "", alert(R.message, color=rx.cond(R.accepted, "green", "red")), rx.fragment()),
        rx.cond(
            R.window_open & (R.fields.length() > 0),
            form(
                rx.vstack(
                    rx.foreach(R.fields, _reading_field),
                    rx.cond(
                        R.jump_question != "",
                        rx.vstack(alert(R.jump_question, color="amber"),
                                  checkbox("Да, показания верны", "confirm_jump", rx.Var.create("")), width="100%"),
                        rx.fragment(),
                    ),
                    submit("Передать показания"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=R.submit,
                key=R.form_key.to_string(),
            ),
            rx.cond(R.fields.length() == 0, rx.text(NO_METERS, size="2", color_scheme="gray"), rx.fragment()),
        ),
        spacing="3",
        width="100%",
    )


def _bill_row(bill) -> rx.Component:
    # A plain link: the PDF comes from the backend, which may be another origin than the page's router knows.
    return rx.table.row(
        rx.table.cell(bill.title),
        rx.table.cell(bill.charged),
        rx.table.cell(rx.el.a("PDF", href=S.bills_url + bill.period + "/" + S.number + ".pdf",
                              aria_label="Скачать счёт за " + bill.title,
                              style={"color": "var(--accent-11)", "textDecoration": "underline"})),
    )


def _bills() -> rx.Component:
    return rx.fragment(
        rx.heading("Счета", as_="h2", size="4"),
        rx.cond(
            S.bills.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Месяц"),
                                             rx.table.column_header_cell("Начислено"),
                                             rx.table.column_header_cell("Счёт"))),
                rx.table.body(rx.foreach(S.bills, _bill_row)),
                width="100%",
            ),
            rx.text("Счетов пока нет.", color_scheme="gray"),
        ),
    )


def _no_accounts() -> rx.Component:
    # An LK without an account has nothing else to do here: the dialog opens by itself.
    return rx.vstack(
        rx.text("К Личному кабинету пока не привязан ни один лицевой счёт."),
        rx.text("Привяжите счёт, чтобы видеть начисления и платежи: понадобятся его номер и сумма последнего платежа.",
                color_scheme="gray", size="2"),
        add_account_button(),
        spacing="3",
        width="100%",
        on_mount=AccountsState.open_dialog,
    )


def cabinet_page() -> rx.Component:
    """The chosen account's number, holder, address, balance and recent payments."""
    return page(
        "Личный кабинет",
        rx.cond(
            S.loaded,
            rx.cond(S.number != "", _account_card(), _no_accounts()),
            # A screen tall while loading: the footer stays below it instead of jumping down when the account arrives.
            rx.box(rx.spinner(), min_height="100vh"),
        ),
        add_account_dialog(),
        menu=customer_menu(),
        width="640px",
        on_visit=R.start,
    )
