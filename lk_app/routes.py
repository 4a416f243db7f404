"""HTTP routes beside the Reflex app: the session cookie (login grant, logout), bill PDFs, payment QRs, YooKassa's
notifications, unsubscribe, health."""

import asyncio
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import reflex as rx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from lk_app import db
from lk_app.payments.acquirer import acquirer_from_settings
from lk_app.services.bills import bill_document
from lk_app.services.ebill_subscriptions import unsubscribe_by_token
from lk_app.services.history import payment_qr_svg
from lk_app.services.online_payments import Notification, take_notification
from lk_app.services.sessions import (
    SESSION_COOKIE,
    login_nonce_cookie,
    redeem_login_grant,
    resolve_session,
    revoke_session,
)
from lk_app.settings import get_settings
from lk_app.static_caching import StaticCaching

T = TypeVar("T")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_ACCOUNT_NUMBER = re.compile(r"\d{6,15}")


def _frontend(path: str) -> str:
    return (rx.config.get_config().deploy_url or "").rstrip("/") + path


def _client_ip(request: Request) -> str:
    """The client's address as Reflex takes it for the websocket: from X-Forwarded-For only past trusted proxies."""
    client_ip = request.client.host if request.client else ""
    hops = get_settings().trusted_proxy_hops
    forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
    return forwarded[-hops] if hops and len(forwarded) >= hops else client_ip


def _cross_site(request: Request) -> bool:
    """Whether the browser says another site sent this request (login CSRF, a forced logout)."""
    return request.headers.get("sec-fetch-site", "") == "cross-site"


async def open_session(request: Request) -> RedirectResponse:
    """Trade a single-use grant for a fresh session cookie and go to the cabinet; only in the browser that logged in.

    That browser holds the grant's nonce in a cookie its login page set just before it came here; a page of another
    site can send a browser to this address but cannot give it that cookie, and says so in Sec-Fetch-Site too.
    """
    settings = get_settings()
    nonce_cookie = login_nonce_cookie(settings.secure_cookies)
    session_id = None if _cross_site(request) else await asyncio.to_thread(
        db.run,
        redeem_login_grant,
        request.query_params.get("grant", ""),
        request.cookies.get(nonce_cookie, ""),
        ip=_client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    if session_id is None:
        return RedirectResponse(_frontend("/"), status_code=303)
    response = RedirectResponse(_frontend("/cabinet"), status_code=303)
    response.delete_cookie(nonce_cookie, path="/", secure=settings.secure_cookies, samesite="strict")
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def close_session(request: Request) -> Response:
    """A POST from LK's own page: revoke the cookie's session, clear the cookie and go to the login page."""
    if _cross_site(request):
        return PlainTextResponse("Выход возможен только со страницы Личного кабинета.", status_code=403)
    await asyncio.to_thread(db.run, revoke_session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(_frontend("/"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().secure_cookies)
    return response


async def _of_own_account(request: Request, valid: bool, service: Callable[..., T | None], *args: str) -> T | Response:
    """`service(user_id, *args)` for the cookie's session, or the answer instead: the login page without a live
    session, and one 404 alike for a malformed address, someone else's account and a month without a bill."""
    user = await asyncio.to_thread(db.run, resolve_session, request.cookies.get(SESSION_COOKIE))
    if user is None:
        return RedirectResponse(_frontend("/"), status_code=303)
    found = await asyncio.to_thread(db.run, service, user.user_id, *args) if valid else None
    return PlainTextResponse("Счёт не найден.", status_code=404) if found is None else found


async def download_bill(request: Request) -> Response:
    """A month's bill of one of the session's own accounts as a PDF."""
    period, number = request.path_params["period"], request.path_params["account"]
    valid = bool(_PERIOD.fullmatch(period) and _ACCOUNT_NUMBER.fullmatch(number))
    document = await _of_own_account(request, valid, bill_document, number, period)
    if isinstance(document, Response):
        return document
    filename, pdf = document
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store",
    })


async def payment_qr_image(request: Request) -> Response:
    """The payment QR of one of the session's own accounts for its amount to pay now."""
    number = request.path_params["account"]
    svg = await _of_own_account(request, bool(_ACCOUNT_NUMBER.fullmatch(number)), payment_qr_svg, number)
    if isinstance(svg, Response):
        return svg
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


async def one_click_unsubscribe(request: Request) -> Response:
    """The List-Unsubscribe address of a bill e-mail (RFC 8058): a POST unsubscribes at once, without login.

    Opening it (a GET, as mail scanners do too) only leads to the page whose button unsubscribes.
    """
    token = request.query_params.get("token", "")[:200]
    if request.method == "GET":
        return RedirectResponse(_frontend("/unsubscribe?" + urlencode({"token": token})), status_code=303)
    view = await asyncio.to_thread(db.run, unsubscribe_by_token, token)
    if view is None:
        return PlainTextResponse("Ссылка недействительна.", status_code=404)
    # A plain answer, never a redirect: RFC 8058 forbids one, since clients turn redirected POSTs into GETs.
    return PlainTextResponse(f"Счета по лицевому счёту {view.account} больше не будут приходить на {view.email}.")


# YooKassa sends a notification again until it gets a 200: only an API that did not answer asks for that.
_NOTIFICATION_ANSWERS = {
    Notification.RECORDED: 200,
    Notification.NOT_OURS: 200,
    Notification.MALFORMED: 400,
    Notification.UNTRUSTED: 403,
    Notification.UNAVAILABLE: 503,
}
NOTIFICATION_BODY_LIMIT = 64 * 1024


async def payment_notification(request: Request) -> Response:
    """YooKassa's HTTP notification of a payment: its id is taken from the body, its status from the API."""
    settings = get_settings()
    acquirer = acquirer_from_settings(settings)
    if acquirer is None:
        return PlainTextResponse("Оплата через ЮKassa не настроена.", status_code=404)
    body = await request.body()
    if len(body) > NOTIFICATION_BODY_LIMIT:
        return PlainTextResponse("", status_code=413)
    outcome = await asyncio.to_thread(take_notification, body, _client_ip(request), acquirer=acquirer,
                                      check_ip=settings.checks_notifier_ip)
    return PlainTextResponse("", status_code=_NOTIFICATION_ANSWERS[outcome])


async def health(_request: Request) -> JSONResponse:
    """For load balancers and orchestrators: 200 while the database answers, 503 when it does not."""
    try:
        await asyncio.to_thread(db.run, db.ping)
    except Exception:  # noqa: BLE001 - any failure to reach the database means "not ready"
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


backend_routes = Starlette(
    middleware=[Middleware(StaticCaching)],  # wraps the production server's pages and build files too
    routes=[
        Route("/health", health, methods=["GET"]),
        Route("/auth/session", open_session, methods=["GET"]),
        Route("/auth/logout", close_session, methods=["POST"]),
        Route("/bills/{period}/{account}.pdf", download_bill, methods=["GET"]),
        Route("/payment-qr/{account}.svg", payment_qr_image, methods=["GET"]),
        Route("/ebills/unsubscribe", one_click_unsubscribe, methods=["GET", "POST"]),
        Route("/payments/yookassa", payment_notification, methods=["POST"]),
    ]
)
