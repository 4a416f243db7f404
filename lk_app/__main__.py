"""The command line: `python -m lk_app COMMAND` (see SPEC.md, «Command line»)."""

import argparse
import getpass
import os
import re
import sys
from pathlib import Path

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class CommandError(Exception):
    """Bad input to a command: printed as a clear message, exit code 2."""


def _import_billing(args: argparse.Namespace) -> int:
    from lk_app.billing.importer import BillingImportError, import_billing_dir

    try:
        report = import_billing_dir(Path(args.directory), out=sys.stdout)
    except BillingImportError as error:
        raise CommandError(str(error)) from error
    return 1 if report.had_errors else 0


def _seed_demo(args: argparse.Namespace) -> int:
    from lk_app.billing.demo import seed_demo

    seed_demo(accounts=args.accounts, out=sys.stdout)
    return 0


def _import_legacy(args: argparse.Namespace) -> int:
    from lk_app.services.old_portal import LegacyImportError, import_legacy_users

    try:
        report = import_legacy_users(Path(args.file), out=sys.stdout)
    except LegacyImportError as error:
        raise CommandError(str(error)) from error
    return 1 if report.refused else 0


def _legacy_status(_args: argparse.Namespace) -> int:
    from lk_app import db
    from lk_app.services.old_portal import legacy_hashes_left

    print(f"Старых хешей паролей осталось: {db.run(legacy_hashes_left)}")
    return 0


def _export_readings(args: argparse.Namespace) -> int:
    import csv
    import re

    from lk_app import db
    from lk_app.services.readings import EXPORT_COLUMNS, export_readings

    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", args.period):
        raise CommandError(f"период «{args.period}» не распознан: нужен ГГГГ-ММ")
    rows = db.run(export_readings, args.period)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([row.account_number, row.meter_number, row.period, row.zones, row.readings,
                         row.submitted_at.isoformat(timespec="seconds")])
    # The CSV goes to stdout for the billing system; the count goes to stderr so it stays out of the file.
    print(f"Показаний за {args.period}: {len(rows)}", file=sys.stderr)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from lk_app.messaging.dispatcher import run_worker

    run_worker(once=args.once)
    return 0


def _send_ebills(args: argparse.Namespace) -> int:
    from lk_app.billing.pdf import FontMissing
    from lk_app.services.ebills import run_mailing

    if not PERIOD.fullmatch(args.period):
        raise CommandError(f"период {args.period!r} указывается как ГГГГ-ММ, например 2026-10")
    try:
        summary = _with_progress(lambda on_progress: run_mailing(args.period, on_progress=on_progress))
    except FontMissing as error:
        raise CommandError(str(error)) from None
    print(
        f"Счета за {args.period}: поставлено в очередь {summary.queued}, пропущено {summary.skipped} "
        f"(отправлены раньше {summary.already_sent}, адрес не подтверждён {summary.unconfirmed}), "
        f"не удалось собрать {summary.failed}."
    )
    return 1 if summary.failed else 0


def _with_progress(run):
    """Run a mailing with a progress bar on a terminal, or a line per tenth of the way in a log."""
    if sys.stdout.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("Счета"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns) as progress:
            task = progress.add_task("send-ebills", total=None)
            return run(lambda done, total: progress.update(task, completed=done, total=total))
    reported = [0]

    def print_tenths(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if tenth > reported[0]:
            reported[0] = tenth
            print(f"send-ebills: {done} из {total}", flush=True)

    return run(print_tenths)


def _migrate(_args: argparse.Namespace) -> int:
    from lk_app.db import migrate

    migrate()
    print("База данных обновлена до последней миграции.")
    return 0


def _operator_password() -> tuple[str, bool]:
    """LK_OPERATOR_PASSWORD, else one typed at a terminal, else a generated one; and whether it was generated."""
    from lk_app.services.operator import generated_password

    password = os.environ.get("LK_OPERATOR_PASSWORD")
    if password:
        return password, False
    if sys.stdin.isatty():
        password = getpass.getpass("Пароль оператора (Enter — сгенерировать): ")
        if password:
            if getpass.getpass("Ещё раз: ") != password:
                raise CommandError("пароли не совпадают.")
            return password, False
    return generated_password(), True


def _create_operator(args: argparse.Namespace) -> int:
    from lk_app import db
    from lk_app.services.operator import create_operator

    password, generated = _operator_password()
    problem = db.run(create_operator, args.login, password)
    if problem:
        raise CommandError(problem)
    print(f"Оператор {args.login.strip()} создан. Вход — на странице входа, консоль — /operator.")
    if generated:
        # Shown this once and stored only as a hash: whoever runs the command hands it over.
        print(f"Пароль: {password}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m lk_app", description="LK — Личный кабинет")
    commands = parser.add_subparsers(dest="command", required=True)

    command = commands.add_parser("import-billing", help="upsert accounts.csv, payments.csv, charges.csv, meters.csv from DIR")
    command.add_argument("directory")
    command.set_defaults(handler=_import_billing)

    command = commands.add_parser("seed-demo", help="make a demo supplier with N accounts")
    command.add_argument("--accounts", type=int, default=200)
    command.set_defaults(handler=_seed_demo)

    command = commands.add_parser("import-legacy", help="import the old portal's users (login, account number, hash, e-mail)")
    command.add_argument("file")
    command.set_defaults(handler=_import_legacy)

    command = commands.add_parser("legacy-status", help="how many old password hashes remain")
    command.set_defaults(handler=_legacy_status)

    command = commands.add_parser("export-readings", help="the month's meter readings sent from LK, as CSV on stdout")
    command.add_argument("--period", required=True, help="YYYY-MM")
    command.set_defaults(handler=_export_readings)

    command = commands.add_parser("worker", help="send the outbox (e-mail, SMS) with retries")
    command.add_argument("--once", action="store_true", help="send what is due now and exit")
    command.set_defaults(handler=_worker)

    command = commands.add_parser("create-operator", help="make an operator account (password: LK_OPERATOR_PASSWORD, "
                                  "a prompt, or generated and printed once)")
    command.add_argument("login")
    command.set_defaults(handler=_create_operator)

    command = commands.add_parser("send-ebills", help="queue the month's bills to every confirmed e-bill address")
    command.add_argument("--period", required=True, help="the billing month, YYYY-MM")
    command.set_defaults(handler=_send_ebills)

    command = commands.add_parser("migrate", help="apply the database migrations")
    command.set_defaults(handler=_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    from lk_app import logs
    from lk_app.settings import get_settings

    logs.install(get_settings().log_format)
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        return args.handler(args)
    except CommandError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 2
    except (OperationalError, ProgrammingError) as error:
        # A database that is down or not migrated yet: say which and how to fix it, not a traceback.
        print(f"Ошибка базы данных ({get_settings().db_url.split('@')[-1]}): {error.orig}", file=sys.stderr)
        print("Проверьте REFLEX_DB_URL и выполните: python -m lk_app migrate", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
