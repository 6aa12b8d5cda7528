"""Alembic migrations, applied programmatically (by `python -m bot migrate` and at start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import normalise_url

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
