"""The command line: `python -m lk_app COMMAND` (see SPEC.md, «Command line»)."""

import argparse
import getpass
import os
import sys
from pathlib import Path

from lk_app.texts import cli as texts


class CommandError(Exception):
    """Bad input to a command: printed as a clear message, exit code 2."""


def _period(text: str) -> str:
    """A billing month typed as YYYY-MM, or the command's error."""
    from lk_app.billing.problems import BadValue
    from lk_app.billing.values import billing_period
    from lk_app.texts.billing import row_problem

    try:
        return billing_period(text)
    except BadValue as error:
        raise CommandError(row_problem(error.problem)) from None


def _import_billing(args: argparse.Namespace) -> int:
    from lk_app.billing.importer import BillingImportError, import_billing_dir
    from lk_app.texts.billing import import_refusal, import_summary, line_problem

    try:
        report = import_billing_dir(Path(args.directory), on_problem=lambda found: print(line_problem(found)))
    except BillingImportError as error:
        raise CommandError(import_refusal(error)) from error
    print("\n".join(import_summary(report)))
    return 1 if report.had_errors else 0


def _seed_demo(args: argparse.Namespace) -> int:
    from lk_app.billing.demo import seed_demo
    from lk_app.texts.billing import demo_summary

    print(demo_summary(seed_demo(accounts=args.accounts)))
    return 0


def _import_legacy(args: argparse.Namespace) -> int:
    from lk_app.services.old_portal import LegacyImportError, import_legacy_users
    from lk_app.texts.access import legacy_import_refusal, legacy_problem, legacy_summary

    path = Path(args.file)
    try:
        report = import_legacy_users(path, on_problem=lambda line, problem: print(legacy_problem(path.name, line, problem)))
    except LegacyImportError as error:
        raise CommandError(legacy_import_refusal(error)) from error
    print(legacy_summary(report))
    return 1 if report.refused else 0


def _legacy_status(_args: argparse.Namespace) -> int:
    from lk_app import db
    from lk_app.services.old_portal import legacy_hashes_left

    print(texts.LEGACY_HASHES_LEFT.format(count=db.run(legacy_hashes_left)))
    return 0


def _write_csv(columns, rows, count_line: str) -> None:
    """An export for the billing system: the CSV on stdout, the count on stderr so it stays out of the file."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    print(count_line, file=sys.stderr)


def _export_readings(args: argparse.Namespace) -> int:
    from lk_app import db
    from lk_app.services.readings import EXPORT_COLUMNS, export_readings

    period = _period(args.period)
    rows = db.run(export_readings, period)
    _write_csv(EXPORT_COLUMNS, ([row.account_number, row.meter_number, row.period, row.zones, row.readings,
                                 row.submitted_at.isoformat(timespec="seconds")] for row in rows),
               texts.READINGS_EXPORTED.format(period=period, count=len(rows)))
    return 0


def _day(text: str):
    """A day typed as YYYY-MM-DD, or the command's error."""
    import re
    from datetime import date

    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(texts.BAD_DATE.format(text=text))


def _acquirer():
    """The configured YooKassa shop, or the command's error."""
    from lk_app.services.online_payments import configured_acquirer

    acquirer = configured_acquirer()
    if acquirer is None:
        raise CommandError(texts.NO_ACQUIRER)
    return acquirer


def _reconcile_payments(_args: argparse.Namespace) -> int:
    from lk_app.services.online_payments import reconcile_payments

    summary = reconcile_payments(acquirer=_acquirer())
    print(texts.PAYMENTS_RECONCILED.format(checked=summary.checked, changed=summary.changed, failed=summary.failed))
    return 1 if summary.failed else 0


def _export_payments(args: argparse.Namespace) -> int:
    from lk_app import db
    from lk_app.services.online_payments import REGISTER_COLUMNS, payments_register

    day = _day(args.date)
    lines = db.run(payments_register, day)
    _write_csv(REGISTER_COLUMNS, ([line.account_number, line.amount, line.paid_at, line.external_id] for line in lines),
               texts.PAYMENTS_EXPORTED.format(day=day.isoformat(), count=len(lines)))
    return 0


def _worker(args: argparse.Namespace) -> int:
    from lk_app.messaging.dispatcher import run_worker
    from lk_app.services.online_payments import periodic_chores

    run_worker(once=args.once, chores=periodic_chores())
    return 0


