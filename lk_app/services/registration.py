"""First login by account number + surname, registration of the LK and its e-mail confirmation."""

import enum
import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.normal_forms import normalize_account_number, normalize_phone, surname_key
from lk_app.services import limits
from lk_app.services.email_address import EmailRefusal, new_email
from lk_app.services.email_links import (
    CONFIRM_REGISTRATION,
    LinkState,
    check_link_token,
    mail_link,
    use_link_token,
)
from lk_app.services.passwords import PasswordProblem, hash_password, password_problem
from lk_app.services.sessions import issue_login_grant
from lk_app.services.sms_codes import CONFIRM_PHONE, Check, check_sms_code, use_phone_proof
from lk_app.settings import get_settings

LOGIN_PATTERN = re.compile(r"[\w.\-]{3,32}")


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
    counted = ((limits.FIRST_LOGIN_PER_ACCOUNT, number), (limits.FIRST_LOGIN_PER_IP, ip))
    # Only failures count, so the check, the comparison and the record run under one lock.
    limits.hold(counted, session=session)
    if any(limits.exceeded(limit, subject, session=session) for limit, subject in counted):
        return ProofResult(Proof.LIMITED)
    account = session.exec(select(BillingAccount).where(BillingAccount.number == number)).first()
    if account is None or account.surname_key != surname_key(surname_text):
        for limit, subject in counted:
            limits.record(limit, subject, session=session)
        return ProofResult(Proof.MISMATCH)
    # Only the LK registered with the account holds it for good; a relative's link leaves the holder free to register.
    primary = select(AccountLink.id).where(AccountLink.account_id == account.id, AccountLink.primary)
    if session.exec(primary).first() is not None:
        return ProofResult(Proof.REGISTERED)
    return ProofResult(Proof.PROVED, account.id, account.number, account.surname)


class LoginRefusal(enum.Enum):
    """Why a login cannot be an LK's."""

    FORMAT = "format"  # not 3 to 32 letters, digits, dots, hyphens and underscores
    ALL_DIGITS = "all_digits"  # it would shadow the account number of an LK registered by first login
    TAKEN = "taken"  # worded so that it does not confirm that an LK has this login


class FormRefusal(enum.Enum):
    """Why a registration form is refused, besides its e-mail, password, login and SMS code."""

    SURNAME_MISMATCH = "surname_mismatch"
    PHONE_FORMAT = "phone_format"
    CONSENT_MISSING = "consent_missing"
    PHONE_UNPROVED = "phone_unproved"  # no SMS code was typed for the phone


# What a registration can be refused for: each kind of refusal concerns one field of the form.
RegistrationRefusal = FormRefusal | EmailRefusal | PasswordProblem | LoginRefusal | Check


@dataclass
class RegistrationForm:
    """What the customer typed in step 2."""

    surname: str
    password: str
    confirmation: str
    email: str
    phone: str
    consent: bool


@dataclass(frozen=True)
class PhoneProof:
    """The phone and the SMS code the customer typed for it, and the tab's claim on the code; the server re-checks all."""

    phone: str
    code: str
    requester: str


@dataclass(frozen=True)
class RegistrationResult:
    """The refusals, or the address the link went to and, with a proved phone, a login grant."""

    refusals: tuple[RegistrationRefusal, ...] = ()
    email: str = ""
    already_registered: bool = False
    grant: str | None = None


class _ProofSpent(Exception):
    """The SMS proof was used up by a simultaneous request: nothing of this registration may stay."""


class _CapReached(Exception):
    """A simultaneous request filled the e-mail's accounts while this registration was checked."""


def _check_contacts(
    form_email: str, form_phone: str, refusals: list[RegistrationRefusal], *, session: Session
) -> tuple[str | None, str | None]:
    """The normalized e-mail (required) and phone (optional), with their refusals added to `refusals`.

    The cap is counted without its lock here, so that bcrypt does not run under it; `_create_lk` counts again, held.
    """
    email = new_email(form_email, user=None, hold=False, session=session)
    if isinstance(email, EmailRefusal):
        refusals.append(email)
        email = None
    phone = None
    if form_phone.strip():
        phone = normalize_phone(form_phone)
        if phone is None:
            refusals.append(FormRefusal.PHONE_FORMAT)
    return email, phone


def _check_phone_proof(proof: PhoneProof | None, refusals: list[RegistrationRefusal], *, session: Session) -> int | None:
    """The id of the verified code behind the proof, or None with the code's refusal added to `refusals`."""
    if proof is None or not proof.code.strip():
        refusals.append(FormRefusal.PHONE_UNPROVED)
        return None
    verdict = check_sms_code(proof.phone, CONFIRM_PHONE, proof.code, requester=proof.requester, session=session)
    if verdict.outcome is not Check.OK:
        refusals.append(verdict.outcome)
        return None
    return verdict.code_id


def _create_lk(user: LkUser, account: BillingAccount | None, proof: PhoneProof | None, code_id: int | None, *, session: Session) -> bool:
    """Add the LK (and its first link) and spend the SMS proof, all or nothing; False when it already exists."""
    # The check in _check_contacts ran unlocked: count again where no other link of this e-mail can appear.
    if account is not None and new_email(user.email, user=None, session=session) is EmailRefusal.OVER_CAP:
        raise _CapReached
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
            if account is not None:
                session.add(AccountLink(user_id=user.id, account_id=account.id, primary=True))
                session.flush()
            if code_id is not None and not use_phone_proof(code_id, proof.phone, CONFIRM_PHONE, session=session):
                raise _ProofSpent
    except IntegrityError:
        return False
    return True


