"""The bill by e-mail: subscribing and confirming addresses, the bill's figures, and the mailing run by send-ebills."""

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from lk_app import clock, db
from lk_app.__main__ import main
from lk_app.billing.bill_pdf import payment_order
from lk_app.billing.payment_qr import payment_text
from lk_app.messaging.dispatcher import Dispatcher
from lk_app.messaging.senders import SendGridSender
from lk_app.models import EbillSubscription, OneTimeToken, OutboxAttachment, OutboxMessage, SentBill
from lk_app.services import ebill_mailing, ebill_subscriptions
from lk_app.services.accounts import remove_account
from lk_app.services.bills import account_bills, bill_document, bills_of, issuer_of
from lk_app.services.ebill_mailing import run_mailing
from lk_app.services.ebill_subscriptions import (
    SaveOutcome,
    confirm_ebill_address,
    save_subscription,
    subscriptions_of,
    unsubscribe_by_token,
    unsubscribe_view,
)
from lk_app.services.email_links import LinkState
from lk_app.settings import get_settings
from tests.fakes.sendgrid_server import FakeSendGrid, attachments_of, links_in, text_of
from tests.pdf_reading import pdf_qr_codes, pdf_text
from tests.unit.factories import billing_account, charge, link, lk_user, payment

PERIOD = "2026-10"
KEY = "SG.ebills-test-key"


def _customer(session, n: int, *, email: str | None = "auto", email_confirmed: bool = True, period: str = PERIOD):
    """An account with last month's and this month's charges, a payment, and an LK holding it; returns (user, account)."""
    number = str(440100000000 + n)
    account = billing_account(session, number=number, surname=f"Ёлкина{n}")
    charge(session, account, "2026-09", 180, 117000)
    if period:
        charge(session, account, period, 190, 123500)
    payment(session, account, date(2026, 10, 5), 100000)
    user = lk_user(session, login=f"customer{n}", email=f"c{n}@example.ru" if email == "auto" else email)
    user.email_confirmed = email_confirmed
    session.add(user)
    link(session, user, account, primary=True)
    return user, account


def _subscribed(count: int, **options) -> list[tuple[int, str, str]]:
    """`count` customers subscribed at their confirmed LK e-mail, committed; (user id, account number, e-mail) each."""

    def make(session):
        made = []
        for n in range(count):
            user, account = _customer(session, n, **options)
            assert save_subscription(user.id, account.number, True, user.email, session=session)[0] is SaveOutcome.SUBSCRIBED
            made.append((user.id, account.number, user.email))
        return made

    return db.run(make)


def _count(model, *where) -> int:
    return db.run(lambda session: session.exec(select(func.count()).select_from(model).where(*where)).one())


def _outbox(template_subject: str) -> list[OutboxMessage]:
    return db.run(lambda session: session.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).contains(template_subject)).order_by(OutboxMessage.id)
    ).all())


def _bill_mails() -> list[OutboxMessage]:
    return _outbox("Счёт за электроэнергию")


# Subscriptions


def test_the_lks_confirmed_email_is_used_at_once(session):
    user, account = _customer(session, 1)
    assert subscriptions_of(user.id, session=session)[account.number] == ebill_subscriptions.SubscriptionView(
        account.number, "c1@example.ru", active=False, confirmed=False
    )
    assert save_subscription(user.id, account.number, True, " c1@Example.RU ", session=session) == (
        SaveOutcome.SUBSCRIBED, "c1@example.ru"
    )
    view = subscriptions_of(user.id, session=session)[account.number]
    assert (view.active, view.confirmed, view.email) == (True, True, "c1@example.ru")
    assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0


def test_an_lk_without_email_gets_an_empty_field(session):
    user, account = _customer(session, 1, email=None)
    assert subscriptions_of(user.id, session=session)[account.number].email == ""


