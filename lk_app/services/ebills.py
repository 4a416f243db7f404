"""The monthly bill by e-mail: subscriptions per linked account, their confirmed addresses, bills and the mailing."""

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lk_app import db
from lk_app.billing.bill_pdf import Bill, ChargeLine, Issuer, bill_filename, bill_pdf, period_title
from lk_app.billing.payment_qr import Payee
from lk_app.billing.pdf import EmbeddedFont, embedded_font
from lk_app.billing.values import rubles
from lk_app.clock import now
from lk_app.messaging.outbox import Attachment, queue_email
from lk_app.models import AccountLink, BillingAccount, Charge, EbillSubscription, LkUser, Payment, SentBill
from lk_app.normal_forms import normalize_email
from lk_app.services import limits
from lk_app.services.accounts import masked_number
from lk_app.services.email_links import LinkState, issue_link_token, use_link_token
from lk_app.services.tokens import new_secret, secret_hash
from lk_app.settings import Settings, get_settings

logger = logging.getLogger(__name__)

CONFIRM_EBILL_EMAIL = "confirm_ebill_email"
PDF = "application/pdf"
MAILING_BATCH = 200
# A batch that meets a bill queued meanwhile by another run is read and built again; more than this is not a race.
MAILING_BATCH_TRIES = 3


class SaveOutcome(enum.Enum):
    """How a change of one account's e-bill subscription ended."""

    SUBSCRIBED = "subscribed"  # the address is proven: bills go there from the next mailing
    LINK_SENT = "link_sent"  # a confirmation link went to the address
    UNSUBSCRIBED = "unsubscribed"
    EMAIL_MISSING = "email_missing"
    EMAIL_FORMAT = "email_format"
    LIMITED = "limited"  # too many confirmation links lately
    NOT_LINKED = "not_linked"


@dataclass(frozen=True)
class SubscriptionView:
    """One linked account's e-bill setting as /settings shows it; an unsubscribed one offers the LK's e-mail."""

    number: str
    email: str
    active: bool
    confirmed: bool


@dataclass(frozen=True)
class BillLine:
    """One month's bill in the cabinet's list."""

    period: str
    title: str
    charged: str


@dataclass(frozen=True)
class UnsubscribeView:
    """What a one-click unsubscribe link stands for, with the account number masked (the link works without login)."""

    account: str
    email: str
    active: bool  # whether bills still go to that address


@dataclass
class MailingSummary:
    """What a run of send-ebills did with each (account, address) that wants the month's bill."""

    total: int = 0
    queued: int = 0
    already_sent: int = 0
    unconfirmed: int = 0
    failed: int = 0

    @property
    def skipped(self) -> int:
        """Pairs this run left alone: their bill went out before, or their address awaits confirmation."""
        return self.already_sent + self.unconfirmed


@dataclass(frozen=True)
class Recipient:
    """An address that wants one account's bill of the month, and where it stands."""

    account_id: int
    email: str
    confirmed: bool
    sent: bool


@dataclass(frozen=True)
class PreparedBill:
    """A bill built outside any transaction, ready to queue."""

    account_id: int
    account_number: str
    email: str
    total_kop: int
    filename: str
    pdf: bytes = field(repr=False)
    unsubscribe_token: str = field(repr=False)


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


# Subscriptions


def _link_of(user_id: int, number: str, *, session: Session) -> AccountLink | None:
    return session.exec(
        select(AccountLink)
        .join(BillingAccount, BillingAccount.id == AccountLink.account_id)
        .where(AccountLink.user_id == user_id, BillingAccount.number == number)
    ).first()


def _subscriptions_of_user(user_id: int):
    return select(EbillSubscription).join(AccountLink, AccountLink.id == EbillSubscription.link_id).where(
        AccountLink.user_id == user_id
    )


def subscriptions_of(user_id: int, *, session: Session) -> dict[str, SubscriptionView]:
    """The e-bill setting of each of the LK's accounts, by account number."""
    user = session.get(LkUser, user_id)
    rows = session.exec(
        select(BillingAccount.number, EbillSubscription)
        .join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .outerjoin(EbillSubscription, EbillSubscription.link_id == AccountLink.id)
        .where(AccountLink.user_id == user_id)
    ).all()
    views = {}
    for number, subscription in rows:
        active = subscription is not None and subscription.unsubscribed_at is None
        email = subscription.email if active else (user.email or "")
        views[number] = SubscriptionView(number, email, active, active and subscription.confirmed_at is not None)
    return views


