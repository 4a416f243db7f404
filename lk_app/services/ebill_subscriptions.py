"""The bill by e-mail, per linked account: subscribing an address, its confirmation link, and unsubscribing."""

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from lk_app.clock import now
from lk_app.messaging.outbox import queue_email
from lk_app.models import AccountLink, BillingAccount, EbillSubscription, LkUser, SentBill
from lk_app.normal_forms import normalize_email
from lk_app.services import limits
from lk_app.services.accounts import masked_number, own_link
from lk_app.services.email_links import LinkState, issue_link_token, use_link_token
from lk_app.services.tokens import secret_hash
from lk_app.settings import get_settings

CONFIRM_EBILL_EMAIL = "confirm_ebill_email"


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
class UnsubscribeView:
    """What a one-click unsubscribe link stands for, with the account number masked (the link works without login)."""

    account: str
    email: str
    active: bool  # whether bills still go to that address



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
    link = own_link(user_id, number, session=session)
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

