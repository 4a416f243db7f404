"""The SMS Aero sender: the real `smsaero-api` client against the fake gateway, and how its failures are classed."""

import base64
import json
import logging
import socket
import time
from datetime import timedelta

import dns.resolver
import pytest
import requests
from smsaero import SmsAero, SmsAeroNoMoneyException

from lk_app import clock
from lk_app.messaging.dispatcher import Dispatcher
from lk_app.messaging.outbox import queue_sms
from lk_app.messaging.senders import PermanentSendError, SmsAeroSender, TransientSendError, senders_from_settings
from lk_app.models import OutboxMessage
from tests.fakes.smsaero_server import SMS_SEND_PATH, FakeSmsAero, code_in

EMAIL = "lk@example.ru"
KEY = "Zx8Qm2Lw7Rt4Kp9Vb3Nc6Hd1Fg5Js0Ay"
PHONE = "+79123456789"
SIGN = "ЭнергоСбыт"
TEXT = "Код подтверждения: 482913. Никому его не сообщайте."
TIMEOUT = 1.0


@pytest.fixture
def smsaero():
    """A fresh fake SMS Aero gateway for each test."""
    with FakeSmsAero(email=EMAIL, api_key=KEY) as gateway:
        yield gateway


def _sender(gate: str | None, *, email: str = EMAIL, key: str = KEY, timeout: float = TIMEOUT) -> SmsAeroSender:
    return SmsAeroSender(email=email, api_key=key, gate=gate, sign=SIGN, timeout=timeout)


def _message(**changes) -> OutboxMessage:
    fields = dict(channel="sms", recipient=PHONE, body_text=TEXT)
    fields.update(changes)
    return OutboxMessage(**fields)


def _closed_port() -> tuple[int, socket.socket]:
    """A port nobody listens on, and the socket that keeps it so while it is open."""
    placeholder = socket.socket()
    placeholder.bind(("127.0.0.1", 0))
    return placeholder.getsockname()[1], placeholder


