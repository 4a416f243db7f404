"""Reflex configuration: the database and Redis come from the environment (see lk_app/settings.py)."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from lk_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="lk_app",
    db_url=settings.db_url,
    redis_url=settings.redis_url,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="blue", gray_color="slate", radius="medium", has_background=True))],
    disable_plugins=[SitemapPlugin],  # a login portal has nothing to index
    # The websocket carries the session cookie: only pages of LK itself may open it.
    cors_allowed_origins=[settings.public_url.rstrip("/")],
    trusted_proxy_hops=settings.trusted_proxy_hops,
)