def test_another_address_is_used_only_once_its_link_is_followed(clean_db):
    def subscribe(session):
        user, account = _customer(session, 1)
        return user.id, account.number, save_subscription(user.id, account.number, True, "bills@example.ru", session=session)

    user_id, number, outcome = db.run(subscribe)
    assert outcome == (SaveOutcome.LINK_SENT, "bills@example.ru")
    [mail] = _outbox("Подтверждение адреса для счетов")
    assert mail.recipient == "bills@example.ru" and "****0001" in mail.body_text and number not in mail.body_text
    token = next(line for line in mail.body_text.split() if "/confirm?token=" in line).split("token=")[1]
    view = db.run(subscriptions_of, user_id)[number]
    assert (view.active, view.confirmed, view.email) == (True, False, "bills@example.ru")

    summary = run_mailing(PERIOD)
    assert (summary.queued, summary.unconfirmed) == (0, 1) and _bill_mails() == []

    assert db.run(confirm_ebill_address, token) is LinkState.VALID
    assert db.run(confirm_ebill_address, token) is LinkState.USED
    assert db.run(subscriptions_of, user_id)[number].confirmed
    assert run_mailing(PERIOD).queued == 1
    assert [mail.recipient for mail in _bill_mails()] == ["bills@example.ru"]


def test_links_to_two_addresses_both_stay_valid(clean_db):
    def subscribe(session):
        user = lk_user(session)
        first, second = billing_account(session, number="100200300"), billing_account(session, number="100200301")
        link(session, user, first), link(session, user, second)
        save_subscription(user.id, first.number, True, "one@example.ru", session=session)
        save_subscription(user.id, second.number, True, "two@example.ru", session=session)
        save_subscription(user.id, first.number, True, "one@example.ru", session=session)  # «Сохранить» again
        return user.id

    user_id = db.run(subscribe)
    tokens = db.run(lambda session: session.exec(select(OneTimeToken.email, OneTimeToken.revoked_at)
                                                 .order_by(OneTimeToken.id)).all())
    assert [(email, revoked is not None) for email, revoked in tokens] == [
        ("one@example.ru", True), ("two@example.ru", False), ("one@example.ru", False)
    ]
    assert all(not view.confirmed for view in db.run(subscriptions_of, user_id).values())


def test_refusals_say_what_is_wrong(session):
    user, account = _customer(session, 1)
    _, stranger = _customer(session, 2)
    assert save_subscription(user.id, account.number, True, "  ", session=session) == (SaveOutcome.EMAIL_MISSING, "")
    assert save_subscription(user.id, account.number, True, "anna@", session=session) == (SaveOutcome.EMAIL_FORMAT, "")
    assert save_subscription(user.id, stranger.number, True, "c1@example.ru", session=session) == (SaveOutcome.NOT_LINKED, "")
    assert session.exec(select(func.count()).select_from(EbillSubscription)).one() == 0


def test_unsubscribing_and_coming_back_to_a_proven_address_needs_no_new_link(session):
    user, account = _customer(session, 1, email_confirmed=False)
    save_subscription(user.id, account.number, True, "bills@example.ru", session=session)
    [token] = session.exec(select(OneTimeToken)).all()
    token.used_at = clock.now()  # as if followed: mark the subscription confirmed the way the link does
    subscription = session.exec(select(EbillSubscription)).one()
    subscription.confirmed_at = clock.now()
    session.add_all([token, subscription])
    assert save_subscription(user.id, account.number, False, "", session=session)[0] is SaveOutcome.UNSUBSCRIBED
    assert not subscriptions_of(user.id, session=session)[account.number].active
    assert save_subscription(user.id, account.number, True, "bills@example.ru", session=session)[0] is SaveOutcome.SUBSCRIBED
    assert session.exec(select(func.count()).select_from(OneTimeToken)).one() == 1


def test_confirmation_links_are_limited_per_lk(session):
    user, account = _customer(session, 1)
    outcomes = [save_subscription(user.id, account.number, True, f"a{n}@example.ru", session=session)[0]
                for n in range(6)]
    assert outcomes == [SaveOutcome.LINK_SENT] * 5 + [SaveOutcome.LIMITED]
    assert subscriptions_of(user.id, session=session)[account.number].email == "a4@example.ru"
    # The LK's own confirmed e-mail needs no link, so the limit does not stand in its way.
    assert save_subscription(user.id, account.number, True, "c1@example.ru", session=session)[0] is SaveOutcome.SUBSCRIBED
    clock.move(timedelta(hours=1, minutes=1))
    assert save_subscription(user.id, account.number, True, "a9@example.ru", session=session)[0] is SaveOutcome.LINK_SENT


