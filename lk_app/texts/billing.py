"""The words of `import-billing` and `seed-demo`: what is wrong with a file or a row, the counts, the demo's summary."""

from lk_app.billing.demo import DemoSummary
from lk_app.billing.importer import BillingImportError, ImportReport
from lk_app.billing.problems import Column, FileFault, FileProblem, LineProblem, RowFault, RowProblem
from lk_app.messaging.templates import plural_form

COLUMNS = {
    Column.SURNAME: "фамилия",
    Column.FIRST_NAME: "имя",
    Column.PATRONYMIC: "отчество",
    Column.ADDRESS: "адрес",
    Column.AMOUNT: "сумма",
    Column.TARIFF: "тариф",
    Column.ZONE: "зона",
    Column.METER_NUMBER: "номер счётчика",
    Column.KWH: "расход",
    Column.READING: "показание",
    Column.EXTERNAL_ID: "номер платежа в ЮKassa",
}
# {column}: the column's word; {value}: the field as written, quoted; {number}: the field bare; {count}, {limit}.
ROW_PROBLEMS = {
    RowFault.NOT_A_NUMBER: "{column} {value}: не число",
    RowFault.TOO_MANY_DECIMALS: "{column} {value}: больше двух знаков после запятой",
    RowFault.BELOW_ZERO: "{column} {value}: меньше нуля",
    RowFault.NOT_NON_NEGATIVE: "{column} {value}: нужно неотрицательное число",
    RowFault.TOO_BIG: "{column} {value}: слишком большое значение",
    RowFault.TOO_LONG: "{column} длиннее {limit} символов",
    RowFault.READINGS_NOT_PER_ZONE: "показания {value}: их {count}, а зон у счётчика {limit}",
    RowFault.ZONES_OUT_OF_RANGE: "число зон {value}: нужно от 1 до {limit}",
    RowFault.NO_SUCH_DATE: "даты {value} нет в календаре",
    RowFault.DATE_FORMAT: "дата {value} не распознана: нужна ГГГГ-ММ-ДД или ДД.ММ.ГГГГ",
    RowFault.PERIOD_FORMAT: "период {value} не распознан: нужен ГГГГ-ММ",
    RowFault.ACCOUNT_NUMBER_FORMAT: "номер лицевого счёта {value}: нужно от 6 до 15 цифр",
    RowFault.UNKNOWN_ACCOUNT: "лицевой счёт {number} не найден",
    RowFault.NO_SURNAME: "не указана фамилия",
    RowFault.NO_METER_NUMBER: "не указан номер счётчика",
    RowFault.NOT_UTF8: "недопустимые символы: файл должен быть в кодировке UTF-8",
    RowFault.FIELD_COUNT: "полей в строке: {count}, в заголовке: {limit}",
    RowFault.FIELD_COUNT_DECIMAL_COMMA: "полей в строке: {count}, в заголовке: {limit} "
                                        "(дробную часть через запятую возьмите в кавычки)",
    RowFault.EMAIL_DROPPED: "e-mail не распознан, строка загружена без него",
    RowFault.PHONE_DROPPED: "телефон не распознан, строка загружена без него",
}
# {file}: the file (or the directory); {names}: the columns or files, comma-separated; {line}, {detail}.
FILE_PROBLEMS = {
    FileFault.NO_DIRECTORY: "каталог {file} не найден",
    FileFault.NO_BILLING_FILE: "в каталоге {file} нет ни одного из файлов {names}",
    FileFault.MISSING_COLUMNS: "{file}: в заголовке нет столбцов {names}",
    FileFault.REPEATED_COLUMN: "{file}: столбец «{names}» указан в заголовке дважды",
    FileFault.NO_HEADER: "{file}: нет строки заголовка",
    FileFault.BROKEN: "{file}:{line}: файл повреждён ({detail})",
}
ROWS_LOADED = ("строка загружена", "строки загружены", "строк загружено")
ROWS_REJECTED = ("с ошибкой", "с ошибками", "с ошибками")
TOTAL = "Итого: {counts}"
DEMO_READY = ("Демо-поставщик готов ({town}): лицевых счетов — {accounts}, "
              "начислений — {charges} ({first_period} — {last_period}), платежей — {payments}.")


def _quoted(text: str) -> str:
    """A field as quoted in a message, cut short when long."""
    text = text.strip()
    return f"«{text[:40]}…»" if len(text) > 40 else f"«{text}»"


def row_problem(problem: RowProblem) -> str:
    """What is wrong with a row, in words."""
    column = COLUMNS[problem.column] if problem.column is not None else ""
    return ROW_PROBLEMS[problem.fault].format(column=column, value=_quoted(problem.value), number=problem.value,
                                              count=problem.count, limit=problem.limit)


def line_problem(found: LineProblem) -> str:
    """«payments.csv:8: лицевой счёт 999999999 не найден»: a row's problem with its file and line."""
    return f"{found.file}:{found.line}: {row_problem(found.problem)}"


def file_problem(problem: FileProblem) -> str:
    """What keeps a file or a directory from being imported, in words."""
    return FILE_PROBLEMS[problem.fault].format(file=problem.file, names=", ".join(problem.names), line=problem.line,
                                               detail=problem.detail)


def import_refusal(error: BillingImportError) -> str:
    """Why an import cannot start or go on: a line per file."""
    return "\n".join(file_problem(problem) for problem in error.problems)


def _counts(loaded: int, rejected: int) -> str:
    """«N строк загружено, M с ошибками» with the words agreeing with the numbers."""
    return f"{loaded} {plural_form(loaded, ROWS_LOADED)}, {rejected} {plural_form(rejected, ROWS_REJECTED)}"


def import_summary(report: ImportReport) -> list[str]:
    """The import's counts: a line per file, then the total."""
    lines = [f"{file.name}: {_counts(file.loaded, file.rejected)}" for file in report.files]
    return [*lines, TOTAL.format(counts=_counts(report.loaded, report.rejected))]


def demo_summary(summary: DemoSummary) -> str:
    """What `seed-demo` made."""
    return DEMO_READY.format(town=summary.town, accounts=summary.accounts, charges=summary.charges,
                             first_period=summary.first_period, last_period=summary.last_period,
                             payments=summary.payments)
