"""The operator console's services: only operators get through, every action is audited, the log cannot change."""

import inspect
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from lk_app import __main__ as cli
from lk_app import clock, db
from lk_app.models import AuditEntry, FeedbackTicket, LkUser, OneTimeToken, OutboxMessage, TicketReply
from lk_app.services import audit, desk, limits, tickets
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.email_links import LinkState
from lk_app.services.feedback import FeedbackForm, submit_feedback
from lk_app.services.audit import Action, NotAnOperator
from lk_app.services.desk import Resend
from lk_app.services.profile import Device, confirm_new_email, request_email_change
from lk_app.services.recovery import Channel, request_recovery, reset_by_link
from lk_app.services.registration import confirm_registration
from lk_app.services.sessions import issue_login_grant, redeem_login_grant, resolve_session
from lk_app.services.tickets import Reply
from lk_app.state.operator_desk import CALLER_CHECKED_FIELD, NEW_EMAIL_FIELD, email_set_errors
from lk_app.texts.operator import reply_refusal
from tests.unit.factories import GOOD_PASSWORD, billing_account, link, lk_user

IP = "203.0.113.40"
TAB = "the-tab-that-asked"  # the nonce of the tab that asks for codes
NEW_EMAIL = "anna.new@example.ru"
NEW_PASSWORD = "Синий-кит-2024"
OPERATOR_PASSWORD = "Пульт-оператора-7"


@pytest.fixture
def console(session):
    """An operator, a customer with a registration account and a second account, and the customer's hash."""
    from lk_app.services.passwords import hash_password

    assert desk.create_operator("op.olga", OPERATOR_PASSWORD, session=session) is None
    op = session.exec(select(LkUser).where(LkUser.login_key == "op.olga")).one()
    customer = lk_user(session, login="100200300", email="anna@example.ru", phone="+79123456700", phone_confirmed=False)
    customer.password_hash = hash_password(GOOD_PASSWORD)
    link(session, customer, billing_account(session), primary=True)
    link(session, customer, billing_account(session, "555666777", "Ёлкин", first_name="Пётр"))
    return op, customer


def _audit(session) -> list[AuditEntry]:
    return session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()


def _ticket(session, contact="anna@example.ru", message="Помогите со счётом") -> int:
    return submit_feedback(FeedbackForm("Анна", contact, "", message, True), ip=IP, session=session).number


def _token(mail: OutboxMessage) -> str:
    url = next(word for word in mail.body_text.split() if "token=" in word)
    return parse_qs(urlparse(url).query)["token"][0]


def _mails_to(session, address: str) -> list[OutboxMessage]:
    return session.exec(select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)).all()


def _fail_logins(session) -> None:
    """As many failed logins as lock the LK (log_in itself would make the guesser wait between them)."""
    for _ in range(limits.LOGIN_PER_IDENTIFIER.count):
        limits.record(limits.LOGIN_PER_IDENTIFIER, "100200300", session=session)


def _every_call(customer_login: str, ticket: int):
    return [
        (desk.find_lks, ("100200300",), {}),
        (desk.lk_card, (customer_login,), {}),
        (desk.set_email, (customer_login, NEW_EMAIL), {"caller_checked": True}),
        (desk.resend_confirmation_link, (customer_login,), {}),
        (desk.unlock_login, (customer_login,), {}),
        (desk.end_sessions, (customer_login,), {}),
        (tickets.tickets_in, ("new",), {}),
        (tickets.ticket_detail, (ticket,), {}),
        (tickets.take_ticket, (ticket,), {}),
        (tickets.reply_to_ticket, (ticket, "Ответ"), {}),
        (tickets.close_ticket, (ticket,), {}),
        (audit.audit_log, (), {}),
    ]


