"""Reflex configuration: the database and Redis come from the environment (see lk_app/settings.py)."""

import sys

import reflex as rx
from pydantic import ValidationError
from reflex.plugins.sitemap import SitemapPlugin

from lk_app.dev_server import NotFoundStatusPlugin
from lk_app.first_paint import FirstPaintPlugin
from lk_app.installable import InstallablePlugin
from lk_app.settings import SETTINGS_REFUSED, get_settings
from lk_app.theme import ACCENT, GRAY, LkThemePlugin

try:
    settings = get_settings()
except ValidationError as error:
    # Settings LK must not start with (demo mode in a deployment, a malformed bank detail): the reason, no traceback.
    sys.exit(SETTINGS_REFUSED.format(error=error))

config = rx.Config(
    app_name="lk_app",
    db_url=settings.db_url,
    redis_url=settings.redis_url,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    plugins=[
        LkThemePlugin(theme=rx.theme(accent_color=ACCENT, gray_color=GRAY, radius="medium", has_background=True)),
        NotFoundStatusPlugin(),  # the dev server answers an unknown page with 404, as production does
        FirstPaintPlugin(),  # the production build's pages paint before their stylesheet and scripts arrive
        InstallablePlugin(),  # the web app manifest, from the settings
    ],
    disable_plugins=[SitemapPlugin],  # a login portal has nothing to index
    # LK has no dynamic components: pages import only the Radix parts they use, not the whole library each.
    frontend_lazy_bundled_libraries=True,
    # The websocket carries the session cookie: only pages of LK itself may open it.
    cors_allowed_origins=[settings.public_url.rstrip("/")],
    trusted_proxy_hops=settings.trusted_proxy_hops,
    # A tab's state lives in Redis as long as its login could stay idle, not Reflex's default hour.
    redis_token_expiration=settings.session_idle_minutes * 60,
)
