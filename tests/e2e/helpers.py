"""Steps the browser tests share: loading billing data, registering, reading mail, logging in."""

import itertools
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, WebSocketRoute, expect
from sqlalchemy import delete, update
from sqlmodel import select

from lk_app import clock, db
from lk_app.billing.importer import import_billing_dir
from lk_app.clock import now
from lk_app.models import AccountLink, AuthSession, BillingAccount, LimitEvent, LkUser
from lk_app.services.months import last_periods
from lk_app.services.passwords import hash_password
from lk_app.settings import get_settings
from tests.fakes.sendgrid_server import links_in

PASSWORD = "Зелёный-чай-7"
_numbers = itertools.count(700100200)
_phones = itertools.count(100)


def new_phone() -> str:
    """A mobile number no other test uses, written as people write it: «8 (912) 000-01-23»."""
    n = next(_phones)
    return f"8 (912) 000-{n // 100:02d}-{n % 100:02d}"


def poll(condition, timeout: float = 20, page: Page | None = None) -> None:
    """Wait until `condition()` holds, checking ten times a second; fail after `timeout` seconds.

    With a `page`, it waits in Playwright, which meanwhile delivers what the page sends to the test's handlers.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{condition.__name__} did not come true in {timeout} s"
        if page is None:
            time.sleep(0.1)
        else:
            page.wait_for_timeout(100)


class DroppableConnection:
    """The page's websockets to the backend, passed through Playwright so a test can drop one as a flaky mobile
    network or a frozen background tab does; Reflex then reconnects, hydrates again and reruns the page's on_load."""

    HYDRATED = '"is_hydrated_rx_state_":true'

    def __init__(self, page: Page) -> None:
        self._page = page
        self.sockets: list[WebSocketRoute] = []
        self._hydrated: set[int] = set()  # the sockets whose hydration the page has been sent
        page.route_web_socket(re.compile(r"/_event"), self._open)

    def _open(self, socket: WebSocketRoute) -> None:
        number = len(self.sockets)
        server = socket.connect_to_server()
        socket.on_message(server.send)

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and self.HYDRATED in message.replace(" ", ""):
                self._hydrated.add(number)
            socket.send(message)

        server.on_message(to_page)
        self.sockets.append(socket)

    def drop(self) -> None:
        """Close the live websocket from the network's side, and wait until the page has hydrated on a new one.

        Until then the page's forms are disabled (`components.forms.form`): a click in between would be lost.
        """
        opened = len(self.sockets)
        assert opened, "the page has no websocket to drop"
        self.sockets[-1].close()

        def rehydrated() -> bool:
            return len(self.sockets) > opened and len(self.sockets) - 1 in self._hydrated

        poll(rehydrated, page=self._page)


def e164(phone: str) -> str:
    """The number as LK stores it and the gateway receives it."""
    digits = re.sub(r"\D", "", phone)
    return "+7" + digits[1:]


@dataclass
class Customer:
    """A billing account loaded for one test, and the e-mail its LK will use."""

    number: str
    surname: str
    email: str
    address: str


def load_customer(surname: str = "Ёлкина") -> Customer:
    """Import one account with a payment and a charge through the real CSV import."""
    number = str(next(_numbers))
    customer = Customer(number, surname, f"c{number}@example.ru", f"г. Демоград, ул. Мира, д. {number[-2:]}, кв. 5")
    last_month = (date.today().replace(day=1) - timedelta(days=1))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "accounts.csv").write_text(
            "account_number;surname;first_name;patronymic;address\n"
            f"{number};{surname};Анна;Петровна;{customer.address}\n",
            encoding="utf-8",
        )
        (folder / "payments.csv").write_text(
            f"account_number;paid_on;amount\n{number};{last_month:%d.%m.%Y};1234,56\n", encoding="utf-8"
        )
        (folder / "charges.csv").write_text(
            f"account_number;period;kwh;amount\n{number};{last_month:%Y-%m};190;1300,00\n", encoding="utf-8"
        )
        problems = []
        report = import_billing_dir(folder, on_problem=problems.append)
        assert not report.had_errors, problems
    return customer


