"""Paying in LK through the acquirer: the form's rules, making a payment once, and recording only what the API says.

A payment's row is written only once YooKassa has made the payment, so a refusal or an outage leaves nothing
half-made. Its status changes only to what YooKassa's API answers when asked by id — never to what a redirect's
address or a notification's body claims — and each change happens once, however many times it is reported.
"""

import enum
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lk_app import db
from lk_app.billing.online_matching import match_online_payments
from lk_app.billing.values import rubles
from lk_app.clock import local, now, shown
from lk_app.messaging.dispatcher import Chore
from lk_app.messaging.outbox import queue_email
from lk_app.models import AccountLink, BillingAccount, Charge, LkUser, OnlinePayment, Payment
from lk_app.models.payments import CANCELED, FINAL_STATUSES, PENDING, SUCCEEDED, WAITING_FOR_CAPTURE
from lk_app.normal_forms import normalize_email, normalize_phone
from lk_app.payments.acquirer import (
    AcquirerPayment,
    AcquirerRefused,
    AcquirerUnavailable,
    YooKassa,
    acquirer_from_settings,
    is_yookassa_address,
    notified_payment_id,
)
from lk_app.payments.receipt import METHODS, PaymentOrder, amount_value
from lk_app.services import limits
from lk_app.settings import get_settings

logger = logging.getLogger(__name__)
MIN_PAYMENT_KOP = 100
# A payment nobody has told LK about for this long is asked about (`reconcile-payments`, the worker).
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_BATCH = 500
RECONCILE_EVERY = timedelta(minutes=5)
ATTEMPT_LENGTH = 32  # the tab's secret nonce of an attempt: secrets.token_hex(16)
_AMOUNT = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]*))?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")


class PaymentRefusal(enum.Enum):
    """Why no payment was made."""

    AMOUNT_MISSING = "amount_missing"
    AMOUNT_FORMAT = "amount_format"
    AMOUNT_DECIMALS = "amount_decimals"  # more than two digits after the comma: «12,345» might mean 12 345
    AMOUNT_TOO_SMALL = "amount_too_small"
    AMOUNT_TOO_LARGE = "amount_too_large"
    METHOD_UNKNOWN = "method_unknown"
    EMAIL_MISSING = "email_missing"
    EMAIL_INVALID = "email_invalid"
    PHONE_MISSING = "phone_missing"
    PHONE_INVALID = "phone_invalid"
    NOT_OWN_ACCOUNT = "not_own_account"
    LIMITED = "limited"
    ACQUIRER_UNAVAILABLE = "acquirer_unavailable"
    ACQUIRER_REFUSED = "acquirer_refused"


@dataclass(frozen=True)
class Refusal:
    """A refusal and the field of the form it concerns ("" for the form as a whole)."""

    reason: PaymentRefusal
    field: str = ""


class ReturnStatus(enum.Enum):
    """What the customer is told on coming back from the acquirer."""

    ACCEPTED = "accepted"
    PROCESSING = "processing"
    FAILED = "failed"


@dataclass(frozen=True)
class PaymentForm:
    """What the dialog «Оплата» opens with for one of the LK's accounts."""

    number: str
    amount: str  # the amount to pay as typed in the field, «1 234,56»; "" when nothing is owed
    email: str
    phone: str
    online: bool  # whether payments go through the acquirer (else the dialog explains and shows the QR)


@dataclass(frozen=True)
class PaymentRequest:
    """A checked request of the dialog: the amount in kopecks, the method, and where the receipt goes."""

    amount_kop: int
    method: str
    receipt_email: str | None
    receipt_phone: str | None


@dataclass(frozen=True)
class StartedPayment:
    """A payment the acquirer has made: where the customer confirms it."""

    public_id: str
    confirmation_url: str


@dataclass(frozen=True)
class PaymentReturn:
    """The payment a return address names, as the customer sees it back from the acquirer."""

    status: ReturnStatus
    amount: str
    account: str


@dataclass(frozen=True)
class ReconcileSummary:
    """What one reconciliation did."""

    checked: int
    changed: int
    failed: int


class Notification(enum.Enum):
    """What became of an HTTP notification from the acquirer (the route answers by it)."""

    RECORDED = "recorded"  # the API was asked and its answer recorded (perhaps nothing changed)
    NOT_OURS = "not_ours"  # a payment LK did not make: nothing to ask about
    MALFORMED = "malformed"
    UNTRUSTED = "untrusted"  # not from YooKassa's addresses
    UNAVAILABLE = "unavailable"  # the API did not answer: YooKassa sends the notification again later


