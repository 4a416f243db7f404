"""The billing accounts of an LK: adding one by its last payment, removing, choosing, and the cap per e-mail."""

import enum
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from lk_app import clock, db
from lk_app.messaging.outbox import queue_email
from lk_app.models import AccountLink, BillingAccount, LkUser, Payment
from lk_app.normal_forms import normalize_account_number
from lk_app.services import limits
from lk_app.settings import get_settings

PAYMENT_WINDOW_MONTHS = 3
# Spaces people and spreadsheets put between thousands: regular, no-break, thin, narrow no-break.
_GROUP_SPACE = re.compile(r"[ \u00a0\u2009\u202f]")
_RUBLES = r"(?:\d{1,9}|\d{1,3}(?: \d{3}){1,2})"
_AMOUNT = re.compile(_RUBLES + r"[.,]\d{2}")
_AMOUNT_WITHOUT_KOPECKS = re.compile(_RUBLES + r"(?:[.,]\d?)?")
# Classes of PostgreSQL advisory locks; a transaction takes at most one of each, in this order, so none waits in a circle.
_LOCK_USER, _LOCK_ACCOUNT, _LOCK_EMAIL = 5101, 5102, 5103


@dataclass(frozen=True)
class CabinetAccounts:
    """The LK's accounts in the order they were linked, and the number of the one to show."""

    accounts: list["LinkedAccount"]
    chosen: str

    @property
    def numbers(self) -> list[str]:
        """The accounts' numbers, in the same order."""
        return [account.number for account in self.accounts]


@dataclass(frozen=True)
class LinkedAccount:
    """One account in the settings list; the one the LK was registered with cannot be removed."""

    number: str
    address: str
    primary: bool


class Refusal(enum.Enum):
    """Why an account was not added."""

    NUMBER_FORMAT = "number_format"
    AMOUNT_MISSING = "amount_missing"
    AMOUNT_WITHOUT_KOPECKS = "amount_without_kopecks"
    AMOUNT_FORMAT = "amount_format"
    AMOUNT_ZERO = "amount_zero"
    ALREADY_HERE = "already_here"
    CAP_REACHED = "cap_reached"
    LIMITED = "limited"
    MISMATCH = "mismatch"  # one answer for an unknown account and a wrong amount


@dataclass(frozen=True)
class AddOutcome:
    """The added account's number, or the refusals; with LIMITED, how long until the next try."""

    number: str = ""
    refusals: tuple[Refusal, ...] = ()
    retry_after_seconds: int = 0

    @property
    def added(self) -> bool:
        """Whether the account is now linked to the LK."""
        return not self.refusals


class Removal(enum.Enum):
    """How a request to remove an account from the LK ended."""

    REMOVED = "removed"
    PRIMARY = "primary"
    NOT_LINKED = "not_linked"


def parse_amount(text: str) -> int | None:
    """Kopecks of an amount written with exactly two decimals («1234,00», «1 234.56»); None for any other form."""
    amount = _GROUP_SPACE.sub(" ", text.strip())
    if not _AMOUNT.fullmatch(amount):
        return None
    return int(amount.replace(" ", "").replace(",", "").replace(".", ""))


def _amount_refusal(text: str) -> Refusal | None:
    amount = _GROUP_SPACE.sub(" ", text.strip())
    if not amount:
        return Refusal.AMOUNT_MISSING
    kopecks = parse_amount(amount)
    if kopecks is None:
        return Refusal.AMOUNT_WITHOUT_KOPECKS if _AMOUNT_WITHOUT_KOPECKS.fullmatch(amount) else Refusal.AMOUNT_FORMAT
    return Refusal.AMOUNT_ZERO if kopecks == 0 else None


