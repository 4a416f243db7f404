"""`import-billing`: formats, upserts, bad rows reported by file and line while the rest loads."""

import io
from datetime import date

import pytest
from sqlmodel import select

from lk_app.billing import importer
from lk_app.billing.importer import BillingImportError, import_billing_dir
from lk_app.billing.occurrences import OccurrenceCounter
from lk_app.db import session_scope
from lk_app.models import BillingAccount, Charge, Meter, MeterReading, Payment
from lk_app.normal_forms import normalize_account_number, surname_key
from lk_app.texts.billing import import_refusal, import_summary, line_problem

ACCOUNTS = """account_number,surname,first_name,patronymic,address,email,phone
100200300,Ёлкина,Анна,Петровна,"г. Кострома, ул. Ленина, д. 1, кв. 2",Anna@Example.RU,8 (912) 345-67-89
100-200-301,Петров,Иван,Сергеевич,"г. Кострома, ул. Мира, д. 5",,
"""


def write(directory, name: str, text: str, *, encoding: str = "utf-8") -> None:
    """Put one billing file into the import directory."""
    (directory / name).write_text(text, encoding=encoding, newline="")


def run_import(directory) -> tuple[importer.ImportReport, str]:
    """Import the directory; the report and everything `import-billing` prints: the rows' problems, then the counts."""
    out = io.StringIO()
    report = import_billing_dir(directory, on_problem=lambda found: print(line_problem(found), file=out))
    print("\n".join(import_summary(report)), file=out)
    return report, out.getvalue()


def refusal(directory) -> str:
    """Why the import of the directory cannot start, in words."""
    with pytest.raises(BillingImportError) as refused:
        import_billing_dir(directory, on_problem=lambda found: None)
    return import_refusal(refused.value)


def rows(model) -> list[dict]:
    """Every row of a table as a dict, in id order."""
    with session_scope() as session:
        return [item.model_dump() for item in session.exec(select(model).order_by(model.id)).all()]


def charges() -> list[tuple]:
    """(period, zone, kWh, kopecks, tariff) of every charge, in id order."""
    return [(c["period"], c["zone"], c["kwh"], c["amount_kop"], c["tariff_kop"]) for c in rows(Charge)]


def payments_of(number: str) -> list[tuple[date, int, int]]:
    """(date, kopecks, seq) of an account's payments."""
    with session_scope() as session:
        found = session.exec(
            select(Payment.paid_on, Payment.amount_kop, Payment.seq)
            .join(BillingAccount, BillingAccount.id == Payment.account_id)
            .where(BillingAccount.number == number)
            .order_by(Payment.paid_on, Payment.amount_kop, Payment.seq)
        ).all()
        return [tuple(row) for row in found]


def test_normal_forms_of_numbers_and_surnames():
    assert normalize_account_number(" 100-200 300 ") == "100200300"
    assert normalize_account_number("12345") is None
    assert normalize_account_number("1234567890123456") is None
    assert normalize_account_number("10020030A") is None
    assert surname_key("  Ёлкина   Петрова ") == "елкина петрова"


