"""Meter readings from LK: the reading window, the form, a submission's checks and the export for billing."""

import calendar
import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from lk_app import clock
from lk_app.messaging.outbox import queue_email
from lk_app.models import BillingAccount, Charge, LkUser, Meter, MeterReading
from lk_app.models.meters import SOURCE_LK
from lk_app.services.accounts import masked_number, own_link
from lk_app.services.history import kwh_text
from lk_app.services.months import month_index, period_of
from lk_app.settings import get_settings

JUMP_FACTOR = 3  # more than this many usual months of consumption in one month is asked about
USUAL_MONTHS = 12
_READING = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?")


@dataclass(frozen=True)
class ReadingWindow:
    """The days of the month when readings are accepted, both included (LK_READINGS_WINDOW, 1-31).

    A day past a month's length means that month's last day, the first day as well as the last: 25-31 is the
    25th to the 30th in November and the 25th to the 28th (or 29th) in February, 30-31 is February's last day alone.
    """

    first_day: int
    last_day: int

    def _days(self, day: date) -> tuple[date, date]:
        """The window's first and last day in the month of `day`."""
        length = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=min(self.first_day, length)), day.replace(day=min(self.last_day, length))

    def is_open(self, today: date) -> bool:
        """Whether readings are accepted today."""
        first, last = self._days(today)
        return first <= today <= last

    def closes(self, today: date) -> date:
        """The window's last day in this month."""
        return self._days(today)[1]

    def next_opening(self, today: date) -> date:
        """The first day of the next window that has not begun yet."""
        first = self._days(today)[0]
        if today < first:
            return first
        month = today.year * 12 + today.month  # the next month, counted from 0
        return self._days(date(month // 12, month % 12 + 1, 1))[0]


def reading_window() -> ReadingWindow:
    """The window of LK_READINGS_WINDOW ("15-26": days 15 to 26), checked when the settings load."""
    return ReadingWindow(*get_settings().readings_days)


@dataclass(frozen=True)
class ReadingSlot:
    """One field of the form: a meter's zone, its last accepted reading and this month's LK reading."""

    key: str  # the input's name: m<meter id>z<zone>
    meter_number: str
    zones: int  # how many tariff zones the meter counts (1-3)
    zone: int  # which of them this field is, from 1
    last: str  # "" when the meter has no reading yet
    current: str  # "" when nothing was sent this month


@dataclass(frozen=True)
class ReadingsForm:
    """What the readings section shows: the window on the day it was read, the fields, when this month's were sent."""

    window: ReadingWindow
    today: date
    slots: list[ReadingSlot]
    period: str  # the billing month the readings are for
    sent_at: datetime | None  # the last time this month's readings were sent, None when not yet

    @property
    def open(self) -> bool:
        """Whether readings are accepted today."""
        return self.window.is_open(self.today)


class Submission(enum.Enum):
    """How a submission of readings ended."""

    ACCEPTED = "accepted"
    CORRECTED = "corrected"  # this month's readings sent before were replaced
    REFUSED = "refused"  # a field's reading is refused: see the outcome's errors
    NOTHING_GIVEN = "nothing_given"  # every field was left blank
    JUMP = "jump"  # the consumption is far above the usual: sent again with confirm_jump, it is accepted
    WINDOW_CLOSED = "window_closed"
    NOT_LINKED = "not_linked"  # the account is not the LK's own


class FieldProblem(enum.Enum):
    """What is wrong with a reading typed into one field."""

    EMPTY = "empty"  # another zone of the same meter was given, this one not
    NOT_A_NUMBER = "not_a_number"
    LOWER = "lower"  # below the last accepted reading


@dataclass(frozen=True)
class FieldRefusal:
    """A field's problem; with LOWER, the last accepted reading it may not go below."""

    problem: FieldProblem
    last: float = 0.0


@dataclass(frozen=True)
class SubmissionOutcome:
    """How a submission ended, the refusals by slot key, and what its answer names: the window, month and kWh."""

    result: Submission
    errors: dict[str, FieldRefusal] = field(default_factory=dict)
    window: ReadingWindow | None = None  # all but NOT_LINKED: the window on `today`
    today: date | None = None
    period: str = ""
    consumption_kwh: int = 0  # JUMP: the month's consumption the readings give, and the usual one
    usual_kwh: int = 0

    @property
    def accepted(self) -> bool:
        """Whether the readings are stored."""
        return self.result in (Submission.ACCEPTED, Submission.CORRECTED)

    @property
    def jump(self) -> bool:
        """Whether the readings wait for «yes, they are right»."""
        return self.result is Submission.JUMP


def reading_text(value: float) -> str:
    """A reading as LK shows it: "12 345" or "12 345,6", with a no-break space."""
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


def _slots(states: list[_MeterState]) -> list[ReadingSlot]:
    slots = []
    for state in states:
        meter = state.meter
        for zone in range(1, meter.zones + 1):
            last = ""
            if state.baseline is not None:
                day = state.baseline.read_on or clock.local(state.baseline.submitted_at).date()
                last = f"{reading_text(_values(state.baseline, meter.zones)[zone - 1])} ({day:%d.%m.%Y})"
            current = reading_text(_values(state.current, meter.zones)[zone - 1]) if state.current else ""
            slots.append(ReadingSlot(f"m{meter.id}z{zone}", meter.number, meter.zones, zone, last, current))
    return slots


def readings_form(user_id: int, number: str, *, session: Session) -> ReadingsForm | None:
    """The readings section of one of the LK's own accounts; None when the account is not linked to it."""
    link = own_link(user_id, number, session=session)
    if link is None:
        return None
    account_id = link.account_id
    day = clock.today()
    period = period_of(day)
    states = _meters(account_id, period, session=session)
    sent = max((state.current.submitted_at for state in states if state.current is not None), default=None)
    return ReadingsForm(reading_window(), day, _slots(states), period, sent)


def parse_reading(text: str) -> float | None:
    """A reading typed by a customer ("12345", "12 345,6"), or None when it is not one."""
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
    link = own_link(user_id, number, session=session)
    if link is None:
        return SubmissionOutcome(Submission.NOT_LINKED)
    account_id = link.account_id
    moment = clock.now()
    day = clock.local(moment).date()  # the supplier's date: 21:30 UTC on the 14th is already the 15th in Moscow
    period = period_of(day)
    window = reading_window()
    judged = {"window": window, "today": day, "period": period}
    if not window.is_open(day):
        return SubmissionOutcome(Submission.WINDOW_CLOSED, **judged)
    states = _meters(account_id, period, session=session)
    errors: dict[str, FieldRefusal] = {}
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
                errors[key] = FieldRefusal(FieldProblem.EMPTY)
            elif value is None:
                errors[key] = FieldRefusal(FieldProblem.NOT_A_NUMBER)
            elif state.baseline is not None and value < _values(state.baseline, state.meter.zones)[zone]:
                errors[key] = FieldRefusal(FieldProblem.LOWER, _values(state.baseline, state.meter.zones)[zone])
            values.append(value)
        given.append((state, values))
    if not given:
        return SubmissionOutcome(Submission.NOTHING_GIVEN, **judged)
    if errors:
        return SubmissionOutcome(Submission.REFUSED, errors, **judged)

    usual = _usual_monthly_kwh(account_id, session=session)
    monthly = sum(
        (sum(values) - sum(_values(state.baseline, state.meter.zones)))
        / max(1, month_index(period) - month_index(state.baseline.period))
        for state, values in given
        if state.baseline is not None
    )
    if usual > 0 and monthly > JUMP_FACTOR * usual and not confirm_jump:
        return SubmissionOutcome(Submission.JUMP, consumption_kwh=round(monthly), usual_kwh=round(usual), **judged)

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
    _mail_receipt(user_id, number, period, given, window.closes(day), session=session)
    return SubmissionOutcome(Submission.CORRECTED if corrected else Submission.ACCEPTED, **judged)


def _mail_receipt(user_id: int, number: str, period: str, given: list[tuple[_MeterState, list[float]]], closes: date,
                  *, session: Session) -> None:
    """The readings-accepted e-mail, in the submission's transaction; an LK without an e-mail gets the screen only."""
    email = session.exec(select(LkUser.email).where(LkUser.id == user_id)).first()
    if not email:
        return
    # (meter, its zones, the zone, the reading): the template names them in its own words.
    zone_readings = [
        (state.meter.number, state.meter.zones, zone, reading_text(value))
        for state, values in given
        for zone, value in enumerate(values, start=1)
    ]
    queue_email(session=session, to=email, template="readings_accepted", account=masked_number(number),
                period=period, closes_on=closes, zone_readings=zone_readings)


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
