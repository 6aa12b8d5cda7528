"""The real command line in a subprocess: chat over a pipe, JSON export, help, admin."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, bot
from tests.integration.test_ids_never_reused import LOSE_A_PARENT

SUBCOMMANDS = [["run"], ["chat"], ["migrate"], ["demo"], ["agent"], ["agent", "add"],
               ["agent", "list"], ["invite"], ["clients"], ["show"], ["nudges"], ["sweep"]]


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(words):
    result = subprocess.run([sys.executable, "-m", "bot", *words, "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_chat_over_a_pipe_then_export_and_show(env, database_url):
    if not database_url.startswith("sqlite"):  # only the embedded default creates agents itself
        refused = bot(env, "chat", "--agent", "王芳", stdin="/help\n")
        assert refused.returncode == 2 and "agent add" in refused.stderr
        assert bot(env, "agent", "add", "王芳").returncode == 0
    script = "\n".join(["/record 张丽华", "女", "农历八月十五", "50", "13812345678", "保存",
                        "/card 张丽华"]) + "\n"
    result = bot(env, "chat", "--agent", "王芳", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "> " not in result.stdout  # no prompt noise on a pipe
    assert "第1/" in result.stdout and "✅ 已保存「张丽华」" in result.stdout
    assert "138****5678" in result.stdout
    assert "13812345678" not in result.stdout + result.stderr

    exported = json.loads(bot(env, "clients", "--agent", "王芳", "--json").stdout)
    assert [row["name"] for row in exported] == ["张丽华"]
    assert exported[0]["birthday"]["calendar"] == "lunar"
    shown = json.loads(bot(env, "show", "--agent", "王芳", "张丽华", "--json").stdout)
    assert shown["phone"] == "138****5678" and shown["tier"] == "普通"


def test_demo_loads_the_worked_examples(env):
    result = bot(env, "demo", "--agent", "演示")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in
            json.loads(bot(env, "clients", "--agent", "演示", "--json").stdout)}
    assert rows["孙明"]["tier"] == "核心"
    assert rows["张丽华"]["tier"] == "筛选"
    assert rows["林晓"]["tier"] == "成交"
    assert rows["周强"]["tier"] == "精选"


def test_agents_and_invites(env):
    assert bot(env, "migrate").returncode == 0
    assert bot(env, "agent", "add", "刘敏", "--telegram", "4242", "--leader").returncode == 0
    listed = json.loads(bot(env, "agent", "list").stdout)
    assert listed[0]["name"] == "刘敏" and listed[0]["leader"] is True
    assert "telegram:4242" in listed[0]["identities"]
    duplicate = bot(env, "agent", "add", "刘敏")
    assert duplicate.returncode == 2 and "已存在" in duplicate.stderr
    code = bot(env, "invite").stdout.strip()
    assert len(code) == 10 and code.isalnum()


def test_invalid_config_names_the_key(env, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("type: money, target: client.household_income",
                                "type: dollars, target: client.household_income"),
                   encoding="utf-8")
    result = bot({**env, "DANGAN_CONFIG": str(bad)}, "migrate")
    assert result.returncode == 2
    assert "templates.record" in result.stderr and "dollars" in result.stderr


def test_a_migration_that_would_orphan_rows_changes_nothing_and_says_so(env, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's table rebuild")
    import sqlite3

    from alembic import command

    from storage.db import sqlite_path
    from storage.migrate import alembic_config

    assert bot(env, "chat", "--agent", "王芳", stdin="/record 孙明\n男\n保存\n").returncode == 0
    command.downgrade(alembic_config(database_url), "0005")
    database = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
    database.execute(LOSE_A_PARENT)  # a faulty revision, in effect
    result = bot(env, "migrate")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "数据库升级没有进行" in result.stderr and "clients" in result.stderr
    assert database.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)
    database.close()
