"""Message templates and the outbox: rendering, queueing in the caller's transaction, the demo listing."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from lk_app import clock, db
from lk_app.messaging.outbox import queue_email, queue_sms
from lk_app.messaging.templates import hours_phrase, render
from lk_app.models import BillingAccount, OutboxMessage
from lk_app.services.demo import recent_messages

LINK = "https://lk.example.ru/confirm?token=AbC-123_xyz&from=mail"


def _confirmation(**changes):
    context = dict(link=LINK, login="100200300", ttl_hours=24)
    context.update(changes)
    return render("confirm_registration", **context)


def _outbox_count() -> int:
    """Rows as another connection sees them: only what has been committed."""
    with Session(db.get_engine()) as other:
        return other.exec(select(func.count()).select_from(OutboxMessage)).one()


def test_confirmation_is_russian_and_names_the_supplier(settings):
    settings(LK_SUPPLIER_NAME="АО Светлый Дом", LK_CONTACT_PHONE="8 800 555-35-35")
    message = _confirmation()
    assert message.subject == "Подтверждение регистрации в Личном кабинете — АО Светлый Дом"
    for part in (message.text, message.html):
        assert "Здравствуйте" in part
        assert "АО Светлый Дом" in part
        assert "8 800 555-35-35" in part
        assert "100200300" in part
        assert "Ссылка действует 24 часа." in part
        assert "Если вы не регистрировались, просто проигнорируйте письмо." in part


def test_the_link_is_in_both_parts(settings):
    settings()
    message = _confirmation()
    assert f"\n{LINK}\n" in message.text
    escaped = LINK.replace("&", "&amp;")
    assert f'<a href="{escaped}"' in message.html
    assert f">{escaped}</a>" in message.html  # visible too, for clients that hide buttons


def test_html_escapes_every_value_and_text_keeps_it(settings):
    settings(LK_SUPPLIER_NAME="ООО «Свет & Тепло»")
    message = _confirmation(login='<script>alert("x")</script>')
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in message.html
    assert "ООО «Свет &amp; Тепло»" in message.html
    assert '<script>alert("x")</script>' in message.text
    assert message.subject.endswith("ООО «Свет & Тепло»")


def test_the_link_lifetime_follows_the_setting(settings):
    settings()
    assert "Ссылка действует 1 час." in _confirmation(ttl_hours=1).text
    assert "Ссылка действует 48 часов." in _confirmation(ttl_hours=48).html


@pytest.mark.parametrize(
    ("hours", "phrase"),
    [(1, "1 час"), (2, "2 часа"), (4, "4 часа"), (5, "5 часов"), (11, "11 часов"), (12, "12 часов"),
     (21, "21 час"), (22, "22 часа"), (24, "24 часа"), (111, "111 часов")],
)
def test_hours_take_the_russian_plural(hours, phrase):
    assert hours_phrase(hours) == phrase


def test_a_subject_stays_one_line(settings):
    settings(LK_SUPPLIER_NAME="Свет\r\nBcc: someone@example.ru")
    assert "\n" not in _confirmation().subject


def test_unknown_template_and_missing_context_are_refused(settings):
    settings()
    with pytest.raises(ValueError, match="unknown message template"):
        render("../settings", link=LINK)
    with pytest.raises(ValueError, match="unknown message template"):
        render("no_such_template")
    with pytest.raises(KeyError, match="link"):
        render("confirm_registration", login="100200300", ttl_hours=24)


def test_queue_email_writes_nothing_until_the_caller_commits(clean_db):
    with db.session_scope() as session:
        message = queue_email(
            session=session, to="anna@example.ru", template="confirm_registration", link=LINK, login="anna",
            ttl_hours=24,
        )
        session.flush()
        assert _outbox_count() == 0
    assert _outbox_count() == 1
    with db.session_scope() as session:
        row = session.get(OutboxMessage, message.id)
        assert (row.channel, row.recipient, row.status, row.attempts) == ("email", "anna@example.ru", "pending", 0)
        assert row.subject.startswith("Подтверждение регистрации")
        assert LINK in row.body_text and LINK.replace("&", "&amp;") in row.body_html


def test_queue_email_rolls_back_with_the_change_that_caused_it(clean_db):
    with pytest.raises(RuntimeError), db.session_scope() as session:
        session.add(BillingAccount(number="100200300", surname="Ёлкина", surname_key="елкина", first_name="Анна",
                                   patronymic="Петровна", address="г. Демоград"))
        queue_email(session=session, to="anna@example.ru", template="confirm_registration", link=LINK,
                    login="anna", ttl_hours=24)
        session.flush()
        raise RuntimeError("the registration failed after queueing")
    assert _outbox_count() == 0
    with Session(db.get_engine()) as other:
        assert other.exec(select(func.count()).select_from(BillingAccount)).one() == 0


def test_queue_sms_adds_a_text_message(clean_db):
    with db.session_scope() as session:
        message = queue_sms(session=session, to="+79123456789", text="Код подтверждения: 123456")
    with db.session_scope() as session:
        row = session.get(OutboxMessage, message.id)
        assert (row.channel, row.recipient, row.body_text, row.body_html) == (
            "sms", "+79123456789", "Код подтверждения: 123456", None
        )


def test_queueing_without_a_recipient_is_refused(clean_db):
    with db.session_scope() as session:
        with pytest.raises(ValueError):
            queue_email(session=session, to="", template="confirm_registration", link=LINK, login="a", ttl_hours=1)
        with pytest.raises(ValueError):
            queue_sms(session=session, to="+79123456789", text="")


def test_recent_messages_lists_the_newest_first(clean_db):
    clock.move(-timedelta(minutes=5))
    with db.session_scope() as session:
        queue_sms(session=session, to="+79123456789", text="первое")
    clock.reset()
    with db.session_scope() as session:
        queue_email(session=session, to="anna@example.ru", template="confirm_registration", link=LINK,
                    login="anna", ttl_hours=24)
    with db.session_scope() as session:
        views = recent_messages(session=session)
        newest_only = recent_messages(session=session, limit=1)
    assert [view.channel for view in views] == ["email", "sms"]
    assert newest_only == views[:1]
    email = views[0]
    assert email.recipient == "anna@example.ru" and email.status == "pending"
    assert LINK in email.body_text and email.body_html.startswith("<!DOCTYPE html>")
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} в \d\d:\d\d", email.created_at)  # clock.shown: the supplier's time
    with pytest.raises(AttributeError):
        email.status = "sent"  # display objects are frozen


EBILL = dict(period="октябрь", account="***0300", total="1 000,00 ₽", cabinet_link="https://lk.example.ru/cabinet",
             unsubscribe_link="https://lk.example.ru/unsubscribe?token=t")


def test_a_template_with_a_token_link_carries_a_secret_and_a_public_link_does_not(settings):
    settings()
    assert _confirmation().carries_secret
    assert render("ebill", **EBILL).carries_secret  # the unsubscribe link's token
    assert not render("ticket_reply", number=7, name="Анна", reply="Счёт отправлен.").carries_secret
    assert not render("feedback_received", number=7, name="Анна", contact="anna@example.ru", account_number="—",
                      message="Где мой счёт?").carries_secret


def test_a_queued_message_names_its_kind_and_whether_it_carries_a_secret(clean_db):
    with db.session_scope() as session:
        messages = (
            queue_email(session=session, to="anna@example.ru", template="confirm_registration", link=LINK,
                        login="anna", ttl_hours=24),
            queue_email(session=session, to="anna@example.ru", template="ticket_reply", number=7, name="Анна",
                        reply="Счёт отправлен."),
            queue_email(session=session, to="anna@example.ru", template="ticket_reply", secret=True, number=8,
                        name="Анна", reply="Ваш временный код: 5521"),
            queue_sms(session=session, to="+79123456789", text="Код подтверждения: 123456"),
        )
        session.flush()
        ids = [message.id for message in messages]
    with db.session_scope() as session:
        rows = [session.get(OutboxMessage, message_id) for message_id in ids]
        assert [(row.kind, row.carries_secret, row.redacted_at) for row in rows] == [
            ("confirm_registration", True, None), ("ticket_reply", False, None), ("ticket_reply", True, None),
            ("sms", True, None)]


@pytest.mark.parametrize("environment", [{"LK_DEMO": "0"}, {"LK_SENDGRID_API_KEY": "SG.real-key"},
                                         {"LK_PUBLIC_URL": "https://lk.example.ru"}])
def test_outside_demo_mode_the_outbox_lists_nothing(clean_db, settings, environment):
    with db.session_scope() as session:
        queue_sms(session=session, to="+79123456789", text="Код подтверждения: 123456")
    assert settings(LK_DEMO="auto").demo_mode
    with db.session_scope() as session:
        assert len(recent_messages(session=session)) == 1
    assert not settings(**environment).demo_mode
    with db.session_scope() as session:
        assert recent_messages(session=session) == []


def test_the_demo_listing_marks_a_wiped_message(clean_db):
    with db.session_scope() as session:
        message = queue_sms(session=session, to="+79123456789", text="Код подтверждения: 123456")
        message.status, message.body_text, message.redacted_at = "sent", "", clock.now()
    with db.session_scope() as session:
        [view] = recent_messages(session=session)
    assert (view.kind, view.status, view.redacted, view.body_text) == ("sms", "sent", True, "")
