"""The four billing files: their columns, what a valid row is, and how a checked batch is stored."""

from collections.abc import Iterable, Sequence

from sqlmodel import Session

from lk_app.billing.occurrences import OccurrenceCounter
from lk_app.billing.online_matching import match_online_payments
from lk_app.billing.upsert import (
    Row,
    account_ids,
    insert_payments,
    upsert_accounts,
    upsert_billing_readings,
    upsert_charges,
    upsert_meters,
)
from lk_app.billing.problems import BadValue, Column, RowFault, RowProblem
from lk_app.billing.values import (
    billing_period,
    calendar_date,
    kilowatt_hours,
    kopecks,
    meter_values,
    plain_text,
)
from lk_app.clock import now
from lk_app.models.meters import SOURCE_BILLING
from lk_app.normal_forms import normalize_account_number, normalize_email, normalize_phone, surname_key

Numbered = tuple[int, Row]  # a row with the line it came from
Message = tuple[int, RowProblem]  # a line and what is wrong with it

NAME_LENGTH = 100
ADDRESS_LENGTH = 500
EMAIL_LENGTH = 254
ZONE_LENGTH = 20
METER_NUMBER_LENGTH = 30
EXTERNAL_ID_LENGTH = 64
MAX_ZONES = 3


def _account_number(text: str) -> str:
    """The normalized account number of a row, or the reason it is rejected."""
    number = normalize_account_number(text)
    if number is None:
        raise BadValue(RowProblem(RowFault.ACCOUNT_NUMBER_FORMAT, value=text))
    return number


def _unknown_account(number: str) -> RowProblem:
    """The refusal of a row whose account the database does not know."""
    return RowProblem(RowFault.UNKNOWN_ACCOUNT, value=number)


class AccountRows:
    """accounts.csv: holder, address and contacts, upserted by account number."""

    name = "accounts.csv"
    required = ("account_number", "surname", "first_name", "patronymic", "address")  # email, phone optional

    def __init__(self, columns: dict[str, int]):
        self._number, self._surname, self._first_name, self._patronymic, self._address = (columns[c] for c in self.required)
        self._email = columns.get("email")
        self._phone = columns.get("phone")

    def parse(self, fields: list[str]) -> tuple[Row, list[RowProblem]]:
        """The account of a row and notes on contacts left out; BadValue when the row cannot load."""
        surname = plain_text(fields[self._surname], Column.SURNAME, NAME_LENGTH)
        if not surname:
            raise BadValue(RowProblem(RowFault.NO_SURNAME))
        row = {
            "number": _account_number(fields[self._number]),
            "surname": surname,
            "surname_key": plain_text(surname_key(surname), Column.SURNAME, NAME_LENGTH),  # casefold may lengthen it
            "first_name": plain_text(fields[self._first_name], Column.FIRST_NAME, NAME_LENGTH),
            "patronymic": plain_text(fields[self._patronymic], Column.PATRONYMIC, NAME_LENGTH),
            "address": plain_text(fields[self._address], Column.ADDRESS, ADDRESS_LENGTH),
            "updated_at": now(),
        }
        notes = []
        # A contact the billing system got wrong must not keep the holder out of LK: load without it.
        if self._email is not None:
            text = fields[self._email].strip()
            row["email"] = normalize_email(text) if text else None
            if text and (row["email"] is None or len(row["email"]) > EMAIL_LENGTH):
                row["email"] = None
                notes.append(RowProblem(RowFault.EMAIL_DROPPED))
        if self._phone is not None:
            text = fields[self._phone].strip()
            row["phone"] = normalize_phone(text) if text else None
            if text and row["phone"] is None:
                notes.append(RowProblem(RowFault.PHONE_DROPPED))
        return row, notes

    def store(self, batch: Sequence[Numbered], *, session: Session) -> list[Message]:
        """Upsert the batch's accounts; none is rejected here."""
        upsert_accounts([row for _, row in batch], session=session)
        return []


class PaymentRows:
    """payments.csv: payments added once each; equal payments of one day are told apart by their order in the file.

    That order number (`seq`) makes a rerun of the file change nothing while two equal payments
    both stay; counting it takes a first pass over the file (`survey`) before the rows are stored.
    """

    name = "payments.csv"
    required = ("account_number", "paid_on", "amount")  # external_id optional

    def __init__(self, columns: dict[str, int]):
        self._number, self._paid_on, self._amount = (columns[c] for c in self.required)
        self._external_id = columns.get("external_id")
        self._occurrences: OccurrenceCounter | None = None

    def survey(self, payments: Iterable[Row], *, file_bytes: int) -> None:
        """First pass over the file's valid payments, in file order."""
        self._occurrences = OccurrenceCounter(file_bytes)
        for row in payments:
            self._occurrences.survey((row["number"], row["paid_on"], row["amount_kop"]))

    def parse(self, fields: list[str]) -> tuple[Row, list[RowProblem]]:
        """The payment of a row; BadValue when the row cannot load."""
        row = {
            "number": _account_number(fields[self._number]),
            "paid_on": calendar_date(fields[self._paid_on]),
            "amount_kop": kopecks(fields[self._amount], Column.AMOUNT),
            "external_id": (plain_text(fields[self._external_id], Column.EXTERNAL_ID, EXTERNAL_ID_LENGTH) or None
                            if self._external_id is not None else None),
        }
        return row, []

    def store(self, batch: Sequence[Numbered], *, session: Session) -> list[Message]:
        """Insert the batch's payments on known accounts; the others are rejected."""
        if self._occurrences is None:
            raise RuntimeError("payments.csv is stored only after its first pass, survey()")
        ids = account_ids({row["number"] for _, row in batch}, session=session)
        payments, rejected = [], []
        for line, row in batch:
            account_id = ids.get(row["number"])
            if account_id is None:
                rejected.append((line, _unknown_account(row["number"])))
                continue
            seq = self._occurrences.occurrence((row["number"], row["paid_on"], row["amount_kop"]))
            payments.append({"account_id": account_id, "paid_on": row["paid_on"], "amount_kop": row["amount_kop"], "seq": seq,
                             "external_id": row["external_id"]})
        insert_payments(payments, session=session)
        match_online_payments({payment["account_id"] for payment in payments}, session=session)
        return rejected


