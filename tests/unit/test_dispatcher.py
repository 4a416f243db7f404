"""The dispatcher against the fake SendGrid: sending, retries, abandoning, leases and concurrent dispatchers."""

import logging
import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import col, select

from lk_app import clock, db
from lk_app.messaging.dispatcher import Dispatcher, retry_delay, run_worker, start_background_dispatcher
from lk_app.messaging.outbox import queue_email, queue_sms
from lk_app.messaging.senders import Sender, SendGridSender, TransientSendError
from lk_app.models import OutboxMessage
from tests.fakes.sendgrid_server import FakeSendGrid, links_in
from tests.unit.sql_plans import plan_nodes, sent_statements

KEY = "SG.dispatch-test-key"
TIMEOUT = 0.5


@pytest.fixture
def sendgrid_api():
    """A fresh fake SendGrid for each test."""
    with FakeSendGrid(api_key=KEY) as server:
        yield server


@pytest.fixture
def sendgrid_settings(settings, sendgrid_api):
    """Settings that point the app's e-mail at the fake."""
    return settings(LK_SENDGRID_API_KEY=KEY, LK_SENDGRID_HOST=sendgrid_api.url,
                    LK_PROVIDER_TIMEOUT_SECONDS=str(TIMEOUT))


def _dispatcher(api: FakeSendGrid, **options) -> Dispatcher:
    sender = SendGridSender(api_key=KEY, host=api.url, from_email="lk@example.ru", from_name="ЭнергоСбыт Демо",
                            timeout=TIMEOUT)
    return Dispatcher({"email": sender}, **{"max_attempts": 6, **options})


def _link(address: str) -> str:
    return f"https://lk.example.ru/confirm?token=secret-{address.split('@')[0]}"


def _queue(*addresses: str) -> list[int]:
    """Queue a confirmation mail to each address, committed; returns the row ids."""
    with db.session_scope() as session:
        messages = [
            queue_email(session=session, to=address, template="confirm_registration", link=_link(address),
                        login="100200300", ttl_hours=24)
            for address in addresses
        ]
        session.flush()
        return [message.id for message in messages]


def _row(message_id: int) -> OutboxMessage:
    with db.session_scope() as session:
        return session.get(OutboxMessage, message_id)


def _later() -> None:
    """Past any backoff (at most 15 min × 1.5), instead of sleeping."""
    clock.move(timedelta(hours=1))


class _RecordingSender(Sender):
    """A sender that keeps what it got; `during_send` runs inside each send."""

    def __init__(self, during_send=None, error: Exception | None = None) -> None:
        self.recipients: list[str] = []
        self._during_send = during_send
        self._error = error

    def send(self, message: OutboxMessage) -> str | None:
        """Record the message, run the hook, then fail or succeed."""
        self.recipients.append(message.recipient)
        if self._during_send is not None:
            self._during_send()
        if self._error is not None:
            raise self._error
        return f"local-{message.id}"


