"""The SendGrid sender: the real `sendgrid` client against the fake v3 API, and how its failures are classed."""

import json
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from lk_app.messaging.senders import PermanentSendError, SendGridSender, TransientSendError, senders_from_settings
from lk_app.models import OutboxAttachment, OutboxMessage
from tests.fakes.sendgrid_server import MAIL_SEND_PATH, FakeSendGrid, attachments_of, html_of, links_in, text_of

KEY = "SG.unit-test-key"
TIMEOUT = 0.5


@pytest.fixture
def sendgrid_api():
    """A fresh fake SendGrid for each test."""
    with FakeSendGrid(api_key=KEY) as server:
        yield server


def _sender(api: FakeSendGrid, key: str = KEY) -> SendGridSender:
    return SendGridSender(api_key=key, host=api.url, from_email="lk@example.ru", from_name="АО Светлый Дом",
                          timeout=TIMEOUT)


def _message(**changes) -> OutboxMessage:
    fields = dict(channel="email", recipient="anna@example.ru", subject="Подтверждение регистрации",
                  body_text="Откройте ссылку:\nhttps://lk.example.ru/confirm?token=abc.\n",
                  body_html='<p><a href="https://lk.example.ru/confirm?token=abc">ссылка</a></p>')
    fields.update(changes)
    return OutboxMessage(**fields)


