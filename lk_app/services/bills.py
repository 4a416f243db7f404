"""A month's bill of an account: its figures, the cabinet's list of bills and the PDF to download or mail."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from lk_app.billing.bill_pdf import Bill, ChargeLine, Issuer, bill_filename, bill_pdf, period_title
from lk_app.billing.payment_qr import Payee
from lk_app.billing.pdf import EmbeddedFont, embedded_font
from lk_app.billing.values import rubles
from lk_app.models import BillingAccount, Charge, Payment
from lk_app.services.accounts import own_link
from lk_app.settings import Settings, get_settings

PDF = "application/pdf"


@dataclass(frozen=True)
class BillLine:
    """One month's bill in the cabinet's list."""

    period: str
    title: str
    charged: str



def issuer_of(settings: Settings) -> Issuer:
    """The supplier as bills print it and their QR codes pay it."""
    payee = Payee(
        name=settings.supplier_name,
        account=settings.supplier_account,
        bank=settings.supplier_bank,
        bic=settings.supplier_bic,
        corr_account=settings.supplier_corr_account,
        inn=settings.supplier_inn,
        kpp=settings.supplier_kpp,
    )
    return Issuer(payee, settings.contact_phone, settings.contact_hours, settings.public_url.rstrip("/"))


def bill_font() -> EmbeddedFont:
    """The font every bill embeds; FontMissing says how to install it."""
    return embedded_font(get_settings().bill_font)



def _month_start(period: str) -> date:
    return date(int(period[:4]), int(period[5:]), 1)


def _next_month_start(period: str) -> date:
    start = _month_start(period)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def bills_of(account_ids: list[int], period: str, *, session: Session) -> dict[int, Bill]:
    """The month's bill of each account that has charges in it, from a handful of queries for the whole list."""
    if not account_ids:
        return {}
    start, end = _month_start(period), _next_month_start(period)
    charges: dict[int, list[ChargeLine]] = {}
    for row in session.exec(
        select(Charge).where(col(Charge.account_id).in_(account_ids), Charge.period == period)
        .order_by(Charge.account_id, Charge.zone)
    ):
        charges.setdefault(row.account_id, []).append(ChargeLine(row.zone, row.kwh, row.tariff_kop, row.amount_kop))
    if not charges:
        return {}
    ids = list(charges)
    charged_before = dict(session.exec(
        select(Charge.account_id, func.sum(Charge.amount_kop))
        .where(col(Charge.account_id).in_(ids), Charge.period < period)
        .group_by(Charge.account_id)
    ).all())
    paid = {
        account_id: (before or 0, during or 0)
        for account_id, before, during in session.exec(
            select(
                Payment.account_id,
                func.sum(case((Payment.paid_on < start, Payment.amount_kop), else_=0)),
                func.sum(case((Payment.paid_on >= start, Payment.amount_kop), else_=0)),
            )
            .where(col(Payment.account_id).in_(ids), Payment.paid_on < end)
            .group_by(Payment.account_id)
        ).all()
    }
    bills = {}
    for account in session.exec(select(BillingAccount).where(col(BillingAccount.id).in_(ids))):
        paid_before, paid_during = paid.get(account.id, (0, 0))
        bills[account.id] = Bill(
            account_number=account.number,
            surname=account.surname,
            first_name=account.first_name,
            patronymic=account.patronymic,
            address=account.address,
            period=period,
            charges=tuple(charges[account.id]),
            opening_debt_kop=(charged_before.get(account.id) or 0) - paid_before,
            paid_kop=paid_during,
        )
    return bills


def account_bills(user_id: int, number: str, *, session: Session) -> list[BillLine]:
    """The months of one of the LK's accounts that have a bill, the newest first; nothing for an account not its own."""
    link = own_link(user_id, number, session=session)
    if link is None:
        return []
    rows = session.exec(
        select(Charge.period, func.sum(Charge.amount_kop))
        .where(Charge.account_id == link.account_id)
        .group_by(Charge.period)
        .order_by(col(Charge.period).desc())
    ).all()
    return [BillLine(period, period_title(period), rubles(charged)) for period, charged in rows]


def bill_document(user_id: int, number: str, period: str, *, session: Session) -> tuple[str, bytes] | None:
    """The file name and PDF of one month's bill of one of the LK's accounts; None when there is no such bill."""
    link = own_link(user_id, number, session=session)
    bill = bills_of([link.account_id], period, session=session).get(link.account_id) if link else None
    if bill is None:
        return None
    return bill_filename(bill), bill_pdf(bill, issuer_of(get_settings()), bill_font())