def configured_acquirer() -> YooKassa | None:
    """The shop of LK_YOOKASSA_*; None when payments do not go through YooKassa."""
    return acquirer_from_settings(get_settings())


def parse_amount(text: str, *, max_kop: int) -> int | PaymentRefusal:
    """Rubles typed as «1 234,56», «1234.56» or «1234» as kopecks; a refusal for anything else or out of range."""
    text = _SPACES.sub("", text or "")
    if not text:
        return PaymentRefusal.AMOUNT_MISSING
    match = _AMOUNT.fullmatch(text)
    if match is None or len(match[2]) > 9:
        return PaymentRefusal.AMOUNT_FORMAT
    sign, whole, fraction = match[1], match[2], match[3] or ""
    if len(fraction) > 2:
        return PaymentRefusal.AMOUNT_DECIMALS
    kopecks = int(whole) * 100 + int(fraction.ljust(2, "0"))
    if sign or kopecks < MIN_PAYMENT_KOP:
        return PaymentRefusal.AMOUNT_TOO_SMALL
    if kopecks > max_kop:
        return PaymentRefusal.AMOUNT_TOO_LARGE
    return kopecks


def amount_field(kopecks: int) -> str:
    """An amount as the field shows it: «1 234,56», without the sign."""
    return rubles(kopecks).removesuffix("\u00a0₽")


def check_request(amount: str, method: str, contact: str, *, by_email: bool) -> PaymentRequest | list[Refusal]:
    """The dialog's fields checked; every refusal, each with its field. The receipt goes to `contact`: an e-mail
    address `by_email`, else a phone number."""
    refusals = []
    kopecks = parse_amount(amount, max_kop=get_settings().payment_max_kop)
    if isinstance(kopecks, PaymentRefusal):
        refusals.append(Refusal(kopecks, "amount"))
    if method not in METHODS:
        refusals.append(Refusal(PaymentRefusal.METHOD_UNKNOWN, "method"))
    contact = (contact or "").strip()
    normal = (normalize_email if by_email else normalize_phone)(contact) if contact else None
    if normal is None:
        missing, invalid = ((PaymentRefusal.EMAIL_MISSING, PaymentRefusal.EMAIL_INVALID) if by_email
                            else (PaymentRefusal.PHONE_MISSING, PaymentRefusal.PHONE_INVALID))
        refusals.append(Refusal(invalid if contact else missing, "receipt_email" if by_email else "receipt_phone"))
    if refusals:
        return refusals
    return PaymentRequest(kopecks, method, normal if by_email else None, None if by_email else normal)


def new_attempt() -> str:
    """A tab's secret for its next attempt to pay: pressing again with the same fields is the same attempt."""
    return secrets.token_hex(ATTEMPT_LENGTH // 2)


def idempotence_key(attempt: str, user_id: int, number: str, request: PaymentRequest) -> str:
    """The key an attempt is made under: the same tab, account and fields make the same key, so one payment."""
    fields = f"{attempt}|{user_id}|{number}|{request.amount_kop}|{request.method}|{request.receipt_email}|{request.receipt_phone}"
    return hashlib.sha256(fields.encode()).hexdigest()


def public_id_of(key: str) -> str:
    """LK's own id of the payment made under a key, for its return address; unguessable, as the key is."""
    return hashlib.sha256(f"return|{key}".encode()).hexdigest()[:32]


def _own_account(user_id: int, number: str, *, session: Session) -> BillingAccount | None:
    return session.exec(
        select(BillingAccount)
        .join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user_id, BillingAccount.number == number)
    ).first()


def payment_form(user_id: int, number: str, *, session: Session) -> PaymentForm | None:
    """The dialog's start for one of the LK's own accounts, the amount to pay filled in; None for another account."""
    account = _own_account(user_id, number, session=session)
    if account is None:
        return None
    user = session.get(LkUser, user_id)
    owed = to_pay_kop(account.id, session=session)
    return PaymentForm(number=number, amount=amount_field(owed) if owed >= MIN_PAYMENT_KOP else "",
                       email=user.email or "", phone=user.phone or "", online=get_settings().has_acquirer)


def _made_under(key: str, *, session: Session) -> StartedPayment | None:
    found = session.exec(select(OnlinePayment).where(OnlinePayment.idempotence_key == key)).first()
    return StartedPayment(found.public_id, found.confirmation_url) if found else None