def _address_proven(user: LkUser, email: str, *, session: Session) -> bool:
    """Whether the LK has shown it reads this address: its own confirmed e-mail, or a bill address it confirmed."""
    if user.email == email and user.email_confirmed:
        return True
    return session.exec(
        _subscriptions_of_user(user.id).where(
            EbillSubscription.email == email, col(EbillSubscription.confirmed_at).is_not(None)
        )
    ).first() is not None


def save_subscription(
    user_id: int, number: str, wanted: bool, email_text: str, *, session: Session
) -> tuple[SaveOutcome, str]:
    """Subscribe one of the LK's accounts to its bill at an address, change the address, or unsubscribe.

    An address the LK has not proven gets a confirmation link and receives bills only once it is followed; the
    outcome comes with the normalized address.
    """
    link = _link_of(user_id, number, session=session)
    if link is None:
        return SaveOutcome.NOT_LINKED, ""
    subscription = session.exec(select(EbillSubscription).where(EbillSubscription.link_id == link.id)).first()
    moment = now()
    if not wanted:
        if subscription is not None and subscription.unsubscribed_at is None:
            subscription.unsubscribed_at = subscription.updated_at = moment
            session.add(subscription)
        return SaveOutcome.UNSUBSCRIBED, ""
    if not email_text.strip():
        return SaveOutcome.EMAIL_MISSING, ""
    email = normalize_email(email_text)
    if email is None:
        return SaveOutcome.EMAIL_FORMAT, ""
    user = session.get(LkUser, user_id)
    kept = subscription is not None and subscription.email == email and subscription.confirmed_at is not None
    proven = kept or _address_proven(user, email, session=session)
    # A link to an unproven address is the counted attempt; a proven one sends nothing and costs nothing.
    if not proven and limits.admit([(limits.EBILL_CONFIRMATION_PER_USER, str(user_id))], session=session):
        return SaveOutcome.LIMITED, email
    if subscription is None:
        subscription = EbillSubscription(link_id=link.id, email=email)
    subscription.email, subscription.unsubscribed_at, subscription.updated_at = email, None, moment
    subscription.confirmed_at = (subscription.confirmed_at if kept else moment) if proven else None
    session.add(subscription)
    if proven:
        return SaveOutcome.SUBSCRIBED, email
    settings = get_settings()
    ttl = settings.email_link_ttl_hours
    token = issue_link_token(user_id, CONFIRM_EBILL_EMAIL, email, timedelta(hours=ttl), per_address=True,
                             session=session)
    queue_email(session=session, to=email, template="confirm_ebill_email",
                link=f"{settings.public_url.rstrip('/')}/confirm?token={token}", login=user.login,
                account=masked_number(number), ttl_hours=ttl)
    return SaveOutcome.LINK_SENT, email


def confirm_ebill_address(token: str, *, session: Session) -> LinkState:
    """Use a bill-address link: every subscription of that LK waiting on that address is confirmed."""
    verdict = use_link_token(token, CONFIRM_EBILL_EMAIL, session=session)
    if verdict.state is LinkState.VALID:
        waiting = session.exec(
            _subscriptions_of_user(verdict.token.user_id).where(
                EbillSubscription.email == verdict.token.email, col(EbillSubscription.confirmed_at).is_(None)
            )
        ).all()
        for subscription in waiting:
            subscription.confirmed_at = subscription.updated_at = now()
            session.add(subscription)
    return verdict.state


def _sent_bill_of(token: str, *, session: Session) -> SentBill | None:
    if not token or len(token) > 200:
        return None
    return session.exec(select(SentBill).where(SentBill.unsubscribe_token_hash == secret_hash(token))).first()