def test_removing_the_account_from_the_lk_ends_its_subscription(session):
    user, account = _customer(session, 1)
    other = billing_account(session, number="100200300")
    link(session, user, other)
    save_subscription(user.id, other.number, True, "c1@example.ru", session=session)
    remove_account(user.id, other.number, session=session)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(EbillSubscription)).one() == 0


# Bills


def test_a_bill_counts_the_debt_at_the_start_the_payments_in_the_month_and_the_month(session):
    _, account = _customer(session, 1)
    payment(session, account, date(2026, 9, 30), 7000)  # before the month: lowers the opening debt
    payment(session, account, date(2026, 11, 2), 999999)  # after it: not on this bill
    bill = bills_of([account.id], PERIOD, session=session)[account.id]
    assert (bill.opening_debt_kop, bill.paid_kop, bill.charged_kop, bill.kwh) == (117000 - 7000, 100000, 123500, 190)
    assert bill.total_kop == 110000 - 100000 + 123500
    assert bills_of([account.id], "2026-12", session=session) == {}


def test_the_cabinet_lists_the_months_and_serves_only_its_own_bills(session):
    user, account = _customer(session, 1)
    _, stranger = _customer(session, 2)
    assert [(line.period, line.title, line.charged) for line in account_bills(user.id, account.number, session=session)] == [
        ("2026-10", "октябрь 2026 г.", "1\u00a0235,00\u00a0₽"), ("2026-09", "сентябрь 2026 г.", "1\u00a0170,00\u00a0₽")
    ]
    assert account_bills(user.id, stranger.number, session=session) == []
    filename, pdf = bill_document(user.id, account.number, PERIOD, session=session)
    assert filename == f"epd-{account.number}-{PERIOD}.pdf" and account.number in pdf_text(pdf)
    assert bill_document(user.id, stranger.number, PERIOD, session=session) is None
    assert bill_document(user.id, account.number, "2026-12", session=session) is None


# The mailing


