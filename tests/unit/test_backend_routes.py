"""The backend's own routes: a bill PDF and a payment QR for the session's accounts only, and RFC 8058 one-click unsubscribe."""

import warnings

import pytest
from sqlmodel import select
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)  # it would rather test with httpx2, not installed here
    from starlette.testclient import TestClient

from lk_app import db
from lk_app.models import OutboxMessage
from lk_app.routes import backend_routes
from lk_app.services.ebill_mailing import run_mailing
from lk_app.services.ebill_subscriptions import save_subscription, subscriptions_of
from lk_app.services.history import payment_qr_svg
from lk_app.services.sessions import SESSION_COOKIE, issue_login_grant, redeem_login_grant
from tests.pdf_reading import pdf_qr_codes, pdf_text
from tests.unit.factories import billing_account, charge, link, lk_user

PERIOD = "2026-10"


@pytest.fixture
def client(clean_db):
    """The routes app, not following redirects, as a browser or mail client reaches it."""
    with TestClient(backend_routes, follow_redirects=False) as client:
        yield client


def _lk(n: int, *, session) -> tuple[int, str]:
    """An LK holding one account with a bill for PERIOD; (user id, account number)."""
    account = billing_account(session, number=f"44010000000{n}")
    charge(session, account, PERIOD, 190, 123500)
    user = lk_user(session, login=f"lk{n}", email=f"lk{n}@example.ru")
    link(session, user, account, primary=True)
    return user.id, account.number


def _session_of(user_id: int) -> str:
    grant = db.run(issue_login_grant, user_id)
    return db.run(redeem_login_grant, *grant, ip="127.0.0.1", user_agent="test")


def test_the_session_downloads_its_own_bill(client):
    user_id, number = db.run(_lk, 1)
    client.cookies.set(SESSION_COOKIE, _session_of(user_id))
    response = client.get(f"/bills/{PERIOD}/{number}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="epd-{number}-{PERIOD}.pdf"'
    assert "no-store" in response.headers["cache-control"]
    assert number in pdf_text(response.content) and len(pdf_qr_codes(response.content)) == 1


@pytest.mark.parametrize("path", ["/bills/2026-12/{own}.pdf", "/bills/{period}/{other}.pdf", "/bills/2026-13/{own}.pdf",
                                  "/bills/{period}/12.pdf", "/bills/октябрь/{own}.pdf"])
def test_no_other_bill_is_served_and_all_look_alike(client, path):
    (user_id, own), (_, other) = db.run(_lk, 1), db.run(_lk, 2)
    client.cookies.set(SESSION_COOKIE, _session_of(user_id))
    response = client.get(path.format(own=own, other=other, period=PERIOD))
    assert (response.status_code, response.text) == (404, "Счёт не найден.")


def test_without_a_live_session_the_download_leads_to_the_login_page(client):
    _, number = db.run(_lk, 1)
    for cookie in (None, "forged-session-id"):
        client.cookies.clear()
        if cookie:
            client.cookies.set(SESSION_COOKIE, cookie)
        response = client.get(f"/bills/{PERIOD}/{number}.pdf")
        assert response.status_code == 303 and response.headers["location"].endswith("/")


def test_the_session_gets_the_payment_qr_of_its_own_account_only(client):
    (user_id, own), (_, other) = db.run(_lk, 1), db.run(_lk, 2)
    client.cookies.set(SESSION_COOKIE, _session_of(user_id))
    response = client.get(f"/payment-qr/{own}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "no-store" in response.headers["cache-control"]
    assert response.text == db.run(payment_qr_svg, user_id, own)
    for path in (f"/payment-qr/{other}.svg", "/payment-qr/12.svg"):
        assert (client.get(path).status_code, client.get(path).text) == (404, "Счёт не найден.")
    client.cookies.clear()
    response = client.get(f"/payment-qr/{own}.svg")
    assert response.status_code == 303 and response.headers["location"].endswith("/")


def _mailed_token() -> tuple[int, str, str]:
    """An LK subscribed to its bill, the bill mailed; (user id, account number, the mail's unsubscribe token)."""
    user_id, number = db.run(_lk, 1)
    db.run(save_subscription, user_id, number, True, "lk1@example.ru")
    run_mailing(PERIOD)
    headers = db.run(lambda session: session.exec(select(OutboxMessage.headers)).one())
    return user_id, number, headers["List-Unsubscribe"].split("token=")[1].rstrip(">")


def test_a_one_click_post_unsubscribes_at_once_without_login(client):
    user_id, number, token = _mailed_token()
    response = client.post(f"/ebills/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200  # an answer, not a redirect (RFC 8058)
    assert response.text == "Счета по лицевому счёту ********0001 больше не будут приходить на lk1@example.ru."
    assert not db.run(subscriptions_of, user_id)[number].active
    assert client.post(f"/ebills/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_opening_the_link_only_leads_to_the_page_with_the_button(client):
    user_id, number, token = _mailed_token()
    response = client.get(f"/ebills/unsubscribe?token={token}")
    assert response.status_code == 303 and response.headers["location"].endswith(f"/unsubscribe?token={token}")
    assert db.run(subscriptions_of, user_id)[number].active


def test_an_unknown_token_unsubscribes_nobody(client):
    user_id, number, _ = _mailed_token()
    response = client.post("/ebills/unsubscribe?token=guess", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    assert db.run(subscriptions_of, user_id)[number].active
