"""Alembic migrations, applied programmatically (by `python -m bot migrate` and at start-up).

Alembic is imported only when a migration is to run: loading it and every revision script
takes about a third of a second, which every start of the command line would otherwise pay
just to learn that the database is current (``bring_up_to_date`` reads the stored revision
itself and compares it with ``HEAD``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect

from storage.db import make_engine, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions; tests/unit/test_migrate_head.py checks that it is
# alembic's head, so a new migration cannot be forgotten here.
HEAD = "0020"


class MigrationRefused(Exception):
    """The migrations would have left the data inconsistent: nothing was changed."""


class DatabaseNewer(Exception):
    """The database was upgraded by a newer version of the bot than this one."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def bring_up_to_date(url: str) -> str | None:
    """Upgrade the database at ``url`` to ``HEAD`` unless it is there already; the revision
    it was at when it was upgraded (None: already there, or empty)."""
    before = current_revision(url)
    if before is not None and before > HEAD:  # revisions are numbered 0001, 0002, …
        raise DatabaseNewer(f"数据库的结构版本 {before} 比这个程序（{HEAD}）新：请使用新版本的"
                            "程序，或恢复一份与本程序相配的备份")
    if before != HEAD:
        upgrade(url)
        return before
    return None


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for an empty database."""
    engine = make_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.exec_driver_sql(  # type: ignore[no-any-return]
                "SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()
