"""The command line: clear messages and exit codes instead of tracebacks."""

from lk_app.__main__ import main
from lk_app.settings import get_settings


def test_a_missing_directory_is_a_clear_error(database_url, capsys):
    assert main(["import-billing", "/no/such/directory"]) == 2
    assert "не найден" in capsys.readouterr().err


def test_an_unmigrated_database_says_how_to_fix_it(settings, tmp_path, capsys):
    settings(REFLEX_DB_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["legacy-status"]) == 3
    assert "python -m lk_app migrate" in capsys.readouterr().err


def test_a_refused_setting_is_named_without_a_traceback(database_url, monkeypatch, capsys):
    monkeypatch.setenv("LK_TIMEZONE", "Nope/Zone")
    get_settings.cache_clear()
    try:
        assert main(["legacy-status"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("LK cannot start:") and "LK_TIMEZONE" in err and "Traceback" not in err


def test_legacy_status_counts(clean_db, capsys):
    assert main(["legacy-status"]) == 0
    assert "осталось: 0" in capsys.readouterr().out


def test_import_billing_prints_each_bad_row_then_the_counts(clean_db, tmp_path, capsys):
    (tmp_path / "accounts.csv").write_text(
        "account_number,surname,first_name,patronymic,address\n"
        "100200300,Ёлкина,Анна,Петровна,г. Кострома\n"
        "12AB,Петров,Иван,Сергеевич,г. Кострома\n",
        encoding="utf-8",
    )
    assert main(["import-billing", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "accounts.csv:3: номер лицевого счёта «12AB»: нужно от 6 до 15 цифр",
        "accounts.csv: 1 строка загружена, 1 с ошибкой",
        "Итого: 1 строка загружена, 1 с ошибкой",
    ]


def test_a_header_without_a_required_column_is_a_clear_error(clean_db, tmp_path, capsys):
    (tmp_path / "payments.csv").write_text("account_number,date,amount\n100200300,2026-01-15,100\n", encoding="utf-8")
    assert main(["import-billing", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "Ошибка: payments.csv: в заголовке нет столбцов paid_on\n"


def test_seed_demo_says_what_it_made(clean_db, capsys):
    assert main(["seed-demo", "--accounts", "3"]) == 0
    assert capsys.readouterr().out.startswith("Демо-поставщик готов (г. Кострома): лицевых счетов — 3, начислений — 36 (")


def test_a_month_not_written_yyyy_mm_is_a_clear_error(database_url, capsys):
    assert main(["export-readings", "--period", "2026-13"]) == 2
    assert capsys.readouterr().err == "Ошибка: период «2026-13» не распознан: нужен ГГГГ-ММ\n"
    assert main(["send-ebills", "--period", "10.2026"]) == 2
    assert capsys.readouterr().err == "Ошибка: период «10.2026» не распознан: нужен ГГГГ-ММ\n"
