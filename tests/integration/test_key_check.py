"""The database records which key seals it: a wrong or missing key refuses to start, on every
backend, and processes starting at once agree on one key."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.bootstrap import App, build_app
from bot.settings import ConfigError, Secrets, load_settings
from storage.migrate import upgrade
from tests.support.chat import ChatDriver


@pytest.fixture
def start(database_url: str, clock, tmp_path: Path):
    """Build an app on the test database with a given key and key file; disposed after."""
    apps: list[App] = []

    def factory(key: str | None, key_file: Path | None = None, migrate: bool = True) -> App:
        settings = load_settings(env={"DATABASE_URL": database_url}).model_copy(
            update={"key_file": str(key_file or tmp_path / "unused.key")})
        app = build_app(settings, Secrets(secret_key=key), clock=clock, migrate=migrate)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.dispose()


def _client_with_phone(app: App) -> None:
    ChatDriver.for_new_agent(app, "王芳").script("/record 张丽华", "女", "1976-3-5",
                                                "13812345678", "保存")


def test_a_restored_database_refuses_another_key_and_runs_with_its_own(start, secret_key):
    _client_with_phone(start(secret_key))
    with pytest.raises(ConfigError, match="不是这个数据库的密钥") as refused:
        start(Fernet.generate_key().decode())
    assert secret_key not in str(refused.value)
    chat = ChatDriver(start(secret_key), "王芳")
    assert "尾号5678" in chat.send("/find 5678")


def test_no_key_file_is_made_for_a_database_that_holds_data(start, tmp_path):
    first_home = tmp_path / "first" / "secret.key"
    _client_with_phone(start(None, first_home))
    assert first_home.exists()
    other_home = tmp_path / "other" / "secret.key"
    with pytest.raises(ConfigError, match="没有找到"):
        start(None, other_home)
    assert not other_home.exists()
    assert "尾号5678" in ChatDriver(start(None, first_home), "王芳").send("/find 5678")


def test_a_database_from_before_the_check_is_tried_on_its_sealed_data(start, secret_key):
    app = start(secret_key)
    chat = ChatDriver.for_new_agent(app, "王芳")
    chat.script("/record 张丽华", "女")  # only a sealed draft holds anything
    with app.uow.engine.begin() as connection:
        connection.execute(text("DELETE FROM key_check"))
    with pytest.raises(ConfigError, match="不是这个数据库的密钥"):
        start(Fernet.generate_key().decode())
    assert "第4/" in ChatDriver(start(secret_key), "王芳").send("1976-3-5")


def test_a_malformed_key_is_named_without_being_quoted(start, tmp_path):
    for bad in ("not-a-key", "abc", Fernet.generate_key().decode()[:-2]):
        with pytest.raises(ConfigError, match="DANGAN_SECRET_KEY 格式不对") as refused:
            start(bad)
        assert bad not in str(refused.value)
    key_file = tmp_path / "bad.key"
    key_file.write_text("broken")
    with pytest.raises(ConfigError, match=r"密钥文件 .* 格式不对"):
        start(None, key_file)


@pytest.mark.parametrize("same_key", [True, False], ids=["same key", "different keys"])
def test_processes_starting_at_once_record_one_key(start, database_url, same_key):
    upgrade(database_url)  # alembic is not thread-safe: the threads only check the key
    keys = [Fernet.generate_key().decode() for _ in range(6)]
    if same_key:
        keys = keys[:1] * 6
    barrier = threading.Barrier(len(keys))
    outcome: list[tuple[str, str]] = []

    def run(key: str) -> None:
        barrier.wait()
        try:
            start(key, migrate=False)
            outcome.append((key, "started"))
        except ConfigError:
            outcome.append((key, "refused"))

    threads = [threading.Thread(target=run, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result for _, result in outcome) == (["started"] * 6 if same_key else
                                                       ["refused"] * 5 + ["started"])
    winner = next(key for key, result in outcome if result == "started")
    ChatDriver.for_new_agent(start(winner), "王芳")  # and it keeps starting


def test_a_process_finding_no_key_file_takes_the_one_another_just_made(start, tmp_path,
                                                                        monkeypatch):
    """Two first starts sharing a key file: the second makes the file and records its key
    between the first one's look for the file and its look at the database."""
    from bot import bootstrap

    shared = tmp_path / "shared.key"
    real_read_key = bootstrap.read_key
    others: list[App | None] = []

    def read_key(env_value, key_file):
        found = real_read_key(env_value, key_file)
        if not others:
            others.append(None)
            others[0] = start(None, key_file=shared)  # the other process, right then
        return found

    monkeypatch.setattr(bootstrap, "read_key", read_key)
    first = start(None, key_file=shared)
    ChatDriver.for_new_agent(first, "王芳").script("/record 张丽华", "女", "保存")
    assert others[0] is not None and shared.exists()


@pytest.mark.empty_database
def test_a_refusal_after_an_upgrade_says_the_layout_was_upgraded(start, database_url,
                                                                secret_key):
    upgrade(database_url, "0014")
    start(secret_key, migrate=False)  # the key is recorded by a version of 0014's time
    with pytest.raises(ConfigError, match="不是这个数据库的密钥") as refused:
        start(Fernet.generate_key().decode())  # this version upgrades first, then checks
    assert "数据库结构已从版本 0014 升级到" in str(refused.value)
    with pytest.raises(ConfigError) as again:  # already upgraded: nothing more to say
        start(Fernet.generate_key().decode())
    assert "升级" not in str(again.value)
