"""Start-up through the real command line: a wrong, malformed or missing key, half a WeChat
configuration, a rejected Telegram token, where a relative SQLite path points, and what
`migrate` did. Each refusal is one Chinese 错误： line and exit code 2, quoting no secret."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.e2e.conftest import ROOT, bot
from tests.fakes.telegram_api import FakeBotApi

RECORD = "/record 张丽华\n女\n1976-3-5\n13812345678\n保存\n"


def refused(result, *secrets: str) -> str:
    """The one error line of a refused start, checked for what it must not contain."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("错误：")
    for secret in secrets:
        assert secret not in result.stdout + result.stderr
    return result.stderr


def add_agent(env: dict[str, str], database_url: str) -> None:
    """On PostgreSQL the terminal's agent is not created on first use."""
    if not database_url.startswith("sqlite"):
        assert bot(env, "agent", "add", "王芳").returncode == 0


def test_another_key_refuses_to_start_and_the_right_one_still_finds(env, secret_key,
                                                                     database_url):
    add_agent(env, database_url)
    first = bot(env, "chat", "--agent", "王芳", stdin=RECORD)
    assert first.returncode == 0, first.stderr
    other = Fernet.generate_key().decode()
    error = refused(bot({**env, "DANGAN_SECRET_KEY": other}, "chat", "--agent", "王芳",
                        stdin="/record 李四\n男\n"), other, secret_key)
    assert "不是这个数据库的密钥" in error
    found = bot(env, "chat", "--agent", "王芳", stdin="/find 5678\n")
    assert found.returncode == 0 and "尾号5678" in found.stdout, found.stderr


def test_without_the_key_file_no_new_key_is_made(env, tmp_path, database_url):
    without_key = {k: v for k, v in env.items() if k != "DANGAN_SECRET_KEY"}
    first = {**without_key, "HOME": str(tmp_path / "first")}
    add_agent(first, database_url)
    assert bot(first, "chat", "--agent", "王芳", stdin=RECORD).returncode == 0
    key = (tmp_path / "first" / ".config" / "dangan" / "secret.key").read_text()
    other_home = {**without_key, "HOME": str(tmp_path / "other")}
    error = refused(bot(other_home, "chat", "--agent", "王芳", stdin="/find 5678\n"), key)
    assert "没有找到" in error and "DANGAN_SECRET_KEY" in error
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("bad", ["abc", "not a key at all!", "x" * 43])
def test_a_malformed_key_is_one_chinese_line(env, bad):
    error = refused(bot({**env, "DANGAN_SECRET_KEY": bad}, "agent", "list"), bad)
    assert "DANGAN_SECRET_KEY 格式不对" in error and "base64" in error


@pytest.mark.parametrize("given, missing", [
    ("WECHATY_PUPPET_SERVICE_TOKEN", "WECHATY_PUPPET_SERVICE_ENDPOINT"),
    ("WECHATY_PUPPET_SERVICE_ENDPOINT", "WECHATY_PUPPET_SERVICE_TOKEN"),
])
def test_half_a_wechat_configuration_is_refused(env, given, missing):
    value = "puppet_service_token_secret" if "TOKEN" in given else "127.0.0.1:1"
    error = refused(bot({**env, given: value}, "run", "--agent", "王芳"),
                    "puppet_service_token_secret")
    assert missing in error


async def test_a_rejected_telegram_token_is_one_chinese_line(env):
    wrong = "987654321:AAWrongTokenThatTheServerRejects_xyz"
    async with FakeBotApi() as fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env={**env, "TELEGRAM_TOKEN": wrong, "TELEGRAM_BASE_URL": fake.base_url},
            cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 2
    output = stdout.decode() + stderr.decode()
    assert "Traceback" not in output and wrong not in output and "AAWrongToken" not in output
    last = stderr.decode().strip().splitlines()[-1]
    assert last.startswith("错误：Telegram 渠道没有启动") and "TELEGRAM_TOKEN" in last


def test_a_relative_sqlite_path_is_next_to_config_yaml(env, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the embedded SQLite file")
    folder = tmp_path / "install"
    folder.mkdir()
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    (folder / "config.yaml").write_text(config.replace(
        "database_url: sqlite:///data/dangan.db", "database_url: sqlite:///data/archive.db"),
        encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    moved = {k: v for k, v in env.items() if k != "DATABASE_URL"}
    moved["DANGAN_CONFIG"] = str(folder / "config.yaml")
    for cwd in (folder, elsewhere):
        result = _bot_in(cwd, moved, "chat", "--agent", "王芳",
                         stdin=RECORD if cwd == folder else "/find 5678\n")
        assert result.returncode == 0, result.stderr
    assert "尾号5678" in result.stdout
    assert (folder / "data" / "archive.db").exists() and not (elsewhere / "data").exists()


def _bot_in(cwd: Path, env: dict[str, str], *args: str, stdin: str):
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, cwd=cwd,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.empty_database
def test_migrate_says_what_it_did(env, database_url):
    from alembic import command

    from storage.migrate import alembic_config

    created = bot(env, "migrate")
    assert created.returncode == 0 and "已创建数据库结构" in created.stdout
    assert "已是最新结构" in bot(env, "migrate").stdout
    command.downgrade(alembic_config(database_url), "0006")
    upgraded = bot(env, "migrate").stdout
    assert "从版本 0006 升级到" in upgraded, upgraded


def test_an_unreachable_database_is_one_line_without_its_password(env):
    url = "postgresql://dangan:s3cret-pw@127.0.0.1:1/archive"  # nothing listens on port 1
    error = refused(bot({**env, "DATABASE_URL": url}, "agent", "list"), "s3cret-pw")
    assert "无法连接数据库" in error and "DATABASE_URL" in error


def test_a_key_file_that_is_a_folder_is_named(env, tmp_path):
    folder = tmp_path / "keys"
    folder.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text((ROOT / "config.yaml").read_text(encoding="utf-8")
                      + f"\nkey_file: {folder}\n", encoding="utf-8")
    without_key = {k: v for k, v in env.items() if k != "DANGAN_SECRET_KEY"}
    error = refused(bot({**without_key, "DANGAN_CONFIG": str(config)}, "agent", "list"))
    assert "无法读取或创建密钥文件" in error and "key_file" in error


def test_a_database_from_a_newer_version_is_refused_untouched(env, database_url):
    assert bot(env, "migrate").returncode == 0
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    error = refused(bot(env, "agent", "list"))
    assert "数据库的结构版本 9999 比这个程序" in error


def test_a_new_key_file_is_announced_once_with_a_word_on_backups(env, tmp_path):
    fresh = {**{k: v for k, v in env.items() if k != "DANGAN_SECRET_KEY"},
             "HOME": str(tmp_path / "home")}
    first = bot(fresh, "agent", "list")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "home" / ".config" / "dangan" / "secret.key"
    assert f"已生成新的密钥文件 {key_file}" in first.stderr and "备份" in first.stderr
    assert key_file.read_text().strip() not in first.stdout + first.stderr
    again = bot(fresh, "agent", "list")
    assert again.returncode == 0 and "已生成新的密钥文件" not in again.stderr
