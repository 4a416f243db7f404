"""`import-billing DIR`: accounts.csv, payments.csv, charges.csv and meters.csv streamed and upserted in checked batches."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lk_app.billing.csv_files import BillingCsv, open_billing_csv
from lk_app.billing.problems import BadValue, CsvFormatError, FileFault, FileProblem, LineProblem, RowProblem
from lk_app.billing.rows import BILLING_FILES, AccountRows, ChargeRows, Message, MeterRows, Numbered, PaymentRows
from lk_app.db import session_scope

# Big enough that a batch costs one round trip per few thousand rows, small enough that memory stays flat
# and that one batch of account numbers fits the parameter limit of an IN (...) on SQLite.
BATCH_ROWS = 5000

BillingRows = AccountRows | PaymentRows | ChargeRows | MeterRows
ProblemHandler = Callable[[LineProblem], None]  # told of each row's problem as the import meets it


class BillingImportError(Exception):
    """The import cannot start or go on: no directory, no billing file, a header or quoting it cannot read."""

    def __init__(self, *problems: FileProblem):
        super().__init__(*problems)
        self.problems = problems


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


def import_billing_dir(directory: Path, *, on_problem: ProblemHandler) -> ImportReport:
    """Upsert the billing files of the directory, accounts first; a bad row is reported and the rest still loads.

    Each batch's problems go to `on_problem` in line order once the batch is stored, so a report of a file of
    millions of rows streams out instead of piling up in memory.
    """
    files = _billing_files(directory)
    report = ImportReport()
    for path, kind in files:
        report.files.append(_load_file(path, kind, on_problem=on_problem))
    return report


def _billing_files(directory: Path) -> list[tuple[Path, type[BillingRows]]]:
    """The billing files present in the directory, their headers checked before anything is written."""
    if not directory.is_dir():
        raise BillingImportError(FileProblem(FileFault.NO_DIRECTORY, str(directory)))
    files = [(directory / kind.name, kind) for kind in BILLING_FILES if (directory / kind.name).is_file()]
    if not files:
        names = tuple(kind.name for kind in BILLING_FILES)
        raise BillingImportError(FileProblem(FileFault.NO_BILLING_FILE, str(directory), names))
    problems = []
    for path, kind in files:
        try:
            with open_billing_csv(path) as table:
                if missing := table.missing(kind.required):
                    problems.append(FileProblem(FileFault.MISSING_COLUMNS, path.name, tuple(missing)))
        except CsvFormatError as error:
            problems.append(error.problem)
    if problems:
        raise BillingImportError(*problems)
    return files


def _load_file(path: Path, kind: type[BillingRows], *, on_problem: ProblemHandler) -> FileReport:
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
                    messages.append((line, error.problem))
                    report.rejected += 1
                    continue
                messages.extend((line, note) for note in notes)
                batch.append((line, row))
                if len(batch) >= BATCH_ROWS:
                    _store(rows, batch, messages, report, on_problem=on_problem)
                    batch, messages = [], []
            _store(rows, batch, messages, report, on_problem=on_problem)
    except CsvFormatError as error:
        raise BillingImportError(error.problem) from error
    return report


def _parse(table: BillingCsv, rows: BillingRows, fields: list[str]) -> tuple[dict, list[RowProblem]]:
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


def _store(rows: BillingRows, batch: list[Numbered], messages: list[Message], report: FileReport, *,
           on_problem: ProblemHandler) -> None:
    """Write one batch in its own transaction, then hand on the batch's problems in line order."""
    if batch:
        with session_scope() as session:
            rejected = rows.store(batch, session=session)
        report.loaded += len(batch) - len(rejected)
        report.rejected += len(rejected)
        messages = messages + rejected
    # A line may have several notes: their order within the line is the order they were found.
    for line, problem in sorted(messages, key=lambda message: message[0]):
        on_problem(LineProblem(report.name, line, problem))

