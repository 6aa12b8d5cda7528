"""``storage.migrate.HEAD`` is alembic's head, a current database starts without alembic, and
processes starting at once on an empty database all start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from storage.migrate import HEAD, alembic_config, current_revision

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "import sys\n"
    "from storage.migrate import bring_up_to_date\n"
    "bring_up_to_date(sys.argv[1])\n"
    "print('alembic' in sys.modules)\n"
)


def test_head_is_the_newest_migration():
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert scripts.get_current_head() == HEAD


def _bring_up_to_date(url: str) -> str:
    done = subprocess.run([sys.executable, "-c", CHECK, url], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_current_database_is_left_alone_without_loading_alembic(database_url):
    assert current_revision(database_url) == HEAD
    assert _bring_up_to_date(database_url) == "False"
    assert current_revision(database_url) == HEAD


@pytest.mark.empty_database
def test_an_empty_database_is_migrated(database_url):
    assert current_revision(database_url) is None
    assert _bring_up_to_date(database_url) == "True"
    assert current_revision(database_url) == HEAD


@pytest.mark.empty_database
def test_processes_starting_at_once_on_an_empty_database_all_start(database_url):
    """One migrates; the others wait for it (PostgreSQL: an advisory lock; SQLite: the write
    lock) and find the schema current."""
    starting = [subprocess.Popen([sys.executable, "-c", CHECK, database_url], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    for process in starting:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    assert current_revision(database_url) == HEAD
