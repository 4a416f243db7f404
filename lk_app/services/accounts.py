"""What the cabinet shows of the billing accounts linked to an LK."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from lk_app.models import AccountLink, BillingAccount, Charge, Payment

RECENT_PAYMENTS = 6


def rubles(kopecks: int) -> str:
    """Money as Russians write it: «1 234,56 ₽»."""
    sign = "−" if kopecks < 0 else ""
    whole, kop = divmod(abs(kopecks), 100)
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{kop:02d}\u00a0₽"


@dataclass(frozen=True)
class PaymentLine:
    """One payment as the cabinet lists it."""

    paid_on: str
    amount: str


@dataclass(frozen=True)
class AccountCard:
    """The chosen account: number, holder, address, balance and recent payments, ready to show."""

    number: str
    holder: str
    address: str
    balance: str
    balance_note: str
    payments: list[PaymentLine]


def linked_account_numbers(user_id: int, *, session: Session) -> list[str]:
    """The numbers of the LK's accounts, in the order they were linked."""
    return list(
        session.exec(
            select(BillingAccount.number)
            .join(AccountLink, AccountLink.account_id == BillingAccount.id)
            .where(AccountLink.user_id == user_id)
            .order_by(AccountLink.id)
        ).all()
    )


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
    balance = paid - charged
    payments = session.exec(
        select(Payment).where(Payment.account_id == account.id).order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(RECENT_PAYMENTS)
    ).all()
    return AccountCard(
        number=account.number,
        holder=" ".join(part for part in (account.surname, account.first_name, account.patronymic) if part),
        address=account.address,
        balance=rubles(abs(balance)),
        balance_note="Задолженность" if balance < 0 else ("Переплата" if balance > 0 else "Задолженности нет"),
        payments=[PaymentLine(p.paid_on.strftime("%d.%m.%Y"), rubles(p.amount_kop)) for p in payments],
    )
