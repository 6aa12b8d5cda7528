"""A deleted row's id is never given to a new one (SQLite reuses the largest id unless the key
is AUTOINCREMENT; PostgreSQL's sequences never do), and the migration that made it so keeps
every row."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from storage.db import make_engine
from storage.models import AuditEntry, Base, Client, Nudge, OutboxMessage


def _client_id(app, name: str) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(Client.id).where(Client.name == name)))


def delete_client(chat, name: str) -> None:
    """Delete a whole client as the agent does: ask, choose, confirm."""
    chat.script(f"/delete {name}", "整个客户档案")
    assert "🗑 已删除客户" in chat.send("确认删除")


def test_a_new_client_never_takes_a_deleted_ones_id(app, chat):
    chat.script("/record 孙明", "男", "保存")
    old_id = _client_id(app, "孙明")
    delete_client(chat, "孙明")  # the newest (and only) client: SQLite's rowid would reuse it
    chat.script("/record 李四", "女", "保存")
    assert _client_id(app, "李四") > old_id
    assert "没有找到客户" in chat.send(f"/card #{old_id}")  # an old button opens nothing
    chat.send("/card 李四")
    with app.uow() as uow:
        actions = uow.session.scalars(select(AuditEntry.action).where(
            AuditEntry.client_id == old_id).order_by(AuditEntry.id)).all()
    assert actions[-1] == "delete_client"  # the audit trail of the deleted client ends there


def test_a_meeting_after_a_deleted_ones_still_gets_its_record_reminder(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/meet 孙明")
    clock.advance(minutes=61)
    assert app.nudges.tick().pushes == 1  # keyed by the meeting's id
    delete_client(chat, "孙明")  # the meeting goes with the client
    chat.script("/record 李四", "女", "保存")
    chat.send("/meet 李四")
    clock.advance(minutes=61)
    assert app.nudges.tick().pushes == 1
    with app.uow() as uow:
        texts = [m.payload[0]["text"] for m in uow.session.scalars(select(OutboxMessage))
                 if m.kind == "push" and m.status == "pending"]
    assert len(texts) == 1 and "李四" in texts[0]  # 孙明's was withdrawn with him


def _counts(app) -> dict[str, int]:
    """Rows per table; not the key's record, which a downgrade past 0007 drops (the next
    start writes it again)."""
    with app.uow() as uow:
        return {table.name: int(uow.session.scalar(select(func.count()).select_from(table)))
                for table in Base.metadata.sorted_tables if table.name != "key_check"}


def test_the_rebuild_keeps_every_row_both_ways_and_the_cascades(app, chat, database_url, clock):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.script("/record 孙明", "男", "1980-11-24", "已婚", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    chat.script("/family 孙明", "女儿", "孙小美", "2020-11-24", "跳过", "是", "保存")
    chat.send("/meet 孙明")
    chat.send("/note 孙明 最近在跑马拉松")
    chat.send("都不要")
    app.nudges.sweep_now()
    before = _counts(app)
    assert before["nudges"] and before["policies"] and before["meetings"]
    with app.uow() as uow:  # 0020's downgrade claims apart the ids the conversation kept
        kept = uow.session.execute(text("SELECT recent_messages FROM agent_sessions")).scalar()
        claimed = set(uow.session.execute(text(
            "SELECT platform || ':' || message_id FROM processed_messages")).scalars())
    before["processed_messages"] += len(set(json.loads(kept or "[]")) - claimed)
    app.dispose()
    command.downgrade(alembic_config(database_url), "0005")
    upgrade(database_url)
    assert _counts(app) == before  # with foreign keys on, each DROP would have cascaded
    delete_client(chat, "孙明")  # and the cascades still work
    after = _counts(app)
    for table in ("policies", "family_members", "meetings", "nudges", "timeline"):
        assert after[table] == 0, table


# Stands for a faulty revision: when 0006 records itself, the agents go from under their
# clients (with foreign keys off, nothing cascades).
LOSE_A_PARENT = ("CREATE TRIGGER lose_a_parent AFTER UPDATE ON alembic_version "
                 "BEGIN DELETE FROM agents; END")


def test_a_migration_that_orphans_rows_is_rolled_back(app, chat, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's table rebuild")
    from alembic import command

    from storage.migrate import MigrationRefused, alembic_config, upgrade

    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0005")
    with app.uow.engine.connect() as connection:
        connection.connection.driver_connection.execute(LOSE_A_PARENT)
    with pytest.raises(MigrationRefused, match="clients"):
        upgrade(database_url)
    with app.uow.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == "0005"
        assert connection.execute(text("SELECT count(*) FROM agents")).scalar() == 1


def test_rows_orphaned_before_do_not_stop_the_bot(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite with foreign keys off, as the sqlite3 shell runs")
    from alembic import command
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, upgrade

    app.dispose()
    with app.uow.engine.connect() as connection:  # a row whose client does not exist
        driver = connection.connection.driver_connection
        driver.execute("PRAGMA foreign_keys=OFF")
        driver.execute("INSERT INTO meetings (agent_id, client_id, at) "
                       "VALUES (1, 999, '2026-11-24 01:00:00')")
    upgrade(database_url)  # nothing to migrate: starts
    command.downgrade(alembic_config(database_url), "0005")
    upgrade(database_url)  # the rebuild made no orphan of its own
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with app.uow.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == head


@pytest.mark.empty_database
def test_ids_deleted_before_the_upgrade_are_not_given_again(
        database_url, secret_key, clock, tmp_path):
    from bot.bootstrap import build_app
    from bot.settings import Secrets, load_settings
    from storage.migrate import upgrade
    from tests.support.chat import ChatDriver

    def start(migrate: bool):
        settings = load_settings(env={"DATABASE_URL": database_url}).model_copy(
            update={"key_file": str(tmp_path / "key")})
        return build_app(settings, Secrets(secret_key=secret_key), clock=clock,
                         migrate=migrate)

    upgrade(database_url, "0005")  # the version in which /delete came
    # This code stands in for 0005's; of the columns added since, it cannot do without the
    # folded name (0015), when the agent's zone changed (0016), the ids a list names (0017),
    # when a policy changed (0018) and the latest message ids (0020): added for the while,
    # taken away before the upgrade.
    _alter(database_url, "ALTER TABLE clients ADD COLUMN name_key TEXT NOT NULL DEFAULT ''")
    _alter(database_url, "ALTER TABLE agents ADD COLUMN timezone_changed_at TIMESTAMP")
    _alter(database_url, "ALTER TABLE nudges ADD COLUMN listed JSON")
    _alter(database_url, "ALTER TABLE policies ADD COLUMN changed_at TIMESTAMP")
    _alter(database_url, "ALTER TABLE agent_sessions ADD COLUMN recent_messages TEXT")
    chat = ChatDriver.for_new_agent(start(migrate=False), "王芳")
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    chat.send("/meet 孙明")
    clock.advance(minutes=61)
    # Only the pushes: this code's sweep reads tables that 0005 does not have (salon_series).
    assert chat.app.nudges.push_tick()[1] == 1  # its key names the meeting's id
    with chat.app.uow.engine.begin() as connection:  # sent: the key stays (this code's
        # delivery reads outbox columns that 0005 does not have)
        assert connection.execute(text("UPDATE outbox SET status = 'sent'")).rowcount >= 1
    chat.script("/delete 孙明", "1", "确认删除")
    delete_client(chat, "孙明")  # the newest client, policy and meeting are all gone
    chat.app.dispose()
    _alter(database_url, "ALTER TABLE clients DROP COLUMN name_key")
    _alter(database_url, "ALTER TABLE agents DROP COLUMN timezone_changed_at")
    _alter(database_url, "ALTER TABLE nudges DROP COLUMN listed")
    _alter(database_url, "ALTER TABLE policies DROP COLUMN changed_at")
    _alter(database_url, "ALTER TABLE agent_sessions DROP COLUMN recent_messages")
    chat.app = start(migrate=True)
    chat.script("/record 李四", "女", "保存")
    chat.script("/policy 李四", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    chat.send("/meet 李四")
    clock.advance(minutes=61)
    assert chat.app.nudges.tick().pushes == 1  # not taken for the old meeting's push
    with chat.app.uow() as uow:
        new_id = uow.session.scalar(select(Client.id).where(Client.name == "李四"))
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.client_id == new_id)).all()
    assert "delete_client" not in actions and "delete_policy" not in actions
    chat.app.dispose()


def _alter(url: str, statement: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _policy_ids(app) -> list[int]:
    from storage.models import Policy

    with app.uow() as uow:
        return sorted(uow.session.scalars(select(Policy.id)))


def _add_policy(chat, name: str) -> None:
    chat.script(f"/policy {name}", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")


def test_ids_deleted_before_a_migration_rebuilds_the_table_are_not_given_again(
        app, chat, database_url):
    """Revisions 0017 (down) and 0018 (both ways) rebuild nudges and policies on SQLite: the
    rebuilt table keeps its counter, not only the word AUTOINCREMENT."""
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.script("/record 孙明", "男", "保存")
    _add_policy(chat, "孙明")
    _add_policy(chat, "孙明")
    newest_policy = _policy_ids(app)[-1]
    chat.script("/delete 孙明", "2", "确认删除")  # the second policy: the largest id goes
    app.nudges.tick()  # 孙明's renewal reminder
    chat.script("/record 李四", "女", "保存")
    _add_policy(chat, "李四")
    app.nudges.tick()  # hers: the newest
    with app.uow() as uow:
        newest_nudge = uow.session.scalar(select(func.max(Nudge.id)))
        assert uow.session.get(Nudge, newest_nudge).text.startswith("💰 李四")
    delete_client(chat, "李四")  # with her reminder
    app.dispose()
    command.downgrade(alembic_config(database_url), "0016")
    upgrade(database_url)
    _add_policy(chat, "孙明")
    assert _policy_ids(app)[-1] > newest_policy
    app.nudges.tick()  # the new policy's renewal reminder
    with app.uow() as uow:
        assert uow.session.scalar(select(func.max(Nudge.id))) > newest_nudge
