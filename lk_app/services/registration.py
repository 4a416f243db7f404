"""First login by account number + surname, registration of the LK and its e-mail confirmation."""

import enum
import re
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.normal_forms import normalize_account_number, normalize_email, normalize_phone, surname_key
from lk_app.services import limits
from lk_app.services.accounts import accounts_per_email, hold_accounts_of_email
from lk_app.services.email_links import (
    CONFIRM_REGISTRATION,
    LinkState,
    check_link_token,
    mail_link,
    use_link_token,
)
from lk_app.services.passwords import hash_password, password_problem
from lk_app.services.sessions import issue_login_grant
from lk_app.services.sms_codes import CONFIRM_PHONE, Check, check_sms_code, use_phone_proof
from lk_app.settings import get_settings

ACCOUNT_NUMBER_FORMAT = "Номер лицевого счёта состоит из 6–15 цифр."
PHONE_FORMAT = "Укажите мобильный номер России, например +7 912 345-67-89."
CONSENT_MISSING = "Нужно согласие на обработку персональных данных."
LOGIN_TAKEN = "Этот логин недоступен. Придумайте другой или воспользуйтесь «Забыли пароль?»."
LOGIN_PATTERN = re.compile(r"[\w.\-]{3,32}")
CODE_REFUSALS = {
    Check.WRONG: "Неверный код. Проверьте цифры из СМС.",
    Check.EXHAUSTED: "Код введён неверно слишком много раз. Запросите новый код.",
    Check.EXPIRED: "Срок действия кода истёк. Запросите новый код.",
    Check.NONE: "Код не запрашивался или уже использован. Запросите новый код.",
}


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


@dataclass
class RegistrationResult:
    """Field errors (field name → Russian reason), or the address the link went to and, with a proved phone, a login grant."""

    errors: dict[str, str] = field(default_factory=dict)
    email: str = ""
    already_registered: bool = False
    grant: str | None = None


class _ProofSpent(Exception):
    """The SMS proof was used up by a simultaneous request: nothing of this registration may stay."""


class _CapReached(Exception):
    """A simultaneous request filled the e-mail's accounts while this registration was checked."""


def _cap_message() -> str:
    limit = get_settings().max_accounts_per_email
    return f"К одному e-mail можно привязать не более {limit} лицевых счетов."


def _check_contacts(form_email: str, form_phone: str, errors: dict[str, str], *, session: Session) -> tuple[str | None, str | None]:
    """The normalized e-mail (required) and phone (optional), with their refusals added to `errors`."""
    email = normalize_email(form_email)
    if email is None:
        errors["email"] = "Укажите e-mail в виде name@example.ru."
    elif accounts_per_email(email, session=session) >= get_settings().max_accounts_per_email:
        errors["email"] = _cap_message()
    phone = None
    if form_phone.strip():
        phone = normalize_phone(form_phone)
        if phone is None:
            errors["phone"] = PHONE_FORMAT
    return email, phone


def _check_phone_proof(proof: PhoneProof | None, errors: dict[str, str], *, session: Session) -> int | None:
    """The id of the verified code behind the proof, or None with the reason in `errors["sms_code"]`."""
    if proof is None or not proof.code.strip():
        errors["sms_code"] = "Подтвердите телефон: получите код по СМС и введите его."
        return None
    verdict = check_sms_code(proof.phone, CONFIRM_PHONE, proof.code, requester=proof.requester, session=session)
    if verdict.outcome is not Check.OK:
        errors["sms_code"] = CODE_REFUSALS[verdict.outcome]
        return None
    return verdict.code_id


def _create_lk(user: LkUser, account: BillingAccount | None, proof: PhoneProof | None, code_id: int | None, *, session: Session) -> bool:
    """Add the LK (and its first link) and spend the SMS proof, all or nothing; False when it already exists."""
    if account is not None:
        # The check in _check_contacts ran unlocked: count again where no other link of this e-mail can appear.
        hold_accounts_of_email(user.email, session=session)
        if accounts_per_email(user.email, session=session) >= get_settings().max_accounts_per_email:
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
    errors: dict[str, str] = {}
    if surname_key(form.surname) != account.surname_key:
        errors["surname"] = "Фамилия не совпадает с фамилией владельца лицевого счёта."
    email, phone = _check_contacts(form.email, form.phone, errors, session=session)
    problem = password_problem(form.password, form.confirmation, forbidden=(account.number, email or form.email))
    if problem:
        errors["password"] = problem
    if not form.consent:
        errors["consent"] = CONSENT_MISSING
    code_id = _check_phone_proof(phone_proof, errors, session=session) if phone_proof is not None else None
    if errors:
        return RegistrationResult(errors=errors)

    user = LkUser(login=account.number, login_key=account.number, password_hash=hash_password(form.password), email=email,
                  phone=phone_proof.phone if phone_proof else phone, phone_confirmed=phone_proof is not None)
    try:
        created = _create_lk(user, account, phone_proof, code_id, session=session)
    except _ProofSpent:
        return RegistrationResult(errors={"sms_code": CODE_REFUSALS[Check.NONE]})
    except _CapReached:
        return RegistrationResult(errors={"email": _cap_message()})
    if not created:
        return RegistrationResult(already_registered=True)
    queue_confirmation(user, session=session)
    grant = issue_login_grant(user.id, session=session) if user.phone_confirmed else None
    return RegistrationResult(email=email, grant=grant)


def login_problem(login: str) -> str | None:
    """Why a free login is refused (in Russian), or None when its form is acceptable."""
    if not LOGIN_PATTERN.fullmatch(login):
        return "Логин — от 3 до 32 символов: буквы, цифры, точка, дефис и подчёркивание."
    if normalize_account_number(login):
        # A login of digits would shadow the account number of an LK registered by «Первый вход».
        return "Логин из одних цифр похож на номер лицевого счёта: добавьте буквы."
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
    errors: dict[str, str] = {}
    login = form.login.strip()
    if problem := login_problem(login):
        errors["login"] = problem
    email, phone = _check_contacts(form.email, form.phone, errors, session=session)
    if phone is None and "phone" not in errors:
        errors["phone"] = PHONE_FORMAT
    problem = password_problem(form.password, form.confirmation, forbidden=(login, email or form.email))
    if problem:
        errors["password"] = problem
    if not form.consent:
        errors["consent"] = CONSENT_MISSING
    proof = PhoneProof(phone, form.code, form.requester) if phone else None
    code_id = _check_phone_proof(proof, errors, session=session) if proof else None
    if errors:
        return RegistrationResult(errors=errors)

    user = LkUser(login=login, login_key=login.casefold(), password_hash=hash_password(form.password), email=email,
                  phone=phone, phone_confirmed=True)
    try:
        created = _create_lk(user, None, proof, code_id, session=session)
    except _ProofSpent:
        return RegistrationResult(errors={"sms_code": CODE_REFUSALS[Check.NONE]})
    if not created:
        return RegistrationResult(errors={"login": LOGIN_TAKEN})
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
