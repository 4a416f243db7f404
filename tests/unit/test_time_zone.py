"""The supplier's time: LK_TIMEZONE for every «today» and every time shown, and LK_READINGS_WINDOW's days 1-31."""

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from lk_app import clock, db
from lk_app.models import AuditEntry, Meter, MeterReading
from lk_app.models.meters import SOURCE_BILLING
from lk_app.services.audit import audit_log
from lk_app.services.history import account_history
from lk_app.services.profile import active_sessions
from lk_app.services.readings import ReadingWindow, readings_form, submit_readings
from lk_app.services.sessions import issue_login_grant, redeem_login_grant
from lk_app.texts.cabinet import sent_note, window_note
from tests.unit.factories import billing_account, link, lk_user, payment

# 00:30 on 15 November in Moscow (UTC+3), still the 14th in UTC: the window 15-26 has opened.
MOSCOW_MIDNIGHT = datetime(2026, 11, 14, 21, 30, tzinfo=timezone.utc)


def move_clock_to(moment: datetime) -> None:
    """Set LK's clock to `moment` (the database fixtures reset it)."""
    clock.reset()
    clock.move(moment - clock.now())


def customer_with_meter(session):
    """An LK with one linked account and a single-zone meter read by billing in October."""
    user = lk_user(session)
    account = billing_account(session)
    link(session, user, account, primary=True)
    meter = Meter(account_id=account.id, number="M-1", zones=1)
    session.add(meter)
    session.flush()
    session.add(MeterReading(meter_id=meter.id, period="2026-10", source=SOURCE_BILLING, value1=1000.0,
                             read_on=date(2026, 10, 25)))
    session.commit()
    return user, account, meter


# --- the zone ---

def test_the_clock_shows_and_counts_the_day_in_the_suppliers_zone(clean_db):
    move_clock_to(MOSCOW_MIDNIGHT)
    assert clock.now().date() == date(2026, 11, 14)  # stored times stay UTC
    assert clock.today() == date(2026, 11, 15)
    assert clock.local(MOSCOW_MIDNIGHT).utcoffset() == timedelta(hours=3)
    assert clock.shown(MOSCOW_MIDNIGHT) == "15.11.2026 в 00:30"
    clock.move(timedelta(hours=-1))
    assert clock.today() == date(2026, 11, 14)  # 23:30 in Moscow: the clock's moves are followed


def test_lk_timezone_names_the_zone(settings, clean_db):
    settings(LK_TIMEZONE="Asia/Vladivostok")  # UTC+10
    move_clock_to(MOSCOW_MIDNIGHT)
    assert clock.shown(MOSCOW_MIDNIGHT) == "15.11.2026 в 07:30"
    assert clock.today() == date(2026, 11, 15)
    settings(LK_TIMEZONE="UTC")
    assert clock.shown(MOSCOW_MIDNIGHT) == "14.11.2026 в 21:30"
    assert clock.today() == date(2026, 11, 14)


@pytest.mark.parametrize("zone", ["Nope/Zone", "", "Europe", "../etc/passwd", "Europe/Moscow "])
def test_an_unknown_zone_stops_the_settings_from_loading(settings, zone):
    with pytest.raises(ValidationError, match="LK_TIMEZONE=.* is refused: not a known time zone.*Europe/Moscow"):
        settings(LK_TIMEZONE=zone)


# --- «today» is the supplier's ---

def test_the_window_opens_at_midnight_in_moscow_not_in_utc(session):
    user, account, meter = customer_with_meter(session)
    move_clock_to(MOSCOW_MIDNIGHT - timedelta(hours=1))  # 23:30 on the 14th in Moscow
    assert not db.run(readings_form, user.id, account.number).open
    assert not db.run(submit_readings, user.id, account.number, {f"m{meter.id}z1": "1100"}, confirm_jump=False).accepted

    move_clock_to(MOSCOW_MIDNIGHT)
    form = db.run(readings_form, user.id, account.number)
    assert form.open and form.today == date(2026, 11, 15)
    outcome = db.run(submit_readings, user.id, account.number, {f"m{meter.id}z1": "1100"}, confirm_jump=False)
    assert outcome.accepted, outcome
    form = db.run(readings_form, user.id, account.number)
    assert sent_note(form) == "Показания за ноябрь 2026 переданы 15.11.2026 в 00:30."


