"""Running `python -m bot` as a subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(database_url: str, secret_key: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "DANGAN_SECRET_KEY": secret_key,
            "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}


def bot(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run one CLI command to completion."""
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
