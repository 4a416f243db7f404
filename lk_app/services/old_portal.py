"""Customers of the old portal: importing their logins and hashes, and letting them in with their old password."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from lk_app.billing.csv_files import CsvFormatError, open_billing_csv
from lk_app.clock import now
from lk_app.db import session_scope
from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.normal_forms import normalize_account_number, normalize_email
from lk_app.services.accounts import accounts_after_email_change, hold_accounts_of_email
from lk_app.services.legacy_passwords import LEGACY_PREFIX, stored_legacy_hash
from lk_app.services.passwords import hash_password
from lk_app.services.registration import LOGIN_PATTERN, queue_confirmation
from lk_app.services.sessions import issue_login_grant
from lk_app.settings import get_settings

REQUIRED_COLUMNS = ("login", "account_number", "password_hash", "email")


class LegacyImportError(Exception):
    """The file cannot be read at all: missing, no header, a missing column, broken quoting."""


@dataclass
class LegacyImportReport:
    """How the import went: LKs added, already there, rows refused with their line."""

    added: int = 0
    existing: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _OldUser:
    login: str
    account_number: str | None
    stored_hash: str
    email: str | None


def _parse(fields: list[str], columns: dict[str, int]) -> _OldUser:
    """One row of the old portal's users; ValueError with the reason in Russian."""
    login, number, old_hash, email_text = (fields[columns[name]].strip() for name in REQUIRED_COLUMNS)
    number_ok = normalize_account_number(number) if number else None
    if number and number_ok is None:
        raise ValueError(f"номер лицевого счёта «{number[:40]}»: нужно от 6 до 15 цифр")
    login = login or number_ok or ""
    if not login:
        raise ValueError("нет ни логина, ни номера лицевого счёта")
    if not (LOGIN_PATTERN.fullmatch(login) or normalize_account_number(login)):
        raise ValueError(f"логин «{login[:40]}»: от 3 до 32 букв, цифр, точек, дефисов и подчёркиваний")
    email = normalize_email(email_text) if email_text else None
    if email_text and email is None:
        raise ValueError(f"e-mail «{email_text[:60]}» не распознан")
    return _OldUser(normalize_account_number(login) or login, number_ok, stored_legacy_hash(old_hash), email)


def _add(old: _OldUser, *, session: Session) -> bool:
    """Add one old LK with its account, unless its login is taken; False when it already exists."""
    key = old.login.casefold()
    holder = session.exec(select(LkUser).where(LkUser.login_key == key)).first()
    if holder is not None and holder.migrated_at is None:
        raise ValueError(f"логин «{old.login}» уже занят в новом Личном кабинете")
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


def import_legacy_users(path: Path, *, out: TextIO) -> LegacyImportReport:
    """`import-legacy FILE`: add the old portal's LKs; a rerun changes nothing, a bad row is reported with its line."""
    if not path.is_file():
        raise LegacyImportError(f"файл {path} не найден")
    report = LegacyImportReport()
    try:
        with open_billing_csv(path) as table:
            if missing := table.missing(REQUIRED_COLUMNS):
                raise LegacyImportError(f"{path.name}: в заголовке нет столбцов {', '.join(missing)}")
            with session_scope() as session:
                for line, fields in table.rows():
                    try:
                        if problem := table.row_problem(fields):
                            raise ValueError(problem)
                        added = _add(_parse(fields, table.columns), session=session)
                    except ValueError as error:
                        report.refused.append((line, str(error)))
                        out.write(f"{path.name}:{line}: {error}\n")
                        continue
                    report.added += added
                    report.existing += not added
    except CsvFormatError as error:
        raise LegacyImportError(str(error)) from error
    out.write(f"Добавлено: {report.added}, уже были: {report.existing}, с ошибками: {len(report.refused)}\n")
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


def give_first_email(user_id: int, email_text: str, *, session: Session) -> tuple[str | None, str | None]:
    """The e-mail an old LK without one gives before it enters: (refusal, None) or (None, a login grant)."""
    email = normalize_email(email_text)
    if email is None:
        return "Укажите e-mail в виде name@example.ru.", None
    user = session.get(LkUser, user_id)
    if user is None or user.email is not None:
        return "E-mail уже указан: войдите ещё раз.", None
    hold_accounts_of_email(email, session=session)
    cap = get_settings().max_accounts_per_email
    if accounts_after_email_change(user.id, email, session=session) > cap:
        return f"К одному e-mail можно привязать не более {cap} лицевых счетов.", None
    user.email, user.email_confirmed = email, False
    session.add(user)
    session.flush()
    queue_confirmation(user, session=session)
    return None, issue_login_grant(user.id, session=session)
