"""Alembic environment: migrates the database named by REFLEX_DB_URL (or the URL the caller set)."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from lk_app.models import metadata
from lk_app.settings import get_settings

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

url = config.get_main_option("sqlalchemy.url") or get_settings().db_url
render_as_batch = url.startswith("sqlite")  # SQLite alters tables by copying them


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=render_as_batch)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection."""
    connectable = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=render_as_batch)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