def _send_ebills(args: argparse.Namespace) -> int:
    from lk_app.billing.pdf import FontMissing
    from lk_app.services.ebill_mailing import run_mailing

    period = _period(args.period)
    try:
        summary = _with_progress(lambda on_progress: run_mailing(period, on_progress=on_progress))
    except FontMissing as error:
        raise CommandError(str(error)) from None
    print(texts.EBILLS_DONE.format(period=period, queued=summary.queued, skipped=summary.skipped,
                                   already_sent=summary.already_sent, unconfirmed=summary.unconfirmed,
                                   failed=summary.failed))
    return 1 if summary.failed else 0


def _with_progress(run):
    """Run a mailing with a progress bar on a terminal, or a line per tenth of the way in a log."""
    if sys.stdout.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn(texts.EBILLS_PROGRESS_LABEL), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns) as progress:
            task = progress.add_task("send-ebills", total=None)
            return run(lambda done, total: progress.update(task, completed=done, total=total))
    reported = [0]

    def print_tenths(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if tenth > reported[0]:
            reported[0] = tenth
            print(texts.EBILLS_PROGRESS.format(done=done, total=total), flush=True)

    return run(print_tenths)


def _migrate(_args: argparse.Namespace) -> int:
    from lk_app.db import migrate

    migrate()
    print(texts.MIGRATED)
    return 0


def _operator_password() -> tuple[str, bool]:
    """LK_OPERATOR_PASSWORD, else one typed at a terminal, else a generated one; and whether it was generated."""
    from lk_app.services.desk import generated_password

    password = os.environ.get("LK_OPERATOR_PASSWORD")
    if password:
        return password, False
    if sys.stdin.isatty():
        password = getpass.getpass(texts.OPERATOR_PASSWORD_PROMPT)
        if password:
            if getpass.getpass(texts.OPERATOR_PASSWORD_AGAIN) != password:
                raise CommandError(texts.OPERATOR_PASSWORDS_DIFFER)
            return password, False
    return generated_password(), True


def _create_operator(args: argparse.Namespace) -> int:
    from lk_app import db
    from lk_app.services.desk import OperatorRefusal, create_operator
    from lk_app.texts.access import registration_refusal
    from lk_app.texts.operator import operator_refusal

    password, generated = _operator_password()
    problem = db.run(create_operator, args.login, password)
    if isinstance(problem, OperatorRefusal):
        raise CommandError(operator_refusal(problem, login=args.login.strip()))
    if problem:
        raise CommandError(registration_refusal(problem))  # the login's or the password's own rules
    print(texts.OPERATOR_CREATED.format(login=args.login.strip()))
    if generated:
        # Shown this once and stored only as a hash: whoever runs the command hands it over.
        print(texts.OPERATOR_PASSWORD.format(password=password))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m lk_app", description=texts.DESCRIPTION)
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

    command = commands.add_parser("reconcile-payments", help="ask YooKassa about LK payments still pending after 10 minutes")
    command.set_defaults(handler=_reconcile_payments)

    command = commands.add_parser("export-payments", help="the day's succeeded LK payments as CSV on stdout, for billing")
    command.add_argument("--date", required=True, help="the day in LK_TIMEZONE, YYYY-MM-DD")
    command.set_defaults(handler=_export_payments)

    command = commands.add_parser("migrate", help="apply the database migrations")
    command.set_defaults(handler=_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    from pydantic import ValidationError

    from lk_app import logs
    from lk_app.settings import SETTINGS_REFUSED, get_settings

    try:
        logs.install(get_settings().log_format)
    except ValidationError as error:
        print(SETTINGS_REFUSED.format(error=error), file=sys.stderr)  # the reason, as at `reflex run`; no traceback
        return 2
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        return args.handler(args)
    except CommandError as error:
        print(texts.ERROR.format(error=error), file=sys.stderr)
        return 2
    except (OperationalError, ProgrammingError) as error:
        # A database that is down or not migrated yet: say which and how to fix it, not a traceback.
        print(texts.DATABASE_ERROR.format(where=get_settings().db_url.split("@")[-1], detail=error.orig), file=sys.stderr)
        print(texts.DATABASE_HINT, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