METER = "E-5501"
DAY, NIGHT = f"Счётчик {METER}, день", f"Счётчик {METER}, ночь"


YOOKASSA_KEYS = ("LK_YOOKASSA_SHOP_ID", "LK_YOOKASSA_SECRET_KEY")


@contextmanager
def without_yookassa() -> Iterator[None]:
    """The app (in this process) without YooKassa's keys, as a supplier who has none runs it; put back afterwards."""
    kept = {name: os.environ.pop(name) for name in YOOKASSA_KEYS if name in os.environ}
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ.update(kept)
        get_settings.cache_clear()


@contextmanager
def clock_on_day(day: int) -> Iterator[date]:
    """LK's clock (the app runs in this process) on the given day of the current month; put back afterwards."""
    today = clock.today()
    clock.move(timedelta(days=day - today.day))
    try:
        yield clock.today()
    finally:
        clock.reset()


def load_history(customer: Customer, today: date) -> None:
    """Day/night charges (100 + 50 kWh a month) for the twelve months before last (load_customer() charged last month)
    and a two-zone meter read last month, by the real import."""
    periods = last_periods(today, 14)[:-2]
    charges = ["account_number;period;kwh;amount;zone;tariff"]
    for period in periods:
        charges += [f"{customer.number};{period};100;650,00;день;6,50", f"{customer.number};{period};50;162,50;ночь;3,25"]
    read_on = date.fromisoformat(f"{last_periods(today, 2)[0]}-25")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "charges.csv").write_text("\n".join(charges) + "\n", encoding="utf-8")
        (folder / "meters.csv").write_text(
            f"account_number;meter_number;zones;last_reading;read_on\n{customer.number};{METER};2;1000/500;{read_on:%d.%m.%Y}\n",
            encoding="utf-8",
        )
        problems = []
        assert not import_billing_dir(folder, on_problem=problems.append).had_errors, problems


def settle(page: Page) -> None:
    """Wait two frames: React runs a new page's mount effects (its `on_visit` events) after the frame it painted.

    After a link within the app the new page paints with the old page's `is_hydrated`, its form already enabled:
    a test that typed and pressed on that first frame sent its event ahead of the page's own `on_visit`, whose
    reset then undid it (CI saw step 2 of «Первый вход» vanish so). No person presses that fast.
    """
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def prove(page: Page, number: str, surname: str, *, open_page: bool = True) -> None:
    """Step 1 of «Первый вход» (on the page already open, unless told to open it)."""
    if open_page:
        page.goto("/first-login")
    settle(page)
    page.get_by_label("Номер лицевого счёта").fill(number)
    page.get_by_label("Фамилия").fill(surname)
    page.get_by_role("button", name="Продолжить").click()


def fill_registration(page: Page, customer: Customer, *, password: str = PASSWORD, confirmation: str | None = None,
                      email: str | None = None, consent: bool = True, submit: bool = True) -> None:
    """Step 2: the registration form, then (unless told not to) «Сохранить»."""
    page.get_by_label("Новый пароль").fill(password)
    page.get_by_label("Подтверждение пароля").fill(password if confirmation is None else confirmation)
    page.get_by_label("E-mail").fill(customer.email if email is None else email)
    page.get_by_label("Согласен на обработку персональных данных").set_checked(consent)
    if submit:
        page.get_by_role("button", name="Сохранить").click()


def confirmation_link(lk, customer: Customer) -> str:
    """The newest link the fake SendGrid received for the customer."""
    mail = lk.sendgrid.wait_for_mail(customer.email, timeout=20)
    return next(link for link in links_in(mail) if "/confirm?token=" in link)


def register(page: Page, lk, customer: Customer, *, open_page: bool = True) -> str:
    """First login and registration by e-mail; returns the confirmation link."""
    prove(page, customer.number, customer.surname, open_page=open_page)
    fill_registration(page, customer)
    expect(page.get_by_text(customer.email)).to_be_visible()
    return confirmation_link(lk, customer)


