"""`seed-demo`: believable households, a year of charges and payments, the same on every run."""

from sqlalchemy import func
from sqlmodel import select

from lk_app.billing.demo import (
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    MALE_SURNAMES,
    database_is_empty,
    feminine_surname,
    seed_demo,
)
from lk_app.clock import now
from lk_app.db import session_scope
from lk_app.models import AccountLink, BillingAccount, Charge, LkUser, Meter, MeterReading, Payment
from lk_app.services.demo import demo_sample_accounts
from lk_app.texts.billing import demo_summary


def snapshot() -> list[list[dict]]:
    """Every billing row, table by table, in id order."""
    with session_scope() as session:
        return [
            [row.model_dump() for row in session.exec(select(model).order_by(model.id)).all()]
            for model in (BillingAccount, Charge, Payment)
        ]


def last_twelve_periods() -> list[str]:
    """The billing months from a year ago to last month."""
    today = now().date()
    months = today.year * 12 + today.month - 1
    return [f"{m // 12}-{m % 12 + 1:02d}" for m in range(months - 12, months)]


def test_feminine_surnames_agree():
    men = ("Иванов", "Королёв", "Ильин", "Вишневский", "Троицкий", "Толстой", "Шевченко", "Черных")
    women = ("Иванова", "Королёва", "Ильина", "Вишневская", "Троицкая", "Толстая", "Шевченко", "Черных")
    assert tuple(feminine_surname(surname) for surname in men) == women


def test_seed_makes_households_with_a_year_of_charges_and_payments(clean_db):
    printed = demo_summary(seed_demo(accounts=40))

    accounts, charges, payments = snapshot()
    assert "лицевых счетов — 40" in printed
    assert len(accounts) == len({a["number"] for a in accounts}) == 40
    for account in accounts:
        assert 6 <= len(account["number"]) <= 15 and account["number"].isdigit()
        assert account["address"].startswith("г. Кострома, ") and ", д. " in account["address"]
        if account["first_name"] in FEMALE_FIRST_NAMES:  # Иванова Мария Петровна
            assert account["patronymic"].endswith("на")
            assert account["surname"] in {feminine_surname(surname) for surname in MALE_SURNAMES}
        else:  # Иванов Иван Петрович
            assert account["first_name"] in MALE_FIRST_NAMES
            assert account["patronymic"].endswith("ич") and account["surname"] in MALE_SURNAMES
    periods = last_twelve_periods()
    for account in accounts:
        own = [c for c in charges if c["account_id"] == account["id"]]
        assert sorted(c["period"] for c in own) == periods
        assert all(100 <= c["kwh"] <= 400 and 590 <= c["tariff_kop"] <= 660 for c in own)
        assert all(c["amount_kop"] == round(c["kwh"] * c["tariff_kop"]) for c in own)
    assert all(p["paid_on"] <= now().date() and p["amount_kop"] > 0 for p in payments)
    paying = {p["account_id"] for p in payments}
    assert len(paying) >= 30
    paid = {a["id"]: sum(p["amount_kop"] for p in payments if p["account_id"] == a["id"]) for a in accounts}
    charged = {a["id"]: sum(c["amount_kop"] for c in charges if c["account_id"] == a["id"]) for a in accounts}
    balances = [paid[account_id] - charged[account_id] for account_id in paid]
    assert any(balance < -100_000 for balance in balances), "some households are in arrears"


def test_every_household_has_a_meter_read_at_the_end_of_the_last_charged_month(clean_db):
    seed_demo(accounts=10)
    seed_demo(accounts=10)  # a rerun adds nothing

    with session_scope() as session:
        meters = session.exec(select(Meter)).all()
        readings = session.exec(select(MeterReading)).all()
    assert len(meters) == len({meter.account_id for meter in meters}) == 10
    assert all(meter.zones == 1 for meter in meters)
    assert len(readings) == 10
    assert {(r.period, r.source, r.read_on.day) for r in readings} == {(last_twelve_periods()[-1], "billing", 25)}


def test_seed_is_the_same_on_every_run_and_for_any_count(clean_db):
    seed_demo(accounts=12)
    first = snapshot()
    first_numbers = [a["number"] for a in first[0]]

    seed_demo(accounts=12)
    assert snapshot() == first

    seed_demo(accounts=20)
    assert [a["number"] for a in snapshot()[0]][:12] == first_numbers


def test_sample_accounts_are_those_without_an_lk(clean_db):
    with session_scope() as session:
        assert database_is_empty(session=session)
    seed_demo(accounts=8)

    with session_scope() as session:
        assert not database_is_empty(session=session)
        first, second = session.exec(select(BillingAccount).order_by(BillingAccount.id).limit(2)).all()
        user = LkUser(login=first.number, login_key=first.number, password_hash="x")
        session.add(user)
        session.flush()
        session.add(AccountLink(user_id=user.id, account_id=first.id))
        session.flush()
        samples = demo_sample_accounts(limit=3, session=session)
        assert session.exec(select(func.count()).select_from(AccountLink)).one() == 1

    assert len(samples) == 3
    assert samples[0] == (second.number, second.surname)
    assert first.number not in [number for number, _ in samples]
