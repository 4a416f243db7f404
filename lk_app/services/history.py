"""What a chosen account owes and why: the amount to pay and its QR, 12 months of charges and payments, the last bill's breakdown."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from sqlalchemy import func
from sqlmodel import Session, select

from lk_app.billing.bill_pdf import amount_due_order
from lk_app.billing.payment_qr import payment_text, qr_svg
from lk_app.billing.values import rubles
from lk_app.clock import today
from lk_app.models import AccountLink, BillingAccount, Charge, Payment
from lk_app.services.bills import issuer_of
from lk_app.services.months import last_periods, period_of
from lk_app.services.online_payments import accepted_payments, to_pay_kop
from lk_app.settings import get_settings

HISTORY_MONTHS = 12


@dataclass(frozen=True)
class MonthLine:
    """One month of the history table and chart."""

    period: str
    kwh: str
    charged: str
    paid: str
    charged_rubles: float  # the chart's bar heights
    paid_rubles: float


@dataclass(frozen=True)
class BreakdownLine:
    """One tariff zone of the last charged month: kWh × tariff = amount."""

    zone: str  # as the billing system names it, capitalized; "" for a single-rate charge
    kwh: str
    tariff: str  # "" when the billing system sent no tariff
    amount: str


@dataclass(frozen=True)
class AccountHistory:
    """The amount to pay with its payment link, the months, and the breakdown of the last charged month."""

    to_pay: str
    to_pay_kop: int
    payment_url: str  # "" when LK_PAYMENT_URL is unset
    months: list[MonthLine]
    breakdown_period: str  # the last charged month, "" when the account has no charge yet
    breakdown: list[BreakdownLine]
    breakdown_total: str
    breakdown_total_kop: int


def kwh_text(kwh: float) -> str:
    """kWh as LK shows them: "1 234" or "190,5", with a no-break space."""
    whole = f"{kwh:,.2f}".rstrip("0").rstrip(".")
    return whole.replace(",", "\u00a0").replace(".", ",")


def payment_url(template: str | None, number: str, kopecks: int) -> str:
    """The supplier's payment page for the account and amount (rubles with a dot and two decimals), URL-encoded."""
    if not template:
        return ""
    amount = f"{kopecks // 100}.{kopecks % 100:02d}"
    # str.replace, not str.format: a supplier's URL may hold other braces.
    return template.replace("{account}", quote(number, safe="")).replace("{amount}", quote(amount, safe=""))


def _own_account(user_id: int, number: str, *, session: Session) -> tuple[int, str] | None:
    """(id, holder's surname) of one of the LK's own accounts; None when the LK has no such account."""
    return session.exec(
        select(BillingAccount.id, BillingAccount.surname)
        .join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user_id, BillingAccount.number == number)
    ).first()


def payment_qr_svg(user_id: int, number: str, *, session: Session) -> str | None:
    """The e-bill's payment QR of one of the LK's own accounts for its amount to pay now, as SVG; None when not its own."""
    found = _own_account(user_id, number, session=session)
    if found is None:
        return None
    account_id, surname = found
    order = amount_due_order(issuer_of(get_settings()).payee, account_number=number,
                             sum_kop=to_pay_kop(account_id, session=session), period=period_of(today()),
                             surname=surname)
    return qr_svg(payment_text(order))


def account_history(user_id: int, number: str, *, session: Session) -> AccountHistory | None:
    """The history of one of the LK's own accounts in five queries, whatever the number of months; None when not linked."""
    found = _own_account(user_id, number, session=session)
    if found is None:
        return None
    account_id, _surname = found
    to_pay = to_pay_kop(account_id, session=session)

    # A month more than is shown: until this month has a charge or a payment, the 12 months end with the last one.
    periods = last_periods(today(), HISTORY_MONTHS + 1)
    charges = {
        period: (kwh, amount)
        for period, kwh, amount in session.exec(
            select(Charge.period, func.sum(Charge.kwh), func.sum(Charge.amount_kop))
            .where(Charge.account_id == account_id, Charge.period >= periods[0], Charge.period <= periods[-1])
            .group_by(Charge.period)
        ).all()
    }
    payments: dict[str, int] = {}
    for paid_on, amount in session.exec(
        select(Payment.paid_on, Payment.amount_kop).where(
            Payment.account_id == account_id, Payment.paid_on >= date.fromisoformat(f"{periods[0]}-01")
        )
    ).all():
        payments[period_of(paid_on)] = payments.get(period_of(paid_on), 0) + amount
    for accepted in accepted_payments(account_id, session=session):
        payments[period_of(accepted.paid_on)] = payments.get(period_of(accepted.paid_on), 0) + accepted.amount_kop
    months = []
    for period in periods:
        kwh, charged_kop = charges.get(period, (0.0, 0))
        paid_kop = payments.get(period, 0)
        months.append(MonthLine(period, kwh_text(kwh), rubles(charged_kop), rubles(paid_kop), charged_kop / 100,
                                paid_kop / 100))
    this_month_empty = periods[-1] not in charges and periods[-1] not in payments
    months = months[:-1] if this_month_empty else months[1:]

    last_period = select(func.max(Charge.period)).where(Charge.account_id == account_id).scalar_subquery()
    last_charges = session.exec(
        select(Charge).where(Charge.account_id == account_id, Charge.period == last_period).order_by(Charge.zone)
    ).all()
    total_kop = sum(charge.amount_kop for charge in last_charges)
    return AccountHistory(
        to_pay=rubles(to_pay),
        to_pay_kop=to_pay,
        payment_url=payment_url(get_settings().payment_page, number, to_pay),
        months=months,
        breakdown_period=last_charges[0].period if last_charges else "",
        breakdown=[
            BreakdownLine(
                zone=charge.zone.capitalize() if charge.zone else "",
                kwh=kwh_text(charge.kwh),
                tariff=rubles(charge.tariff_kop) if charge.tariff_kop is not None else "",
                amount=rubles(charge.amount_kop),
            )
            for charge in last_charges
        ],
        breakdown_total=rubles(total_kop),
        breakdown_total_kop=total_kop,
    )
