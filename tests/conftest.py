"""Shared fixtures: the real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
the real router, and a clock the tests move by hand."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from cryptography.fernet import Fernet
from hypothesis import settings

from bot.bootstrap import App, build_app
from bot.settings import Secrets, load_settings
from handlers.types import ManualClock
from storage.db import normalise_url
from storage.migrate import upgrade
from tests.support.chat import ChatDriver

# CI (.ci/run) replays the same property-test examples on every run, so that an example newly
# found at random cannot fail an unrelated change; a local `make test` explores at random.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

START = datetime(2026, 11, 24, 1, 0)  # 09:00 in Shanghai
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated: MigratedTemplates
) -> Iterator[str]:
    """A database of its own for the test, at the newest schema, made without running the
    migrations again (they took a third of the suite's time): SQLite, a copy of a file
    migrated once per run; PostgreSQL, a schema of its own in which the statements the
    migrations ran on an empty schema are run again. With ``@pytest.mark.empty_database``:
    empty, no tables (for tests of the migrations from the start)."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if not empty:
            shutil.copyfile(migrated.sqlite_file(), path)
            path.chmod(0o600)  # as the bot makes it (a copy readable by others is warned of)
        yield f"sqlite:///{path}"
        return
    yield from _postgres_schema([] if empty else migrated.postgres_statements())


Statement = tuple[str, Any, bool, bool]  # SQL, parameters, executemany, sent without parameters


class MigratedTemplates:
    """The migrations' result, made once per run on first use."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: list[Statement] | None = None

    def sqlite_file(self) -> Path:
        """A SQLite file migrated to the newest schema."""
        if self._sqlite is None:
            path = self._folder / "migrated.db"
            upgrade(f"sqlite:///{path}")
            with contextlib.closing(sqlite3.connect(path)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the one file
            self._sqlite = path
        return self._sqlite

    def postgres_statements(self) -> list[Statement]:
        """What the migrations changed in an empty schema: every statement but the reads
        (an empty schema takes the same path through them every time)."""
        if self._postgres is None:
            recorded: list[Statement] = []

            def record(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                       context: Any, executemany: bool) -> None:
                if not statement.lstrip().upper().startswith("SELECT"):
                    bare = bool(context.no_parameters) and not parameters
                    recorded.append((statement, parameters, executemany, bare))

            for url in _postgres_schema([]):
                sqlalchemy.event.listen(sqlalchemy.Engine, "before_cursor_execute", record)
                try:
                    upgrade(url)
                finally:
                    sqlalchemy.event.remove(sqlalchemy.Engine, "before_cursor_execute", record)
            self._postgres = recorded
        return self._postgres


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("migrated"))


def _postgres_schema(statements: list[Statement]) -> Iterator[str]:
    """A schema of its own on the test server, with ``statements`` run in it."""
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(normalise_url(PG_URL))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        if statements:
            connection.exec_driver_sql(f"SET LOCAL search_path TO {schema}")
            cursor = connection.connection.driver_connection.cursor()
            for statement, parameters, executemany, bare in statements:
                # As SQLAlchemy sent them: a "%%" means "%" only when parameters are passed.
                if executemany:
                    cursor.executemany(statement, parameters)
                elif bare:
                    cursor.execute(statement)
                else:
                    cursor.execute(statement, parameters)
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def secret_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def make_app(database_url: str, secret_key: str, clock: ManualClock, tmp_path: Path):
    """Build (and later dispose) apps on the same database: a restart is a second call;
    ``updates`` replace settings of config.yaml (e.g. ``timezone``)."""
    apps: list[App] = []

    def factory(**updates: Any) -> App:
        settings = load_settings(env={"DATABASE_URL": database_url})
        settings = settings.model_copy(update={"key_file": str(tmp_path / "key"), **updates})
        app = build_app(settings, Secrets(secret_key=secret_key), clock=clock)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.dispose()


@pytest.fixture
def app(make_app) -> App:
    return make_app()


@pytest.fixture
def chat(app: App) -> ChatDriver:
    """The agent 王芳 talking through the terminal platform."""
    return ChatDriver.for_new_agent(app, "王芳")
