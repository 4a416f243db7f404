"""`/cabinet`: the customer's home as a dashboard — what to pay, the readings, then the history in tabs."""

import reflex as rx

from lk_app.components.forms import checkbox, field, form, submit
from lk_app.components.layout import alert, customer_menu, labelled_row, page
from lk_app.pages.account_settings import add_account_button, add_account_dialog
from lk_app.pages.payment_dialog import pay_button, payment_dialog
from lk_app.state.accounts import AccountsState
from lk_app.state.cabinet import CabinetState as S
from lk_app.state.payment import PaymentState
from lk_app.state.readings import ReadingsState as R
from lk_app.texts.cabinet import HISTORY_CHART_LABEL, PAYMENT_QR_ALT, SINGLE_RATE
from lk_app.texts.payments import ONLINE_LINE, ONLINE_STATES, OPEN_BUTTON

NO_METERS = "Счётчиков, показания которых передаются через Личный кабинет, у этого лицевого счёта нет."
# Not «Лицевой счёт»: that is the label of the add dialog's number field.
SWITCHER_LABEL = "Выбор лицевого счёта"
CHARGED_COLOUR, PAID_COLOUR = "var(--accent-9)", "var(--green-9)"
# Twelve month columns whose bars rise from a common base line; a month's name wraps under them on a phone.
CHART = {"display": "grid", "gridAutoFlow": "column", "gridAutoColumns": "minmax(0, 1fr)", "gap": "4px", "width": "100%"}
BARS = {"display": "flex", "alignItems": "flex-end", "gap": "1px", "height": "160px",
        "borderBottom": "1px solid var(--gray-6)"}
BAR = {"flex": "1", "minHeight": "2px", "borderRadius": "2px 2px 0 0"}
# Two cards side by side from 960 px; the history below spans both.
GRID = {"display": "grid", "gap": "16px", "gridTemplateColumns": "minmax(0, 1fr)", "width": "100%",
        "@media (min-width: 960px)": {"gridTemplateColumns": "minmax(0, 1fr) minmax(0, 1fr)"}}
# A line of a history list: a card of two lines on a phone, a table-like row from 600 px.
LINE = {"display": "grid", "gap": "2px 16px", "alignItems": "baseline", "padding": "10px 0",
        "borderBottom": "1px solid var(--gray-4)", "gridTemplateColumns": "1fr auto",
        "gridTemplateAreas": '"what amount" "detail detail"',
        "@media (min-width: 600px)": {"gridTemplateColumns": "1fr 8em 9em", "gridTemplateAreas": '"what detail amount"'}}
CARD = {"minWidth": "0", "borderTop": "1px solid var(--gray-5)", "paddingTop": "12px",
        "@media (min-width: 600px)": {"border": "1px solid var(--gray-5)", "borderRadius": "12px", "padding": "16px"}}
PLAIN_LIST = {"listStyle": "none", "margin": "0", "padding": "0", "width": "100%"}
# The amount by where the balance stands: a debt red, an overpayment green, nothing owed calm.
STANDING_COLOURS = (("debt", "var(--red-11)"), ("overpaid", "var(--green-11)"), "var(--gray-12)")


def _card(*children: rx.Component, area: str | None = None, **props) -> rx.Component:
    """A section of the dashboard: a framed card from 600 px, a band under a rule on a narrower phone."""
    return rx.el.section(
        rx.vstack(*children, spacing="3", width="100%"),
        style={**CARD, **({"gridColumn": area} if area else {})},
        **props,
    )


def _switcher() -> rx.Component:
    """The LK's accounts by number and address, when it has more than one."""
    return rx.cond(
        S.accounts.length() > 1,
        rx.select.root(
            rx.select.trigger(aria_label=SWITCHER_LABEL, width="100%"),
            rx.select.content(rx.foreach(S.accounts, lambda account: rx.select.item(account.label, value=account.number))),
            value=S.number,
            on_change=S.choose,
            size="3",
        ),
        rx.fragment(),
    )


