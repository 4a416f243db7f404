"""`seed-demo`: a believable demo supplier — households of one Russian town with a year of charges and payments."""

import json
import math
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from lk_app import clock
from lk_app.billing.upsert import (
    Row,
    account_ids,
    insert_payments,
    upsert_accounts,
    upsert_billing_readings,
    upsert_charges,
    upsert_meters,
)
from lk_app.db import session_scope
from lk_app.models import BillingAccount
from lk_app.models.meters import SOURCE_BILLING
from lk_app.normal_forms import surname_key

DEMO_SEED = "lk-demo"
BATCH_ACCOUNTS = 500
MONTHS = 12
NUMBER_BASE = 440_100_000_000
NUMBER_STEP = 7_919  # each account draws its number inside its own step, so numbers never clash
TARIFF_KOP = 650  # ₽/kWh from the last 1 July on: tariffs are indexed every July
EARLIER_TARIFF_KOP = 597
# The town's words (names, streets, the forms of an address) are the demo's data, kept beside this module.
_TOWN = json.loads(Path(__file__).with_name("demo_town.json").read_text(encoding="utf-8"))
TOWN: str = _TOWN["town"]
MALE_SURNAMES: tuple[str, ...] = tuple(_TOWN["male_surnames"])
MALE_FIRST_NAMES: tuple[str, ...] = tuple(_TOWN["male_first_names"])
FEMALE_FIRST_NAMES: tuple[str, ...] = tuple(_TOWN["female_first_names"])
PATRONYMICS: tuple[tuple[str, str], ...] = tuple((son, daughter) for son, daughter in _TOWN["patronymics"])
STREETS: tuple[str, ...] = tuple(_TOWN["streets"])
ADDRESS_FORMS: dict[str, str] = _TOWN["address"]
# A man's surname ending → a woman's; a surname with none of these endings is the same for both.
FEMININE_ENDINGS: tuple[tuple[str, str], ...] = tuple((man, woman) for man, woman in _TOWN["feminine_surname_endings"])
TRANSLITERATION = str.maketrans(_TOWN["transliteration"])
MOBILE_CODES = (900, 902, 903, 905, 906, 909, 910, 915, 916, 920, 925, 929, 950, 951, 953, 960, 961, 962, 977, 980, 985, 999)


@dataclass(frozen=True)
class DemoHousehold:
    """One demo account: its row for billing_account and how it consumes and pays."""

    index: int
    account: Row
    base_kwh: float
    habit: str  # "punctual", "rounds_up" or "in_arrears"
    arrears_months: int


def feminine_surname(surname: str) -> str:
    """A woman's form of a man's surname by its ending (Ivanov → Ivanova, Vishnevsky → Vishnevskaya); others stay."""
    for man, woman in FEMININE_ENDINGS:
        if surname.endswith(man):
            return surname.removesuffix(man) + woman
    return surname


def _household(index: int) -> DemoHousehold:
    """The demo account number `index`: the same on every run, whatever the number of accounts."""
    rng = random.Random(f"{DEMO_SEED}:{index}")
    woman = rng.random() < 0.55
    surname = rng.choice(MALE_SURNAMES)
    surname = feminine_surname(surname) if woman else surname
    first_name = rng.choice(FEMALE_FIRST_NAMES if woman else MALE_FIRST_NAMES)
    patronymic = rng.choice(PATRONYMICS)[1 if woman else 0]
    house = ADDRESS_FORMS["house"].format(house=rng.randint(1, 120))
    building = ADDRESS_FORMS["building"].format(building=rng.randint(1, 3)) if rng.random() < 0.1 else ""
    flat = ADDRESS_FORMS["flat"].format(flat=rng.randint(1, 180)) if rng.random() < 0.85 else ""  # or a house
    phone = f"+7{rng.choice(MOBILE_CODES)}{rng.randrange(10**7):07d}" if rng.random() < 0.7 else None
    email = None
    if rng.random() < 0.4:
        email = f"{first_name[0]}.{surname}{rng.randint(1, 99)}@example.ru".lower().translate(TRANSLITERATION)
    habit = rng.choices(("punctual", "rounds_up", "in_arrears"), weights=(70, 15, 15))[0]
    account = {
        "number": str(NUMBER_BASE + index * NUMBER_STEP + rng.randrange(NUMBER_STEP)),
        "surname": surname,
        "surname_key": surname_key(surname),
        "first_name": first_name,
        "patronymic": patronymic,
        "address": ADDRESS_FORMS["whole"].format(town=TOWN, street=rng.choice(STREETS), house=house, building=building,
                                                 flat=flat),
        "email": email,
        "phone": phone,
        "updated_at": clock.now(),
    }
    return DemoHousehold(index, account, rng.uniform(140, 300), habit, rng.randint(2, 5))


