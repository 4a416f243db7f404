"""HTTP routes beside the Reflex app: the login grant traded for the session cookie, logout, and the health check."""

import asyncio

import reflex as rx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from lk_app.services import db
from lk_app.services.sessions import SESSION_COOKIE, redeem_login_grant, revoke_session
from lk_app.settings import get_settings


def _frontend(path: str) -> str:
    return (rx.config.get_config().deploy_url or "").rstrip("/") + path


async def open_session(request: Request) -> RedirectResponse:
    """Trade a single-use grant for a fresh session cookie and go to the cabinet."""
    session_id = await asyncio.to_thread(
        db.run,
        redeem_login_grant,
        request.query_params.get("grant", ""),
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )
    if session_id is None:
        return RedirectResponse(_frontend("/"), status_code=303)
    settings = get_settings()
    response = RedirectResponse(_frontend("/cabinet"), status_code=303)
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


async def close_session(request: Request) -> RedirectResponse:
    """Revoke the cookie's session, clear the cookie and go to the login page."""
    await asyncio.to_thread(db.run, revoke_session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(_frontend("/"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().secure_cookies)
    return response


async def health(_request: Request) -> JSONResponse:
    """For load balancers and orchestrators: 200 while the database answers, 503 when it does not."""
    try:
        await asyncio.to_thread(db.run, db.ping)
    except Exception:  # noqa: BLE001 - any failure to reach the database means "not ready"
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


auth_routes = Starlette(
    routes=[
        Route("/health", health, methods=["GET"]),
        Route("/auth/session", open_session, methods=["GET"]),
        Route("/auth/logout", close_session, methods=["GET"]),
    ]
)