def test_sends_a_queued_mail_and_marks_it_sent(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    assert _dispatcher(sendgrid_api).dispatch_once() == 1
    mail = sendgrid_api.wait_for_mail("anna@example.ru")
    assert mail["from"] == {"email": "lk@example.ru", "name": "ЭнергоСбыт Демо"}
    assert mail["subject"] == "Подтверждение регистрации в Личном кабинете — ЭнергоСбыт Демо"
    assert [block["type"] for block in mail["content"]] == ["text/plain", "text/html"]
    assert links_in(mail) == [_link("anna@example.ru")]
    row = _row(message_id)
    assert (row.status, row.attempts, row.claimed_until, row.last_error) == ("sent", 1, None, None)
    assert row.sent_at is not None and row.provider_message_id == sendgrid_api.requests[-1].message_id
    assert _dispatcher(sendgrid_api).dispatch_once() == 0
    assert len(sendgrid_api.requests) == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_transient_answer_is_retried_after_a_backoff(clean_db, sendgrid_api, status):
    [message_id] = _queue("anna@example.ru")
    dispatcher = _dispatcher(sendgrid_api)
    sendgrid_api.fail_next(status)
    assert dispatcher.dispatch_once() == 1
    row = _row(message_id)
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
    assert str(status) in row.last_error
    assert timedelta(seconds=2.5) <= row.next_attempt_at - clock.now() <= timedelta(seconds=7.5)
    assert dispatcher.dispatch_once() == 0  # not due yet
    _later()
    assert dispatcher.dispatch_once() == 1
    assert _row(message_id).status == "sent" and _row(message_id).attempts == 2
    assert [request.status for request in sendgrid_api.requests] == [status, 202]
    assert len(sendgrid_api.mails_to("anna@example.ru")) == 1


def test_a_client_error_abandons_at_once(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    dispatcher = _dispatcher(sendgrid_api)
    sendgrid_api.fail_next(400)
    assert dispatcher.dispatch_once() == 1
    row = _row(message_id)
    assert (row.status, row.attempts) == ("abandoned", 1)
    assert "400" in row.last_error
    _later()
    assert dispatcher.dispatch_once() == 0
    assert len(sendgrid_api.requests) == 1 and sendgrid_api.received == []


def test_a_hanging_provider_times_out_and_is_retried(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    dispatcher = _dispatcher(sendgrid_api)
    sendgrid_api.hang_next(10)
    started = time.monotonic()
    assert dispatcher.dispatch_once() == 1
    assert time.monotonic() - started < 5
    row = _row(message_id)
    assert (row.status, row.attempts) == ("pending", 1) and "timed out" in row.last_error
    _later()
    assert dispatcher.dispatch_once() == 1
    assert _row(message_id).status == "sent"
    assert len(sendgrid_api.mails_to("anna@example.ru")) == 1


def test_a_reset_connection_is_retried(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    dispatcher = _dispatcher(sendgrid_api)
    sendgrid_api.reset_next()
    dispatcher.dispatch_once()
    assert _row(message_id).status == "pending"
    _later()
    dispatcher.dispatch_once()
    assert _row(message_id).status == "sent"


def test_the_last_failed_attempt_abandons_the_message(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    dispatcher = _dispatcher(sendgrid_api, max_attempts=3)
    sendgrid_api.fail_next(500, count=5)
    for _ in range(3):
        assert dispatcher.dispatch_once() == 1
        _later()
    row = _row(message_id)
    assert (row.status, row.attempts) == ("abandoned", 3) and "500" in row.last_error
    assert dispatcher.dispatch_once() == 0
    assert len(sendgrid_api.requests) == 3 and sendgrid_api.received == []


def test_backoff_grows_is_capped_and_jittered():
    for failures in range(1, 12):
        base = min(5 * 2 ** (failures - 1), 15 * 60)
        delays = {retry_delay(failures) for _ in range(20)}
        assert all(timedelta(seconds=base * 0.5) <= delay <= timedelta(seconds=base * 1.5) for delay in delays)
        assert len(delays) > 1


def test_an_unexpected_sender_error_counts_as_a_failed_attempt(clean_db):
    [message_id] = _queue("anna@example.ru")
    sender = _RecordingSender(error=RuntimeError("bug in a backend"))
    Dispatcher({"email": sender}, max_attempts=2).dispatch_once()
    row = _row(message_id)
    assert (row.status, row.attempts) == ("pending", 1) and "bug in a backend" in row.last_error
    _later()
    Dispatcher({"email": sender}, max_attempts=2).dispatch_once()
    assert _row(message_id).status == "abandoned"


def test_two_dispatchers_send_each_of_50_messages_exactly_once(clean_db, sendgrid_api):
    addresses = [f"customer{n}@example.ru" for n in range(50)]
    ids = _queue(*addresses)
    dispatchers = [_dispatcher(sendgrid_api, batch_size=5) for _ in range(2)]
    handled = [0, 0]
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def unsent() -> int:
        with db.session_scope() as session:
            return len(session.exec(select(OutboxMessage.id).where(col(OutboxMessage.status) != "sent")).all())

    def work(index: int) -> None:
        start.wait()
        deadline = time.monotonic() + 60
        try:
            while unsent() and time.monotonic() < deadline:
                handled[index] += dispatchers[index].dispatch_once()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(handled) == 50, handled
    recipients = [mail["personalizations"][0]["to"][0]["email"] for mail in sendgrid_api.received]
    assert sorted(recipients) == sorted(addresses)
    assert all(_row(message_id).attempts == 1 for message_id in ids)


def test_a_crashed_dispatchers_row_is_sent_once_its_lease_ran_out(clean_db, sendgrid_api):
    stale, live = _queue("stale@example.ru", "live@example.ru")
    leases = {stale: clock.now() - timedelta(seconds=1), live: clock.now() + timedelta(minutes=1)}
    with db.session_scope() as session:
        for message_id, lease in leases.items():
            row = session.get(OutboxMessage, message_id)
            row.status, row.claimed_until = "sending", lease
            session.add(row)
    assert _dispatcher(sendgrid_api).dispatch_once() == 1
    assert _row(stale).status == "sent"
    assert _row(live).status == "sending"
    assert sendgrid_api.mails_to("live@example.ru") == []


def test_a_slow_batch_hands_back_what_it_cannot_start_within_half_its_lease(clean_db):
    ids = _queue("a@example.ru", "b@example.ru", "c@example.ru")
    sender = _RecordingSender(during_send=lambda: clock.move(timedelta(seconds=31)))
    dispatcher = Dispatcher({"email": sender}, max_attempts=3, batch_size=3, lease_seconds=60)
    assert dispatcher.dispatch_once() == 1
    assert [_row(message_id).status for message_id in ids] == ["sent", "pending", "pending"]
    assert [_row(message_id).attempts for message_id in ids] == [1, 0, 0]
    assert dispatcher.dispatch_once() == 1
    assert dispatcher.dispatch_once() == 1
    assert sorted(sender.recipients) == ["a@example.ru", "b@example.ru", "c@example.ru"]


def test_a_dispatcher_that_lost_its_lease_does_not_overwrite_the_outcome(clean_db, caplog):
    [message_id] = _queue("anna@example.ru")
    rescuer = _RecordingSender()

    def stall_past_the_lease() -> None:
        clock.move(timedelta(seconds=61))
        Dispatcher({"email": rescuer}, max_attempts=3).dispatch_once()

    staller = _RecordingSender(during_send=stall_past_the_lease, error=TransientSendError("late"))
    with caplog.at_level(logging.WARNING, logger="lk_app.messaging"):
        Dispatcher({"email": staller}, max_attempts=3).dispatch_once()
    row = _row(message_id)
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 1, f"local-{message_id}")
    assert "lease lost" in caplog.text


def test_other_channels_are_left_in_the_outbox(clean_db, sendgrid_api):
    with db.session_scope() as session:
        sms = queue_sms(session=session, to="+79123456789", text="Код: 123456")
    [email] = _queue("anna@example.ru")
    assert _dispatcher(sendgrid_api).dispatch_once() == 1
    assert _row(email).status == "sent"
    # No sender for SMS: the outbox is its only delivery (the demo's /dev/outbox), so the code stays readable.
    assert (_row(sms.id).status, _row(sms.id).body_text, _row(sms.id).redacted_at) == ("pending", "Код: 123456", None)


def test_a_sent_link_leaves_the_outbox_and_what_the_operator_needs_stays(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    assert _dispatcher(sendgrid_api).dispatch_once() == 1
    assert links_in(sendgrid_api.wait_for_mail("anna@example.ru")) == [_link("anna@example.ru")]
    row = _row(message_id)
    assert (row.body_text, row.body_html, row.headers) == ("", None, None)
    assert (row.kind, row.recipient, row.status, row.carries_secret) == (
        "confirm_registration", "anna@example.ru", "sent", True)
    assert row.subject.startswith("Подтверждение регистрации") and row.created_at <= row.sent_at <= row.redacted_at


def test_an_abandoned_link_is_wiped_and_a_retried_one_is_kept(clean_db, sendgrid_api):
    refused, retried = _queue("refused@example.ru", "retried@example.ru")
    dispatcher = _dispatcher(sendgrid_api, batch_size=1)
    sendgrid_api.fail_next(400)
    assert dispatcher.dispatch_once() == 1
    sendgrid_api.fail_next(503)
    assert dispatcher.dispatch_once() == 1
    assert (_row(refused).status, _row(refused).body_text, _row(refused).body_html) == ("abandoned", "", None)
    assert _row(refused).redacted_at is not None
    assert _row(retried).status == "pending" and _link("retried@example.ru") in _row(retried).body_text
    assert _row(retried).redacted_at is None


def test_a_sent_sms_code_and_a_bills_unsubscribe_token_are_wiped_but_a_reply_is_kept(clean_db, sendgrid_api):
    with db.session_scope() as session:
        messages = (
            queue_sms(session=session, to="+79123456789", text="Код: 123456"),
            queue_email(session=session, to="bill@example.ru", template="ebill", bulk=True, period="октябрь",
                        account="***0300", total="1 000,00 ₽", cabinet_link="https://lk.example.ru/cabinet",
                        headers={"List-Unsubscribe": "<https://lk.example.ru/ebills/unsubscribe?token=t>"},
                        unsubscribe_link="https://lk.example.ru/unsubscribe?token=t"),
            queue_email(session=session, to="anna@example.ru", template="ticket_reply", number=7, name="Анна",
                        reply="Счёт отправлен."),
        )
        session.flush()
        sms, bill, reply = (message.id for message in messages)
    sender = _RecordingSender()
    dispatcher = Dispatcher({"email": sender, "sms": sender}, max_attempts=3)
    while dispatcher.dispatch_once():
        pass
    assert [(_row(i).status, _row(i).body_text, _row(i).headers) for i in (sms, bill)] == [("sent", "", None)] * 2
    assert _row(reply).status == "sent" and "Счёт отправлен." in _row(reply).body_text
    assert _row(reply).body_html and _row(reply).redacted_at is None


def test_a_message_someone_waits_for_goes_before_a_mass_mailing_queued_earlier(clean_db, sendgrid_api):
    with db.session_scope() as session:
        for number in range(3):
            queue_email(session=session, to=f"bill{number}@example.ru", template="ebill", bulk=True, period="октябрь",
                        account="***0300", total="1 000,00 ₽", cabinet_link="https://lk.example.ru/cabinet",
                        unsubscribe_link="https://lk.example.ru/unsubscribe?token=t")
    _queue("waiting@example.ru")
    dispatcher = _dispatcher(sendgrid_api, batch_size=1)
    assert dispatcher.dispatch_once() == 1
    assert [mail["personalizations"][0]["to"][0]["email"] for mail in sendgrid_api.received] == ["waiting@example.ru"]
    while dispatcher.dispatch_once():
        pass
    assert [mail["personalizations"][0]["to"][0]["email"] for mail in sendgrid_api.received][1:] == [
        "bill0@example.ru", "bill1@example.ru", "bill2@example.ru"]


def _plan(session, statement: str, parameters) -> str:
    """The database's plan for a statement as text, with table scans priced out as on a large outbox."""
    if session.connection().dialect.name == "sqlite":
        return " / ".join(row[3] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                                 parameters))
    return " / ".join(f"{node['Node Type']} {node.get('Index Name', '')}" for node in plan_nodes(session, statement,
                                                                                                   parameters))


def test_a_claim_reads_its_batch_along_the_due_index_without_sorting_the_outbox(session):
    # A claim that sorted every due row cost a worker more than its sends with a mailing's 100,000 bills queued.
    _queue("anna@example.ru", "boris@example.ru")
    dispatcher = Dispatcher({"email": _RecordingSender(), "sms": _RecordingSender()}, max_attempts=3, batch_size=5)
    with sent_statements() as statements:
        assert dispatcher.dispatch_once() == 2
    pending = [(statement, parameters) for statement, parameters in statements
               if "outbox_message.attempts = " in statement]
    assert len(pending) == 2  # e-mail, then SMS: a channel at a time, each in the index's order
    for statement, parameters in pending:
        plan = _plan(session, statement, parameters)
        assert "ix_outbox_due" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_without_an_email_sender_messages_stay_pending(clean_db, settings, monkeypatch, caplog):
    monkeypatch.delenv("LK_SENDGRID_API_KEY", raising=False)
    settings()
    [message_id] = _queue("anna@example.ru")
    assert Dispatcher({}, max_attempts=6).dispatch_once() == 0
    with caplog.at_level(logging.INFO, logger="lk_app.messaging"):
        run_worker(once=True)
        assert start_background_dispatcher() is None
    assert "messages stay in the outbox" in caplog.text
    row = _row(message_id)
    assert (row.status, row.attempts) == ("pending", 0)


def test_run_worker_once_sends_everything_due(clean_db, sendgrid_api, sendgrid_settings):
    ids = _queue(*[f"c{n}@example.ru" for n in range(25)])  # more than one batch
    run_worker(once=True)
    assert {_row(message_id).status for message_id in ids} == {"sent"}
    assert len(sendgrid_api.received) == 25


def test_the_background_dispatcher_sends_and_stops(clean_db, sendgrid_api, sendgrid_settings):
    thread = start_background_dispatcher()
    assert thread is not None and thread.daemon and thread.is_alive()
    try:
        [message_id] = _queue("anna@example.ru")
        sendgrid_api.wait_for_mail("anna@example.ru", timeout=10)
    finally:
        thread.stop()
    assert not thread.is_alive()
    assert _row(message_id).status == "sent"


def test_the_worker_ends_cleanly_on_sigterm(clean_db, sendgrid_api, sendgrid_settings):
    [message_id] = _queue("anna@example.ru")
    before = signal.getsignal(signal.SIGTERM)

    def terminate_after_the_first_mail() -> None:
        sendgrid_api.wait_for_mail("anna@example.ru", timeout=10)
        # Only signal once the worker's handler is in place, or SIGTERM would end pytest itself.
        if signal.getsignal(signal.SIGTERM) is not before:
            os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_after_the_first_mail)
    killer.start()
    run_worker(once=False)
    killer.join()
    assert _row(message_id).status == "sent"
    assert signal.getsignal(signal.SIGTERM) is before


def test_logs_name_rows_but_never_carry_bodies_or_links(clean_db, sendgrid_api, caplog):
    _queue("anna@example.ru")
    dispatcher = _dispatcher(sendgrid_api, max_attempts=2)
    sendgrid_api.fail_next(500, count=2)
    with caplog.at_level(logging.DEBUG):
        dispatcher.dispatch_once()
        _later()
        dispatcher.dispatch_once()
    assert "abandoned" in caplog.text
    assert "secret-anna" not in caplog.text and "Здравствуйте" not in caplog.text


def test_a_rate_limit_holds_every_send_until_its_reset_and_hands_the_batch_back(clean_db, sendgrid_api):
    ids = _queue("a@example.ru", "b@example.ru", "c@example.ru")
    dispatcher = _dispatcher(sendgrid_api)
    sendgrid_api.rate_limit_next(seconds=120)
    assert dispatcher.dispatch_once() == 1  # the first send met the limit; the other two were not tried
    first, *rest = (_row(message_id) for message_id in ids)
    assert (first.status, first.attempts) == ("pending", 1) and "429" in first.last_error
    # Not before the reset, although the backoff after a first failure is only 2.5–7.5 s.
    assert first.next_attempt_at >= clock.now() + timedelta(seconds=118)
    assert [(row.status, row.attempts, row.claimed_until) for row in rest] == [("pending", 0, None)] * 2
    assert dispatcher.dispatch_once() == 0  # the provider said when: nothing goes before then
    assert len(sendgrid_api.requests) == 1
    clock.move(timedelta(seconds=121))
    while dispatcher.dispatch_once():
        pass
    assert {_row(message_id).status for message_id in ids} == {"sent"}
    assert [request.status for request in sendgrid_api.requests] == [429, 202, 202, 202]


def test_a_rate_limit_without_a_reset_falls_back_to_the_backoff(clean_db, sendgrid_api):
    [message_id] = _queue("anna@example.ru")
    sendgrid_api.fail_next(429)
    assert _dispatcher(sendgrid_api).dispatch_once() == 1
    assert _row(message_id).next_attempt_at - clock.now() <= timedelta(seconds=7.5)
