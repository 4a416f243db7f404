"""Reading the billing system's CSV files: encoding, delimiter, header columns and physical line numbers."""

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

# Undecodable bytes survive as lone surrogates (errors="surrogateescape"), so one bad row is
# reported instead of stopping the file; NUL is refused by PostgreSQL.
_UNSTORABLE = re.compile("[\x00\udc80-\udcff]")


class CsvFormatError(Exception):
    """The file itself cannot be read: no header, a repeated column, broken quoting."""


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
                raise CsvFormatError(f"{name}: столбец «{column}» указан в заголовке дважды")
            if column:
                self.columns[column] = index
        if not self.columns:
            raise CsvFormatError(f"{name}: нет строки заголовка")
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
            raise CsvFormatError(f"{self.name}:{line}: файл повреждён ({error})") from error

    def row_problem(self, fields: list[str]) -> str | None:
        """Why a row cannot be read at all (bad bytes, fields not lining up with the header), or None."""
        if _UNSTORABLE.search("".join(fields)):
            return "недопустимые символы: файл должен быть в кодировке UTF-8"
        if len(fields) == self.width or (len(fields) > self.width and not any(f.strip() for f in fields[self.width :])):
            return None
        hint = " (дробную часть через запятую возьмите в кавычки)" if self.delimiter == "," and len(fields) > self.width else ""
        return f"полей в строке: {len(fields)}, в заголовке: {self.width}{hint}"


def _lines(first: str, rest: TextIO) -> Iterator[str]:
    """The header line already read for sniffing, then the rest of the file."""
    yield first
    yield from rest


@contextmanager
def open_billing_csv(path: Path) -> Iterator[BillingCsv]:
    """Open a billing CSV: UTF-8 with or without a BOM, `,` or `;` separated."""
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as file:
        yield BillingCsv(path.name, file)
