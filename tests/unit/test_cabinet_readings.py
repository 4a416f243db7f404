"""The cabinet's money and meters: history, breakdown, payment link, the reading rules, the export, the query count."""

import io
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import event
from sqlmodel import select

from lk_app import clock, db
from lk_app.__main__ import main
from lk_app.models import Charge, Meter, MeterReading, OutboxMessage
from lk_app.models.meters import SOURCE_BILLING, SOURCE_LK
from lk_app.services.cabinet import cabinet_view
from lk_app.services.history import account_history, payment_url
from lk_app.services.readings import ReadingWindow, export_readings, readings_form, submit_readings
from lk_app.texts.cabinet import (
    field_messages,
    month_name,
    month_name_lower,
    reading_label,
    sent_note,
    submission_message,
    window_note,
)
from tests.unit.factories import billing_account, link, lk_user, payment

NOVEMBER_20 = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


def move_clock_to(moment: datetime) -> None:
    """Set LK's clock to `moment` (the fixtures reset it)."""
    clock.reset()
    clock.move(moment - clock.now())


def customer(session, *, zones: int = 2, last: tuple[float, ...] = (1000.0, 500.0), months: int = 12, kwh: float = 150.0):
    """An LK with an account of `months` months of charges (day/night) and payments, and one meter."""
    user = lk_user(session)
    account = billing_account(session)
    link(session, user, account, primary=True)
    for back in range(1, months + 1):
        index = 2026 * 12 + 10 - back  # months before November 2026
        period = f"{index // 12}-{index % 12 + 1:02d}"
        session.add(Charge(account_id=account.id, period=period, zone="день", kwh=kwh * 2 / 3, amount_kop=round(kwh * 2 / 3 * 650), tariff_kop=650))
        session.add(Charge(account_id=account.id, period=period, zone="ночь", kwh=kwh / 3, amount_kop=round(kwh / 3 * 325), tariff_kop=325))
        payment(session, account, date(index // 12, index % 12 + 1, 10), 80000)
    meter = Meter(account_id=account.id, number="M-1", zones=zones)
    session.add(meter)
    session.flush()
    values = list(last) + [None] * (3 - len(last))
    session.add(MeterReading(meter_id=meter.id, period="2026-10", source=SOURCE_BILLING, value1=values[0], value2=values[1],
                             value3=values[2], read_on=date(2026, 10, 25)))
    session.commit()
    return user, account, meter


def submit(user, number, texts, *, confirm_jump=False):
    return db.run(submit_readings, user.id, number, texts, confirm_jump=confirm_jump)


def lk_readings(meter_id):
    with db.session_scope() as session:
        return session.exec(select(MeterReading).where(MeterReading.meter_id == meter_id, MeterReading.source == SOURCE_LK)).all()


# --- the window ---

def test_the_window_says_until_when_or_from_when():
    window = ReadingWindow(15, 26)
    assert window.is_open(date(2026, 11, 15)) and window.is_open(date(2026, 11, 26))
    assert not window.is_open(date(2026, 11, 14)) and not window.is_open(date(2026, 11, 27))
    assert window_note(window, date(2026, 11, 20)) == "Показания принимаются с 15 по 26 число. Приём открыт до 26 ноября."
    assert window_note(window, date(2026, 11, 27)) == "Показания принимаются с 15 по 26 число. Следующий приём — с 15 декабря."
    assert window_note(window, date(2026, 11, 3)).endswith("Следующий приём — с 15 ноября.")
    assert window_note(window, date(2026, 12, 30)).endswith("Следующий приём — с 15 января.")


def test_outside_the_window_nothing_is_stored(session):
    user, account, meter = customer(session)
    move_clock_to(NOVEMBER_20 + timedelta(days=7))

    outcome = submit(user, account.number, {f"m{meter.id}z1": "1100", f"m{meter.id}z2": "550"})

    assert not outcome.accepted
    assert submission_message(outcome).endswith("Следующий приём — с 15 декабря.")
    assert lk_readings(meter.id) == []
    assert db.run(readings_form, user.id, account.number).open is False


# --- the form and the rules ---

def test_one_field_per_zone_with_the_last_reading_beside_it(session):
    user, account, meter = customer(session, zones=3, last=(1000.0, 500.0, 250.5))
    move_clock_to(NOVEMBER_20)

    form = db.run(readings_form, user.id, account.number)

    assert form.open
    assert [(slot.key, reading_label(slot), slot.last) for slot in form.slots] == [
        (f"m{meter.id}z1", "Счётчик M-1, пик", "1\u00a0000 (25.10.2026)"),
        (f"m{meter.id}z2", "Счётчик M-1, полупик", "500 (25.10.2026)"),
        (f"m{meter.id}z3", "Счётчик M-1, ночь", "250,5 (25.10.2026)"),
    ]


def test_an_accepted_submission_is_stored_with_time_and_source_and_mailed(session):
    user, account, meter = customer(session)
    move_clock_to(NOVEMBER_20)

    outcome = submit(user, account.number, {f"m{meter.id}z1": "1 120,5", f"m{meter.id}z2": "560"})

    assert outcome.accepted, outcome
    assert submission_message(outcome) == "Показания за ноябрь 2026 приняты. Исправить их можно до 26 ноября."
    [reading] = lk_readings(meter.id)
    assert (reading.period, reading.value1, reading.value2, reading.user_id) == ("2026-11", 1120.5, 560.0, user.id)
    assert abs(reading.submitted_at - NOVEMBER_20) < timedelta(seconds=5)
    with db.session_scope() as s:
        [mail] = s.exec(select(OutboxMessage)).all()
    assert mail.recipient == "anna@example.ru" and mail.subject.startswith("Показания приняты")
    assert "Счётчик M-1, день: 1\u00a0120,5" in mail.body_text and "*****0300" in mail.body_text


def test_a_reading_lower_than_the_last_is_refused_by_its_field(session):
    user, account, meter = customer(session)
    move_clock_to(NOVEMBER_20)

    outcome = submit(user, account.number, {f"m{meter.id}z1": "999", f"m{meter.id}z2": "abc"})

    assert not outcome.accepted
    assert field_messages(outcome) == {
        f"m{meter.id}z1": "Меньше последнего принятого показания (1\u00a0000).",
        f"m{meter.id}z2": "Укажите число, например 12345 или 12345,6.",
    }
    assert lk_readings(meter.id) == []


def test_every_zone_of_a_meter_is_needed_and_something_must_be_given(session):
    user, account, meter = customer(session)
    move_clock_to(NOVEMBER_20)

    assert field_messages(submit(user, account.number, {f"m{meter.id}z1": "1100"})) == {f"m{meter.id}z2": "Укажите показание."}
    assert submission_message(submit(user, account.number, {})) == "Укажите показания хотя бы одного счётчика."


def test_a_jump_over_three_usual_months_asks_to_confirm(session):
    user, account, meter = customer(session, kwh=150.0)  # 150 kWh a month
    move_clock_to(NOVEMBER_20)
    jump = {f"m{meter.id}z1": "1400", f"m{meter.id}z2": "600"}  # 500 kWh in a month

    asked = submit(user, account.number, jump)
    assert (asked.accepted, asked.jump) == (False, True)
    assert "500 кВт·ч" in submission_message(asked) and "150 кВт·ч" in submission_message(asked)
    assert lk_readings(meter.id) == []

    assert submit(user, account.number, jump, confirm_jump=True).accepted
    assert submit(user, account.number, {f"m{meter.id}z1": "1300", f"m{meter.id}z2": "640"}).accepted  # 440: under 3×


def test_a_submission_is_corrected_in_place_until_the_window_closes(session):
    user, account, meter = customer(session)
    move_clock_to(NOVEMBER_20)
    submit(user, account.number, {f"m{meter.id}z1": "1100", f"m{meter.id}z2": "550"})
    move_clock_to(NOVEMBER_20 + timedelta(days=2))

    corrected = submit(user, account.number, {f"m{meter.id}z1": "1090", f"m{meter.id}z2": "545"})

    assert corrected.accepted
    assert submission_message(corrected).startswith("Исправленные показания за ноябрь 2026 приняты")
    [reading] = lk_readings(meter.id)
    assert (reading.value1, reading.value2) == (1090.0, 545.0)
    assert reading.submitted_at.date() == date(2026, 11, 22)
    form = db.run(readings_form, user.id, account.number)
    assert [slot.current for slot in form.slots] == ["1\u00a0090", "545"]
    assert [slot.last for slot in form.slots] == ["1\u00a0000 (25.10.2026)", "500 (25.10.2026)"]  # the baseline, not our own
    assert sent_note(form).startswith("Показания за ноябрь 2026 переданы 22.11.2026")

    move_clock_to(NOVEMBER_20 + timedelta(days=7))
    assert not submit(user, account.number, {f"m{meter.id}z1": "1095", f"m{meter.id}z2": "546"}).accepted
    assert [(r.value1, r.value2) for r in lk_readings(meter.id)] == [(1090.0, 545.0)]


def test_another_lks_account_is_not_reachable(session):
    user, account, meter = customer(session)
    stranger = lk_user(session, login="stranger", email="s@example.ru")
    session.commit()
    move_clock_to(NOVEMBER_20)

    assert db.run(readings_form, stranger.id, account.number) is None
    assert not submit(stranger, account.number, {f"m{meter.id}z1": "1100", f"m{meter.id}z2": "550"}).accepted
    assert lk_readings(meter.id) == []


# --- the export ---

def test_export_readings_writes_the_months_lk_readings_as_csv(session):
    user, account, meter = customer(session)
    move_clock_to(NOVEMBER_20)
    submit(user, account.number, {f"m{meter.id}z1": "1120,5", f"m{meter.id}z2": "560"})

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["export-readings", "--period", "2026-11"]) == 0

    assert out.getvalue().splitlines() == [
        "account_number,meter_number,period,zones,readings,submitted_at",
        f"100200300,M-1,2026-11,2,1120.5/560,{lk_readings(meter.id)[0].submitted_at.isoformat(timespec='seconds')}",
    ]
    assert "Показаний за 2026-11: 1" in err.getvalue()
    assert db.run(export_readings, "2026-10") == []  # billing's own readings are not sent back
    with redirect_stderr(io.StringIO()) as bad:
        assert main(["export-readings", "--period", "2026-13"]) == 2
    assert "ГГГГ-ММ" in bad.getvalue()


# --- history, breakdown, payment ---

def test_history_has_twelve_months_and_the_breakdown_adds_up(session):
    user, account, _ = customer(session, kwh=150.0)
    move_clock_to(NOVEMBER_20)

    history = db.run(account_history, user.id, account.number)

    # November has no charge or payment yet: the twelve months end with October.
    assert [month.period for month in history.months] == ["2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 11)]
    october = history.months[-1]
    assert (month_name(october.period), october.kwh, october.charged, october.paid) == ("Октябрь 2026", "150", "812,50\u00a0₽", "800,00\u00a0₽")
    assert month_name_lower(history.breakdown_period) == "октябрь 2026"
    assert [(b.zone, b.kwh, b.tariff, b.amount) for b in history.breakdown] == [
        ("День", "100", "6,50\u00a0₽", "650,00\u00a0₽"),
        ("Ночь", "50", "3,25\u00a0₽", "162,50\u00a0₽"),
    ]
    with db.session_scope() as s:
        october_total = sum(c.amount_kop for c in s.exec(select(Charge).where(Charge.period == "2026-10")).all())
    assert history.breakdown_total_kop == october_total == 81250
    assert history.to_pay_kop == 12 * (81250 - 80000)
    # No LK_PAYMENT_URL, and no provider here: demo mode, whose stand-in page takes the account and amount.
    assert history.payment_url.endswith(f"/dev/pay?account={account.number}&amount=150.00")


def test_a_payment_this_month_brings_this_month_into_the_history(session):
    user, account, _ = customer(session, months=3)
    payment(session, account, date(2026, 11, 2), 50000)
    session.commit()
    move_clock_to(NOVEMBER_20)

    months = db.run(account_history, user.id, account.number).months

    assert [month.period for month in months] == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert (months[-1].charged_rubles, months[-1].paid_rubles) == (0, 500)


def test_the_payment_link_fills_account_and_amount():
    template = "https://pay.example.ru/?acc={account}&sum={amount}&x={other}"
    assert payment_url(template, "100200300", 1234567) == "https://pay.example.ru/?acc=100200300&sum=12345.67&x={other}"
    assert payment_url(template, "100 200", 5) == "https://pay.example.ru/?acc=100%20200&sum=0.05&x={other}"
    assert payment_url(None, "100200300", 100) == ""


def test_the_payment_link_comes_from_lk_payment_url(session, settings):
    user, account, _ = customer(session)
    settings(LK_PAYMENT_URL="https://pay.example.ru/{account}?amount={amount}")

    history = db.run(account_history, user.id, account.number)

    assert history.payment_url == "https://pay.example.ru/100200300?amount=150.00"


def test_the_cabinet_loads_with_a_fixed_number_of_queries(session):
    user, account, meter = customer(session, months=12)
    session.add(Meter(account_id=account.id, number="M-2", zones=1))
    session.commit()
    move_clock_to(NOVEMBER_20)
    statements = []

    def count(*_args):
        statements.append(1)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        view = db.run(cabinet_view, user.id)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(view.page.readings.slots) == 3 and len(view.page.history.months) == 12
    # cabinet_accounts 2, account_card 5, account_history 6 (LK payments that billing has not brought yet: one
    # each), readings_form 3, account_bills 2: however many months and meters, in one transaction.
    assert len(statements) == 18