def _admit(user_id: int, number: str, *, session: Session) -> int | Refusal:
    """The account's id when the LK may make one more payment on it now; the refusal otherwise."""
    if limits.admit([(limits.PAYMENT_PER_USER, str(user_id))], session=session):
        return Refusal(PaymentRefusal.LIMITED)
    account = _own_account(user_id, number, session=session)
    return Refusal(PaymentRefusal.NOT_OWN_ACCOUNT) if account is None else account.id


def start_payment(user_id: int, number: str, request: PaymentRequest, attempt: str, *,
                  acquirer: YooKassa) -> StartedPayment | Refusal:
    """Make the payment of a checked request at the acquirer, once per attempt, and record it (blocking: a thread).

    A second press of the same attempt gets the payment the first made: YooKassa answers the same key with the
    same payment, and LK's row is found by it.
    """
    key = idempotence_key(attempt, user_id, number, request)
    made = db.run(_made_under, key)
    if made is not None:
        return made
    account_id = db.run(_admit, user_id, number)
    if isinstance(account_id, Refusal):
        return account_id
    public_id = public_id_of(key)
    order = PaymentOrder(number, request.amount_kop, request.method, request.receipt_email, request.receipt_phone,
                         return_url=f"{get_settings().public_url.rstrip('/')}/payment/return?payment={public_id}",
                         lk_payment=public_id)
    try:
        made = acquirer.create(order, key)
    except AcquirerUnavailable as error:
        logger.warning("YooKassa could not make a payment of account %s: %s", number, error)
        return Refusal(PaymentRefusal.ACQUIRER_UNAVAILABLE)
    except AcquirerRefused as error:
        logger.error("YooKassa refused a payment of account %s: %s", number, error)
        return Refusal(PaymentRefusal.ACQUIRER_REFUSED)
    row = OnlinePayment(public_id=public_id, idempotence_key=key, acquirer_id=made.id, user_id=user_id,
                        account_id=account_id, amount_kop=request.amount_kop, method=request.method,
                        receipt_email=request.receipt_email, receipt_phone=request.receipt_phone,
                        status=PENDING, confirmation_url=made.confirmation_url)
    try:
        db.run(lambda session: session.add(row))
    except IntegrityError:  # the same attempt recorded by a press that ran alongside: one payment all the same
        return db.run(_made_under, key)
    return StartedPayment(public_id, made.confirmation_url)


