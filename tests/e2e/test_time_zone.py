"""The supplier's time in a real browser: sessions shown in Moscow time, the readings window by Moscow's date."""

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from lk_app import clock, db
from lk_app.billing.importer import import_billing_dir
from lk_app.models import BillingAccount, Meter, MeterReading
from lk_app.models.meters import SOURCE_LK
from lk_app.settings import get_settings
from tests.e2e.helpers import Customer, confirmed_lk, load_customer, log_in

METER = "TZ-3001"
# 00:30 on 15 November in Moscow (UTC+3), still 21:30 on the 14th in UTC.
MOSCOW_MIDNIGHT = datetime(2026, 11, 14, 21, 30, tzinfo=timezone.utc)
# 00:30 on 30 November in Moscow, the last day of a 30-day month; in UTC still the 29th.
NOVEMBER_30_IN_MOSCOW = datetime(2026, 11, 29, 21, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def customer(lk) -> Customer:
    """One LK for the module, as first login leaves it once confirmed, with a single-zone meter read in October."""
    customer = load_customer()
    confirmed_lk(customer)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "meters.csv").write_text(
            f"account_number;meter_number;zones;last_reading;read_on\n{customer.number};{METER};1;1000;25.10.2026\n",
            encoding="utf-8",
        )
        problems = []
        assert not import_billing_dir(Path(tmp), on_problem=problems.append).had_errors, problems
    return customer


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """LK's clock (the app runs in this process) at `moment`, running on from there; put back afterwards."""
    clock.reset()
    clock.move(moment - clock.now())
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture
def window_25_31(monkeypatch) -> Iterator[None]:
    """LK_READINGS_WINDOW=25-31 for the app under test; the settings are put back afterwards."""
    monkeypatch.setenv("LK_READINGS_WINDOW", "25-31")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_current_session_is_shown_in_moscow_time(page: Page, customer: Customer):
    with clock_at(MOSCOW_MIDNIGHT):
        log_in(page, customer.number)
        expect(page).to_have_url(re.compile(r"/cabinet/?$"))
        page.goto("/settings")
        expect(page.get_by_role("heading", name="Активные сеансы")).to_be_visible()
        # The session's last activity: 00:3x in Moscow (the clock runs on from 00:30), not 21:3x UTC of the 14th.
        expect(page.get_by_text(re.compile(r"последняя активность 15\.11\.2026 в 00:3\d$")).first).to_be_visible()
        expect(page.get_by_text("14.11.2026")).to_have_count(0)
        expect(page.get_by_text("UTC")).to_have_count(0)


def test_the_window_25_31_is_open_on_the_30th_of_november_in_moscow(page: Page, customer: Customer, window_25_31):
    with clock_at(NOVEMBER_30_IN_MOSCOW):
        log_in(page, customer.number)
        expect(page).to_have_url(re.compile(r"/cabinet/?$"))
        expect(page.locator("#readings-window")).to_have_text(
            "Показания принимаются с 25 по 31 число. Приём открыт до 30 ноября."
        )
        page.get_by_label(f"Счётчик {METER}", exact=True).fill("1100")
        page.get_by_role("button", name="Передать показания").click()
        # Accepted, or on the second screen's run corrected: the module's LK sent the same reading before.
        expect(page.get_by_text(re.compile(r"показания за ноябрь 2026 приняты", re.IGNORECASE))).to_be_visible()

    def november_readings(session) -> list[float]:
        return session.exec(
            select(MeterReading.value1)
            .join(Meter, Meter.id == MeterReading.meter_id)
            .join(BillingAccount, BillingAccount.id == Meter.account_id)
            .where(BillingAccount.number == customer.number, MeterReading.period == "2026-11",
                   MeterReading.source == SOURCE_LK)
        ).all()

    assert db.run(november_readings) == [1100.0]