def _periods(today: date) -> list[str]:
    """The twelve billing months that end with the last full month, oldest first."""
    months = today.year * 12 + today.month - 1
    return [f"{m // 12}-{m % 12 + 1:02d}" for m in range(months - MONTHS, months)]


def _charges(household: DemoHousehold, account_id: int, periods: list[str]) -> list[Row]:
    """A year of monthly charges: more kWh in winter, the tariff indexed on 1 July."""
    last_july = max(period for period in periods if period.endswith("-07"))
    charges = []
    for period in periods:
        # A seed per month keeps a month's figures when a later run's year has moved on.
        rng = random.Random(f"{DEMO_SEED}:{household.index}:{period}")
        winter = 1 + 0.25 * math.cos(2 * math.pi * (int(period[5:]) - 1) / 12)  # January uses most, July least
        kwh = round(min(400, max(100, household.base_kwh * winter * rng.uniform(0.9, 1.1))))
        tariff_kop = TARIFF_KOP if period >= last_july else EARLIER_TARIFF_KOP
        charges.append(
            {
                "account_id": account_id,
                "period": period,
                "zone": "",
                "kwh": float(kwh),
                "amount_kop": round(kwh * tariff_kop),
                "tariff_kop": tariff_kop,
            }
        )
    return charges


def _payments(household: DemoHousehold, charges: list[Row], today: date) -> list[Row]:
    """Payments in the month after each charge, as the household's habit has it; none in the future."""
    payments = []
    due_kop = 0
    for position, charge in enumerate(charges):
        rng = random.Random(f"{DEMO_SEED}:{household.index}:{charge['period']}:payment")
        year, month = int(charge["period"][:4]), int(charge["period"][5:])
        paid_on = date(year + month // 12, month % 12 + 1, rng.randint(3, 25))
        due_kop += charge["amount_kop"]
        stopped = household.habit == "in_arrears" and position >= len(charges) - household.arrears_months
        forgot = household.habit == "punctual" and rng.random() < 0.08  # and pays both months next time
        if stopped or forgot or paid_on > today:
            continue
        paid_kop = math.ceil(due_kop / 10_000) * 10_000 if household.habit == "rounds_up" else due_kop
        payments.append({"account_id": charge["account_id"], "paid_on": paid_on, "amount_kop": paid_kop, "seq": 0})
        due_kop = 0
    return payments


def _meter_reading(household: DemoHousehold, meter_id: int, charges: list[Row]) -> Row:
    """The meter's reading at the end of the last charged month: where it started a year ago plus the year's kWh."""
    rng = random.Random(f"{DEMO_SEED}:{household.index}:meter")
    last_period = charges[-1]["period"]
    return {
        "meter_id": meter_id,
        "period": last_period,
        "source": SOURCE_BILLING,
        "value1": float(rng.randint(2_000, 40_000) + sum(round(charge["kwh"]) for charge in charges)),
        "value2": None,
        "value3": None,
        "read_on": date.fromisoformat(f"{last_period}-25"),
    }


@dataclass(frozen=True)
class DemoSummary:
    """What a seeding made: the town, the accounts, their charges over the months from first to last, and payments."""

    town: str
    accounts: int
    charges: int
    payments: int
    first_period: str
    last_period: str


def seed_demo(accounts: int = 200) -> DemoSummary:
    """Upsert `accounts` demo households with twelve months of charges and payments and a meter; a rerun changes nothing."""
    today = clock.today()
    periods = _periods(today)
    account_count = charge_count = payment_count = 0
    for start in range(0, accounts, BATCH_ACCOUNTS):
        households = [_household(index) for index in range(start, min(start + BATCH_ACCOUNTS, accounts))]
        with session_scope() as session:
            upsert_accounts([household.account for household in households], session=session)
            ids = account_ids([household.account["number"] for household in households], session=session)
            charges, payments, own_charges = [], [], {}
            for household in households:
                own_charges[household.index] = _charges(household, ids[household.account["number"]], periods)
                charges += own_charges[household.index]
                payments += _payments(household, own_charges[household.index], today)
            upsert_charges(charges, session=session)
            insert_payments(payments, session=session)
            # One single-zone meter per household, numbered after its account.
            meters = [{"account_id": ids[h.account["number"]], "number": h.account["number"][-8:], "zones": 1} for h in households]
            meter_ids = upsert_meters(meters, session=session)
            upsert_billing_readings(
                [
                    _meter_reading(h, meter_ids[(ids[h.account["number"]], h.account["number"][-8:])], own_charges[h.index])
                    for h in households
                ],
                session=session,
            )
        account_count += len(households)
        charge_count += len(charges)
        payment_count += len(payments)
    return DemoSummary(TOWN, account_count, charge_count, payment_count, periods[0], periods[-1])


def database_is_empty(*, session: Session) -> bool:
    """Whether no billing account has been imported or seeded yet."""
    return session.exec(select(BillingAccount.id).limit(1)).first() is None