def record_payment(found: AcquirerPayment, *, session: Session) -> bool:
    """Record what the API says of one of LK's payments; whether that changed it (a final status never changes).

    The change is one conditional UPDATE, so of two reports of the same success arriving together exactly one
    changes the row, and only that one sends «Платёж принят».
    """
    payment = session.exec(select(OnlinePayment).where(OnlinePayment.acquirer_id == found.id)).first()
    if payment is None or payment.status in FINAL_STATUSES or found.status == payment.status:
        return False
    if found.status not in (PENDING, WAITING_FOR_CAPTURE, *FINAL_STATUSES):
        logger.error("YooKassa reports payment %s as %r, a status LK does not know", found.id, found.status)
        return False
    if found.amount_kop != payment.amount_kop:
        logger.error("YooKassa reports payment %s for %s kopecks, LK made it for %s", found.id, found.amount_kop,
                     payment.amount_kop)
        return False
    moment = now()
    values: dict[str, object] = {"status": found.status, "updated_at": moment}
    if found.status == SUCCEEDED:
        paid_at = found.captured_at or moment
        values.update(paid_at=paid_at, paid_on=local(paid_at).date())
    elif found.status == CANCELED:
        values["cancellation_reason"] = found.cancellation_reason[:64]
    changed = session.connection().execute(
        update(OnlinePayment)
        .where(col(OnlinePayment.id) == payment.id, col(OnlinePayment.status) == payment.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    session.refresh(payment)
    if payment.status == SUCCEEDED:
        match_online_payments({payment.account_id}, session=session)
        _tell_accepted(payment, session=session)
    return True


def _tell_accepted(payment: OnlinePayment, *, session: Session) -> None:
    """«Платёж принят» to the receipt's e-mail, else the LK's confirmed one (the receipt itself comes from YooKassa)."""
    user = session.get(LkUser, payment.user_id)
    to = payment.receipt_email or (user.email if user is not None and user.email_confirmed else None)
    if to is None:
        return
    account = session.get(BillingAccount, payment.account_id)
    queue_email(session=session, to=to, template="payment_accepted", amount=rubles(payment.amount_kop),
                account=account.number, paid=shown(payment.paid_at),
                cabinet_link=f"{get_settings().public_url.rstrip('/')}/cabinet")


def refresh_payment(acquirer_id: str, *, acquirer: YooKassa) -> bool:
    """Ask the API about one payment and record its answer (blocking); whether the row changed.

    Raises AcquirerUnavailable when the API does not answer.
    """
    try:
        found = acquirer.fetch(acquirer_id)
    except AcquirerRefused as error:
        logger.error("YooKassa would not say how payment %s stands: %s", acquirer_id, error)
        return False
    return db.run(record_payment, found)


def _is_ours(acquirer_id: str, *, session: Session) -> bool:
    return session.exec(select(OnlinePayment.id).where(OnlinePayment.acquirer_id == acquirer_id)).first() is not None


def take_notification(body: bytes, sender_ip: str, *, acquirer: YooKassa, check_ip: bool) -> Notification:
    """An HTTP notification from YooKassa (blocking): only its payment id is read, and that payment asked about."""
    if check_ip and not is_yookassa_address(sender_ip):
        logger.warning("a payment notification from %s, which is not one of YooKassa's addresses, was refused", sender_ip)
        return Notification.UNTRUSTED
    acquirer_id = notified_payment_id(body)
    if acquirer_id is None:
        return Notification.MALFORMED
    # Only payments LK made are asked about: a stranger cannot make LK query the API for any id he likes.
    if not db.run(_is_ours, acquirer_id):
        return Notification.NOT_OURS
    try:
        refresh_payment(acquirer_id, acquirer=acquirer)
    except AcquirerUnavailable as error:
        logger.warning("YooKassa did not answer about notified payment %s: %s", acquirer_id, error)
        return Notification.UNAVAILABLE
    return Notification.RECORDED


def _returning(public_id: str, viewer_id: int | None, *, session: Session) -> OnlinePayment | None:
    payment = session.exec(select(OnlinePayment).where(OnlinePayment.public_id == public_id)).first()
    if payment is None or (viewer_id is not None and payment.user_id != viewer_id):
        return None
    return payment


def _return_view(payment: OnlinePayment, *, session: Session) -> PaymentReturn:
    status = {SUCCEEDED: ReturnStatus.ACCEPTED, CANCELED: ReturnStatus.FAILED}.get(payment.status, ReturnStatus.PROCESSING)
    number = session.get(BillingAccount, payment.account_id).number
    return PaymentReturn(status, rubles(payment.amount_kop), number)


def payment_return(public_id: str, viewer_id: int | None, *, acquirer: YooKassa | None) -> PaymentReturn | None:
    """The payment a return address names, its status asked of the API (blocking); None for no payment of the viewer's.

    Anyone holding the address sees it, logged in or not (a session may have run out while the customer paid):
    the id is unguessable. A viewer who is logged in as another LK sees nothing.
    """
    if not _PUBLIC_ID.fullmatch(public_id or ""):
        return None
    payment = db.run(_returning, public_id, viewer_id)
    if payment is None:
        return None
    if payment.status not in FINAL_STATUSES and acquirer is not None:
        try:
            refresh_payment(payment.acquirer_id, acquirer=acquirer)
        except AcquirerUnavailable as error:  # the notification or reconciliation will tell; meanwhile: processing
            logger.warning("YooKassa did not answer about returning payment %s: %s", payment.acquirer_id, error)
    return db.run(lambda session: _return_view(_returning(public_id, viewer_id, session=session), session=session))


def _still_open(before: datetime, *, session: Session) -> list[str]:
    return list(session.exec(
        select(OnlinePayment.acquirer_id)
        .where(col(OnlinePayment.status).in_((PENDING, WAITING_FOR_CAPTURE)), OnlinePayment.created_at < before)
        .order_by(OnlinePayment.created_at)
        .limit(RECONCILE_BATCH)
    ).all())


def reconcile_payments(*, acquirer: YooKassa) -> ReconcileSummary:
    """Ask the API about every payment still open after RECONCILE_AFTER (blocking): a lost notification costs
    minutes, not the payment."""
    checked = changed = failed = 0
    for acquirer_id in db.run(_still_open, now() - RECONCILE_AFTER):
        checked += 1
        try:
            changed += refresh_payment(acquirer_id, acquirer=acquirer)
        except AcquirerUnavailable as error:
            failed += 1
            logger.warning("reconciliation: YooKassa did not answer about payment %s: %s", acquirer_id, error)
    return ReconcileSummary(checked, changed, failed)


def periodic_chores() -> list[Chore]:
    """What the worker's loop does besides sending: the reconciliation every RECONCILE_EVERY, with YooKassa set."""
    acquirer = configured_acquirer()
    if acquirer is None:
        return []
    return [Chore("reconcile-payments", RECONCILE_EVERY.total_seconds(), lambda: reconcile_payments(acquirer=acquirer))]


@dataclass(frozen=True)
class RegisterLine:
    """A succeeded LK payment as the billing system's register lists it."""

    account_number: str
    amount: str  # rubles with a dot: 1234.56
    paid_at: str  # ISO 8601 in LK_TIMEZONE, with its offset
    external_id: str  # YooKassa's id: payments.csv's external_id when billing sends it back


REGISTER_COLUMNS = ("account_number", "amount", "paid_at", "external_id")


def payments_register(day, *, session: Session) -> list[RegisterLine]:
    """The day's (LK_TIMEZONE) succeeded LK payments in the order they were paid: the same list on every run."""
    rows = session.exec(
        select(OnlinePayment, BillingAccount.number)
        .join(BillingAccount, BillingAccount.id == OnlinePayment.account_id)
        .where(OnlinePayment.status == SUCCEEDED, OnlinePayment.paid_on == day)
        .order_by(OnlinePayment.paid_at, OnlinePayment.id)
    ).all()
    return [RegisterLine(number, amount_value(p.amount_kop), local(p.paid_at).isoformat(timespec="seconds"), p.acquirer_id)
            for p, number in rows]


class OnlineState(enum.Enum):
    """Where a payment made in LK stands in the cabinet's list."""

    ACCEPTED = "accepted"  # the acquirer took it; the billing import has not brought it yet
    POSTED = "posted"  # the billing import brought it: the imported payment is this one


@dataclass(frozen=True)
class AcceptedPayment:
    """A succeeded LK payment that billing has not brought yet: the cabinet counts and lists it meanwhile."""

    paid_on: date
    amount_kop: int


def accepted_payments(account_id: int, *, session: Session) -> list[AcceptedPayment]:
    """The account's LK payments that succeeded and wait for the billing import, newest first."""
    return [AcceptedPayment(paid_on, amount) for paid_on, amount in session.exec(
        select(OnlinePayment.paid_on, OnlinePayment.amount_kop)
        .where(OnlinePayment.account_id == account_id, OnlinePayment.status == SUCCEEDED,
               col(OnlinePayment.payment_id).is_(None))
        .order_by(col(OnlinePayment.paid_at).desc())
    ).all()]


def to_pay_kop(account_id: int, *, session: Session) -> int:
    """Everything charged minus everything paid, LK payments that billing has not brought yet too; never below zero."""
    paid, charged, accepted = session.exec(select(
        select(func.coalesce(func.sum(Payment.amount_kop), 0)).where(Payment.account_id == account_id).scalar_subquery(),
        select(func.coalesce(func.sum(Charge.amount_kop), 0)).where(Charge.account_id == account_id).scalar_subquery(),
        select(func.coalesce(func.sum(OnlinePayment.amount_kop), 0))
        .where(OnlinePayment.account_id == account_id, OnlinePayment.status == SUCCEEDED,
               col(OnlinePayment.payment_id).is_(None)).scalar_subquery(),
    )).one()
    return max(0, charged - paid - accepted)


@dataclass(frozen=True)
class DeskPayment:
    """An LK's payment as the operator console lists it."""

    created: str
    account: str
    amount: str
    method: str
    status: str  # the acquirer's status: pending, waiting_for_capture, succeeded, canceled
    acquirer_id: str
    cancellation_reason: str


def payments_of(user_id: int, *, session: Session, limit: int = 20) -> list[DeskPayment]:
    """The LK's newest payments made in LK, for the console."""
    rows = session.exec(
        select(OnlinePayment, BillingAccount.number)
        .join(BillingAccount, BillingAccount.id == OnlinePayment.account_id)
        .where(OnlinePayment.user_id == user_id)
        .order_by(col(OnlinePayment.created_at).desc(), col(OnlinePayment.id).desc())
        .limit(limit)
    ).all()
    return [DeskPayment(shown(p.created_at), number, rubles(p.amount_kop), p.method, p.status, p.acquirer_id,
                        p.cancellation_reason) for p, number in rows]