def _post(gateway: FakeSmsAero, body: dict | bytes, *, key: str = KEY, method: str = "POST",
          path: str = SMS_SEND_PATH) -> requests.Response:
    """A raw request, to see the fake refuse what the gateway refuses."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.request(method, gateway.url.removesuffix("/v2/") + path, data=data, auth=(EMAIL, key),
                            headers={"Content-Type": "application/json"}, timeout=5)


def test_sends_one_sms_through_the_library_session_and_returns_the_message_id(smsaero):
    message_id = _sender(smsaero.url).send(_message())
    sms = smsaero.wait_for_sms(PHONE)
    assert (sms.number, sms.text, sms.sign) == ("79123456789", TEXT, SIGN)
    assert message_id == str(sms.id)
    [request] = smsaero.requests
    assert (request.method, request.path, request.status) == ("POST", SMS_SEND_PATH, 200)
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{EMAIL}:{KEY}".encode()).decode()
    assert request.headers["User-Agent"].startswith("SAPythonClient/")  # the library's own session
    assert json.loads(request.body) == {"number": 79123456789, "text": TEXT, "sign": SIGN}
    assert smsaero.codes_for(PHONE) == ["482913"] and code_in(sms.text) == "482913"


def test_a_wrong_key_is_permanent_and_quotes_the_gateway(smsaero):
    with pytest.raises(PermanentSendError, match="401: Your credentials are incorrect"):
        _sender(smsaero.url, key="WrongKey00WrongKey00WrongKey0000").send(_message())
    assert smsaero.received == []


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_transient(smsaero, status):
    smsaero.fail_next(status)
    with pytest.raises(TransientSendError, match=f"answered {status}"):
        _sender(smsaero.url).send(_message())


@pytest.mark.parametrize("status", [400, 403, 404, 200])
def test_other_refusals_are_permanent(smsaero, status):
    smsaero.fail_next(status)  # 200 with `success: false` is a refusal too
    with pytest.raises(PermanentSendError, match=f"answered {status}: injected failure"):
        _sender(smsaero.url).send(_message())


def test_a_message_the_gateway_refuses_is_permanent(smsaero):
    sender = SmsAeroSender(email=EMAIL, api_key=KEY, gate=smsaero.url, sign="X", timeout=TIMEOUT)
    with pytest.raises(PermanentSendError, match="400: Validation error: sign"):
        sender.send(_message())
    assert smsaero.received == []


@pytest.mark.parametrize(
    ("recipient", "text"),
    [("+7912", TEXT), ("+79123456789x", TEXT), ("", TEXT), (PHONE, "1"), (PHONE, "я" * 641)],
)
def test_a_number_or_text_the_library_refuses_is_permanent_without_a_request(smsaero, recipient, text):
    with pytest.raises(PermanentSendError, match="would refuse"):
        _sender(smsaero.url).send(_message(recipient=recipient, body_text=text))
    assert smsaero.requests == []


def test_no_money_is_transient_and_logged_as_an_error(smsaero, caplog):
    smsaero.no_money_next()
    with pytest.raises(TransientSendError, match="200: no credits"):
        _sender(smsaero.url).send(_message())
    assert any(record.levelno == logging.ERROR and "no money" in record.getMessage() for record in caplog.records)
    assert smsaero.received == []


def test_payment_required_is_taken_for_no_money(smsaero, caplog):
    smsaero.fail_next(402)
    with pytest.raises(TransientSendError, match="402"):
        _sender(smsaero.url).send(_message())
    assert any(record.levelno == logging.ERROR for record in caplog.records)


def test_a_read_timeout_is_permanent_and_never_sent_again(smsaero):
    smsaero.hang_next(10)
    started = time.monotonic()
    with pytest.raises(PermanentSendError, match="may have gone.*timed out"):
        _sender(smsaero.url).send(_message())
    assert time.monotonic() - started < 3
    assert len(smsaero.requests) == 1 and len(smsaero.sms_to(PHONE)) == 1  # the gateway did send it


def test_a_reset_after_the_request_is_permanent(smsaero):
    smsaero.reset_next()
    with pytest.raises(PermanentSendError, match="may have gone"):
        _sender(smsaero.url).send(_message())
    assert len(smsaero.requests) == 1


def test_a_refused_connection_is_transient():
    port, placeholder = _closed_port()
    with placeholder, pytest.raises(TransientSendError, match="not reached"):
        _sender(f"http://127.0.0.1:{port}").send(_message())


def test_a_connect_timeout_is_transient(smsaero, monkeypatch):
    def connect_timeout(*_args, **_kwargs):
        raise requests.ConnectTimeout("connect timed out")

    monkeypatch.setattr(requests.Session, "post", connect_timeout)
    with pytest.raises(TransientSendError, match="not reached"):
        _sender(smsaero.url).send(_message())


def test_the_timeout_is_the_setting_and_at_most_10_s(smsaero, monkeypatch):
    timeouts = []
    post = requests.Session.post

    def recording_post(session, url, **kwargs):
        timeouts.append(kwargs["timeout"])
        return post(session, url, **kwargs)

    monkeypatch.setattr(requests.Session, "post", recording_post)
    _sender(smsaero.url, timeout=2.5).send(_message())
    _sender(smsaero.url, timeout=60).send(_message())
    assert timeouts == [2.5, 10.0]
    assert len(smsaero.sms_to(PHONE)) == 2


@pytest.mark.parametrize(
    ("gate", "gateway"),
    [
        (None, "https://gate.smsaero.ru/v2/"),
        ("", "https://gate.smsaero.ru/v2/"),
        ("@gate.smsaero.ru/v2/", "https://gate.smsaero.ru/v2/"),
        ("gate.smsaero.ru/v2", "https://gate.smsaero.ru/v2/"),
        ("@gate.smsaero.org", "https://gate.smsaero.org/v2/"),
        ("https://gate.smsaero.net/v2/", "https://gate.smsaero.net/v2/"),
        ("https://sms.example.ru:8443/api", "https://sms.example.ru:8443/api/v2/"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v2/"),
        ("http://127.5.6.7:8080/v2", "http://127.5.6.7:8080/v2/"),
        ("http://localhost:8080/v2/", "http://localhost:8080/v2/"),
        ("http://[::1]:8080", "http://[::1]:8080/v2/"),
    ],
)
def test_gate_forms_are_normalized_to_one_gateway(gate, gateway):
    assert _sender(gate).gateway == gateway


@pytest.mark.parametrize("suffix", ["/v2/", "/v2", "/", ""])
def test_the_fake_is_reached_with_the_test_forms_of_its_address(smsaero, suffix):
    _sender(smsaero.url.removesuffix("/v2/") + suffix).send(_message())
    assert smsaero.wait_for_sms(PHONE).text == TEXT


def test_an_https_gate_never_falls_back_to_plain_http(smsaero):
    # The library's form means https; the fake speaks only http, where the library's request() would retry.
    with pytest.raises(PermanentSendError, match="SSL"):
        _sender("@" + smsaero.url.removeprefix("http://")).send(_message())
    assert smsaero.requests == []


@pytest.mark.parametrize(
    "gate",
    ["http://gate.smsaero.ru/v2/", "http://10.0.0.5:8080", "http://localhost.example.ru", "http://[2001:db8::1]/"],
)
def test_plain_http_off_this_host_is_refused_when_the_sender_is_built(gate):
    with pytest.raises(ValueError, match="in clear"):
        _sender(gate)


@pytest.mark.parametrize(
    "gate",
    ["ftp://gate.smsaero.ru/v2/", "https://user@gate.smsaero.ru/v2/", "https:///v2/", "https://gate.smsaero.ru:99999",
     "http://127.0.0.1:abc", "gate smsaero.ru/v2/", "https://gate.smsaero.ru/v2/?x=1"],
)
def test_what_is_no_gateway_address_is_refused(gate):
    with pytest.raises(ValueError, match="not a gateway address"):
        _sender(gate)


@pytest.mark.parametrize(
    ("email", "key", "problem"),
    [("not-an-address", KEY, "LK_SMSAERO_EMAIL"), (EMAIL, "short", "LK_SMSAERO_API_KEY"),
     (EMAIL, "key:with@url/syntax0000", "LK_SMSAERO_API_KEY")],
)
def test_bad_credentials_settings_are_refused_when_the_sender_is_built(email, key, problem):
    with pytest.raises(ValueError, match=problem) as refusal:
        _sender("@gate.smsaero.ru/v2/", email=email, key=key)
    assert key not in str(refusal.value)


def test_building_the_sender_asks_no_dns(monkeypatch):
    lookups = []
    getaddrinfo = socket.getaddrinfo

    def local_getaddrinfo(host, *args, **kwargs):
        if host != "127.0.0.1":
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "no DNS in this test")
        return getaddrinfo(host, *args, **kwargs)

    def no_resolve(_resolver, name, *_args, **_kwargs):
        lookups.append(str(name))
        raise dns.resolver.NoNameservers("no DNS in this test")

    monkeypatch.setattr(socket, "getaddrinfo", local_getaddrinfo)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", no_resolve)
    email = "x@nowhere.lk-test.ru"
    SmsAero(email=email, api_key=KEY)
    assert lookups  # the library's own constructor does ask DNS, so these traps would catch it
    lookups.clear()
    with FakeSmsAero(email=email, api_key=KEY) as gateway:
        _sender(gateway.url, email=email).send(_message())
        assert gateway.wait_for_sms(PHONE).text == TEXT
    _sender(None, email=email)
    assert lookups == []


def test_the_key_is_never_in_errors_or_debug_logs(smsaero, caplog):
    caplog.set_level(logging.DEBUG)
    port, placeholder = _closed_port()
    errors = []
    with placeholder:
        for fault, gate in [
            (lambda: smsaero.fail_next(500), smsaero.url),
            (lambda: smsaero.fail_next(400), smsaero.url),
            (smsaero.no_money_next, smsaero.url),
            (lambda: smsaero.hang_next(10), smsaero.url),
            (smsaero.reset_next, smsaero.url),
            (lambda: None, f"http://127.0.0.1:{port}"),
        ]:
            fault()
            with pytest.raises((TransientSendError, PermanentSendError)) as failure:
                _sender(gate).send(_message())
            errors.append(str(failure.value))
    _sender(smsaero.url).send(_message())
    assert all(KEY not in error for error in errors), errors
    assert any(record.levelno == logging.DEBUG for record in caplog.records)  # DEBUG was really captured
    assert KEY not in caplog.text
    assert logging.getLogger("smsaero").getEffectiveLevel() > logging.DEBUG


def test_a_requests_error_quoting_the_url_is_told_without_the_key(smsaero, monkeypatch):
    def quoting_post(_session, url, **_kwargs):
        raise requests.exceptions.InvalidURL(f"Failed to parse: {url}")

    monkeypatch.setattr(requests.Session, "post", quoting_post)
    with pytest.raises(PermanentSendError) as failure:
        _sender(smsaero.url).send(_message())
    assert KEY not in str(failure.value) and "lk%40example.ru:***@127.0.0.1" in str(failure.value)


def test_senders_from_settings_configures_sms_only_with_email_and_key(settings, monkeypatch, smsaero):
    for name in ("LK_SMSAERO_EMAIL", "LK_SMSAERO_API_KEY", "LK_SMSAERO_GATE", "LK_SENDGRID_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert "sms" not in senders_from_settings(settings())
    assert "sms" not in senders_from_settings(settings(LK_SMSAERO_EMAIL=EMAIL))
    configured = senders_from_settings(
        settings(LK_SMSAERO_API_KEY=KEY, LK_SMSAERO_GATE=smsaero.url, LK_SMS_SIGN=SIGN)
    )
    assert list(configured) == ["sms"]
    configured["sms"].send(_message())
    assert smsaero.wait_for_sms(PHONE).sign == SIGN
    with pytest.raises(ValueError, match="in clear"):
        senders_from_settings(settings(LK_SMSAERO_GATE="http://gate.smsaero.ru/v2/"))


def _queued_sms(session) -> OutboxMessage:
    """A committed SMS row, as a service would leave it."""
    message = queue_sms(session=session, to=PHONE, text=TEXT)
    session.commit()
    return message


def _reloaded(session, message: OutboxMessage) -> OutboxMessage:
    session.refresh(message)
    return message


def _later() -> None:
    """Past any backoff (at most 15 min × 1.5), instead of sleeping."""
    clock.move(timedelta(hours=1))


def test_the_dispatcher_sends_a_queued_sms(session, smsaero):
    message = _queued_sms(session)
    assert Dispatcher({"sms": _sender(smsaero.url)}, max_attempts=3).dispatch_once() == 1
    sms = smsaero.wait_for_sms(PHONE)
    row = _reloaded(session, message)
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 1, str(sms.id))


def test_the_dispatcher_retries_a_server_error(session, smsaero):
    message = _queued_sms(session)
    dispatcher = Dispatcher({"sms": _sender(smsaero.url)}, max_attempts=3)
    smsaero.fail_next(503)
    assert dispatcher.dispatch_once() == 1
    row = _reloaded(session, message)
    assert (row.status, row.attempts) == ("pending", 1) and "503" in row.last_error
    _later()
    assert dispatcher.dispatch_once() == 1
    assert _reloaded(session, message).status == "sent"
    assert [request.status for request in smsaero.requests] == [503, 200] and len(smsaero.received) == 1


def test_the_dispatcher_abandons_a_read_timeout_after_one_send(session, smsaero):
    message = _queued_sms(session)
    dispatcher = Dispatcher({"sms": _sender(smsaero.url)}, max_attempts=5)
    smsaero.hang_next(10)
    assert dispatcher.dispatch_once() == 1
    row = _reloaded(session, message)
    assert (row.status, row.attempts) == ("abandoned", 1)
    assert "timed out" in row.last_error and KEY not in row.last_error
    _later()
    assert dispatcher.dispatch_once() == 0
    assert len(smsaero.requests) == 1 and len(smsaero.sms_to(PHONE)) == 1


def test_the_dispatcher_retries_no_money_then_abandons(session, smsaero):
    message = _queued_sms(session)
    dispatcher = Dispatcher({"sms": _sender(smsaero.url)}, max_attempts=2)
    smsaero.no_money_next(count=2)
    assert dispatcher.dispatch_once() == 1
    assert _reloaded(session, message).status == "pending"
    _later()
    assert dispatcher.dispatch_once() == 1
    row = _reloaded(session, message)
    assert (row.status, row.attempts) == ("abandoned", 2) and "no credits" in row.last_error
    assert smsaero.received == []


def test_the_dispatcher_abandons_a_refusal_at_once(session, smsaero):
    message = _queued_sms(session)
    dispatcher = Dispatcher({"sms": _sender(smsaero.url, key="WrongKey00WrongKey00WrongKey0000")}, max_attempts=5)
    assert dispatcher.dispatch_once() == 1
    row = _reloaded(session, message)
    assert (row.status, row.attempts) == ("abandoned", 1) and "401" in row.last_error


def _raw_body(**changes) -> dict:
    """An sms/send body the gateway takes, with fields replaced (None drops one)."""
    body = {"number": 79123456789, "text": TEXT, "sign": SIGN}
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": None}, "number"), ({"number": 9123456789}, "number"), ({"number": "+79123456789"}, "number"),
        ({"number": True}, "number"), ({"text": None}, "text"), ({"text": "я"}, "text"), ({"text": "я" * 641}, "text"),
        ({"sign": None}, "sign"), ({"sign": ""}, "sign"),
    ],
)
def test_the_fake_refuses_what_the_gateway_refuses(smsaero, changes, field):
    response = _post(smsaero, _raw_body(**changes))
    assert response.status_code == 400
    answer = response.json()
    assert (answer["success"], answer["data"]) == (False, None)
    assert answer["message"].startswith(f"Validation error: {field}")
    assert smsaero.received == []


def test_the_fake_checks_method_path_credentials_and_json(smsaero):
    assert _post(smsaero, _raw_body(), key="WrongKey").json()["message"] == "Your credentials are incorrect"
    assert _post(smsaero, _raw_body(), key="WrongKey").status_code == 401
    assert _post(smsaero, _raw_body(), method="GET").status_code == 405
    assert _post(smsaero, _raw_body(), path="/v2/sms/testsend").status_code == 404
    assert _post(smsaero, b"{not json").status_code == 400
    assert _post(smsaero, _raw_body(number="79123456789")).status_code == 200
    assert _post(smsaero, _raw_body()).json()["data"]["extendStatus"] == "moderation"
    assert len(smsaero.received) == 2


def test_the_fakes_no_money_answer_is_the_v2_envelope_and_the_librarys_no_credits(smsaero):
    smsaero.no_money_next()
    response = _post(smsaero, _raw_body())
    answer = response.json()
    assert (response.status_code, answer["success"], answer["data"], answer["message"]) == (
        200, False, None, "Not enough money")
    with pytest.raises(SmsAeroNoMoneyException):
        SmsAero.check_response(response)


def test_wait_for_sms_times_out_with_a_message(smsaero):
    with pytest.raises(TimeoutError, match="0 of 1 SMS to \\+79000000000"):
        smsaero.wait_for_sms("+79000000000", timeout=0.2)
