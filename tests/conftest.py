"""Shared fixtures: the real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
the real router, and a clock the tests move by hand."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings

from bot.bootstrap import App, build_app
from bot.settings import Secrets, load_settings
from handlers.types import ManualClock
from tests.support.chat import ChatDriver

# CI (.ci/run) replays the same property-test examples on every run, so that an example newly
# found at random cannot fail an unrelated change; a local `make test` explores at random.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

START = datetime(2026, 11, 24, 1, 0)  # 09:00 in Shanghai
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield from _postgres_schema()


def _postgres_schema() -> Iterator[str]:
    import sqlalchemy

    from storage.db import normalise_url

    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(normalise_url(PG_URL))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
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
    """Build (and later dispose) apps on the same database: a restart is a second call."""
    apps: list[App] = []

    def factory() -> App:
        settings = load_settings(env={"DATABASE_URL": database_url})
        settings = settings.model_copy(update={"key_file": str(tmp_path / "key")})
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