def confirm(page: Page, link: str) -> None:
    """Open the link and press «Подтвердить»."""
    page.goto(link)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Регистрация подтверждена")).to_be_visible()


def log_in(page: Page, identifier: str, password: str = PASSWORD) -> None:
    """The login form on `/`."""
    page.goto("/")
    page.get_by_label("Логин или номер лицевого счёта").fill(identifier)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти").click()


def log_out(page: Page) -> None:
    """Press «Выход» and wait until the logout route has sent the browser back to the login page, loaded.

    The cabinet may leave for `/` by itself first: only the route's answer says the cookie is gone and no
    navigation is still coming to abort the next `page.goto`.
    """
    with page.expect_response(lambda response: "/auth/logout" in response.url):
        page.get_by_role("button", name="Выход").click()
    expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()
    page.wait_for_load_state()


def registered_customer(page: Page, lk) -> Customer:
    """A customer whose LK is registered and confirmed."""
    customer = load_customer()
    confirm(page, register(page, lk, customer))
    return customer


def expect_on_cabinet(page: Page, customer: Customer) -> None:
    """The cabinet shows the account's number, holder and address."""
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
    # A client-side navigation may still show the page it left for a moment: wait for this one's title.
    expect(page.get_by_role("heading", name="Личный кабинет", exact=True)).to_be_visible()
    expect(page.get_by_text(customer.number, exact=True)).to_be_visible()
    expect(page.get_by_text(f"{customer.surname} Анна Петровна")).to_be_visible()
    expect(page.get_by_text(customer.address)).to_be_visible()


def confirmed_lk(customer: Customer, *more: Customer) -> None:
    """The customer's LK as first login leaves it once confirmed, made in the database (no browser needed), with the
    accounts of `more` added to it as «Добавить лицевой счёт» would."""

    def register(session) -> None:
        def account_id(number: str) -> int:
            return session.exec(select(BillingAccount.id).where(BillingAccount.number == number)).one()

        user = LkUser(login=customer.number, login_key=customer.number, password_hash=hash_password(PASSWORD),
                      email=customer.email, email_confirmed=True)
        session.add(user)
        session.flush()
        session.add(AccountLink(user_id=user.id, account_id=account_id(customer.number), primary=True))
        session.add_all(AccountLink(user_id=user.id, account_id=account_id(other.number), primary=False) for other in more)

    db.run(register)


def lk_without_accounts() -> str:
    """An LK with a free login and a confirmed e-mail but no account yet, as /register leaves it; returns its login."""
    login = f"family.{next(_numbers)}"
    user = LkUser(login=login, login_key=login, password_hash=hash_password(PASSWORD), email=f"{login}@example.ru",
                  email_confirmed=True)
    db.run(lambda session: session.add(user))
    return login


def fill_add_account(page: Page, number: str, amount: str) -> None:
    """The open «Добавить лицевой счёт» dialog: both fields, then «Отправить»."""
    page.get_by_label("Лицевой счёт").fill(number)
    page.get_by_label("Сумма последнего платежа").fill(amount)
    page.get_by_role("button", name="Отправить").click()


def add_account_in_settings(page: Page, customer: Customer, amount: str = "1234,56") -> None:
    """«Настройки» → «Добавить лицевой счёт» → the customer's account, then wait for it in the list."""
    page.get_by_role("link", name="Настройки").click()
    page.get_by_role("button", name="Добавить лицевой счёт").click()
    fill_add_account(page, customer.number, amount)
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_text(f"Лицевой счёт {customer.number} добавлен")).to_be_visible()


def revoke_sessions(login: str) -> None:
    """End every session of the LK on the server, as a password change elsewhere would."""

    def revoke(session):
        user_id = session.exec(select(LkUser.id).where(LkUser.login_key == login.casefold())).one()
        session.exec(update(AuthSession).where(AuthSession.user_id == user_id).values(revoked_at=now()))

    db.run(revoke)


def forget_limits() -> None:
    """Drop every counted event: a test's many requests all come from 127.0.0.1 and would meet the per-IP limits."""
    db.run(lambda session: session.exec(delete(LimitEvent)))