def _post(api: FakeSendGrid, body: dict | bytes, *, key: str = KEY, content_type: str = "application/json"):
    """A raw request, to see the fake refuse what SendGrid refuses."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(api.url + MAIL_SEND_PATH, data=data, method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_sends_the_v3_request_and_returns_the_message_id(sendgrid_api):
    message_id = _sender(sendgrid_api).send(_message())
    mail = sendgrid_api.wait_for_mail("anna@example.ru")
    assert mail["personalizations"] == [{"to": [{"email": "anna@example.ru"}]}]
    assert mail["from"] == {"email": "lk@example.ru", "name": "АО Светлый Дом"}
    assert mail["subject"] == "Подтверждение регистрации"
    assert [block["type"] for block in mail["content"]] == ["text/plain", "text/html"]
    assert text_of(mail).startswith("Откройте ссылку") and html_of(mail).startswith("<p><a href=")
    assert mail["tracking_settings"]["click_tracking"] == {"enable": False, "enable_text": False}
    assert links_in(mail) == ["https://lk.example.ru/confirm?token=abc"]
    request = sendgrid_api.requests[-1]
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert message_id == request.message_id and message_id


def test_an_sms_like_message_without_html_goes_as_text_only(sendgrid_api):
    _sender(sendgrid_api).send(_message(body_html=None))
    assert [block["type"] for block in sendgrid_api.wait_for_mail("anna@example.ru")["content"]] == ["text/plain"]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_transient(sendgrid_api, status):
    sendgrid_api.fail_next(status)
    with pytest.raises(TransientSendError, match=str(status)):
        _sender(sendgrid_api).send(_message())


@pytest.mark.parametrize("status", [400, 403, 404, 413])
def test_other_client_errors_are_permanent(sendgrid_api, status):
    sendgrid_api.fail_next(status)
    with pytest.raises(PermanentSendError, match=str(status)):
        _sender(sendgrid_api).send(_message())


def test_a_wrong_key_is_permanent_and_quotes_sendgrid(sendgrid_api):
    with pytest.raises(PermanentSendError, match="401: The provided authorization grant is invalid"):
        _sender(sendgrid_api, key="SG.wrong").send(_message())
    assert sendgrid_api.received == []


def test_a_hanging_provider_times_out_as_transient(sendgrid_api):
    sendgrid_api.hang_next(5)
    started = time.monotonic()
    with pytest.raises(TransientSendError, match="timed out"):
        _sender(sendgrid_api).send(_message())
    assert time.monotonic() - started < 3


def test_a_reset_connection_is_transient(sendgrid_api):
    sendgrid_api.reset_next()
    with pytest.raises(TransientSendError):
        _sender(sendgrid_api).send(_message())


def test_an_unreachable_host_is_transient():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))  # a port nobody listens on
        port = placeholder.getsockname()[1]
        sender = SendGridSender(api_key=KEY, host=f"http://127.0.0.1:{port}", from_email="lk@example.ru",
                                from_name="x", timeout=TIMEOUT)
        with pytest.raises(TransientSendError, match="not reached"):
            sender.send(_message())


def test_a_message_the_api_refuses_is_permanent(sendgrid_api):
    with pytest.raises(PermanentSendError, match="400: The content value must be a string"):
        _sender(sendgrid_api).send(_message(body_text=""))


def _valid_body(**changes) -> dict:
    """A minimal mail SendGrid accepts, with fields replaced (None drops one)."""
    body = {"personalizations": [{"to": [{"email": "a@example.ru"}]}], "from": {"email": "lk@example.ru"},
            "subject": "s", "content": [{"type": "text/plain", "value": "v"}]}
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"personalizations": None}, "personalizations"),
        ({"personalizations": [{"to": []}]}, "personalizations.0.to"),
        ({"personalizations": [{"to": [{"email": "not-an-address"}]}]}, "personalizations.0.to.0.email"),
        ({"from": None}, "from"),
        ({"from": {"email": "lk"}}, "from.email"),
        ({"subject": None}, "subject"),
        ({"content": None}, "content"),
        ({"content": [{"type": "text/plain", "value": ""}]}, "content.0.value"),
        ({"content": [{"type": "text/html", "value": "<p>v</p>"}, {"type": "text/plain", "value": "v"}]}, "content"),
    ],
)
def test_the_fake_refuses_what_sendgrid_refuses(sendgrid_api, changes, field):
    status, answer = _post(sendgrid_api, _valid_body(**changes))
    assert status == 400
    assert field in [error["field"] for error in answer["errors"]]
    assert all(set(error) == {"message", "field", "help"} for error in answer["errors"])
    assert sendgrid_api.received == []


def test_the_fake_checks_key_and_content_type(sendgrid_api):
    assert _post(sendgrid_api, _valid_body(), key="SG.other")[0] == 401
    assert _post(sendgrid_api, _valid_body(), content_type="text/plain")[0] == 400
    assert _post(sendgrid_api, b"{not json")[0] == 400
    assert _post(sendgrid_api, _valid_body()) == (202, {})
    assert len(sendgrid_api.received) == 1


def test_wait_for_mail_times_out_with_a_message(sendgrid_api):
    with pytest.raises(TimeoutError, match="0 of 1 mails to nobody@example.ru"):
        sendgrid_api.wait_for_mail("nobody@example.ru", timeout=0.2)


def test_senders_from_settings_configures_email_only_with_a_key(settings, monkeypatch):
    monkeypatch.delenv("LK_SENDGRID_API_KEY", raising=False)
    assert senders_from_settings(settings()) == {}
    configured = senders_from_settings(settings(LK_SENDGRID_API_KEY=KEY))
    assert list(configured) == ["email"]
    assert isinstance(configured["email"], SendGridSender)


def test_attachments_and_headers_go_in_the_v3_request(sendgrid_api):
    message = _message(headers={"List-Unsubscribe": "<https://lk.example.ru/ebills/unsubscribe?token=t>",
                                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    message.attachments = [OutboxAttachment(filename="epd-1.pdf", content_type="application/pdf", content=b"%PDF-1.7 x")]
    _sender(sendgrid_api).send(message)
    mail = sendgrid_api.wait_for_mail("anna@example.ru")
    assert mail["headers"] == message.headers
    assert mail["attachments"] == [{"content": "JVBERi0xLjcgeA==", "type": "application/pdf", "filename": "epd-1.pdf",
                                    "disposition": "attachment"}]
    assert attachments_of(mail) == [("epd-1.pdf", "application/pdf", b"%PDF-1.7 x")]


def test_a_429_carries_the_time_sendgrid_lets_requests_in_again(sendgrid_api):
    sendgrid_api.rate_limit_next(seconds=30)
    with pytest.raises(TransientSendError, match="429: too many requests") as raised:
        _sender(sendgrid_api).send(_message())
    wait = (raised.value.retry_at - datetime.now(timezone.utc)).total_seconds()
    assert 28 <= wait <= 31
    headers = {name.lower(): value for name, value in sendgrid_api.requests[-1].headers.items()}
    assert headers["content-type"] == "application/json"


def test_a_reset_far_away_is_taken_as_an_hour(sendgrid_api):
    sendgrid_api.rate_limit_next(seconds=7 * 24 * 3600)
    with pytest.raises(TransientSendError) as raised:
        _sender(sendgrid_api).send(_message())
    assert timedelta(minutes=59) < raised.value.retry_at - datetime.now(timezone.utc) <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"headers": {"To": "other@example.ru"}}, "headers"),
        ({"headers": {"Reply-To": "x@example.ru"}}, "headers"),
        ({"headers": {"X-Count": 1}}, "headers.X-Count"),
        ({"headers": ["List-Unsubscribe"]}, "headers"),
        ({"attachments": [{"filename": "a.pdf", "type": "application/pdf"}]}, "attachments.0.content"),
        ({"attachments": [{"content": "not base64!", "filename": "a.pdf"}]}, "attachments.0.content"),
        ({"attachments": [{"content": "JVBERg=="}]}, "attachments.0.filename"),
        ({"attachments": [{"content": "JVBERg==", "filename": "a.pdf", "type": "application/pdf; x"}]},
         "attachments.0.type"),
        ({"attachments": [{"content": "JVBERg==", "filename": "a.pdf", "disposition": "inline"}]},
         "attachments.0.content_id"),
        ({"attachments": [{"content": "JVBERg==", "filename": "a.pdf", "disposition": "download"}]},
         "attachments.0.disposition"),
    ],
)
def test_the_fake_refuses_headers_and_attachments_as_sendgrid_does(sendgrid_api, changes, field):
    status, answer = _post(sendgrid_api, _valid_body(**changes))
    assert status == 400
    assert field in [error["field"] for error in answer["errors"]]
    assert sendgrid_api.received == []
