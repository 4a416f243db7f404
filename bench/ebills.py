"""Benchmark of the e-bill mailing end to end: send-ebills and outbox workers against the fake SendGrid on loopback.

N accounts, each in an LK subscribed at a confirmed address, go into a fresh migrated database; then the clock
starts, `run_mailing` queues the month's bills in this process while worker processes send them through SendGrid's
real client to the fake API in a process of its own, and it stops when the last bill is sent. Printed: bills per
second end to end and for queueing alone, the CPU time each process spent per bill (what the machine's cores allow
when nothing else runs on them), and the peak memory of each process.
"""

import argparse
import logging
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

PERIOD = "2026-10"
API_KEY = "SG.bench-key"
SEED_CHUNK = 5_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fake_sendgrid(ready, stop, report) -> None:
    """The fake API in its own process, keeping counts only: a hundred thousand PDFs would not fit in memory."""
    from tests.fakes.sendgrid_server import FakeSendGrid

    with FakeSendGrid(api_key=API_KEY, keep=False) as api:
        ready.send(api.url)
        stop.wait()
        report.send((api.received_count, api.request_count, _cpu_seconds(), _peak_mb()))


def _worker(report) -> None:
    """`python -m lk_app worker` in a process of its own, until SIGTERM; then the CPU time it spent sending and its peak
    memory."""
    logging.basicConfig(level=logging.WARNING)  # not a line per sent bill
    from lk_app.messaging.dispatcher import run_worker

    started = _cpu_seconds()
    run_worker()
    report.put((_cpu_seconds() - started, _peak_mb()))


def _seed(accounts: int) -> None:
    """Accounts with two months of charges and a payment, each in an LK subscribed at its confirmed e-mail."""
    from datetime import date

    from sqlalchemy import insert

    from lk_app.clock import now
    from lk_app.db import session_scope
    from lk_app.models import AccountLink, BillingAccount, Charge, EbillSubscription, LkUser, Payment

    moment = now()
    for start in range(1, accounts + 1, SEED_CHUNK):
        ids = range(start, min(start + SEED_CHUNK, accounts + 1))
        with session_scope() as session:
            session.execute(insert(BillingAccount), [
                {"id": i, "number": f"{440100000000 + i}", "surname": "Иванова", "surname_key": "иванова",
                 "first_name": "Мария", "patronymic": "Петровна", "updated_at": moment,
                 "address": f"г. Кострома, ул. Ленина, д. {i % 200 + 1}, кв. {i % 90 + 1}"} for i in ids])
            session.execute(insert(Charge), [
                {"account_id": i, "period": period, "zone": "", "kwh": 150.0 + i % 200,
                 "amount_kop": (150 + i % 200) * 650, "tariff_kop": 650}
                for i in ids for period in ("2026-09", PERIOD)])
            session.execute(insert(Payment), [
                {"account_id": i, "paid_on": date(2026, 10, 5), "amount_kop": (150 + i % 200) * 650, "seq": 0}
                for i in ids])
            session.execute(insert(LkUser), [
                {"id": i, "login": f"{440100000000 + i}", "login_key": f"{440100000000 + i}", "password_hash": "-",
                 "email": f"client{i}@example.ru", "email_confirmed": True, "phone_confirmed": False,
                 "role": "customer", "created_at": moment} for i in ids])
            session.execute(insert(AccountLink), [
                {"id": i, "user_id": i, "account_id": i, "primary": True, "created_at": moment} for i in ids])
            session.execute(insert(EbillSubscription), [
                {"id": i, "link_id": i, "email": f"client{i}@example.ru", "confirmed_at": moment,
                 "created_at": moment, "updated_at": moment} for i in ids])


def _sent() -> tuple[int, int]:
    from sqlalchemy import func
    from sqlmodel import select

    from lk_app.db import run
    from lk_app.models import OutboxMessage

    def count(session):
        rows = dict(session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        return rows.get("sent", 0), rows.get("abandoned", 0)

    return run(count)


def main() -> int:
    """Seed, run the mailing with its workers, wait for the last bill, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="outbox worker processes")
    parser.add_argument("--database-url", help="an empty database to migrate and fill (default: a fresh SQLite file)")
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")

    with tempfile.TemporaryDirectory(prefix="lk-bench-ebills-") as tmp:
        ready, ready_in = spawn.Pipe(duplex=False)
        report, report_in = spawn.Pipe(duplex=False)
        stop = spawn.Event()
        fake = spawn.Process(target=_fake_sendgrid, args=(ready_in, stop, report_in), name="fake-sendgrid")
        fake.start()
        os.environ.update(
            REFLEX_DB_URL=args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}",
            LK_SENDGRID_API_KEY=API_KEY,
            LK_SENDGRID_HOST=ready.recv(),
            LK_PUBLIC_URL="https://lk.example.ru",
        )
        from lk_app.db import migrate
        from lk_app.services.ebills import run_mailing

        migrate()
        seeding = time.perf_counter()
        seeder = spawn.Process(target=_seed, args=(args.accounts,), name="seed")
        seeder.start()
        seeder.join()
        print(f"seeded {args.accounts} subscribed accounts in {time.perf_counter() - seeding:.0f} s")

        peaks = spawn.Queue()
        workers = [spawn.Process(target=_worker, args=(peaks,), name=f"worker-{n}") for n in range(args.workers)]
        for worker in workers:
            worker.start()
        time.sleep(2)  # the workers import the app before the clock starts, as running workers would have

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        summary = run_mailing(PERIOD)
        queued_in, mailing_cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        # Counting the outbox scans it: often enough for a second's precision, not so often it slows the workers.
        while sum(_sent()) < summary.queued:
            time.sleep(1.0)
        elapsed = time.perf_counter() - started
        sent, abandoned = _sent()

        for worker in workers:
            worker.terminate()  # SIGTERM: the worker finishes its send and returns
        worker_cpu, worker_peaks = zip(*(peaks.get(timeout=60) for _ in workers))
        for worker in workers:
            worker.join()
        stop.set()
        received, requests, fake_cpu, fake_peak = report.recv()
        fake.join()

    print(f"send-ebills: queued {summary.queued}, skipped {summary.skipped}, failed {summary.failed} "
          f"in {queued_in:.1f} s = {summary.queued / queued_in:,.0f} bills/s built and queued")
    print(f"end to end: {sent} bills sent ({abandoned} abandoned; the fake took {received} of {requests} requests) "
          f"in {elapsed:.1f} s = {sent / elapsed:,.0f} bills/s with {args.workers} workers")
    per_bill = [1000 * seconds / max(sent, 1) for seconds in (mailing_cpu, sum(worker_cpu), fake_cpu)]
    print(f"CPU per bill: send-ebills {per_bill[0]:.1f} ms, workers {per_bill[1]:.1f} ms, fake SendGrid "
          f"{per_bill[2]:.1f} ms; {sum(per_bill):.1f} ms in all = at most {2000 / sum(per_bill):,.0f} bills/s "
          f"on 2 idle cores (load average now {os.getloadavg()[0]:.1f})")
    print(f"peak RSS: send-ebills {_peak_mb():.0f} MB, workers {max(worker_peaks):.0f} MB, "
          f"fake SendGrid {fake_peak:.0f} MB")
    return 0 if sent == summary.queued == args.accounts and received == sent else 1


if __name__ == "__main__":
    sys.exit(main())
