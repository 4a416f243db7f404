"""The command line: `python -m lk_app COMMAND` (see SPEC.md, «Command line»)."""

import argparse
import logging
import re
import sys
from pathlib import Path

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class CommandError(Exception):
    """Bad input to a command: printed as a clear message, exit code 2."""


def _import_billing(args: argparse.Namespace) -> int:
    from lk_app.billing.importer import import_billing_dir

    report = import_billing_dir(Path(args.directory), out=sys.stdout)
    return 1 if report.had_errors else 0


def _seed_demo(args: argparse.Namespace) -> int:
    from lk_app.billing.demo import seed_demo

    seed_demo(accounts=args.accounts, out=sys.stdout)
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
    from lk_app.services.db import migrate

    migrate()
    print("База данных обновлена до последней миграции.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m lk_app", description="LK — Личный кабинет")
    commands = parser.add_subparsers(dest="command", required=True)

    command = commands.add_parser("import-billing", help="upsert accounts.csv, payments.csv, charges.csv from DIR")
    command.add_argument("directory")
    command.set_defaults(handler=_import_billing)

    command = commands.add_parser("seed-demo", help="make a demo supplier with N accounts")
    command.add_argument("--accounts", type=int, default=200)
    command.set_defaults(handler=_seed_demo)

    command = commands.add_parser("worker", help="send the outbox (e-mail, SMS) with retries")
    command.add_argument("--once", action="store_true", help="send what is due now and exit")
    command.set_defaults(handler=_worker)

    command = commands.add_parser("send-ebills", help="queue the month's bills to every confirmed e-bill address")
    command.add_argument("--period", required=True, help="the billing month, YYYY-MM")
    command.set_defaults(handler=_send_ebills)

    command = commands.add_parser("migrate", help="apply the database migrations")
    command.set_defaults(handler=_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
