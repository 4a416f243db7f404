"""`import-billing DIR`: accounts.csv, payments.csv, charges.csv and meters.csv streamed and upserted in checked batches."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from lk_app.billing.csv_files import BillingCsv, CsvFormatError, open_billing_csv
from lk_app.billing.rows import BILLING_FILES, AccountRows, ChargeRows, Message, MeterRows, Numbered, PaymentRows
from lk_app.billing.values import BadValue
from lk_app.db import session_scope

# Big enough that a batch costs one round trip per few thousand rows, small enough that memory stays flat
# and that one batch of account numbers fits the parameter limit of an IN (...) on SQLite.
BATCH_ROWS = 5000

BillingRows = AccountRows | PaymentRows | ChargeRows | MeterRows


class BillingImportError(Exception):
    """The import cannot start or go on: no directory, no billing file, a header or quoting it cannot read."""


@dataclass
class FileReport:
    """How many rows of one file were loaded and how many were rejected."""

    name: str
    loaded: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """The outcome of one import, file by file."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """Rows loaded over all files."""
        return sum(file.loaded for file in self.files)

    @property
    def rejected(self) -> int:
        """Rows rejected over all files."""
        return sum(file.rejected for file in self.files)

    @property
    def had_errors(self) -> bool:
        """Whether any row was rejected (the command then exits non-zero)."""
        return self.rejected > 0


def import_billing_dir(directory: Path, *, out: TextIO) -> ImportReport:
    """Upsert the billing files of the directory, accounts first; a bad row is reported and the rest still loads."""
    files = _billing_files(directory)
    report = ImportReport()
    for path, kind in files:
        report.files.append(_load_file(path, kind, out=out))
    for file in report.files:
        out.write(f"{file.name}: {_counts(file.loaded, file.rejected)}\n")
    out.write(f"Итого: {_counts(report.loaded, report.rejected)}\n")
    return report


def _billing_files(directory: Path) -> list[tuple[Path, type[BillingRows]]]:
    """The billing files present in the directory, their headers checked before anything is written."""
    if not directory.is_dir():
        raise BillingImportError(f"каталог {directory} не найден")
    files = [(directory / kind.name, kind) for kind in BILLING_FILES if (directory / kind.name).is_file()]
    if not files:
        names = ", ".join(kind.name for kind in BILLING_FILES)
        raise BillingImportError(f"в каталоге {directory} нет ни одного из файлов {names}")
    problems = []
    for path, kind in files:
        try:
            with open_billing_csv(path) as table:
                if missing := table.missing(kind.required):
                    problems.append(f"{path.name}: в заголовке нет столбцов {', '.join(missing)}")
        except CsvFormatError as error:
            problems.append(str(error))
    if problems:
        raise BillingImportError("\n".join(problems))
    return files


def _load_file(path: Path, kind: type[BillingRows], *, out: TextIO) -> FileReport:
    """Stream one file into the database batch by batch, reporting each bad row with its line."""
    report = FileReport(path.name)
    try:
        with open_billing_csv(path) as table:
            rows = kind(table.columns)
            if isinstance(rows, PaymentRows):
                with open_billing_csv(path) as first_pass:
                    rows.survey(_valid_rows(first_pass, rows), file_bytes=path.stat().st_size)
            batch: list[Numbered] = []
            messages: list[Message] = []
            for line, fields in table.rows():
                try:
                    row, notes = _parse(table, rows, fields)
                except BadValue as error:
                    messages.append((line, str(error)))
                    report.rejected += 1
                    continue
                messages.extend((line, note) for note in notes)
                batch.append((line, row))
                if len(batch) >= BATCH_ROWS:
                    _store(rows, batch, messages, report, out=out)
                    batch, messages = [], []
            _store(rows, batch, messages, report, out=out)
    except CsvFormatError as error:
        raise BillingImportError(str(error)) from error
    return report


def _parse(table: BillingCsv, rows: BillingRows, fields: list[str]) -> tuple[dict, list[str]]:
    """The row's values and notes on it; BadValue when the row cannot load."""
    problem = table.row_problem(fields)
    if problem is not None:
        raise BadValue(problem)
    return rows.parse(fields)


def _valid_rows(table: BillingCsv, rows: BillingRows) -> Iterator[dict]:
    """The values of the rows that parse, in file order, without a word about the others."""
    for _, fields in table.rows():
        try:
            yield _parse(table, rows, fields)[0]
        except BadValue:
            continue


def _store(rows: BillingRows, batch: list[Numbered], messages: list[Message], report: FileReport, *, out: TextIO) -> None:
    """Write one batch in its own transaction, then print the batch's messages in line order."""
    if batch:
        with session_scope() as session:
            rejected = rows.store(batch, session=session)
        report.loaded += len(batch) - len(rejected)
        report.rejected += len(rejected)
        messages = messages + rejected
    for line, text in sorted(messages):
        out.write(f"{report.name}:{line}: {text}\n")


def _counts(loaded: int, rejected: int) -> str:
    """«N строк загружено, M с ошибками» with the words agreeing with the numbers."""
    rows = _plural(loaded, "строка загружена", "строки загружены", "строк загружено")
    errors = _plural(rejected, "с ошибкой", "с ошибками", "с ошибками")
    return f"{loaded} {rows}, {rejected} {errors}"


def _plural(count: int, one: str, few: str, many: str) -> str:
    """The Russian form of a word for a count: 1 строка, 2 строки, 5 строк."""
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many
