"""First login by account number + surname, registration of the LK and its e-mail confirmation."""

import enum
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lk_app.billing.normalize import normalize_account_number, surname_key
from lk_app.messaging.outbox import queue_email
from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.services import limits
from lk_app.services.contacts import normalize_email, normalize_phone
from lk_app.services.email_links import (
    CONFIRM_REGISTRATION,
    LinkState,
    check_link_token,
    issue_link_token,
    use_link_token,
)
from lk_app.services.passwords import hash_password, password_problem
from lk_app.settings import get_settings

ACCOUNT_NUMBER_FORMAT = "Номер лицевого счёта состоит из 6–15 цифр."


class Proof(enum.Enum):
    """How an account number + surname pair was judged."""

    PROVED = "proved"
    MISMATCH = "mismatch"  # one neutral answer: unknown account and wrong surname look alike
    LIMITED = "limited"
    REGISTERED = "registered"


@dataclass(frozen=True)
class ProofResult:
    """The verdict of step 1 and the proved account's id and number."""

    proof: Proof
    account_id: int | None = None
    account_number: str = ""
    surname: str = ""


def prove_account(number_text: str, surname_text: str, *, ip: str, session: Session) -> ProofResult:
    """Step 1 of first login: does this surname hold this account? Counts failures per account and IP."""
    number = normalize_account_number(number_text) or ""
    if limits.exceeded(limits.FIRST_LOGIN_PER_ACCOUNT, number, session=session) or limits.exceeded(
        limits.FIRST_LOGIN_PER_IP, ip, session=session
    ):
        return ProofResult(Proof.LIMITED)
    account = session.exec(select(BillingAccount).where(BillingAccount.number == number)).first()
    if account is None or account.surname_key != surname_key(surname_text):
        limits.record(limits.FIRST_LOGIN_PER_ACCOUNT, number, session=session)
        limits.record(limits.FIRST_LOGIN_PER_IP, ip, session=session)
        return ProofResult(Proof.MISMATCH)
    if session.exec(select(AccountLink.id).where(AccountLink.account_id == account.id)).first() is not None:
        return ProofResult(Proof.REGISTERED)
    return ProofResult(Proof.PROVED, account.id, account.number, account.surname)


@dataclass
class RegistrationForm:
    """What the customer typed in step 2."""

    surname: str
    password: str
    confirmation: str
    email: str
    phone: str
    consent: bool


@dataclass
class RegistrationResult:
    """Field errors (field name → Russian reason), or the address the link went to."""

    errors: dict[str, str] = field(default_factory=dict)
    email: str = ""
    already_registered: bool = False


def _emails_accounts(email: str, *, session: Session) -> int:
    return session.exec(
        select(func.count(AccountLink.id)).join(LkUser, LkUser.id == AccountLink.user_id).where(LkUser.email == email)
    ).one()


def register_by_account(account_id: int, form: RegistrationForm, *, session: Session) -> RegistrationResult:
    """Step 2: create the unconfirmed LK, link the account and queue the confirmation e-mail, all at once."""
    settings = get_settings()
    account = session.get(BillingAccount, account_id)
    errors: dict[str, str] = {}
    if surname_key(form.surname) != account.surname_key:
        errors["surname"] = "Фамилия не совпадает с фамилией владельца лицевого счёта."
    email = normalize_email(form.email)
    if email is None:
        errors["email"] = "Укажите e-mail в виде name@example.ru."
    elif _emails_accounts(email, session=session) >= settings.max_accounts_per_email:
        errors["email"] = f"К одному e-mail можно привязать не более {settings.max_accounts_per_email} лицевых счетов."
    phone = None
    if form.phone.strip():
        phone = normalize_phone(form.phone)
        if phone is None:
            errors["phone"] = "Укажите мобильный номер России, например +7 912 345-67-89."
    problem = password_problem(form.password, form.confirmation, forbidden=(account.number, email or form.email))
    if problem:
        errors["password"] = problem
    if not form.consent:
        errors["consent"] = "Нужно согласие на обработку персональных данных."
    if errors:
        return RegistrationResult(errors=errors)

    user = LkUser(login=account.number, login_key=account.number, password_hash=hash_password(form.password),
                  email=email, phone=phone)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
            session.add(AccountLink(user_id=user.id, account_id=account.id))
            session.flush()
    except IntegrityError:
        return RegistrationResult(already_registered=True)
    _queue_confirmation(user, session=session)
    return RegistrationResult(email=email)


def _queue_confirmation(user: LkUser, *, session: Session) -> None:
    """A fresh confirmation link for the user's e-mail, queued in the caller's transaction."""
    settings = get_settings()
    token = issue_link_token(
        user.id, CONFIRM_REGISTRATION, user.email, timedelta(hours=settings.email_link_ttl_hours), session=session
    )
    queue_email(
        session=session,
        to=user.email,
        template="confirm_registration",
        link=f"{settings.public_url.rstrip('/')}/confirm?token={token}",
        login=user.login,
        ttl_hours=settings.email_link_ttl_hours,
    )


def resend_confirmation(user_id: int, *, ip: str, session: Session) -> str | None:
    """Send a new link to an unconfirmed LK; returns the address, or None when limited or not needed."""
    user = session.get(LkUser, user_id)
    if user is None or user.email_confirmed or not user.email:
        return None
    subject = str(user_id)
    if limits.exceeded(limits.CONFIRMATION_RESEND_PER_USER, subject, session=session) or limits.exceeded(
        limits.CONFIRMATION_RESEND_PER_IP, ip, session=session
    ):
        return None
    limits.record(limits.CONFIRMATION_RESEND_PER_USER, subject, session=session)
    limits.record(limits.CONFIRMATION_RESEND_PER_IP, ip, session=session)
    _queue_confirmation(user, session=session)
    return user.email


def confirmation_link_state(token: str, *, session: Session) -> LinkState:
    """What the confirmation page should offer for this token, without using it."""
    return check_link_token(token, CONFIRM_REGISTRATION, session=session).state


def confirm_registration(token: str, *, session: Session) -> LinkState:
    """Use the link: the LK's e-mail becomes confirmed (only when the customer presses «Подтвердить»)."""
    verdict = use_link_token(token, CONFIRM_REGISTRATION, session=session)
    if verdict.state is LinkState.VALID:
        user = session.get(LkUser, verdict.token.user_id)
        if user.email == verdict.token.email:
            user.email_confirmed = True
            session.add(user)
    return verdict.state


def user_of_link(token: str, *, session: Session) -> int | None:
    """The LK a (possibly spent or expired) confirmation link was made for."""
    verdict = check_link_token(token, CONFIRM_REGISTRATION, session=session)
    return verdict.token.user_id if verdict.token else None
