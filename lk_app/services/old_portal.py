"""Customers of the old portal: importing their logins and hashes, and letting them in with their old password."""

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from lk_app.billing.csv_files import CsvFormatError, open_billing_csv
from lk_app.billing.problems import FileFault, FileProblem, RowFault, RowProblem
from lk_app.clock import now
from lk_app.db import session_scope
from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.normal_forms import normalize_account_number, normalize_email
from lk_app.services.email_address import EmailRefusal, new_email
from lk_app.services.legacy_passwords import LEGACY_PREFIX, stored_legacy_hash
from lk_app.services.passwords import hash_password
from lk_app.services.registration import LOGIN_PATTERN, queue_confirmation
from lk_app.services.sessions import BrowserGrant, issue_login_grant

REQUIRED_COLUMNS = ("login", "account_number", "password_hash", "email")


class LegacyImportError(Exception):
    """The file cannot be read at all: missing (no problem), or its header or quoting (the CSV reader's problem)."""

    def __init__(self, path: Path, problem: FileProblem | None = None):
        super().__init__(problem or path)
        self.path, self.problem = path, problem


class LegacyFault(enum.Enum):
    """Why a row of the old portal's users is refused."""

    NO_LOGIN = "no_login"  # neither a login nor an account number
    LOGIN_FORMAT = "login_format"  # value: the login
    EMAIL_FORMAT = "email_format"  # value: the e-mail
    HASH_FORMAT = "hash_format"  # none of the old portal's formats
    LOGIN_TAKEN = "login_taken"  # value: the login, held by an LK of the new portal


@dataclass(frozen=True)
class LegacyProblem:
    """A refused row: a fault of the old portal's file with the field as written, or the CSV reader's own problem."""

    fault: LegacyFault | RowProblem
    value: str = ""


@dataclass
class LegacyImportReport:
    """How the import went: LKs added, already there, rows refused with their line."""

    added: int = 0
    existing: int = 0
    refused: list[tuple[int, LegacyProblem]] = field(default_factory=list)


class _Refused(Exception):
    """A row that cannot be imported, and why."""

    def __init__(self, problem: LegacyProblem):
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class _OldUser:
    login: str
    account_number: str | None
    stored_hash: str
    email: str | None


def _parse(fields: list[str], columns: dict[str, int]) -> _OldUser:
    """One row of the old portal's users; _Refused with the reason."""
    login, number, old_hash, email_text = (fields[columns[name]].strip() for name in REQUIRED_COLUMNS)
    number_ok = normalize_account_number(number) if number else None
    if number and number_ok is None:
        raise _Refused(LegacyProblem(RowProblem(RowFault.ACCOUNT_NUMBER_FORMAT, value=number)))
    login = login or number_ok or ""
    if not login:
        raise _Refused(LegacyProblem(LegacyFault.NO_LOGIN))
    if not (LOGIN_PATTERN.fullmatch(login) or normalize_account_number(login)):
        raise _Refused(LegacyProblem(LegacyFault.LOGIN_FORMAT, login))
    # The old portal's addresses come as they are: the cap of accounts per address is not theirs to keep.
    email = normalize_email(email_text) if email_text else None
    if email_text and email is None:
        raise _Refused(LegacyProblem(LegacyFault.EMAIL_FORMAT, email_text))
    try:
        stored_hash = stored_legacy_hash(old_hash)
    except ValueError:
        raise _Refused(LegacyProblem(LegacyFault.HASH_FORMAT)) from None
    return _OldUser(normalize_account_number(login) or login, number_ok, stored_hash, email)


def _add(old: _OldUser, *, session: Session) -> bool:
    """Add one old LK with its account, unless its login is taken; False when it already exists."""
    key = old.login.casefold()
    holder = session.exec(select(LkUser).where(LkUser.login_key == key)).first()
    if holder is not None and holder.migrated_at is None:
        raise _Refused(LegacyProblem(LegacyFault.LOGIN_TAKEN, old.login))
    if holder is not None:
        return False
    user = LkUser(login=old.login, login_key=key, password_hash=old.stored_hash, email=old.email,
                  email_confirmed=old.email is not None, migrated_at=now())
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
            account = session.exec(select(BillingAccount).where(BillingAccount.number == old.account_number)).first()
            if account is not None:
                taken = session.exec(
                    select(AccountLink.id).where(AccountLink.account_id == account.id, AccountLink.primary)
                ).first()
                session.add(AccountLink(user_id=user.id, account_id=account.id, primary=taken is None))
                session.flush()
    except IntegrityError:
        return False
    return True


def import_legacy_users(
    path: Path, *, on_problem: Callable[[int, LegacyProblem], None] = lambda line, problem: None
) -> LegacyImportReport:
    """`import-legacy FILE`: add the old portal's LKs; a rerun changes nothing, a bad row is told by its line."""
    if not path.is_file():
        raise LegacyImportError(path)
    report = LegacyImportReport()
    try:
        with open_billing_csv(path) as table:
            if missing := table.missing(REQUIRED_COLUMNS):
                raise LegacyImportError(path, FileProblem(FileFault.MISSING_COLUMNS, path.name, tuple(missing)))
            with session_scope() as session:
                for line, fields in table.rows():
                    try:
                        if problem := table.row_problem(fields):
                            raise _Refused(LegacyProblem(problem))
                        added = _add(_parse(fields, table.columns), session=session)
                    except _Refused as refused:
                        report.refused.append((line, refused.problem))
                        on_problem(line, refused.problem)
                        continue
                    report.added += added
                    report.existing += not added
    except CsvFormatError as error:
        raise LegacyImportError(path, error.problem) from error
    return report


def legacy_hashes_left(*, session: Session) -> int:
    """How many LKs still hold the old portal's password hash."""
    return session.exec(select(func.count(LkUser.id)).where(col(LkUser.password_hash).startswith(LEGACY_PREFIX))).one()


def replace_legacy_hash(user_id: int, legacy_hash: str, password: str, *, session: Session) -> bool:
    """Store a bcrypt hash instead of the old one, only if the old one is still there (two logins at once both win)."""
    replaced = session.exec(
        update(LkUser)
        .where(LkUser.id == user_id, LkUser.password_hash == legacy_hash)
        .values(password_hash=hash_password(password))
    )
    return replaced.rowcount == 1


class FirstEmail(enum.Enum):
    """Why an old LK's first e-mail is refused besides the address itself."""

    ALREADY_GIVEN = "already_given"  # another tab gave one first: the customer logs in again


def give_first_email(
    user_id: int, email_text: str, *, session: Session
) -> tuple[EmailRefusal | FirstEmail, None] | tuple[None, BrowserGrant]:
    """The e-mail an old LK without one gives before it enters: (refusal, None) or (None, a login grant)."""
    user = session.get(LkUser, user_id)
    if user is None or user.email is not None:
        return FirstEmail.ALREADY_GIVEN, None
    email = new_email(email_text, user=user, session=session)
    if isinstance(email, EmailRefusal):
        return email, None
    user.email, user.email_confirmed = email, False
    session.add(user)
    session.flush()
    queue_confirmation(user, session=session)
    return None, issue_login_grant(user.id, session=session)
