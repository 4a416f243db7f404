"""Meter readings from LK: the reading window, the form, a submission's checks and the export for billing."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from lk_app.clock import now
from lk_app.messaging.outbox import queue_email
from lk_app.models import AccountLink, BillingAccount, Charge, LkUser, Meter, MeterReading
from lk_app.models.meters import SOURCE_LK
from lk_app.services.accounts import masked_number
from lk_app.services.history import kwh_text
from lk_app.services.months import day_and_month, month_index, month_name_lower, period_of
from lk_app.settings import get_settings

JUMP_FACTOR = 3  # more than this many usual months of consumption in one month is asked about
USUAL_MONTHS = 12
ZONE_NAMES = {1: ("",), 2: ("день", "ночь"), 3: ("пик", "полупик", "ночь")}
_READING = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?")

WINDOW_OPEN = "Показания принимаются с {first} по {last} число. Приём открыт до {closes}."
WINDOW_CLOSED = "Показания принимаются с {first} по {last} число. Следующий приём — с {opens}."
EMPTY_FIELD = "Укажите показание."
BAD_FIELD = "Укажите число, например 12345 или 12345,6."
LOWER = "Меньше последнего принятого показания ({last})."
NOTHING_GIVEN = "Укажите показания хотя бы одного счётчика."
JUMP = ("Расход получается {consumption} кВт·ч в месяц — больше чем втрое выше обычного ({usual} кВт·ч). "
        "Проверьте показания; если они верны, отметьте «Да, показания верны» и передайте их ещё раз.")
ACCEPTED = "Показания за {month} приняты. Исправить их можно до {closes}."
CORRECTED = "Исправленные показания за {month} приняты. Исправить их снова можно до {closes}."
NOT_ACCEPTED_NOW = "Сейчас показания не принимаются."


@dataclass(frozen=True)
class ReadingWindow:
    """The days of the month when readings are accepted, both included."""

    first_day: int
    last_day: int

    def is_open(self, today: date) -> bool:
        """Whether readings are accepted today."""
        return self.first_day <= today.day <= self.last_day

    def closes(self, today: date) -> date:
        """The window's last day in this month."""
        return today.replace(day=self.last_day)

    def next_opening(self, today: date) -> date:
        """The first day of the next window that has not begun yet."""
        if today.day < self.first_day:
            return today.replace(day=self.first_day)
        month = today.year * 12 + today.month  # the next month, counted from 0
        return date(month // 12, month % 12 + 1, self.first_day)

    def note(self, today: date) -> str:
        """«Показания принимаются с 15 по 26 число…» with when the window closes or opens next."""
        if self.is_open(today):
            return WINDOW_OPEN.format(first=self.first_day, last=self.last_day, closes=day_and_month(self.closes(today)))
        return WINDOW_CLOSED.format(first=self.first_day, last=self.last_day, opens=day_and_month(self.next_opening(today)))


def reading_window(setting: str | None = None) -> ReadingWindow:
    """The window of LK_READINGS_WINDOW («15-26»: days 15 to 26; days 1–28, so every month has them)."""
    text = get_settings().readings_window if setting is None else setting
    match = re.fullmatch(r"\s*([0-9]{1,2})\s*-\s*([0-9]{1,2})\s*", text)
    if match is None or not 1 <= int(match[1]) <= int(match[2]) <= 28:
        raise ValueError(f"LK_READINGS_WINDOW={text!r}: expected two days of the month, 1-28, like 15-26")
    return ReadingWindow(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class ReadingSlot:
    """One field of the form: a meter's zone, its last accepted reading and this month's LK reading."""

    key: str  # the input's name: m<meter id>z<zone>
    label: str
    last: str  # "" when the meter has no reading yet
    current: str  # "" when nothing was sent this month


@dataclass(frozen=True)
class ReadingsForm:
    """What the «Передать показания» section shows."""

    open: bool
    window_note: str
    slots: list[ReadingSlot]
    sent_note: str  # when this month's readings were sent, "" when not yet


@dataclass
class SubmissionOutcome:
    """Field errors by slot key, a form-wide message, and whether a jump asks to be confirmed."""

    accepted: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    jump: bool = False


def reading_text(value: float) -> str:
    """A reading as LK shows it: «12 345» or «12 345,6»."""
    return kwh_text(value)


def _export_value(value: float) -> str:
    """A reading for the billing system: a dot, no needless decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _values(reading: MeterReading, zones: int) -> list[float]:
    return [reading.value1, reading.value2, reading.value3][:zones]


@dataclass
class _MeterState:
    """A meter with its baseline (the last accepted reading before this month's LK one) and this month's LK reading."""

    meter: Meter
    baseline: MeterReading | None = None
    current: MeterReading | None = None


def _own_account_id(user_id: int, number: str, *, session: Session) -> int | None:
    return session.exec(
        select(BillingAccount.id)
        .join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user_id, BillingAccount.number == number)
    ).first()


def _meters(account_id: int, period: str, *, session: Session) -> list[_MeterState]:
    """The account's meters with their baselines and this month's LK readings: two queries however many meters."""
    meters = session.exec(select(Meter).where(Meter.account_id == account_id).order_by(Meter.number)).all()
    states = {meter.id: _MeterState(meter) for meter in meters}
    readings = session.exec(
        select(MeterReading)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .where(Meter.account_id == account_id)
        .order_by(MeterReading.period, MeterReading.id)
    ).all()
    for reading in readings:
        state = states[reading.meter_id]
        if reading.period == period and reading.source == SOURCE_LK:
            state.current = reading
        elif reading.period <= period:
            state.baseline = reading  # ordered by month: the last one wins
    return list(states.values())


def _label(meter: Meter, zone: int) -> str:
    name = ZONE_NAMES[meter.zones][zone - 1]
    return f"Счётчик {meter.number}" + (f", {name}" if name else "")


def _slots(states: list[_MeterState]) -> list[ReadingSlot]:
    slots = []
    for state in states:
        meter = state.meter
        for zone in range(1, meter.zones + 1):
            last = ""
            if state.baseline is not None:
                day = state.baseline.read_on or state.baseline.submitted_at.date()
                last = f"{reading_text(_values(state.baseline, meter.zones)[zone - 1])} ({day:%d.%m.%Y})"
            current = reading_text(_values(state.current, meter.zones)[zone - 1]) if state.current else ""
            slots.append(ReadingSlot(f"m{meter.id}z{zone}", _label(meter, zone), last, current))
    return slots


def _sent_note(states: list[_MeterState], period: str) -> str:
    sent = [state.current.submitted_at for state in states if state.current is not None]
    if not sent:
        return ""
    return f"Показания за {month_name_lower(period)} переданы {max(sent):%d.%m.%Y в %H:%M} (UTC)."


def readings_form(user_id: int, number: str, *, session: Session) -> ReadingsForm | None:
    """The readings section of one of the LK's own accounts; None when the account is not linked to it."""
    account_id = _own_account_id(user_id, number, session=session)
    if account_id is None:
        return None
    today = now().date()
    window = reading_window()
    states = _meters(account_id, period_of(today), session=session)
    return ReadingsForm(window.is_open(today), window.note(today), _slots(states), _sent_note(states, period_of(today)))


def parse_reading(text: str) -> float | None:
    """A reading typed by a customer («12345», «12 345,6»), or None when it is not one."""
    match = _READING.fullmatch("".join(text.split()))
    if match is None:
        return None
    return float(f"{match[1]}.{match[2] or 0}")


def _usual_monthly_kwh(account_id: int, *, session: Session) -> float:
    """The average consumption of the account's last charged months (0 when it has none)."""
    monthly = session.exec(
        select(func.sum(Charge.kwh))
        .where(Charge.account_id == account_id)
        .group_by(Charge.period)
        .order_by(Charge.period.desc())
        .limit(USUAL_MONTHS)
    ).all()
    positive = [kwh for kwh in monthly if kwh and kwh > 0]
    return sum(positive) / len(positive) if positive else 0.0


def submit_readings(
    user_id: int, number: str, texts: dict[str, str], *, confirm_jump: bool, session: Session
) -> SubmissionOutcome:
    """Check and store this month's readings of the account's meters; a second submission corrects the first."""
    account_id = _own_account_id(user_id, number, session=session)
    if account_id is None:
        return SubmissionOutcome(message=NOT_ACCEPTED_NOW)
    moment = now()
    today, period = moment.date(), period_of(moment.date())
    window = reading_window()
    if not window.is_open(today):
        return SubmissionOutcome(message=window.note(today))
    states = _meters(account_id, period, session=session)
    outcome = SubmissionOutcome()
    given: list[tuple[_MeterState, list[float]]] = []
    for state in states:
        keys = [f"m{state.meter.id}z{zone}" for zone in range(1, state.meter.zones + 1)]
        typed = [str(texts.get(key, "")).strip() for key in keys]
        if not any(typed):
            continue  # a meter left blank is not sent this time
        values = []
        for zone, (key, text) in enumerate(zip(keys, typed, strict=True)):
            value = parse_reading(text) if text else None
            if not text:
                outcome.errors[key] = EMPTY_FIELD
            elif value is None:
                outcome.errors[key] = BAD_FIELD
            elif state.baseline is not None and value < _values(state.baseline, state.meter.zones)[zone]:
                outcome.errors[key] = LOWER.format(last=reading_text(_values(state.baseline, state.meter.zones)[zone]))
            values.append(value)
        given.append((state, values))
    if not given:
        outcome.message = NOTHING_GIVEN
    if outcome.errors or outcome.message:
        return outcome

    usual = _usual_monthly_kwh(account_id, session=session)
    monthly = sum(
        (sum(values) - sum(_values(state.baseline, state.meter.zones)))
        / max(1, month_index(period) - month_index(state.baseline.period))
        for state, values in given
        if state.baseline is not None
    )
    if usual > 0 and monthly > JUMP_FACTOR * usual and not confirm_jump:
        return SubmissionOutcome(jump=True, message=JUMP.format(consumption=kwh_text(round(monthly)), usual=kwh_text(round(usual))))

    corrected = False
    for state, values in given:
        reading = state.current
        if reading is None:
            reading = MeterReading(meter_id=state.meter.id, period=period, source=SOURCE_LK, value1=values[0])
        else:
            corrected = True
        reading.value1, reading.value2, reading.value3 = (values + [None, None])[:3]
        reading.submitted_at = moment
        reading.user_id = user_id
        session.add(reading)
    session.flush()
    closes = day_and_month(window.closes(today))
    _mail_receipt(user_id, number, period, given, closes, session=session)
    text = CORRECTED if corrected else ACCEPTED
    return SubmissionOutcome(accepted=True, message=text.format(month=month_name_lower(period), closes=closes))


def _mail_receipt(user_id: int, number: str, period: str, given: list[tuple[_MeterState, list[float]]], closes: str,
                  *, session: Session) -> None:
    """The «Показания приняты» e-mail, in the submission's transaction; an LK without an e-mail gets the screen only."""
    email = session.exec(select(LkUser.email).where(LkUser.id == user_id)).first()
    if not email:
        return
    lines = "\n".join(
        f"{_label(state.meter, zone)}: {reading_text(value)}"
        for state, values in given
        for zone, value in enumerate(values, start=1)
    )
    queue_email(session=session, to=email, template="readings_accepted", account=masked_number(number),
                month=month_name_lower(period), readings=lines, closes=closes)


@dataclass(frozen=True)
class ExportedReading:
    """One row of the export for the billing system."""

    account_number: str
    meter_number: str
    period: str
    zones: int
    readings: str  # one per zone, `/`-separated, as in meters.csv
    submitted_at: datetime


EXPORT_COLUMNS = ("account_number", "meter_number", "period", "zones", "readings", "submitted_at")


def export_readings(period: str, *, session: Session) -> list[ExportedReading]:
    """The month's readings sent from LK, by account and meter number."""
    rows = session.exec(
        select(BillingAccount.number, Meter.number, Meter.zones, MeterReading)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .join(BillingAccount, BillingAccount.id == Meter.account_id)
        .where(MeterReading.period == period, MeterReading.source == SOURCE_LK)
        .order_by(BillingAccount.number, Meter.number)
    ).all()
    return [
        ExportedReading(account, meter, period, zones, "/".join(_export_value(v) for v in _values(reading, zones)),
                        reading.submitted_at)
        for account, meter, zones, reading in rows
    ]