def _subscriptions_to(sent: SentBill):
    """The live subscriptions, in any LK, that send the bill's account to the bill's address."""
    return (
        select(EbillSubscription)
        .join(AccountLink, AccountLink.id == EbillSubscription.link_id)
        .where(
            AccountLink.account_id == sent.account_id,
            EbillSubscription.email == sent.email,
            col(EbillSubscription.unsubscribed_at).is_(None),
        )
    )


def unsubscribe_view(token: str, *, session: Session) -> UnsubscribeView | None:
    """What an e-mail's unsubscribe link would stop, without stopping it (mail scanners open links); None if unknown."""
    sent = _sent_bill_of(token, session=session)
    if sent is None:
        return None
    number = session.get(BillingAccount, sent.account_id).number
    active = session.exec(_subscriptions_to(sent)).first() is not None
    return UnsubscribeView(masked_number(number), sent.email, active)


def unsubscribe_by_token(token: str, *, session: Session) -> UnsubscribeView | None:
    """Stop the bills of the e-mail's account to the e-mail's address, in every LK that sends them there.

    The mailbox owner asks, so an address changed since that e-mail is left alone. None for an unknown token.
    """
    sent = _sent_bill_of(token, session=session)
    if sent is None:
        return None
    moment = now()
    for subscription in session.exec(_subscriptions_to(sent)).all():
        subscription.unsubscribed_at = subscription.updated_at = moment
        session.add(subscription)
    number = session.get(BillingAccount, sent.account_id).number
    return UnsubscribeView(masked_number(number), sent.email, False)


# Bills


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
    link = _link_of(user_id, number, session=session)
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
    link = _link_of(user_id, number, session=session)
    bill = bills_of([link.account_id], period, session=session).get(link.account_id) if link else None
    if bill is None:
        return None
    return bill_filename(bill), bill_pdf(bill, issuer_of(get_settings()), bill_font())


# The mailing


def _wanted(period: str):
    """The live subscriptions whose account has charges in the month."""
    return and_(
        col(EbillSubscription.unsubscribed_at).is_(None),
        exists().where(Charge.account_id == AccountLink.account_id, Charge.period == period),
    )


def mailing_size(period: str, *, session: Session) -> int:
    """How many (account, address) pairs want the month's bill: what a progress bar counts to."""
    pairs = (
        select(AccountLink.account_id, EbillSubscription.email)
        .join(AccountLink, AccountLink.id == EbillSubscription.link_id)
        .where(_wanted(period))
        .distinct()
        .subquery()
    )
    return session.exec(select(func.count()).select_from(pairs)).one()


def mailing_batch(period: str, after_account_id: int, limit: int, *, session: Session) -> tuple[list[Recipient], int]:
    """The pairs that want the month's bill among the next `limit` subscriptions after `after_account_id`.

    Returns them with the last account the batch covers (0 after the last batch): a batch ends on a whole account,
    and may hold no pair at all when its accounts have no charges that month. Each pair says whether its address is
    confirmed (by any LK) and whether the bill already went there.
    """
    window = (
        select(AccountLink.account_id)
        .join(EbillSubscription, EbillSubscription.link_id == AccountLink.id)
        .where(AccountLink.account_id > after_account_id, col(EbillSubscription.unsubscribed_at).is_(None))
        .order_by(AccountLink.account_id)
        .limit(limit)
        .subquery()
    )
    upper = session.exec(select(func.max(window.c.account_id))).one()
    if upper is None:
        return [], 0
    confirmed = func.max(case((col(EbillSubscription.confirmed_at).is_not(None), 1), else_=0))
    rows = session.exec(
        select(AccountLink.account_id, EbillSubscription.email, confirmed, func.count(SentBill.id))
        .join(AccountLink, AccountLink.id == EbillSubscription.link_id)
        .outerjoin(SentBill, and_(SentBill.account_id == AccountLink.account_id, SentBill.period == period,
                                  SentBill.email == EbillSubscription.email))
        .where(AccountLink.account_id > after_account_id, AccountLink.account_id <= upper, _wanted(period))
        .group_by(AccountLink.account_id, EbillSubscription.email)
        .order_by(AccountLink.account_id, EbillSubscription.email)
    ).all()
    return [Recipient(account_id, email, bool(is_confirmed), bool(sent))
            for account_id, email, is_confirmed, sent in rows], upper