def register_by_account(
    account_id: int, form: RegistrationForm, *, phone_proof: PhoneProof | None = None, session: Session
) -> RegistrationResult:
    """Step 2: create the LK, link the account and queue the confirmation e-mail, all at once.

    With a phone proved by SMS the LK is confirmed at once and the result carries a login grant.
    """
    account = session.get(BillingAccount, account_id)
    refusals: list[RegistrationRefusal] = []
    if surname_key(form.surname) != account.surname_key:
        refusals.append(FormRefusal.SURNAME_MISMATCH)
    email, phone = _check_contacts(form.email, form.phone, refusals, session=session)
    if problem := password_problem(form.password, form.confirmation, forbidden=(account.number, email or form.email)):
        refusals.append(problem)
    if not form.consent:
        refusals.append(FormRefusal.CONSENT_MISSING)
    code_id = _check_phone_proof(phone_proof, refusals, session=session) if phone_proof is not None else None
    if refusals:
        return RegistrationResult(refusals=tuple(refusals))

    user = LkUser(login=account.number, login_key=account.number, password_hash=hash_password(form.password), email=email,
                  phone=phone_proof.phone if phone_proof else phone, phone_confirmed=phone_proof is not None)
    try:
        created = _create_lk(user, account, phone_proof, code_id, session=session)
    except _ProofSpent:
        return RegistrationResult(refusals=(Check.NONE,))
    except _CapReached:
        return RegistrationResult(refusals=(EmailRefusal.OVER_CAP,))
    if not created:
        return RegistrationResult(already_registered=True)
    queue_confirmation(user, session=session)
    grant = issue_login_grant(user.id, session=session) if user.phone_confirmed else None
    return RegistrationResult(email=email, grant=grant)


def login_problem(login: str) -> LoginRefusal | None:
    """Why a free login is refused for its form, or None when its form is acceptable."""
    if not LOGIN_PATTERN.fullmatch(login):
        return LoginRefusal.FORMAT
    if normalize_account_number(login):
        return LoginRefusal.ALL_DIGITS
    return None


@dataclass
class LoginRegistrationForm:
    """What the customer typed on /register."""

    login: str
    password: str
    confirmation: str
    email: str
    phone: str
    code: str
    consent: bool
    requester: str  # the tab's claim on the code it asked for


def register_by_login(form: LoginRegistrationForm, *, session: Session) -> RegistrationResult:
    """/register: an LK with a free login and an SMS-proved phone; the e-mail gets its confirmation link."""
    refusals: list[RegistrationRefusal] = []
    login = form.login.strip()
    if problem := login_problem(login):
        refusals.append(problem)
    email, phone = _check_contacts(form.email, form.phone, refusals, session=session)
    if phone is None and FormRefusal.PHONE_FORMAT not in refusals:
        refusals.append(FormRefusal.PHONE_FORMAT)
    if problem := password_problem(form.password, form.confirmation, forbidden=(login, email or form.email)):
        refusals.append(problem)
    if not form.consent:
        refusals.append(FormRefusal.CONSENT_MISSING)
    proof = PhoneProof(phone, form.code, form.requester) if phone else None
    code_id = _check_phone_proof(proof, refusals, session=session) if proof else None
    if refusals:
        return RegistrationResult(refusals=tuple(refusals))

    user = LkUser(login=login, login_key=login.casefold(), password_hash=hash_password(form.password), email=email,
                  phone=phone, phone_confirmed=True)
    try:
        created = _create_lk(user, None, proof, code_id, session=session)
    except _ProofSpent:
        return RegistrationResult(refusals=(Check.NONE,))
    if not created:
        return RegistrationResult(refusals=(LoginRefusal.TAKEN,))
    queue_confirmation(user, session=session)
    return RegistrationResult(email=email)


def queue_confirmation(user: LkUser, *, session: Session) -> None:
    """A fresh confirmation link for the user's e-mail, queued in the caller's transaction."""
    mail_link(user, CONFIRM_REGISTRATION, user.email, ttl_hours=get_settings().email_link_ttl_hours, page="/confirm",
              template="confirm_registration", session=session)


def resend_confirmation(user_id: int, *, ip: str, session: Session) -> str | None:
    """Send a new link to an unconfirmed LK; returns the address, or None when limited or not needed."""
    user = session.get(LkUser, user_id)
    if user is None or user.email_confirmed or not user.email:
        return None
    if limits.admit([(limits.CONFIRMATION_RESEND_PER_USER, str(user_id)), (limits.CONFIRMATION_RESEND_PER_IP, ip)],
                    session=session):
        return None
    queue_confirmation(user, session=session)
    return user.email


def confirmation_link_state(token: str, *, session: Session) -> LinkState:
    """What the confirmation page should offer for this token, without using it."""
    return check_link_token(token, CONFIRM_REGISTRATION, session=session).state


def confirm_registration(token: str, *, session: Session) -> LinkState:
    """Use the link: the LK's e-mail becomes confirmed (only when the customer presses the confirm button)."""
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
