"""Alembic environment: the URL comes from the caller (storage.migrate), never from a file.

On SQLite, migrations run with foreign keys off: a table rebuild (alembic's batch mode) drops
the old table, and with foreign keys on that would delete every row referring to it. Before
committing, ``PRAGMA foreign_key_check`` must find nothing, or the migration rolls back.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from storage.db import make_engine
from storage.migrate import MigrationRefused
from storage.models import Base

config = context.config
url = config.attributes["database_url"]
sqlite = url.startswith("sqlite")
engine = make_engine(url)


def _check_foreign_keys(driver: Any) -> None:
    broken = driver.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise MigrationRefused(f"rows would lose their parent in: {', '.join(tables)}")


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
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(driver)
        connection.commit()
finally:
    engine.dispose()  # the connection, foreign keys off, is closed rather than reused
