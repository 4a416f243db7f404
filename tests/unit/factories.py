"""Small builders of test rows: billing accounts and registered LKs."""

from sqlmodel import Session

from lk_app.models import AccountLink, BillingAccount, Charge, LkUser, Payment
from lk_app.normal_forms import surname_key
from lk_app.services.registration import RegistrationForm

GOOD_PASSWORD = "Зелёный-чай-7"


def billing_account(session: Session, number: str = "100200300", surname: "str" = "Ёлкина", **fields) -> BillingAccount:
    """A billing account as the import would make it."""
    account = BillingAccount(
        number=number,
        surname=surname,
        surname_key=surname_key(surname),
        first_name=fields.pop("first_name", "Анна"),
        patronymic=fields.pop("patronymic", "Петровна"),
        address=fields.pop("address", "г. Демоград, ул. Ленина, д. 1, кв. 2"),
        **fields,
    )
    session.add(account)
    session.flush()
    return account


def payment(session: Session, account: BillingAccount, paid_on, amount_kop: int) -> None:
    """A payment on the account."""
    session.add(Payment(account_id=account.id, paid_on=paid_on, amount_kop=amount_kop))
    session.flush()


def charge(session: Session, account: BillingAccount, period: str, kwh: float, amount_kop: int, *, zone: str = "",
           tariff_kop: int | None = 650) -> None:
    """A monthly charge of the account, as the import would make it."""
    session.add(Charge(account_id=account.id, period=period, zone=zone, kwh=kwh, amount_kop=amount_kop,
                       tariff_kop=tariff_kop))
    session.flush()


def registration_form(**changes) -> RegistrationForm:
    """A step-2 form that passes every rule, with the given fields changed."""
    values = dict(
        surname="Ёлкина",
        password=GOOD_PASSWORD,
        confirmation=GOOD_PASSWORD,
        email="anna@example.ru",
        phone="",
        consent=True,
    )
    values.update(changes)
    return RegistrationForm(**values)


def lk_user(session: Session, login: str = "anna.free", email: str | None = "anna@example.ru", **fields) -> LkUser:
    """An LK with a free login and a confirmed e-mail (a password hash of "-" unless one is given)."""
    user = LkUser(login=login, login_key=login.casefold(), password_hash=fields.pop("password_hash", "-"), email=email,
                  email_confirmed=True, **fields)
    session.add(user)
    session.flush()
    return user


def link(session: Session, user: LkUser, account: BillingAccount, *, primary: bool = False) -> AccountLink:
    """The account in the LK, as registration (primary) or the add dialog would put it."""
    row = AccountLink(user_id=user.id, account_id=account.id, primary=primary)
    session.add(row)
    session.flush()
    return row