def test_every_service_refuses_a_customer_and_a_stranger(session, console):
    _op, customer = console
    ticket = _ticket(session)
    browser = redeem_login_grant(*issue_login_grant(customer.id, session=session), ip=IP, user_agent="t", session=session)
    outbox = len(session.exec(select(OutboxMessage)).all())
    calls = _every_call(customer.login, ticket)
    assert {call[0].__name__ for call in calls} == {
        name for module in (desk, tickets, audit) for name, f in inspect.getmembers(module, inspect.isfunction)
        if f.__module__ == module.__name__ and "operator_id" in inspect.signature(f).parameters and f is not audit.require_operator
    }  # the list above is every service of the console
    for who in (customer.id, None, 999_999):
        for service, args, kwargs in calls:
            with pytest.raises(NotAnOperator):
                service(who, *args, session=session, **kwargs)
    session.refresh(customer)
    assert customer.email == "anna@example.ru"
    assert resolve_session(browser, session=session) is not None
    assert session.get(FeedbackTicket, ticket).status == "new"
    assert not _audit(session) and len(session.exec(select(OutboxMessage)).all()) == outbox


def test_a_demoted_operator_is_refused_at_the_next_call(session, console):
    op, _customer = console
    assert desk.find_lks(op.id, "anna@example.ru", session=session)
    op.role = "customer"
    session.add(op)
    session.flush()
    with pytest.raises(NotAnOperator):
        desk.find_lks(op.id, "anna@example.ru", session=session)


@pytest.mark.parametrize("query", ["100200300", "100 200 300", "555-666-777", "ANNA@example.ru",
                                   "anna@EXAMPLE.RU", "8 (912) 345-67-00", "+7 912 3456700"])
def test_an_lk_is_found_by_any_account_its_login_its_email_or_its_phone(session, console, query):
    op, _customer = console
    [found] = desk.find_lks(op.id, query, session=session)
    assert (found.login, found.email, found.phone, found.accounts) == (
        "100200300", "anna@example.ru", "+79123456700", "100200300, 555666777")


def test_operators_are_not_found_and_cannot_be_opened(session, console):
    op, _customer = console
    assert desk.find_lks(op.id, "op.olga", session=session) == []
    assert desk.lk_card(op.id, "op.olga", session=session) is None
    assert desk.set_email(op.id, "op.olga", "x@example.ru", caller_checked=True, session=session) is None
    assert desk.find_lks(op.id, "   ", session=session) == []


