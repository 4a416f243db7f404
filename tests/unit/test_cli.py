"""The command line: clear messages and exit codes instead of tracebacks."""

from lk_app.__main__ import main


def test_a_missing_directory_is_a_clear_error(database_url, capsys):
    assert main(["import-billing", "/no/such/directory"]) == 2
    assert "не найден" in capsys.readouterr().err


def test_an_unmigrated_database_says_how_to_fix_it(settings, tmp_path, capsys):
    settings(REFLEX_DB_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["legacy-status"]) == 3
    assert "python -m lk_app migrate" in capsys.readouterr().err


def test_legacy_status_counts(clean_db, capsys):
    assert main(["legacy-status"]) == 0
    assert "осталось: 0" in capsys.readouterr().out