def payment_window_start(today: date) -> date:
    """The first day of the month two months back: with the current month, the last 3 calendar months."""
    months = today.year * 12 + today.month - 1 - (PAYMENT_WINDOW_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def _paid_recently(account_id: int, kopecks: int, *, session: Session) -> bool:
    """Whether a payment of exactly this amount reached the account within the window (refunds are negative, never equal)."""
    return session.exec(
        select(Payment.id).where(
            Payment.account_id == account_id,
            Payment.amount_kop == kopecks,
            Payment.paid_on >= payment_window_start(clock.today()),
        )
    ).first() is not None


def hold_accounts_of_email(email: str, *, session: Session) -> None:
    """Serialize link changes of the LKs with this e-mail until the transaction ends, so the cap is checked and kept at once."""
    db.hold([(_LOCK_EMAIL, email)], session=session)


def _accounts_held(owners, *, session: Session) -> set[int]:
    """The different accounts linked to the LKs that match `owners`."""
    return set(session.exec(select(AccountLink.account_id).join(LkUser, LkUser.id == AccountLink.user_id).where(owners)).all())


def accounts_per_email(email: str, *, session: Session) -> int:
    """How many different billing accounts the LKs with this (normalized) e-mail hold together."""
    return len(_accounts_held(LkUser.email == email, session=session))


def accounts_after_email_change(user_id: int, email: str, *, session: Session) -> int:
    """How many different accounts the LKs with `email` would hold together once this LK moved to it."""
    return len(_accounts_held(or_(LkUser.email == email, LkUser.id == user_id), session=session))


def _failure_wait(user_id: int, number: str, *, session: Session) -> int:
    """Seconds until the LK may try this account again; 0 when both failure limits allow it now."""
    waits = [
        limits.seconds_until_free(limit, subject, session=session)
        for limit, subject in ((limits.ADD_ACCOUNT_PER_ACCOUNT, number), (limits.ADD_ACCOUNT_PER_USER, str(user_id)))
        if limits.exceeded(limit, subject, session=session)
    ]
    return max(waits, default=0)


def add_account(user_id: int, number_text: str, amount_text: str, *, session: Session) -> AddOutcome:
    """Link an account whose recent payment the customer knows; the number is used for the lookup only.

    Each LK, each account and each e-mail is worked on by one request at a time, so the failure limits and
    the cap of accounts per e-mail hold however many requests arrive together.
    """
    number = normalize_account_number(number_text) or ""
    refusals = tuple(r for r in (None if number else Refusal.NUMBER_FORMAT, _amount_refusal(amount_text)) if r)
    if refusals:
        return AddOutcome(refusals=refusals)
    kopecks = parse_amount(amount_text)
    user = session.get(LkUser, user_id)
    db.hold([(_LOCK_USER, str(user_id)), (_LOCK_ACCOUNT, number)] + ([(_LOCK_EMAIL, user.email)] if user.email else []),
            session=session)
    account = session.exec(select(BillingAccount).where(BillingAccount.number == number)).first()
    if account is not None and session.exec(
        select(AccountLink.id).where(AccountLink.user_id == user_id, AccountLink.account_id == account.id)
    ).first():
        return AddOutcome(number=number, refusals=(Refusal.ALREADY_HERE,))
    # The cap counts every LK with this e-mail; an LK without one (migrated, not yet asked) counts alone.
    held = _accounts_held(LkUser.email == user.email if user.email else LkUser.id == user_id, session=session)
    # Asked before the amount so no try is spent; an unknown account gets the same answer as a known one.
    if len(held) >= get_settings().max_accounts_per_email and (account is None or account.id not in held):
        return AddOutcome(number=number, refusals=(Refusal.CAP_REACHED,))
    wait = _failure_wait(user_id, number, session=session)
    if wait:
        return AddOutcome(number=number, refusals=(Refusal.LIMITED,), retry_after_seconds=wait)
    if account is None or not _paid_recently(account.id, kopecks, session=session):
        limits.record(limits.ADD_ACCOUNT_PER_ACCOUNT, number, session=session)
        limits.record(limits.ADD_ACCOUNT_PER_USER, str(user_id), session=session)
        return AddOutcome(number=number, refusals=(Refusal.MISMATCH,))
    session.add(AccountLink(user_id=user_id, account_id=account.id))
    session.flush()
    _tell_other_lks(account, user_id, session=session)
    return AddOutcome(number=number)


def masked_number(number: str) -> str:
    """An account number with all but its last four digits hidden, for messages that leave LK."""
    return "*" * (len(number) - 4) + number[-4:]


def _tell_other_lks(account: BillingAccount, user_id: int, *, session: Session) -> None:
    """Mail every other LK holding the account that one more LK can now see it."""
    emails = session.exec(
        select(LkUser.email)
        .join(AccountLink, AccountLink.user_id == LkUser.id)
        .where(AccountLink.account_id == account.id, AccountLink.user_id != user_id, LkUser.email.is_not(None))
        .distinct()
    ).all()
    for email in emails:
        queue_email(session=session, to=email, template="account_access_added",
                    account=masked_number(account.number), date=f"{clock.today():%d.%m.%Y}")


def own_link(user_id: int, number: str, *, session: Session) -> AccountLink | None:
    """The link of the LK to its account of that number; None when the account is not the LK's own."""
    return session.exec(
        select(AccountLink)
        .join(BillingAccount, BillingAccount.id == AccountLink.account_id)
        .where(AccountLink.user_id == user_id, BillingAccount.number == number)
    ).first()


def remove_account(user_id: int, number: str, *, session: Session) -> Removal:
    """Unlink one of the LK's accounts; the one it was registered with stays."""
    link = own_link(user_id, number, session=session)
    if link is None:
        return Removal.NOT_LINKED
    if link.primary:
        return Removal.PRIMARY
    user = session.get(LkUser, user_id)
    if user.chosen_account_id == link.account_id:
        user.chosen_account_id = None
        session.add(user)
    session.delete(link)
    session.flush()
    return Removal.REMOVED


def choose_account(user_id: int, number: str, *, session: Session) -> bool:
    """Remember the account the cabinet shows, for the next visit from any browser; only the LK's own."""
    link = own_link(user_id, number, session=session)
    if link is None:
        return False
    user = session.get(LkUser, user_id)
    if user.chosen_account_id != link.account_id:
        user.chosen_account_id = link.account_id
        session.add(user)
    return True


def linked_accounts(user_id: int, *, session: Session) -> list[LinkedAccount]:
    """The LK's accounts in the order they were linked, as the settings list shows them."""
    rows = session.exec(
        select(BillingAccount.number, BillingAccount.address, AccountLink.primary)
        .join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user_id)
        .order_by(AccountLink.id)
    ).all()
    return [LinkedAccount(number, address, primary) for number, address, primary in rows]


def cabinet_accounts(user_id: int, *, session: Session) -> CabinetAccounts:
    """The LK's account numbers and the one the cabinet opens on: the remembered choice, else the first."""
    accounts = linked_accounts(user_id, session=session)
    numbers = [account.number for account in accounts]
    chosen = session.exec(
        select(BillingAccount.number)
        .join(LkUser, LkUser.chosen_account_id == BillingAccount.id)
        .where(LkUser.id == user_id)
    ).first()
    return CabinetAccounts(accounts, chosen if chosen in numbers else next(iter(numbers), ""))


def holder_name(account: BillingAccount) -> str:
    """The holder as the billing system names them: surname, first name, patronymic."""
    return " ".join(part for part in (account.surname, account.first_name, account.patronymic) if part)
