"""Customers of the old portal in a real browser: the old login and password just work."""

import hashlib
import itertools
import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import select

from lk_app import db
from lk_app.models import LkUser
from lk_app.services.legacy_passwords import is_legacy
from lk_app.services.old_portal import import_legacy_users
from lk_app.state import login as login_state
from tests.e2e.helpers import expect_on_cabinet, load_customer, log_in
from tests.fakes.sendgrid_server import links_in

OLD_PASSWORD = "Старый-пароль-1"
_logins = itertools.count(1)


def _import_old_lk(login: str, number: str = "", email: str = "") -> None:
    """One row of the old portal's users file, through the real import."""
    old_hash = hashlib.sha256(OLD_PASSWORD.encode()).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "legacy.csv"
        path.write_text(f"login;account_number;password_hash;email\n{login};{number};{old_hash};{email}\n", encoding="utf-8")
        report = import_legacy_users(path)
    assert report.added == 1 and not report.refused


def _stored_hash(login: str) -> str:
    return db.run(lambda session: session.exec(select(LkUser.password_hash).where(LkUser.login == login)).one())


def test_an_old_customer_enters_with_the_old_password_and_it_is_rehashed(page: Page, lk):
    customer = load_customer()
    _import_old_lk("", customer.number, customer.email)
    assert is_legacy(_stored_hash(customer.number))
    log_in(page, customer.number, OLD_PASSWORD)
    expect_on_cabinet(page, customer)
    assert not is_legacy(_stored_hash(customer.number))


def test_an_old_customer_without_an_e_mail_gives_one_and_enters(page: Page, lk):
    login = f"old.customer{next(_logins)}"
    _import_old_lk(login)
    log_in(page, login, OLD_PASSWORD)
    popup = page.get_by_role("dialog", name="Укажите адрес электронной почты")
    expect(popup).to_be_visible()
    popup.get_by_label("E-mail").fill("not-an-address")
    popup.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#first_email-error")).to_contain_text("name@example.ru")
    email = f"{login}@example.ru"
    popup.get_by_label("E-mail").fill(email)
    popup.get_by_role("button", name="Сохранить").click()
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
    assert any("/confirm?token=" in link for link in links_in(lk.sendgrid.wait_for_mail(email, timeout=20)))


def test_a_failure_to_rewrite_the_hash_does_not_fail_the_login(page: Page, lk, monkeypatch):
    customer = load_customer()
    _import_old_lk("", customer.number, customer.email)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(login_state, "replace_legacy_hash", broken)
    log_in(page, customer.number, OLD_PASSWORD)
    expect_on_cabinet(page, customer)
    assert is_legacy(_stored_hash(customer.number))  # the next login tries again
