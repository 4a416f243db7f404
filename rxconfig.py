"""Reflex configuration: the database and Redis come from the environment (see lk_app/settings.py)."""

import reflex as rx

from lk_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="lk_app",
    db_url=settings.db_url,
    redis_url=settings.redis_url,
    show_built_with_reflex=False,
    telemetry_enabled=False,
)