class ChargeRows:
    """charges.csv: monthly charges upserted by (account, period, zone), so a later file corrects a month."""

    name = "charges.csv"
    required = ("account_number", "period", "kwh", "amount")  # zone, tariff optional

    def __init__(self, columns: dict[str, int]):
        self._number, self._period, self._kwh, self._amount = (columns[c] for c in self.required)
        self._zone = columns.get("zone")
        self._tariff = columns.get("tariff")

    def parse(self, fields: list[str]) -> tuple[Row, list[RowProblem]]:
        """The charge of a row; BadValue when the row cannot load."""
        row = {
            "number": _account_number(fields[self._number]),
            "period": billing_period(fields[self._period]),
            "zone": plain_text(fields[self._zone], Column.ZONE, ZONE_LENGTH) if self._zone is not None else "",
            # Recalculations come as negative consumption and amounts.
            "kwh": kilowatt_hours(fields[self._kwh]),
            "amount_kop": kopecks(fields[self._amount], Column.AMOUNT, negative=True),
        }
        if self._tariff is not None:
            text = fields[self._tariff]
            row["tariff_kop"] = kopecks(text, Column.TARIFF) if text.strip() else None
        return row, []

    def store(self, batch: Sequence[Numbered], *, session: Session) -> list[Message]:
        """Upsert the batch's charges on known accounts; the others are rejected."""
        ids = account_ids({row["number"] for _, row in batch}, session=session)
        charges, rejected = [], []
        for line, row in batch:
            account_id = ids.get(row["number"])
            if account_id is None:
                rejected.append((line, _unknown_account(row["number"])))
                continue
            charge = dict(row, account_id=account_id)
            del charge["number"]
            charges.append(charge)
        upsert_charges(charges, session=session)
        return rejected


class MeterRows:
    """meters.csv: meters upserted by (account, number), each with its last reading upserted by (meter, month)."""

    name = "meters.csv"
    required = ("account_number", "meter_number", "zones", "last_reading", "read_on")

    def __init__(self, columns: dict[str, int]):
        self._number, self._meter, self._zones, self._reading, self._read_on = (columns[c] for c in self.required)

    def parse(self, fields: list[str]) -> tuple[Row, list[RowProblem]]:
        """The meter and its last reading of a row; BadValue when the row cannot load."""
        meter = plain_text(fields[self._meter], Column.METER_NUMBER, METER_NUMBER_LENGTH)
        if not meter:
            raise BadValue(RowProblem(RowFault.NO_METER_NUMBER))
        zones_text = fields[self._zones].strip()
        if zones_text not in {str(zones) for zones in range(1, MAX_ZONES + 1)}:
            raise BadValue(RowProblem(RowFault.ZONES_OUT_OF_RANGE, value=zones_text, limit=MAX_ZONES))
        zones = int(zones_text)
        values = meter_values(fields[self._reading], zones)
        read_on = calendar_date(fields[self._read_on])
        row = {
            "number": _account_number(fields[self._number]),
            "meter": meter,
            "zones": zones,
            "values": values + [None] * (MAX_ZONES - zones),
            "read_on": read_on,
        }
        return row, []

    def store(self, batch: Sequence[Numbered], *, session: Session) -> list[Message]:
        """Upsert the batch's meters and readings on known accounts; the others are rejected."""
        ids = account_ids({row["number"] for _, row in batch}, session=session)
        known = [(line, row, ids[row["number"]]) for line, row in batch if row["number"] in ids]
        rejected = [(line, _unknown_account(row["number"])) for line, row in batch if row["number"] not in ids]
        meter_ids = upsert_meters(
            [{"account_id": account_id, "number": row["meter"], "zones": row["zones"]} for _, row, account_id in known],
            session=session,
        )
        readings = []
        for _, row, account_id in known:
            value1, value2, value3 = row["values"]
            readings.append({
                "meter_id": meter_ids[(account_id, row["meter"])],
                "period": f"{row['read_on']:%Y-%m}",
                "source": SOURCE_BILLING,
                "value1": value1,
                "value2": value2,
                "value3": value3,
                "read_on": row["read_on"],
            })
        upsert_billing_readings(readings, session=session)
        return rejected


BILLING_FILES = (AccountRows, PaymentRows, ChargeRows, MeterRows)  # in the order they load: accounts first