def test_the_mailing_queues_one_mail_per_confirmed_address_with_the_pdf_and_unsubscribe_headers(clean_db, settings):
    settings(LK_PUBLIC_URL="https://lk.example.ru", LK_API_URL="https://api.lk.example.ru/")
    made = _subscribed(3)

    def others(session):
        pending, account = _customer(session, 10)
        save_subscription(pending.id, account.number, True, "pending@example.ru", session=session)
        gone, account = _customer(session, 11)
        save_subscription(gone.id, account.number, True, gone.email, session=session)
        save_subscription(gone.id, account.number, False, "", session=session)
        quiet, account = _customer(session, 12, period="")  # no charges this month
        save_subscription(quiet.id, account.number, True, quiet.email, session=session)

    db.run(others)
    progress = []
    summary = run_mailing(PERIOD, on_progress=lambda done, total: progress.append((done, total)))
    assert (summary.total, summary.queued, summary.already_sent, summary.unconfirmed, summary.failed) == (4, 3, 0, 1, 0)
    assert progress[-1] == (4, 4)
    mails = _bill_mails()
    assert sorted(mail.recipient for mail in mails) == sorted(email for _, _, email in made)
    mail = mails[0]
    number = next(number for _, number, email in made if email == mail.recipient)
    assert mail.subject == f"Счёт за электроэнергию за октябрь 2026 г. — {get_settings().supplier_name}"
    assert "****" + number[-4:] in mail.body_text and "https://lk.example.ru/cabinet" in mail.body_text
    token = mail.headers["List-Unsubscribe"].split("token=")[1].rstrip(">")
    assert mail.headers == {"List-Unsubscribe": f"<https://api.lk.example.ru/ebills/unsubscribe?token={token}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert f"https://lk.example.ru/unsubscribe?token={token}" in mail.body_text
    [attachment] = db.run(lambda session: session.exec(
        select(OutboxAttachment).where(OutboxAttachment.message_id == mail.id)).all())
    assert (attachment.filename, attachment.content_type) == (f"epd-{number}-{PERIOD}.pdf", "application/pdf")
    bill = db.run(lambda session: next(iter(bills_of(
        [session.exec(select(SentBill.account_id).where(SentBill.outbox_message_id == mail.id)).one()], PERIOD,
        session=session).values())))
    [code] = pdf_qr_codes(attachment.content)
    assert code.bytes.decode("utf-8") == payment_text(payment_order(bill, issuer_of(get_settings()).payee))
    sent = db.run(lambda session: session.exec(select(SentBill).where(SentBill.outbox_message_id == mail.id)).one())
    assert (sent.period, sent.email, sent.total_kop) == (PERIOD, mail.recipient, bill.total_kop)
    assert token not in sent.unsubscribe_token_hash and len(sent.unsubscribe_token_hash) == 64


def test_a_rerun_sends_nothing_twice(clean_db):
    _subscribed(3)
    assert run_mailing(PERIOD).queued == 3
    again = run_mailing(PERIOD)
    assert (again.queued, again.already_sent, again.skipped) == (0, 3, 3)
    assert len(_bill_mails()) == 3 == _count(SentBill)


def test_a_run_that_crashed_half_way_is_finished_by_the_next_one(clean_db, monkeypatch):
    made = _subscribed(5)
    real_queue = ebill_mailing.queue_bills
    calls = []

    def crash_on_the_second_batch(period, bills, *, session):
        calls.append(len(bills))
        if len(calls) == 2:
            real_queue(period, bills, session=session)
            session.flush()
            raise KeyboardInterrupt  # the process dies before the batch commits
        return real_queue(period, bills, session=session)

    monkeypatch.setattr(ebill_mailing, "queue_bills", crash_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        run_mailing(PERIOD, batch_size=2)
    assert len(_bill_mails()) == 2  # the first batch only: the second rolled back with the crash
    monkeypatch.setattr(ebill_mailing, "queue_bills", real_queue)
    summary = run_mailing(PERIOD, batch_size=2)
    assert (summary.queued, summary.already_sent) == (3, 2)
    assert sorted(mail.recipient for mail in _bill_mails()) == sorted(email for _, _, email in made)


def test_a_second_run_at_the_same_time_does_not_send_again(clean_db, monkeypatch):
    _subscribed(3)
    real_prepare = ebill_mailing._prepare
    raced = []

    def another_run_gets_there_first(recipients, period, summary):
        prepared = real_prepare(recipients, period, summary)
        if not raced:
            raced.append(True)
            assert run_mailing(PERIOD).queued == 3  # the other run, between this one's reading and writing
        return prepared

    monkeypatch.setattr(ebill_mailing, "_prepare", another_run_gets_there_first)
    summary = run_mailing(PERIOD)
    assert (summary.queued, summary.already_sent) == (0, 3)
    assert len(_bill_mails()) == 3


def test_a_bill_that_cannot_be_built_is_counted_and_made_by_the_next_run(clean_db, monkeypatch, caplog):
    made = _subscribed(3)
    broken = made[1][1]
    real_pdf = ebill_mailing.bill_pdf

    def fail_for_one(bill, issuer, font):
        if bill.account_number == broken:
            raise ValueError("broken billing data")
        return real_pdf(bill, issuer, font)

    monkeypatch.setattr(ebill_mailing, "bill_pdf", fail_for_one)
    summary = run_mailing(PERIOD)
    assert (summary.queued, summary.failed) == (2, 1)
    assert broken in caplog.text
    monkeypatch.setattr(ebill_mailing, "bill_pdf", real_pdf)
    assert run_mailing(PERIOD).queued == 1 and len(_bill_mails()) == 3


def test_a_shared_account_goes_to_each_address_once(clean_db):
    def households(session):
        owner, account = _customer(session, 1)
        relative = lk_user(session, login="relative", email="relative@example.ru")
        same = lk_user(session, login="same", email=owner.email)
        for user in (relative, same):
            link(session, user, account)
        for user in (owner, relative, same):
            save_subscription(user.id, account.number, True, user.email, session=session)

    db.run(households)
    assert run_mailing(PERIOD).queued == 2
    assert sorted(mail.recipient for mail in _bill_mails()) == ["c1@example.ru", "relative@example.ru"]


def test_the_unsubscribe_link_stops_that_address_in_every_lk_and_nothing_else(clean_db):
    def households(session):
        owner, account = _customer(session, 1)
        same = lk_user(session, login="same", email=owner.email)
        moved = lk_user(session, login="moved", email="moved@example.ru")
        for user in (same, moved):
            link(session, user, account)
        for user in (owner, same, moved):
            save_subscription(user.id, account.number, True, user.email, session=session)
        return owner.id, same.id, moved.id, account.number

    owner_id, same_id, moved_id, number = db.run(households)
    run_mailing(PERIOD)
    mail = next(mail for mail in _bill_mails() if mail.recipient == "c1@example.ru")
    token = mail.headers["List-Unsubscribe"].split("token=")[1].rstrip(">")

    view = db.run(unsubscribe_view, token)
    assert (view.account, view.email, view.active) == ("********0001", "c1@example.ru", True)
    assert db.run(subscriptions_of, owner_id)[number].active  # looking changes nothing
    assert db.run(unsubscribe_by_token, token).active is False
    assert not db.run(subscriptions_of, owner_id)[number].active
    assert not db.run(subscriptions_of, same_id)[number].active
    assert db.run(subscriptions_of, moved_id)[number].active
    assert db.run(unsubscribe_view, token).active is False
    assert db.run(unsubscribe_by_token, "not-a-token") is None and db.run(unsubscribe_view, "") is None


def test_every_bill_is_sent_once_by_two_workers_and_its_pdf_then_leaves_the_outbox(clean_db, settings):
    made = _subscribed(12)
    run_mailing(PERIOD, batch_size=5)
    with FakeSendGrid(api_key=KEY) as api:
        workers = [Dispatcher({"email": SendGridSender(api_key=KEY, host=api.url, from_email="lk@example.ru",
                                                       from_name="ЭнергоСбыт Демо", timeout=2)},
                              max_attempts=3, batch_size=4) for _ in range(2)]
        _drain(workers)
        assert sorted(mail["personalizations"][0]["to"][0]["email"] for mail in api.received) == sorted(
            email for _, _, email in made)
        mail = api.received[0]
        assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        [(filename, content_type, pdf)] = attachments_of(mail)
        assert content_type == "application/pdf" and filename.endswith(f"-{PERIOD}.pdf") and pdf.startswith(b"%PDF")
        assert any("/unsubscribe?token=" in link for link in links_in(mail)) and "/cabinet" in text_of(mail)
    assert _count(OutboxMessage, OutboxMessage.status == "sent") == 12
    assert _count(OutboxAttachment) == 0


def test_a_crash_between_queueing_and_sending_sends_each_bill_once(clean_db):
    _subscribed(4)
    run_mailing(PERIOD)
    # A worker took two bills and died mid-send: they stay `sending` until its lease runs out.
    ids = [mail.id for mail in _bill_mails()]

    def die_holding(session):
        for message_id in ids[:2]:
            row = session.get(OutboxMessage, message_id)
            row.status, row.claimed_until = "sending", clock.now() - timedelta(seconds=1)
            session.add(row)

    db.run(die_holding)
    assert run_mailing(PERIOD).queued == 0  # the rerun after the crash queues nothing new
    with FakeSendGrid(api_key=KEY) as api:
        _drain([Dispatcher({"email": SendGridSender(api_key=KEY, host=api.url, from_email="lk@example.ru",
                                                    from_name="x", timeout=2)}, max_attempts=3)])
        assert len(api.received) == 4
        assert len({mail["personalizations"][0]["to"][0]["email"] for mail in api.received}) == 4


def _drain(workers: list[Dispatcher]) -> None:
    """Run the workers side by side until no bill is waiting."""
    failures = []

    def work(worker):
        deadline = time.monotonic() + 60
        try:
            while _count(OutboxMessage, OutboxMessage.status != "sent") and time.monotonic() < deadline:
                worker.dispatch_once()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# The command


def test_send_ebills_reports_progress_and_a_summary(clean_db, capsys):
    _subscribed(2)
    assert main(["send-ebills", "--period", PERIOD]) == 0
    out = capsys.readouterr().out
    assert "send-ebills: 2 из 2" in out
    assert f"Счета за {PERIOD}: поставлено в очередь 2, пропущено 0" in out
    assert main(["send-ebills", "--period", PERIOD]) == 0
    assert "поставлено в очередь 0, пропущено 2 (отправлены раньше 2" in capsys.readouterr().out


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "октябрь", "2026-10-01"])
def test_send_ebills_refuses_a_bad_period(clean_db, capsys, period):
    assert main(["send-ebills", "--period", period]) == 2
    assert "ГГГГ-ММ" in capsys.readouterr().err
