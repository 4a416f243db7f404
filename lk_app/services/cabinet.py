"""What the cabinet shows of an LK, read in one transaction: its accounts and the chosen account's page.

At month's end every customer opens the cabinet: one transaction instead of one per section saves the
database a connection check, a BEGIN and a COMMIT per section, and the sections agree with each other.
"""

import enum
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from lk_app.billing.values import rubles
from lk_app.models import AccountLink, BillingAccount, Charge, OnlinePayment, Payment
from lk_app.services.accounts import CabinetAccounts, cabinet_accounts, holder_name
from lk_app.services.bills import BillLine, account_bills
from lk_app.services.history import AccountHistory, account_history
from lk_app.services.online_payments import OnlineState, accepted_payments
from lk_app.services.readings import ReadingsForm, readings_form

RECENT_PAYMENTS = 6


class Standing(enum.Enum):
    """Where the account's balance stands: everything paid minus everything charged."""

    DEBT = "debt"
    OVERPAID = "overpaid"
    SETTLED = "settled"


@dataclass(frozen=True)
class PaymentLine:
    """One payment as the cabinet lists it; `online` is an OnlineState's value for one made in LK, else ""."""

    paid_on: str
    amount: str
    online: str = ""


@dataclass(frozen=True)
class AccountCard:
    """The chosen account: number, holder, address, balance and recent payments, ready to show."""

    number: str
    holder: str
    address: str
    balance: str  # the amount only: `standing` says whether it is owed or overpaid
    standing: Standing
    payments: list[PaymentLine]


@dataclass(frozen=True)
class AccountPage:
    """The chosen account's sections; all empty when there is no account or it is not the LK's own."""

    card: AccountCard | None = None
    history: AccountHistory | None = None
    readings: ReadingsForm | None = None
    bills: list[BillLine] = field(default_factory=list)


@dataclass(frozen=True)
class CabinetView:
    """The LK's accounts and the page of the one it opens on."""

    accounts: CabinetAccounts
    page: AccountPage


def account_card(user_id: int, number: str, *, session: Session) -> AccountCard | None:
    """The card of one of the LK's own accounts; None for an account that is not linked to it."""
    account = session.exec(
        select(BillingAccount)
        .join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user_id, BillingAccount.number == number)
    ).first()
    if account is None:
        return None
    paid = session.exec(select(func.coalesce(func.sum(Payment.amount_kop), 0)).where(Payment.account_id == account.id)).one()
    charged = session.exec(select(func.coalesce(func.sum(Charge.amount_kop), 0)).where(Charge.account_id == account.id)).one()
    accepted = accepted_payments(account.id, session=session)
    balance = paid + sum(p.amount_kop for p in accepted) - charged
    imported = session.exec(
        select(Payment.paid_on, Payment.amount_kop, OnlinePayment.id)
        .outerjoin(OnlinePayment, OnlinePayment.payment_id == Payment.id)  # the imported payments made in LK
        .where(Payment.account_id == account.id).order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(RECENT_PAYMENTS)
    ).all()
    # The LK's own payments that billing has not brought yet come first: they are the newest.
    lines = [(p.paid_on, p.amount_kop, OnlineState.ACCEPTED.value) for p in accepted]
    lines += [(paid_on, amount, "" if online is None else OnlineState.POSTED.value) for paid_on, amount, online in imported]
    lines.sort(key=lambda line: line[0], reverse=True)  # stable: each part keeps its own order within a day
    return AccountCard(
        number=account.number,
        holder=holder_name(account),
        address=account.address,
        balance=rubles(abs(balance)),
        standing=Standing.DEBT if balance < 0 else (Standing.OVERPAID if balance > 0 else Standing.SETTLED),
        payments=[PaymentLine(paid_on.strftime("%d.%m.%Y"), rubles(amount), online)
                  for paid_on, amount, online in lines[:RECENT_PAYMENTS]],
    )


def account_page(user_id: int, number: str, *, session: Session) -> AccountPage:
    """Card, history, readings and bills of one of the LK's own accounts."""
    if not number:
        return AccountPage()
    return AccountPage(
        card=account_card(user_id, number, session=session),
        history=account_history(user_id, number, session=session),
        readings=readings_form(user_id, number, session=session),
        bills=account_bills(user_id, number, session=session),
    )


def cabinet_view(user_id: int, *, session: Session) -> CabinetView:
    """The LK's accounts and the page of the remembered (else the first) one."""
    accounts = cabinet_accounts(user_id, session=session)
    return CabinetView(accounts, account_page(user_id, accounts.chosen, session=session))