def test_the_card_shows_accounts_confirmations_sessions_and_failed_logins(session, console):
    op, customer = console
    browser = redeem_login_grant(*issue_login_grant(customer.id, session=session), ip="198.51.100.5",
                                 user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/120.0", session=session)
    _fail_logins(session)
    card = desk.lk_card(op.id, "100200300", session=session)
    assert (card.email, card.email_confirmed, card.phone, card.phone_confirmed) == ("anna@example.ru", True, "+79123456700", False)
    assert [(a.number, a.holder, a.primary) for a in card.accounts] == [
        ("100200300", "Ёлкина Анна Петровна", True), ("555666777", "Ёлкин Пётр Петровна", False)]
    assert [(s.device, s.ip) for s in card.sessions] == [(Device("Chrome", "Android"), "198.51.100.5")]
    assert [(line.device, line.active) for line in card.logins] == [(Device("Chrome", "Android"), True)]
    assert (card.failed_logins, card.login_delayed, card.login_locked) == (limits.LOGIN_PER_IDENTIFIER.count, True, True)
    shown = repr(card)
    assert customer.password_hash not in shown and browser not in shown and "hash" not in shown


def test_set_email_refuses_a_bad_address_and_an_unchecked_caller(session, console):
    op, customer = console
    errors = email_set_errors(desk.set_email(op.id, customer.login, "anna@@example", caller_checked=False, session=session))
    assert set(errors) == {NEW_EMAIL_FIELD, CALLER_CHECKED_FIELD}
    errors = email_set_errors(desk.set_email(op.id, customer.login, "anna@example.ru", caller_checked=True, session=session))
    assert "текущий" in errors[NEW_EMAIL_FIELD]
    session.refresh(customer)
    assert customer.email == "anna@example.ru" and not _audit(session)


def test_a_new_email_from_the_operator_lets_the_customer_recover_through_it(session, console):
    op, customer = console
    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    old_reset = _token(_mails_to(session, "anna@example.ru")[-1])
    request_email_change(customer.id, "someone.else@example.ru", GOOD_PASSWORD, session=session)
    pending_change = _token(_mails_to(session, "someone.else@example.ru")[-1])

    outcome = desk.set_email(op.id, customer.login, "Anna.New@EXAMPLE.ru", caller_checked=True, session=session)
    assert (email_set_errors(outcome), outcome.email) == ({}, "Anna.New@example.ru")
    session.refresh(customer)
    assert (customer.email, customer.email_confirmed) == ("Anna.New@example.ru", False)
    # Every link that went to the old address (or to a change the customer never finished) died with the epoch.
    assert reset_by_link(old_reset, NEW_PASSWORD, NEW_PASSWORD, session=session) is LinkState.USED
    assert confirm_new_email(pending_change, session=session) is LinkState.USED
    [confirmation] = _mails_to(session, "Anna.New@example.ru")
    assert "/confirm?token=" in confirmation.body_text
    # The reset and the change notice from before, then the neutral notice of this change, without the new address.
    *_, notice = _mails_to(session, "anna@example.ru")
    assert len(_mails_to(session, "anna@example.ru")) == 3 and "Anna.New" not in notice.body_text

    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    reset = _token(_mails_to(session, "Anna.New@example.ru")[-1])
    assert reset_by_link(reset, NEW_PASSWORD, NEW_PASSWORD, session=session).done
    session.refresh(customer)
    assert customer.email_confirmed  # following the reset link proved the address
    assert log_in("100200300", NEW_PASSWORD, ip=IP, session=session).status is LoginStatus.OK
    [entry] = _audit(session)
    assert (entry.operator_id, entry.action, entry.user_id, entry.ticket_id) == (op.id, "set_email", customer.id, None)
    assert entry.detail == "anna@example.ru → Anna.New@example.ru"


def test_the_confirmation_link_confirms_the_new_email(session, console):
    op, customer = console
    desk.set_email(op.id, customer.login, NEW_EMAIL, caller_checked=True, session=session)
    assert confirm_registration(_token(_mails_to(session, NEW_EMAIL)[-1]), session=session) is LinkState.VALID
    assert customer.email_confirmed


def test_set_email_keeps_the_cap_of_accounts_per_email(session, console, settings):
    op, customer = console
    settings(LK_MAX_ACCOUNTS_PER_EMAIL="2")
    other = lk_user(session, login="boris", email="full@example.ru")
    link(session, other, billing_account(session, "900900900", "Борисов"))
    errors = email_set_errors(desk.set_email(op.id, customer.login, "full@example.ru", caller_checked=True, session=session))
    assert "не более 2" in errors[NEW_EMAIL_FIELD]


def test_resend_confirmation(session, console):
    op, customer = console
    assert desk.resend_confirmation_link(op.id, customer.login, session=session) is Resend.CONFIRMED
    desk.set_email(op.id, customer.login, NEW_EMAIL, caller_checked=True, session=session)
    for _ in range(limits.CONFIRMATION_RESEND_PER_USER.count):
        assert desk.resend_confirmation_link(op.id, customer.login, session=session) is Resend.SENT
    assert desk.resend_confirmation_link(op.id, customer.login, session=session) is Resend.LIMITED
    assert len(_mails_to(session, NEW_EMAIL)) == 1 + limits.CONFIRMATION_RESEND_PER_USER.count
    tokens = session.exec(select(OneTimeToken).where(OneTimeToken.email == NEW_EMAIL, OneTimeToken.revoked_at.is_(None))).all()
    assert len(tokens) == 1  # a newer link kills the older ones
    assert [e.action for e in _audit(session)] == ["set_email"] + ["resend_confirmation"] * limits.CONFIRMATION_RESEND_PER_USER.count


def test_unlock_lifts_the_lock_of_the_login(session, console):
    op, customer = console
    _fail_logins(session)
    assert log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.LOCKED
    assert desk.unlock_login(op.id, customer.login, session=session) == limits.LOGIN_PER_IDENTIFIER.count
    assert log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.OK
    assert [(e.action, e.user_id, e.detail) for e in _audit(session)] == [("unlock_login", customer.id, "20")]


def test_end_sessions(session, console):
    op, customer = console
    browsers = [redeem_login_grant(*issue_login_grant(customer.id, session=session), ip=IP, user_agent="t", session=session)
                for _ in range(2)]
    assert desk.end_sessions(op.id, customer.login, session=session) == 2
    assert all(resolve_session(b, session=session) is None for b in browsers)
    assert [(e.action, e.detail) for e in _audit(session)] == [("end_sessions", "2")]


def test_a_ticket_is_taken_answered_and_closed(session, console):
    op, _customer = console
    desk.create_operator("op.ivan", OPERATOR_PASSWORD, session=session)
    other = session.exec(select(LkUser).where(LkUser.login_key == "op.ivan")).one()
    number = _ticket(session, message='<b>Срочно</b>\nвторая строка')
    assert [t.number for t in tickets.tickets_in(op.id, "new", session=session)] == [number]
    assert tickets.take_ticket(op.id, number, session=session)
    assert not tickets.take_ticket(other.id, number, session=session)  # one operator wins
    assert tickets.tickets_in(op.id, "new", session=session) == []
    [line] = tickets.tickets_in(op.id, "in_work", session=session)
    assert (line.operator, line.preview) == ("op.olga", "<b>Срочно</b> вторая строка")

    assert reply_refusal(tickets.reply_to_ticket(op.id, number, "  ", session=session), contact="") == "Напишите ответ."
    assert tickets.reply_to_ticket(op.id, number, "Счёт <i>отправлен</i>.", session=session) is Reply.SENT
    [reply_mail] = _mails_to(session, "anna@example.ru")
    assert f"№ {number}" in reply_mail.subject and "Счёт <i>отправлен</i>." in reply_mail.body_text
    assert "&lt;i&gt;" in reply_mail.body_html
    detail = tickets.ticket_detail(op.id, number, session=session)
    assert detail.message == '<b>Срочно</b>\nвторая строка' and detail.status == "in_work"
    assert [(r.operator, r.body) for r in detail.replies] == [("op.olga", "Счёт <i>отправлен</i>.")]

    assert tickets.close_ticket(other.id, number, session=session)
    assert not tickets.close_ticket(op.id, number, session=session)
    assert "закрыто" in reply_refusal(tickets.reply_to_ticket(op.id, number, "Ещё", session=session), contact="")
    assert [t.number for t in tickets.tickets_in(op.id, "closed", session=session)] == [number]
    assert tickets.ticket_detail(op.id, number, session=session).operator == "op.olga"
    assert [(e.operator_id, e.action, e.ticket_id) for e in _audit(session)] == [
        (op.id, "take_ticket", number), (op.id, "reply_ticket", number), (other.id, "close_ticket", number)]
    assert len(session.exec(select(TicketReply)).all()) == 1


def test_a_reply_takes_a_new_ticket_and_a_phone_ticket_gets_no_mail(session, console):
    op, _customer = console
    by_mail = _ticket(session)
    assert tickets.reply_to_ticket(op.id, by_mail, "Готово", session=session) is Reply.SENT
    assert tickets.ticket_detail(op.id, by_mail, session=session).status == "in_work"
    by_phone = _ticket(session, contact="+79120001122")
    refused = tickets.reply_to_ticket(op.id, by_phone, "Готово", session=session)
    assert refused is Reply.BY_PHONE and "позвоните по номеру +79120001122" in reply_refusal(refused, contact="+79120001122")
    assert tickets.tickets_in(op.id, "bogus", session=session) == []
    assert tickets.ticket_detail(op.id, 999_999, session=session) is None
    assert not tickets.take_ticket(op.id, 999_999, session=session)


def test_every_action_is_in_the_log_with_who_what_and_which(session, console):
    op, customer = console
    number = _ticket(session)
    desk.find_lks(op.id, "anna@example.ru", session=session)
    desk.lk_card(op.id, customer.login, session=session)
    desk.set_email(op.id, customer.login, NEW_EMAIL, caller_checked=True, session=session)
    desk.resend_confirmation_link(op.id, customer.login, session=session)
    desk.unlock_login(op.id, customer.login, session=session)
    desk.end_sessions(op.id, customer.login, session=session)
    tickets.take_ticket(op.id, number, session=session)
    tickets.reply_to_ticket(op.id, number, "Ответ", session=session)
    tickets.close_ticket(op.id, number, session=session)
    lines = audit.audit_log(op.id, session=session)
    assert [line.action for line in reversed(lines)] == [action.value for action in Action]
    assert {line.operator for line in lines} == {"op.olga"}
    assert lines[-1].detail == "anna@example.ru (1)"
    assert [line.lk for line in lines if line.lk] == ["100200300"] * 5
    assert [line.ticket for line in lines if line.ticket] == [number] * 3


def test_the_log_has_no_change_path_and_postgresql_refuses_one(session, console):
    op, customer = console
    desk.lk_card(op.id, customer.login, session=session)
    source = "".join(inspect.getsource(module) for module in (desk, tickets, audit))
    assert "delete(AuditEntry" not in source and "update(AuditEntry" not in source
    session.commit()
    if session.connection().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the code having no change path")
    for statement in ("UPDATE audit_log SET detail = 'подделка'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.run(lambda session: session.exec(text(statement)))
    assert [e.detail for e in db.run(lambda session: session.exec(select(AuditEntry)).all())] == [""]


def test_create_operator_prints_a_generated_password_once(database_url, clean_db, capsys, monkeypatch):
    monkeypatch.delenv("LK_OPERATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(["create-operator", "op.maria"]) == 0
    printed = capsys.readouterr().out
    password = printed.split("Пароль: ")[1].strip()
    assert len(password) == 20
    outcome = db.run(log_in, "op.maria", password, ip=IP)
    assert outcome.status is LoginStatus.OK  # an operator has no contact to confirm
    user = db.run(lambda session: session.exec(select(LkUser).where(LkUser.login_key == "op.maria")).one())
    assert user.role == "operator" and password not in user.password_hash
    assert cli.main(["create-operator", "OP.Maria"]) == 2
    assert "уже занят" in capsys.readouterr().err


def test_create_operator_takes_the_password_from_the_environment(clean_db, capsys, monkeypatch):
    monkeypatch.setenv("LK_OPERATOR_PASSWORD", OPERATOR_PASSWORD)
    assert cli.main(["create-operator", "op.pavel"]) == 0
    assert OPERATOR_PASSWORD not in capsys.readouterr().out
    assert db.run(log_in, "op.pavel", OPERATOR_PASSWORD, ip=IP).status is LoginStatus.OK
    monkeypatch.setenv("LK_OPERATOR_PASSWORD", "qwerty123")
    assert cli.main(["create-operator", "op.weak"]) == 2
    assert "распространён" in capsys.readouterr().err
    assert cli.main(["create-operator", "123456789"]) == 2
    assert "похож на номер" in capsys.readouterr().err


def test_create_operator_asks_at_a_terminal(clean_db, capsys, monkeypatch):
    monkeypatch.delenv("LK_OPERATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([OPERATOR_PASSWORD, "Другой-пароль-9"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["create-operator", "op.nina"]) == 2
    assert "не совпадают" in capsys.readouterr().err
    answers = iter([OPERATOR_PASSWORD, OPERATOR_PASSWORD])
    assert cli.main(["create-operator", "op.nina"]) == 0
    assert db.run(log_in, "op.nina", OPERATOR_PASSWORD, ip=IP).status is LoginStatus.OK


def test_an_operator_session_times_out_like_a_customers(session, console):
    op, _customer = console
    browser = redeem_login_grant(*issue_login_grant(op.id, session=session), ip=IP, user_agent="t", session=session)
    assert resolve_session(browser, session=session).role == "operator"
    clock.move(timedelta(minutes=31))
    assert resolve_session(browser, session=session) is None