def _pay_card() -> rx.Component:
    """What the account owes (or has overpaid) and «Оплатить», with the bank app's QR code."""
    return _card(
        rx.heading(S.standing_label, as_="h2", size="4"),
        rx.text(S.balance, id="amount-to-pay", size="8", weight="bold", white_space="nowrap",
                color=rx.match(S.standing, *STANDING_COLOURS)),
        rx.text(S.standing_note, size="2", color_scheme="gray"),
        rx.cond(
            S.pays_in_lk,
            pay_button(),
            rx.cond(
                S.payment_url != "",
                # The link drawn as a button, not a button in a link: one control, one stop of Tab.
                rx.button(rx.el.a(OPEN_BUTTON, href=S.payment_url, target="_blank", rel="noopener"), as_child=True,
                          size="3", width="100%"),
                rx.fragment(),
            ),
        ),
        rx.cond(
            S.payment_qr_url != "",
            rx.hstack(
                rx.image(src=S.payment_qr_url, alt=PAYMENT_QR_ALT.format(number=S.number), width="112px",
                         height="112px"),
                rx.text("Отсканируйте код в приложении банка: реквизиты и сумма заполнятся сами.", size="2",
                        color_scheme="gray"),
                align="center",
                spacing="3",
            ),
            rx.fragment(),
        ),
        id="pay-card",
    )


def _reading_field(f) -> rx.Component:
    """A meter zone's field, with its last accepted reading beneath and its refusal, framed red, under that."""
    last = rx.cond(f.last != "", "Последнее принятое: " + f.last, "")
    return field(f.label, f.key, f.error, default_value=f.value, input_mode="decimal", hint=last)


def _readings_card() -> rx.Component:
    """«Показания»: the window, what was sent, and the form (one field per meter zone) while the window is open."""
    return _card(
        rx.heading("Показания", as_="h2", size="4"),
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
        id="readings-card",
    )


def _line(what: rx.Component, detail: rx.Component, amount: rx.Component) -> rx.Component:
    return rx.el.li(
        rx.box(what, grid_area="what"),
        rx.box(detail, grid_area="detail"),
        rx.box(amount, grid_area="amount", text_align="right", white_space="nowrap"),
        style=LINE,
    )


def _bar(height: rx.Var, colour: str, kind: str, title: rx.Var) -> rx.Component:
    """One bar of a month, as tall as its share of the tallest; none for nothing charged or paid."""
    return rx.cond(
        height != "",
        # The height an inline style, not a class of its own for every height.
        rx.el.span(title=title, custom_attrs={"data-bar": kind, "style": {"height": height}},
                   style={**BAR, "background": colour}),
        rx.fragment(),
    )


def _chart_month(month: rx.Var) -> rx.Component:
    """A month's two bars side by side over its short name."""
    return rx.el.div(
        rx.el.div(
            _bar(month.charged_height, CHARGED_COLOUR, "charged", month.month + ": начислено " + month.charged),
            _bar(month.paid_height, PAID_COLOUR, "paid", month.month + ": оплачено " + month.paid),
            style=BARS,
        ),
        rx.text(month.month, size="1", color_scheme="gray", text_align="center"),
        style={"minWidth": "0"},
    )


def _swatch(colour: str, label: str) -> rx.Component:
    return rx.hstack(rx.box(width="12px", height="12px", background=colour, border_radius="2px"),
                     rx.text(label, size="1"), align="center", spacing="1")


def _history_chart() -> rx.Component:
    """Charges and payments month by month as bars drawn by the page itself: the months' list below says the same
    in words (a screen reader is pointed to it), and no charting library is loaded."""
    return rx.el.figure(
        rx.el.div(rx.foreach(S.chart, _chart_month), style=CHART),
        rx.hstack(_swatch(CHARGED_COLOUR, "Начислено, ₽"), _swatch(PAID_COLOUR, "Оплачено, ₽"), spacing="4"),
        role="img",
        aria_label=HISTORY_CHART_LABEL,
        aria_describedby="history-months",
        # The browser tests count the chart's months here as well as in its bars.
        custom_attrs={"data-points": S.chart.length()},
        id="history-chart",
        style={"margin": "0", "width": "100%"},
    )


def _breakdown() -> rx.Component:
    """«Почему такая сумма»: the last charged month, kWh × tariff per zone."""
    return rx.cond(
        S.breakdown_month != "",
        rx.vstack(
            rx.heading("Почему такая сумма", as_="h3", size="3"),
            rx.text("Начислено за ", S.breakdown_month, ": ", rx.text.strong(S.breakdown_total), size="2"),
            rx.foreach(S.breakdown, lambda b: rx.text(
                rx.cond(b.zone != "", b.zone, SINGLE_RATE), ": ", b.kwh, " кВт·ч",
                rx.cond(b.tariff != "", rx.fragment(" × ", b.tariff, " за кВт·ч"), rx.fragment()),
                " = ", b.amount,
                size="2",
            )),
            spacing="1",
            width="100%",
        ),
        rx.fragment(),
    )


