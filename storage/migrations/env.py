"""Alembic environment: the URL comes from the caller (storage.migrate), never from a file.

On SQLite, migrations run with foreign keys off: a table rebuild (alembic's batch mode) drops
the old table, and with foreign keys on that would delete every row referring to it. When a
revision is to run, rows without their parent are listed before and after
(``PRAGMA foreign_key_check``); if the migrations made new ones, they roll back. Orphans
that were there before (the sqlite3 shell runs with foreign keys off) are not theirs to judge.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from storage.db import make_engine
from storage.migrate import MigrationRefused
from storage.models import Base

MIGRATION_LOCK = 0x6D696772  # the advisory lock migrations hold ("migr"; digests use 0x6469)
config = context.config
url = config.attributes["database_url"]
sqlite = url.startswith("sqlite")
engine = make_engine(url)


def _orphans(driver: Any) -> set[tuple[Any, ...]]:
    """(table, rowid, parent table) of each row whose parent is missing; not the foreign
    key's number, which a rebuilt table may give in another order."""
    return {tuple(row[:3]) for row in driver.execute("PRAGMA foreign_key_check").fetchall()}


def _revision_pending() -> bool:
    target = context.script.get_revision(context.get_revision_argument())
    current = context.get_context().get_current_revision()
    return (target.revision if target is not None else None) != current


try:
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if sqlite:  # outside any transaction: inside one, SQLite ignores this pragma
            driver.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
            # SQLite's DDL is transactional too (alembic assumes not, and commits each
            # revision): all revisions and the foreign key check commit or roll back together.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if not sqlite:  # processes starting at once: one migrates, the others then find
                # the schema current (SQLite: BEGIN IMMEDIATE already makes them take turns)
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            checking = sqlite and _revision_pending()
            before = _orphans(driver) if checking else set()
            context.run_migrations()
            if checking:
                made = _orphans(driver) - before
                if made:
                    tables = sorted({str(row[0]) for row in made})
                    raise MigrationRefused(f"rows would lose their parent in: "
                                           f"{', '.join(tables)}")
        connection.commit()
finally:
    engine.dispose()  # the connection, foreign keys off, is closed rather than reused
