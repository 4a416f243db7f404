"""send-ebills: the month's bill queued to every confirmed address that wants it, batch by batch."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lk_app import db
from lk_app.billing.bill_pdf import bill_filename, bill_pdf, period_title
from lk_app.billing.values import rubles
from lk_app.messaging.outbox import Attachment, queue_email
from lk_app.models import AccountLink, Charge, EbillSubscription, SentBill
from lk_app.services.accounts import masked_number
from lk_app.services.bills import PDF, bill_font, bills_of, issuer_of
from lk_app.services.tokens import new_secret, secret_hash
from lk_app.settings import get_settings

logger = logging.getLogger(__name__)

MAILING_BATCH = 200
# A batch that meets a bill queued meanwhile by another run is read and built again; more than this is not a race.
MAILING_BATCH_TRIES = 3


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
