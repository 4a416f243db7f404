"""What can be wrong with a billing file or one of its rows: outcomes that the command line puts into words."""

import enum
from dataclasses import dataclass


class Column(enum.Enum):
    """The field of a row that a problem concerns."""

    SURNAME = "surname"
    FIRST_NAME = "first_name"
    PATRONYMIC = "patronymic"
    ADDRESS = "address"
    AMOUNT = "amount"
    TARIFF = "tariff"
    ZONE = "zone"
    METER_NUMBER = "meter_number"
    KWH = "kwh"
    READING = "reading"  # one zone's reading of a meter
    EXTERNAL_ID = "external_id"  # the acquirer's id of a payment made in LK


class RowFault(enum.Enum):
    """Why a row cannot load, or (the last two) what was left out of a row that loads."""

    NOT_A_NUMBER = "not_a_number"  # column, value
    TOO_MANY_DECIMALS = "too_many_decimals"  # column, value
    BELOW_ZERO = "below_zero"  # column, value: a sign where none may be
    NOT_NON_NEGATIVE = "not_non_negative"  # column, value: a reading must be a number of zero or more
    TOO_BIG = "too_big"  # column, value
    TOO_LONG = "too_long"  # column, limit: the most characters the column holds
    READINGS_NOT_PER_ZONE = "readings_not_per_zone"  # value, count of readings, limit: the meter's zones
    ZONES_OUT_OF_RANGE = "zones_out_of_range"  # value, limit: the most zones a meter has
    NO_SUCH_DATE = "no_such_date"  # value
    DATE_FORMAT = "date_format"  # value
    PERIOD_FORMAT = "period_format"  # value
    ACCOUNT_NUMBER_FORMAT = "account_number_format"  # value
    UNKNOWN_ACCOUNT = "unknown_account"  # value: the normalized number
    NO_SURNAME = "no_surname"
    NO_METER_NUMBER = "no_meter_number"
    NOT_UTF8 = "not_utf8"  # bytes that are not UTF-8, or a NUL
    FIELD_COUNT = "field_count"  # count of fields, limit: the header's
    FIELD_COUNT_DECIMAL_COMMA = "field_count_decimal_comma"  # the same, likely an unquoted decimal comma
    EMAIL_DROPPED = "email_dropped"
    PHONE_DROPPED = "phone_dropped"


NOTES = frozenset({RowFault.EMAIL_DROPPED, RowFault.PHONE_DROPPED})  # the row still loads


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with a row: the fault, the column, the field as written and the numbers the fault names."""

    fault: RowFault
    column: Column | None = None
    value: str = ""
    count: int = 0
    limit: int = 0


@dataclass(frozen=True)
class LineProblem:
    """A row's problem where it was found: the file and the physical line the row starts on."""

    file: str
    line: int
    problem: RowProblem


class FileFault(enum.Enum):
    """Why an import cannot start or go on."""

    NO_DIRECTORY = "no_directory"  # file: the directory
    NO_BILLING_FILE = "no_billing_file"  # file: the directory, names: the files looked for
    MISSING_COLUMNS = "missing_columns"  # names: the required columns the header lacks
    REPEATED_COLUMN = "repeated_column"  # names: the column named twice
    NO_HEADER = "no_header"
    BROKEN = "broken"  # line, detail: what the CSV reader said (broken quoting)


@dataclass(frozen=True)
class FileProblem:
    """What keeps a file (or a directory) from being imported."""

    fault: FileFault
    file: str
    names: tuple[str, ...] = ()
    line: int = 0
    detail: str = ""


class BadValue(Exception):
    """A field or a row that cannot be stored, and why."""

    def __init__(self, problem: RowProblem):
        super().__init__(problem)
        self.problem = problem


class CsvFormatError(Exception):
    """The file itself cannot be read: no header, a repeated column, broken quoting."""

    def __init__(self, problem: FileProblem):
        super().__init__(problem)
        self.problem = problem
