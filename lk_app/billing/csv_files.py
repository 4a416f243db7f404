"""Reading the billing system's CSV files: encoding, delimiter, header columns and physical line numbers."""

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from lk_app.billing.problems import CsvFormatError, FileFault, FileProblem, RowFault, RowProblem

# Undecodable bytes survive as lone surrogates (errors="surrogateescape"), so one bad row is
# reported instead of stopping the file; NUL is refused by PostgreSQL.
_UNSTORABLE = re.compile("[\x00\udc80-\udcff]")


class BillingCsv:
    """An open billing CSV file: its columns by lower-cased header name, then its rows."""

    def __init__(self, name: str, file: TextIO):
        self.name = name
        header_line = file.readline()
        # The header names are plain words, so whichever separator it uses is the file's.
        self.delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        self._reader = csv.reader(_lines(header_line, file), delimiter=self.delimiter)
        header = next(self._reader, [])
        self.columns: dict[str, int] = {}
        for index, title in enumerate(header):
            column = title.strip().lower()
            if column in self.columns:
                raise CsvFormatError(FileProblem(FileFault.REPEATED_COLUMN, name, (column,)))
            if column:
                self.columns[column] = index
        if not self.columns:
            raise CsvFormatError(FileProblem(FileFault.NO_HEADER, name))
        self.width = len(header)

    def missing(self, required: tuple[str, ...]) -> list[str]:
        """The required columns that the header lacks."""
        return [column for column in required if column not in self.columns]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Each non-blank row with the physical line it starts on (the header is line 1)."""
        line = self._reader.line_num + 1
        try:
            for fields in self._reader:
                if "".join(fields).strip():
                    yield line, fields
                line = self._reader.line_num + 1
        except csv.Error as error:
            raise CsvFormatError(FileProblem(FileFault.BROKEN, self.name, line=line, detail=str(error))) from error

    def row_problem(self, fields: list[str]) -> RowProblem | None:
        """Why a row cannot be read at all (bad bytes, fields not lining up with the header), or None."""
        if _UNSTORABLE.search("".join(fields)):
            return RowProblem(RowFault.NOT_UTF8)
        if len(fields) == self.width or (len(fields) > self.width and not any(f.strip() for f in fields[self.width :])):
            return None
        # Extra fields in a comma-separated file are most likely a decimal comma left unquoted.
        split_decimal = self.delimiter == "," and len(fields) > self.width
        fault = RowFault.FIELD_COUNT_DECIMAL_COMMA if split_decimal else RowFault.FIELD_COUNT
        return RowProblem(fault, count=len(fields), limit=self.width)


def _lines(first: str, rest: TextIO) -> Iterator[str]:
    """The header line already read for sniffing, then the rest of the file."""
    yield first
    yield from rest


@contextmanager
def open_billing_csv(path: Path) -> Iterator[BillingCsv]:
    """Open a billing CSV: UTF-8 with or without a BOM, `,` or `;` separated."""
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as file:
        yield BillingCsv(path.name, file)
