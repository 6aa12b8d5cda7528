"""Alembic migrations, applied programmatically (by `python -m bot migrate` and at start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from storage.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class MigrationRefused(Exception):
    """The migrations would have left the data inconsistent: nothing was changed."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for an empty database."""
    engine = make_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()

