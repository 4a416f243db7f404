"""The old portal's customers: import, the first login with the old password, the hash replaced once."""

import hashlib
import io
import threading

import pytest
from sqlmodel import select

from lk_app import db
from lk_app.models import AccountLink, LkUser, OutboxMessage
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.legacy_passwords import is_legacy
from lk_app.services.old_portal import (
    LegacyImportError,
    give_first_email,
    import_legacy_users,
    legacy_hashes_left,
    replace_legacy_hash,
)
from lk_app.services.sessions import redeem_login_grant
from lk_app.texts.access import legacy_problem, legacy_summary
from tests.unit.factories import billing_account

IP = "203.0.113.30"
OLD_PASSWORD = "qwerty-old-1"
MD5 = hashlib.md5(OLD_PASSWORD.encode()).hexdigest()
SHA1 = hashlib.sha1(OLD_PASSWORD.encode()).hexdigest()


def _write(tmp_path, text: str):
    path = tmp_path / "legacy.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _import(path) -> tuple[object, str]:
    """The report, and what `import-legacy` prints for it."""
    out = io.StringIO()
    report = import_legacy_users(path, on_problem=lambda line, problem: print(legacy_problem(path.name, line, problem),
                                                                              file=out))
    print(legacy_summary(report), file=out)
    return report, out.getvalue()


def _file(tmp_path):
    return _write(
        tmp_path,
        "login;account_number;password_hash;email\n"
        f";100200300;{MD5};Ivanova@Example.RU\n"
        f"petrov;;{SHA1};\n"
        f"sidorov;;not-a-hash;s@example.ru\n"
        f"kuznetsov;12AB;{MD5};\n",
    )


def test_import_adds_the_old_lks_links_accounts_and_reports_bad_rows_by_line(session, tmp_path):
    billing_account(session)
    session.commit()
    report, printed = _import(_file(tmp_path))
    assert (report.added, report.existing) == (2, 0)
    assert [line for line, _ in report.refused] == [4, 5]
    assert "legacy.csv:4: неизвестный формат хеша пароля" in printed
    assert "legacy.csv:5: номер лицевого счёта «12AB»" in printed
    ivanova = session.exec(select(LkUser).where(LkUser.login == "100200300")).one()
    assert (ivanova.email, ivanova.email_confirmed, is_legacy(ivanova.password_hash)) == ("Ivanova@example.ru", True, True)
    assert session.exec(select(AccountLink)).one().primary
    assert db.run(legacy_hashes_left) == 2


def test_a_rerun_changes_nothing(session, tmp_path):
    _import(_file(tmp_path))
    before = session.exec(select(LkUser.id, LkUser.password_hash)).all()
    report, _ = _import(_file(tmp_path))
    assert (report.added, report.existing) == (0, 2)
    session.expire_all()
    assert session.exec(select(LkUser.id, LkUser.password_hash)).all() == before


def test_a_login_taken_in_the_new_lk_is_refused(session, tmp_path):
    session.add(LkUser(login="petrov", login_key="petrov", password_hash="x"))
    session.commit()
    report, printed = _import(_write(tmp_path, f"login,account_number,password_hash,email\npetrov,,{SHA1},\n"))
    assert report.added == 0 and "уже занят" in printed


def test_a_file_without_the_columns_is_refused_whole(tmp_path):
    with pytest.raises(LegacyImportError, match="password_hash"):
        _import(_write(tmp_path, "login;email\npetrov;p@example.ru\n"))


def test_the_old_password_works_once_and_is_then_replaced_by_bcrypt(session, tmp_path):
    _import(_file(tmp_path))
    wrong = log_in("petrov", "not-it-1", ip=IP, session=session)
    assert wrong.status is LoginStatus.INVALID
    outcome = log_in("Petrov", OLD_PASSWORD, ip=IP, session=session)
    assert outcome.status is LoginStatus.NEEDS_EMAIL and outcome.legacy_hash.startswith("legacy-sha1:")
    assert replace_legacy_hash(outcome.user_id, outcome.legacy_hash, OLD_PASSWORD, session=session)
    user = session.get(LkUser, outcome.user_id)
    session.refresh(user)
    assert not is_legacy(user.password_hash)
    assert log_in("petrov", OLD_PASSWORD, ip=IP, session=session).legacy_hash is None
    assert legacy_hashes_left(session=session) == 1


def test_an_old_lk_with_an_e_mail_enters_at_once(session, tmp_path):
    billing_account(session)
    session.commit()
    _import(_file(tmp_path))
    outcome = log_in("100 200 300", OLD_PASSWORD, ip=IP, session=session)
    assert outcome.status is LoginStatus.OK and outcome.grant


def test_two_first_logins_at_once_both_enter_and_one_replaces_the_hash(clean_db, tmp_path):
    _import(_file(tmp_path))
    barrier = threading.Barrier(2)
    outcomes = []

    def first_login():
        barrier.wait()
        outcome = db.run(log_in, "petrov", OLD_PASSWORD, ip=IP)
        outcomes.append((outcome, db.run(replace_legacy_hash, outcome.user_id, outcome.legacy_hash, OLD_PASSWORD)))

    threads = [threading.Thread(target=first_login) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [o.status for o, _ in outcomes] == [LoginStatus.NEEDS_EMAIL] * 2
    assert sorted(replaced for _, replaced in outcomes) == [False, True]
    assert db.run(log_in, "petrov", OLD_PASSWORD, ip=IP).status is LoginStatus.NEEDS_EMAIL


def test_the_first_e_mail_of_an_old_lk_gets_a_link_and_lets_it_in(session, tmp_path):
    _import(_file(tmp_path))
    petrov = session.exec(select(LkUser).where(LkUser.login == "petrov")).one()
    assert give_first_email(petrov.id, "petrov@", session=session)[0]
    refusal, grant = give_first_email(petrov.id, "Petrov@Example.ru", session=session)
    assert refusal is None and redeem_login_grant(*grant, ip=IP, user_agent="t", session=session)
    session.refresh(petrov)
    assert (petrov.email, petrov.email_confirmed) == ("Petrov@example.ru", False)
    assert session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "Petrov@example.ru")).one()
    assert give_first_email(petrov.id, "other@example.ru", session=session)[0]  # only once