def test_the_billing_month_turns_at_midnight_in_moscow(session):
    user, account, _meter = customer_with_meter(session)
    payment(session, account, date(2026, 12, 1), 50000)  # paid just after midnight: December has begun
    session.commit()
    move_clock_to(datetime(2026, 11, 30, 21, 30, tzinfo=timezone.utc))  # 00:30 on 1 December in Moscow

    history = db.run(account_history, user.id, account.number)

    assert history.months[-1].period == "2026-12"
    assert db.run(readings_form, user.id, account.number).period == "2026-12"


# --- times shown ---

def test_sessions_are_listed_in_moscow_time(session):
    user = lk_user(session)
    move_clock_to(MOSCOW_MIDNIGHT)
    here = redeem_login_grant(*issue_login_grant(user.id, session=session), ip="203.0.113.5", user_agent="test",
                              session=session)

    [row] = active_sessions(user.id, here, session=session)

    assert row.current and row.last_seen == "15.11.2026 в 00:30"


def test_the_audit_log_is_shown_in_moscow_time(session):
    operator = lk_user(session, login="op.olga", email=None, role="operator")
    move_clock_to(MOSCOW_MIDNIGHT)
    session.add(AuditEntry(operator_id=operator.id, action="search", detail="100200300"))
    session.commit()

    [line] = audit_log(operator.id, session=session)

    assert line.at == "15.11.2026 в 00:30"


# --- LK_READINGS_WINDOW ---

@pytest.mark.parametrize(("setting", "days"), [("15-26", (15, 26)), ("1-31", (1, 31)), ("25-31", (25, 31)),
                                               (" 5 - 05 ", (5, 5))])
def test_a_window_of_days_1_to_31_loads(settings, setting, days):
    assert settings(LK_READINGS_WINDOW=setting).readings_days == days


@pytest.mark.parametrize("setting", ["0-5", "20-10", "1-32", "x", "", "15", "15-26-30", "-3-5", "15–26"])
def test_a_wrong_window_stops_the_settings_from_loading(settings, setting):
    with pytest.raises(ValidationError, match="LK_READINGS_WINDOW=.* is refused: expected FIRST-LAST.*1 to 31.*15-26"):
        settings(LK_READINGS_WINDOW=setting)


def test_an_end_past_a_30_day_month_is_its_last_day():
    window = ReadingWindow(25, 31)
    november_30 = date(2026, 11, 30)
    assert window.is_open(november_30) and window.is_open(date(2026, 11, 25)) and not window.is_open(date(2026, 11, 24))
    assert window.closes(november_30) == november_30
    assert window.next_opening(november_30) == date(2026, 12, 25)
    assert window.next_opening(date(2026, 11, 3)) == date(2026, 11, 25)
    assert window_note(window, november_30) == "Показания принимаются с 25 по 31 число. Приём открыт до 30 ноября."
    assert window.closes(date(2026, 12, 27)) == date(2026, 12, 31) and window.is_open(date(2026, 12, 31))


@pytest.mark.parametrize(("year", "last"), [(2027, 28), (2028, 29)])
def test_february_ends_the_window_on_its_last_day(year, last):
    window = ReadingWindow(25, 31)
    february_end = date(year, 2, last)
    assert window.is_open(february_end) and window.closes(date(year, 2, 25)) == february_end
    assert window.next_opening(february_end) == date(year, 3, 25)
    # A start past the month's length is its last day too: 30-31 is February's last day alone.
    late = ReadingWindow(30, 31)
    assert not late.is_open(february_end - timedelta(days=1)) and late.is_open(february_end)
    assert late.next_opening(date(year, 2, 10)) == february_end
    assert late.next_opening(date(year, 1, 31)) == february_end
    assert late.next_opening(february_end) == date(year, 3, 30)


def test_december_opens_next_in_january_of_the_next_year():
    assert ReadingWindow(15, 26).next_opening(date(2026, 12, 27)) == date(2027, 1, 15)
    window = ReadingWindow(25, 31)
    assert window.is_open(date(2026, 12, 31)) and window.closes(date(2026, 12, 31)) == date(2026, 12, 31)
    assert window.next_opening(date(2026, 12, 31)) == date(2027, 1, 25)
    assert ReadingWindow(1, 31).next_opening(date(2026, 12, 31)) == date(2027, 1, 1)


def test_a_page_with_the_window_1_31_renders_on_the_last_day_of_a_short_month(session, settings):
    settings(LK_READINGS_WINDOW="1-31")
    user, account, _meter = customer_with_meter(session)
    move_clock_to(datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc))

    form = db.run(readings_form, user.id, account.number)

    assert form.open
    assert window_note(form.window, form.today) == "Показания принимаются с 1 по 31 число. Приём открыт до 30 ноября."
