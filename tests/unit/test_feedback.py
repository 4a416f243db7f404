"""«Обратная связь»: what is refused and why, what is stored, what the support address gets, and the limits."""

from datetime import timedelta

import pytest
from sqlmodel import select

from lk_app import clock
from lk_app.models import FeedbackTicket, OutboxMessage
from lk_app.services import limits
from lk_app.services.feedback import MESSAGE_MAX, FeedbackForm, submit_feedback
from lk_app.state.feedback import refusal_messages

IP = "203.0.113.30"
SUPPORT = "support@example.ru"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>жирный</b>'


def _form(**changes) -> FeedbackForm:
    values = dict(name="Анна Ёлкина", contact="anna@example.ru", account_number="", message="Где мой счёт?", consent=True)
    values.update(changes)
    return FeedbackForm(**values)


def _support_mails(session) -> list[OutboxMessage]:
    return session.exec(select(OutboxMessage).where(OutboxMessage.recipient == SUPPORT)).all()


def test_a_ticket_is_stored_and_mailed_to_the_support_address_only(session):
    result = submit_feedback(_form(account_number="100-200-300"), ip=IP, session=session)
    ticket = session.get(FeedbackTicket, result.number)
    assert (ticket.name, ticket.contact, ticket.contact_is_email, ticket.account_number, ticket.status) == (
        "Анна Ёлкина", "anna@example.ru", True, "100200300", "new")
    [mail] = session.exec(select(OutboxMessage)).all()  # nothing goes to the address the sender typed
    assert mail.recipient == SUPPORT
    assert f"№ {result.number}" in mail.subject
    assert "Где мой счёт?" in mail.body_text and "100200300" in mail.body_text


def test_the_support_mail_says_when_no_account_number_was_given(session):
    submit_feedback(_form(), ip=IP, session=session)
    [mail] = _support_mails(session)
    assert "Лицевой счёт: не указан" in mail.body_text


def test_the_support_address_is_a_setting(session, settings):
    settings(LK_SUPPORT_EMAIL="help@energo.example")
    submit_feedback(_form(), ip=IP, session=session)
    assert session.exec(select(OutboxMessage.recipient)).one() == "help@energo.example"


def test_a_phone_contact_is_normalized(session):
    result = submit_feedback(_form(contact="8 (912) 345-67-89"), ip=IP, session=session)
    ticket = session.get(FeedbackTicket, result.number)
    assert (ticket.contact, ticket.contact_is_email) == ("+79123456789", False)


def test_html_and_ten_thousand_characters_are_stored_as_typed_and_escaped_in_the_mail(session):
    message = (HOSTILE + "\n") * 40
    message = message + "я" * (MESSAGE_MAX - len(message))
    result = submit_feedback(_form(message=message, name="<b>Анна</b>"), ip=IP, session=session)
    ticket = session.get(FeedbackTicket, result.number)
    assert ticket.message == message and len(ticket.message) == MESSAGE_MAX
    [mail] = _support_mails(session)
    assert HOSTILE in mail.body_text  # plain text is plain text
    assert "<script>" not in mail.body_html and "<img" not in mail.body_html and "<b>Анна" not in mail.body_html
    assert "&lt;script&gt;" in mail.body_html and "&amp;" in mail.body_html
    assert "Анна" not in mail.subject  # what the sender typed never becomes a header


def test_control_characters_are_dropped_and_line_ends_kept(session):
    result = submit_feedback(_form(message="Строка 1\r\nСтрока\x00 2\tконец\x07\n"), ip=IP, session=session)
    assert session.get(FeedbackTicket, result.number).message == "Строка 1\nСтрока 2\tконец"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (dict(name="  "), "name", "как к вам обращаться"),
        (dict(name="Я" * 101), "name", "не длиннее 100"),
        (dict(contact=""), "contact", "e-mail"),
        (dict(contact="anna@@example"), "contact", "name@example.ru"),
        (dict(contact="8 (495) 123-45-67"), "contact", "мобильный"),  # a landline gets no SMS and no mail
        (dict(account_number="12345"), "account_number", "6–15 цифр"),
        (dict(account_number="1234567890123456"), "account_number", "6–15 цифр"),
        (dict(account_number="12345А678"), "account_number", "6–15 цифр"),
        (dict(message=" \n "), "message", "Напишите"),
        (dict(message="я" * (MESSAGE_MAX + 1)), "message", "не длиннее 10\u00a0000 символов, сейчас 10\u00a0001"),
        (dict(consent=False), "consent", "согласие"),
    ],
)
def test_each_refusal_names_its_field_and_nothing_is_stored(session, changes, field, reason):
    result = submit_feedback(_form(**changes), ip=IP, session=session)
    errors = refusal_messages(result)
    assert list(errors) == [field]
    assert reason in errors[field]
    assert result.number is None
    assert not session.exec(select(FeedbackTicket)).all() and not session.exec(select(OutboxMessage)).all()


def test_every_bad_field_is_named_at_once(session):
    result = submit_feedback(FeedbackForm("", "x", "1", "", False), ip=IP, session=session)
    assert set(refusal_messages(result)) == {"name", "contact", "account_number", "message", "consent"}


def test_refusals_do_not_count_against_the_limits(session):
    for _ in range(limits.FEEDBACK_PER_IP.count + 1):
        submit_feedback(_form(consent=False), ip=IP, session=session)
    assert submit_feedback(_form(), ip=IP, session=session).number


def test_one_contact_is_limited_and_told_when_to_try_again(session):
    for n in range(limits.FEEDBACK_PER_CONTACT.count):
        assert submit_feedback(_form(), ip=f"198.51.100.{n}", session=session).number
    clock.move(timedelta(minutes=20))
    refused = submit_feedback(_form(contact="ANNA@EXAMPLE.ru"), ip="198.51.100.99", session=session)
    assert refused.number is None and not refused.refusals
    assert 39 * 60 < refused.retry_after_seconds <= 40 * 60
    assert submit_feedback(_form(contact="boris@example.ru"), ip="198.51.100.99", session=session).number
    clock.move(timedelta(minutes=41))
    assert submit_feedback(_form(), ip="198.51.100.99", session=session).number
    assert len(_support_mails(session)) == limits.FEEDBACK_PER_CONTACT.count + 2


def test_one_ip_is_limited_whatever_contacts_it_types(session):
    for n in range(limits.FEEDBACK_PER_IP.count):
        assert submit_feedback(_form(contact=f"spam{n}@example.ru"), ip=IP, session=session).number
    refused = submit_feedback(_form(contact="fresh@example.ru"), ip=IP, session=session)
    assert refused.number is None and refused.retry_after_seconds > 0
    assert submit_feedback(_form(contact="fresh@example.ru"), ip="198.51.100.7", session=session).number
    assert len(_support_mails(session)) == limits.FEEDBACK_PER_IP.count + 1
