"""Benchmark of `import-billing`: generated accounts, payments and charges into a fresh migrated database."""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from lk_app.billing.importer import import_billing_dir  # noqa: E402
from lk_app.db import migrate  # noqa: E402
from lk_app.texts.billing import import_summary, line_problem  # noqa: E402


def write_billing_files(directory: Path, *, accounts: int, payments_per_account: int) -> int:
    """Write accounts.csv, payments.csv (a registry in date order) and charges.csv (`;`, decimal comma); return the row count."""
    rng = random.Random(20261122)
    numbers = [f"{400000000000 + index * 7:012d}" for index in range(accounts)]
    with (directory / "accounts.csv").open("w", encoding="utf-8", newline="") as file:
        file.write("account_number,surname,first_name,patronymic,address,email,phone\n")
        for index, number in enumerate(numbers):
            email = f"client{index}@example.ru" if index % 3 == 0 else ""
            phone = f"+7 9{rng.randrange(10**9):09d}" if index % 2 == 0 else ""
            address = f'"г. Кострома, ул. Ленина, д. {index % 200 + 1}, кв. {index % 90 + 1}"'
            file.write(f"{number},Иванова,Мария,Петровна,{address},{email},{phone}\n")
    rows = accounts
    with (directory / "payments.csv").open("w", encoding="utf-8", newline="") as file:
        file.write("account_number,paid_on,amount\n")
        first_day = date(2025, 1, 10)
        for month in range(payments_per_account):
            paid_on = (first_day + timedelta(days=30 * month)).isoformat()
            for number in numbers:
                file.write(f"{number},{paid_on},{rng.randrange(50000, 300000) / 100:.2f}\n")
        rows += accounts * payments_per_account
    with (directory / "charges.csv").open("w", encoding="utf-8", newline="") as file:
        file.write("account_number;period;kwh;amount;zone;tariff\n")
        for number in numbers:
            kwh = rng.randrange(100, 400)
            file.write(f"{number};2025-12;{kwh};{kwh * 6.5:.2f}".replace(".", ",") + ";;6,50\n")
        rows += accounts
    return rows


def main() -> int:
    """Generate the files, import them and print rows per second and the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--payments-per-account", type=int, default=12)
    parser.add_argument("--database-url", help="an empty database to migrate and fill (default: a fresh SQLite file)")
    parser.add_argument("--again", action="store_true", help="import the same files a second time (nothing should change)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lk-bench-") as tmp:
        work = Path(tmp)
        os.environ["REFLEX_DB_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
        migrate()
        rows = write_billing_files(work, accounts=args.accounts, payments_per_account=args.payments_per_account)
        for run in ("import", "again")[: 2 if args.again else 1]:
            problems = []
            started = time.perf_counter()
            report = import_billing_dir(work, on_problem=problems.append)
            elapsed = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(import_summary(report)[-1])
            print(f"{run}: {rows} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s; peak RSS {peak_mb:.0f} MB")
            if report.had_errors:
                print("\n".join(line_problem(found) for found in problems))
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