def queue_bills(period: str, bills: list[PreparedBill], *, session: Session) -> None:
    """Queue each bill's e-mail with its PDF and record it as sent, in one transaction.

    A bill another run has queued meanwhile breaks the unique key and the whole batch rolls back, so no address
    ever gets a month's bill twice.
    """
    settings = get_settings()
    public, backend = settings.public_url.rstrip("/"), settings.backend_url
    title = period_title(period)
    messages = []
    for bill in bills:
        messages.append(queue_email(
            session=session,
            to=bill.email,
            template="ebill",
            # RFC 8058: a mail client unsubscribes by POSTing to the first URL, without opening a page.
            headers={"List-Unsubscribe": f"<{backend}/ebills/unsubscribe?token={bill.unsubscribe_token}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            attachments=[Attachment(bill.filename, PDF, bill.pdf)],
            bulk=True,  # a month's bills must not hold up a confirmation link queued after them
            period=title,
            account=masked_number(bill.account_number),
            total=rubles(bill.total_kop),
            cabinet_link=f"{public}/cabinet",
            unsubscribe_link=f"{public}/unsubscribe?token={bill.unsubscribe_token}",
        ))
    session.flush()
    session.add_all([
        SentBill(account_id=bill.account_id, period=period, email=bill.email, total_kop=bill.total_kop,
                 outbox_message_id=message.id, unsubscribe_token_hash=secret_hash(bill.unsubscribe_token))
        for bill, message in zip(bills, messages)
    ])
    session.flush()


def _prepare(recipients: list[Recipient], period: str, summary: MailingSummary) -> list[PreparedBill]:
    """Build the PDF of each recipient still waiting for its bill, counting the others into `summary`."""
    waiting = [r for r in recipients if r.confirmed and not r.sent]
    summary.already_sent += sum(1 for r in recipients if r.sent)
    summary.unconfirmed += sum(1 for r in recipients if not r.confirmed and not r.sent)
    bills = db.run(bills_of, sorted({r.account_id for r in waiting}), period)
    issuer, font = issuer_of(get_settings()), bill_font()
    prepared = []
    for recipient in waiting:
        bill = bills[recipient.account_id]
        try:
            pdf = bill_pdf(bill, issuer, font)
        except Exception:  # noqa: BLE001 - one account's bad data must not stop the month's mailing; a rerun retries it
            logger.exception("the bill of account %s for %s could not be built", bill.account_number, period)
            summary.failed += 1
            continue
        prepared.append(PreparedBill(recipient.account_id, bill.account_number, recipient.email, bill.total_kop,
                                     bill_filename(bill), pdf, new_secret(256)))
    return prepared


def run_mailing(period: str, *, batch_size: int = MAILING_BATCH,
                on_progress: Callable[[int, int], None] | None = None) -> MailingSummary:
    """send-ebills: queue the month's bill to every confirmed address that has not had it, batch by batch.

    Each batch is read, built outside any transaction (the PDFs are the slow part, and SQLite's writers would wait
    on them), then queued in one short transaction. A crash loses at most the batch in hand, and a rerun — or a
    second run at the same time — finds what is already queued and leaves it. `on_progress(done, total)` follows
    the (account, address) pairs.
    """
    bill_font()  # a missing font stops the run before anything is read
    summary = MailingSummary(total=db.run(mailing_size, period))
    after, done = 0, 0
    while True:
        for attempt in range(1, MAILING_BATCH_TRIES + 1):
            recipients, upper = db.run(mailing_batch, period, after, batch_size)
            if not upper:
                return summary
            counted = MailingSummary()
            prepared = _prepare(recipients, period, counted)
            try:
                db.run(queue_bills, period, prepared)
                break
            except IntegrityError:
                if attempt == MAILING_BATCH_TRIES:
                    raise
                logger.warning("another run queued bills of this batch meanwhile; reading it again")
        summary.queued += len(prepared)
        summary.already_sent += counted.already_sent
        summary.unconfirmed += counted.unconfirmed
        summary.failed += counted.failed
        after = upper
        done += len(recipients)
        if on_progress is not None:
            on_progress(done, summary.total)