def test_good_files_load_with_values_normalized(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(tmp_path, "payments.csv", "account_number,paid_on,amount\n100200300,2026-01-15,1234.5\n100200301,2026-01-20,99\n")
    write(tmp_path, "charges.csv", "account_number,period,kwh,amount,zone,tariff\n100200300,2025-12,190.5,1238.25,день,6.50\n")

    report, output = run_import(tmp_path)

    assert not report.had_errors
    assert output.splitlines() == [
        "accounts.csv: 2 строки загружены, 0 с ошибками",
        "payments.csv: 2 строки загружены, 0 с ошибками",
        "charges.csv: 1 строка загружена, 0 с ошибками",
        "Итого: 5 строк загружено, 0 с ошибками",
    ]
    with session_scope() as session:
        anna = session.exec(select(BillingAccount).where(BillingAccount.number == "100200300")).one()
        ivan = session.exec(select(BillingAccount).where(BillingAccount.number == "100200301")).one()
        charge = session.exec(select(Charge)).one()
    assert (anna.surname, anna.surname_key, anna.first_name, anna.patronymic) == ("Ёлкина", "елкина", "Анна", "Петровна")
    assert anna.address == "г. Кострома, ул. Ленина, д. 1, кв. 2"
    assert (anna.email, anna.phone) == ("Anna@example.ru", "+79123456789")
    assert (ivan.email, ivan.phone) == (None, None)
    assert payments_of("100200300") == [(date(2026, 1, 15), 123450, 0)]
    assert payments_of("100200301") == [(date(2026, 1, 20), 9900, 0)]
    assert (charge.account_id, charge.period, charge.zone, charge.kwh, charge.amount_kop, charge.tariff_kop) == (
        anna.id, "2025-12", "день", 190.5, 123825, 650
    )


def test_semicolons_decimal_commas_russian_dates_and_a_bom(clean_db, tmp_path):
    write(
        tmp_path,
        "accounts.csv",
        "account_number;surname;first_name;patronymic;address\n"
        "100200300;Ёлкина;Анна;Петровна;г. Кострома, ул. Ленина, д. 1\n"
        "100200301;Петров;Иван;Сергеевич;г. Кострома\n",
        encoding="utf-8-sig",
    )
    write(
        tmp_path,
        "payments.csv",
        "Account_Number;Amount;Paid_On\n100200300;1 234,50;05.02.2026\n100200301;102,5;5.3.2026\n",
        encoding="utf-8-sig",
    )
    write(tmp_path, "charges.csv", 'period,account_number,amount,kwh\n2026-01,100200300,"1 102,75","169,5"\n')

    report, output = run_import(tmp_path)

    assert not report.had_errors, output
    assert payments_of("100200300") == [(date(2026, 2, 5), 123450, 0)]
    assert payments_of("100200301") == [(date(2026, 3, 5), 10250, 0)]
    assert charges() == [("2026-01", "", 169.5, 110275, None)]


def test_bad_rows_are_reported_by_line_and_the_rest_loads(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(
        tmp_path,
        "payments.csv",
        "account_number,paid_on,amount\n"
        "100200300,2026-01-15,100.00\n"  # line 2: good
        "10020030A,2026-01-15,100.00\n"  # 3: letters in the number
        "100200300,2026-02-30,100.00\n"  # 4: no such day
        "100200300,2026-01-16,100.555\n"  # 5: three decimals
        "\n"  # 6: blank, skipped
        "100200300,2026-01-17,-5.00\n"  # 7: negative
        "999999999,2026-01-18,10.00\n"  # 8: unknown account
        "100200300,2026-01-19,1,5\n"  # 9: unquoted decimal comma
        "100200301,2026-01-20,250\n",  # 10: good
    )

    report, output = run_import(tmp_path)

    assert report.had_errors
    lines = output.splitlines()
    assert lines[:7] == [
        "payments.csv:3: номер лицевого счёта «10020030A»: нужно от 6 до 15 цифр",
        "payments.csv:4: даты «2026-02-30» нет в календаре",
        "payments.csv:5: сумма «100.555»: больше двух знаков после запятой",
        "payments.csv:7: сумма «-5.00»: меньше нуля",
        "payments.csv:8: лицевой счёт 999999999 не найден",
        "payments.csv:9: полей в строке: 4, в заголовке: 3 (дробную часть через запятую возьмите в кавычки)",
        "accounts.csv: 2 строки загружены, 0 с ошибками",
    ]
    assert lines[7:] == ["payments.csv: 2 строки загружены, 6 с ошибками", "Итого: 4 строки загружены, 6 с ошибками"]
    assert payments_of("100200300") == [(date(2026, 1, 15), 10000, 0)]
    assert payments_of("100200301") == [(date(2026, 1, 20), 25000, 0)]


def test_line_numbers_count_physical_lines_and_bad_bytes_reject_only_their_row(clean_db, tmp_path):
    text = (
        "account_number,surname,first_name,patronymic,address\n"
        '100200300,Ёлкина,Анна,Петровна,"г. Кострома,\nул. Ленина, д. 1"\n'  # lines 2–3
        "12AB,Петров,Иван,Сергеевич,г. Кострома\n"  # line 4
    )
    (tmp_path / "accounts.csv").write_bytes(
        text.encode()
        + "100200302,Сидоров,Пётр,Ильич,г. Кострома\n".encode("cp1251")  # line 5
        + "100200303,Орлова,Вера,Ильинична,г. Кострома\n".encode()
    )

    report, output = run_import(tmp_path)

    assert output.splitlines()[:2] == [
        "accounts.csv:4: номер лицевого счёта «12AB»: нужно от 6 до 15 цифр",
        "accounts.csv:5: недопустимые символы: файл должен быть в кодировке UTF-8",
    ]
    assert (report.loaded, report.rejected) == (2, 2)
    assert [account["number"] for account in rows(BillingAccount)] == ["100200300", "100200303"]


def test_unreadable_contacts_load_the_row_without_them(clean_db, tmp_path):
    write(
        tmp_path,
        "accounts.csv",
        "account_number,surname,first_name,patronymic,address,email,phone\n100200300,Ёлкина,Анна,Петровна,г. Кострома,anna@,12345\n",
    )

    report, output = run_import(tmp_path)

    assert not report.had_errors
    assert output.splitlines()[:3] == [
        "accounts.csv:2: e-mail не распознан, строка загружена без него",
        "accounts.csv:2: телефон не распознан, строка загружена без него",
        "accounts.csv: 1 строка загружена, 0 с ошибками",
    ]
    assert [(account["email"], account["phone"]) for account in rows(BillingAccount)] == [(None, None)]


def test_a_rerun_changes_nothing(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(tmp_path, "payments.csv", "account_number,paid_on,amount\n100200300,2026-01-15,100\n100200300,2026-02-15,100\n")
    write(tmp_path, "charges.csv", "account_number,period,kwh,amount\n100200300,2026-01,150,975.00\n")
    run_import(tmp_path)
    before = [rows(BillingAccount), rows(Payment), rows(Charge)]

    report, _ = run_import(tmp_path)

    assert report.loaded == 5 and not report.had_errors
    assert [rows(BillingAccount), rows(Payment), rows(Charge)] == before


def test_next_months_files_update_accounts_and_charges(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(tmp_path, "charges.csv", "account_number,period,kwh,amount,tariff\n100200300,2026-01,150,975.00,6.50\n")
    run_import(tmp_path)
    write(
        tmp_path,
        "accounts.csv",
        'account_number,surname,first_name,patronymic,address\n100200300,Иванова,Анна,Петровна,"г. Кострома, ул. Мира, д. 9"\n',
    )
    write(
        tmp_path,
        "charges.csv",
        "account_number,period,kwh,amount\n100200300,2026-01,140,910.00\n100200300,2026-02,160,1040.00\n",
    )

    report, _ = run_import(tmp_path)

    assert not report.had_errors
    account = rows(BillingAccount)[0]
    assert (account["surname"], account["surname_key"]) == ("Иванова", "иванова")
    assert account["address"] == "г. Кострома, ул. Мира, д. 9"
    assert (account["email"], account["phone"]) == ("Anna@example.ru", "+79123456789")  # kept: the file has no such columns
    assert charges() == [("2026-01", "", 140.0, 91000, 650), ("2026-02", "", 160.0, 104000, None)]


def test_the_last_row_of_an_account_wins_within_a_file(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS + "100200300,Ёлкина,Анна,Ивановна,г. Кострома,,\n")

    run_import(tmp_path)

    assert [account["patronymic"] for account in rows(BillingAccount)] == ["Ивановна", "Сергеевич"]


def test_equal_payments_of_one_day_all_stay_across_batches_and_reruns(clean_db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(
        tmp_path,
        "payments.csv",
        "account_number,paid_on,amount\n"
        "100200300,2026-01-15,100.00\n"
        "100200301,2026-01-15,100.00\n"
        "100200300,15.01.2026,100\n"  # the same payment written differently, two batches later
        "100200300,2026-01-15,100.5\n"
        '100200300,2026-01-15,"100,00"\n',
    )

    run_import(tmp_path)
    run_import(tmp_path)

    day = date(2026, 1, 15)
    assert payments_of("100200300") == [(day, 10000, 0), (day, 10000, 1), (day, 10000, 2), (day, 10050, 0)]
    assert payments_of("100200301") == [(date(2026, 1, 15), 10000, 0)]


def test_occurrences_are_exact_even_when_hashes_collide():
    counter = OccurrenceCounter(0)
    keys = [5, 5 + 2**16, 5, 7, 5 + 2**16, 5]  # small ints hash to themselves: 5 and 5 + 2**16 share a slot
    for key in keys:
        counter.survey(key)
    assert [counter.occurrence(key) for key in keys] == [0, 0, 1, 0, 1, 2]


def test_a_missing_directory_or_no_billing_file_is_an_error(clean_db, tmp_path):
    assert "не найден" in refusal(tmp_path / "nowhere")
    write(tmp_path, "readme.txt", "nothing here")
    assert "нет ни одного из файлов accounts.csv, payments.csv, charges.csv, meters.csv" in refusal(tmp_path)


def test_a_header_without_a_required_column_stops_the_import_before_any_write(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(tmp_path, "payments.csv", "account_number,date,amount\n100200300,2026-01-15,100\n")

    assert "payments.csv: в заголовке нет столбцов paid_on" in refusal(tmp_path)

    assert rows(BillingAccount) == []


def meters() -> list[tuple]:
    """(meter number, zones, period, values, read date) of every meter's billing reading, by meter number."""
    with session_scope() as session:
        found = session.exec(
            select(Meter.number, Meter.zones, MeterReading.period, MeterReading.value1, MeterReading.value2,
                   MeterReading.value3, MeterReading.read_on)
            .join(MeterReading, MeterReading.meter_id == Meter.id)
            .order_by(Meter.number, MeterReading.period)
        ).all()
        return [(n, z, p, (v1, v2, v3), d) for n, z, p, v1, v2, v3, d in found]


def test_meters_load_with_their_last_reading_and_bad_rows_are_reported(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(
        tmp_path,
        "meters.csv",
        "account_number;meter_number;zones;last_reading;read_on\n"
        "100200300;M-1;1;12345,5;25.10.2026\n"  # line 2: good
        "100200300;M-2;2;1000/500;2026-10-24\n"  # 3: good, two zones
        "100200301;M-3;3;1/2;2026-10-24\n"  # 4: two readings for three zones
        "100200301;M-4;4;1/2/3/4;2026-10-24\n"  # 5: four zones
        "100200301;M-5;1;-5;2026-10-24\n"  # 6: negative
        "999999999;M-6;1;5;2026-10-24\n"  # 7: unknown account
        "100200301;M-7;1;5;2026-13-01\n"  # 8: no such date
        "100200301;M-8;3;10.5/20/30;2026-10-24\n",  # 9: good
    )

    report, output = run_import(tmp_path)

    assert output.splitlines()[:5] == [
        "meters.csv:4: показания «1/2»: их 2, а зон у счётчика 3",
        "meters.csv:5: число зон «4»: нужно от 1 до 3",
        "meters.csv:6: показание «-5»: нужно неотрицательное число",
        "meters.csv:7: лицевой счёт 999999999 не найден",
        "meters.csv:8: даты «2026-13-01» нет в календаре",
    ]
    assert "meters.csv: 3 строки загружены, 5 с ошибками" in output
    assert meters() == [
        ("M-1", 1, "2026-10", (12345.5, None, None), date(2026, 10, 25)),
        ("M-2", 2, "2026-10", (1000.0, 500.0, None), date(2026, 10, 24)),
        ("M-8", 3, "2026-10", (10.5, 20.0, 30.0), date(2026, 10, 24)),
    ]
    assert report.rejected == 5


def test_meters_rerun_changes_nothing_and_next_month_adds_a_reading(clean_db, tmp_path):
    write(tmp_path, "accounts.csv", ACCOUNTS)
    write(tmp_path, "meters.csv", "account_number,meter_number,zones,last_reading,read_on\n100200300,M-1,1,100,2026-10-25\n")
    run_import(tmp_path)
    before = [rows(Meter), rows(MeterReading)]
    run_import(tmp_path)
    assert [rows(Meter), rows(MeterReading)] == before

    write(tmp_path, "meters.csv",
          'account_number,meter_number,zones,last_reading,read_on\n100200300,M-1,2,"150,5/80",2026-11-25\n')
    report, _ = run_import(tmp_path)

    assert not report.had_errors
    assert meters() == [
        ("M-1", 2, "2026-10", (100.0, None, None), date(2026, 10, 25)),
        ("M-1", 2, "2026-11", (150.5, 80.0, None), date(2026, 11, 25)),
    ]