def _charges_tab() -> rx.Component:
    """The months charged, newest first, after the chart of charges and payments and the last bill's breakdown."""
    return rx.cond(
        S.months.length() > 0,
        rx.vstack(
            _history_chart(),
            _breakdown(),
            rx.el.ul(
                rx.foreach(S.months, lambda m: _line(rx.text(m.month, weight="medium"),
                                                     rx.text(m.kwh, " кВт·ч", size="2", color_scheme="gray"),
                                                     rx.text(m.charged, weight="medium"))),
                id="history-months",
                style=PLAIN_LIST,
            ),
            spacing="3",
            width="100%",
        ),
        rx.text("Начислений пока нет.", color_scheme="gray"),
    )


def _online(payment) -> rx.Component:
    """«через Личный кабинет · принят» by a payment made in LK; nothing by one paid elsewhere."""
    return rx.cond(
        payment.online != "",
        rx.text(ONLINE_LINE, " · ", rx.match(payment.online, *ONLINE_STATES.items(), ""), size="2",
                color_scheme="gray"),
        rx.fragment(),
    )


def _payments_tab() -> rx.Component:
    return rx.cond(
        S.payments.length() > 0,
        rx.el.ul(
            rx.foreach(S.payments, lambda p: _line(rx.text(p.paid_on, weight="medium"), _online(p),
                                                   rx.text(p.amount, weight="medium"))),
            id="history-payments",
            style=PLAIN_LIST,
        ),
        rx.text("Платежей пока нет.", color_scheme="gray"),
    )


def _bills_tab() -> rx.Component:
    # A plain link: the PDF comes from the backend, which may be another origin than the page's router knows.
    return rx.cond(
        S.bills.length() > 0,
        rx.el.ul(
            rx.foreach(S.bills, lambda bill: _line(
                rx.text(bill.month, weight="medium"),
                rx.fragment(),
                # The words on screen begin the name a screen reader says, which adds the month (WCAG 2.5.3).
                rx.el.a("Скачать счёт", href=S.bills_url + bill.period + "/" + S.number + ".pdf",
                        aria_label="Скачать счёт за " + bill.month.lower(),
                        style={"color": "var(--accent-11)", "textDecoration": "underline"}),
            )),
            id="history-bills",
            style=PLAIN_LIST,
        ),
        rx.text("Счетов пока нет.", color_scheme="gray"),
    )


def _history_card() -> rx.Component:
    """Charges, payments and bills, each in its own tab and each shown once."""
    return _card(
        rx.heading("История", as_="h2", size="4"),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Начисления", value="charges"),
                rx.tabs.trigger("Платежи", value="payments"),
                rx.tabs.trigger("Счета", value="bills"),
            ),
            rx.tabs.content(_charges_tab(), value="charges", padding_top="12px"),
            rx.tabs.content(_payments_tab(), value="payments", padding_top="12px"),
            rx.tabs.content(_bills_tab(), value="bills", padding_top="12px"),
            default_value="charges",
            width="100%",
        ),
        area="1 / -1",
        id="history-card",
    )


def _dashboard() -> rx.Component:
    return rx.vstack(
        _switcher(),
        rx.box(
            labelled_row("Лицевой счёт", S.number),
            labelled_row("Владелец", S.holder),
            # With several accounts the switcher names each by its address: not a second time here.
            rx.cond(S.accounts.length() > 1, rx.fragment(), labelled_row("Адрес", S.address)),
            width="100%",
        ),
        rx.box(_pay_card(), _readings_card(), _history_card(), style=GRID),
        spacing="4",
        width="100%",
    )


def _no_accounts() -> rx.Component:
    # An LK without an account has nothing else to do here: the dialog opens by itself (AccountsState.visit_cabinet).
    return rx.vstack(
        rx.text("К Личному кабинету пока не привязан ни один лицевой счёт."),
        rx.text("Привяжите счёт, чтобы видеть начисления и платежи: понадобятся его номер и сумма последнего платежа.",
                color_scheme="gray", size="2"),
        add_account_button(),
        spacing="3",
        width="100%",
    )


def cabinet_page() -> rx.Component:
    """The chosen account: what to pay, the readings, the history; the add dialog for an LK without an account."""
    return page(
        "Личный кабинет",
        rx.cond(
            S.loaded,
            rx.cond(S.number != "", _dashboard(), _no_accounts()),
            # A screen tall while loading: the footer stays below it instead of jumping down when the account arrives.
            rx.box(rx.spinner(), min_height="100vh"),
        ),
        add_account_dialog(),
        payment_dialog(),
        menu=customer_menu(),
        width="960px",
        on_visit=[AccountsState.visit_cabinet, R.start, PaymentState.start],
    )
