"""Storage guarantees: SQLite pragmas, the key file, and the cross-process version guard."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
import threading
from datetime import date

import pytest
from sqlalchemy import text

from handlers.types import Incoming
from storage.conversations import ConcurrentUpdate
from storage.crypto import create_key_file, read_key
from tests.support.chat import ChatDriver


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.uow() as uow:
        assert uow.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert uow.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_embedded_default_creates_the_key_file_with_mode_0600(tmp_path):
    key_file = tmp_path / "config" / "secret.key"
    assert read_key(None, key_file) is None
    key, created = create_key_file(key_file)
    assert created and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert read_key(None, key_file) == key
    assert create_key_file(key_file) == (key, False)  # a second process reads the first's
    assert read_key("from-env", key_file) == b"from-env"
    assert [path.name for path in key_file.parent.iterdir()] == ["secret.key"]


def test_the_conversation_draft_is_encrypted_at_rest(app, chat):
    chat.script("/record 张丽华", "女", "1976-3-5", "13812345678")
    with app.uow() as uow:
        sealed, draft = uow.session.execute(
            text("SELECT sealed, draft FROM agent_sessions")).one()
    sealed = bytes(sealed)
    assert draft is None and len(sealed) > 100
    assert b"13812345678" not in sealed and "张丽华".encode() not in sealed
    assert "第5/" in chat.send("/record 张丽华")  # and it still resumes


def test_a_stale_session_write_is_refused(make_app, chat):
    """Two processes: the second writer of the same session version loses and retries."""
    chat.script("/record 张丽华", "女")
    other = make_app()
    with other.uow() as second:
        agent_id = second.agents.by_name("王芳").id
        stale = second.conversations.by_agent(agent_id)
    with chat.app.uow() as first:
        state = first.conversations.by_agent(agent_id)
        first.conversations.save(state, {"form": None, "pending": None}, [])
        first.commit()
    with other.uow() as second, pytest.raises(ConcurrentUpdate):
        second.conversations.save(stale, None, [])


def test_two_processes_answering_in_turn_keep_every_answer(make_app, chat):
    other = make_app()
    chat.send("/record 张丽华")
    chat.send("女")
    chat.app, first_app = other, chat.app  # the next message lands on the other process
    chat.send("1976-3-5")
    chat.app = first_app
    assert "✅ 已保存「张丽华」的档案（2 项）" in chat.send("保存")


def test_the_same_update_racing_into_two_processes_is_handled_once(make_app, chat):
    from concurrent.futures import ThreadPoolExecutor

    from handlers.types import Incoming

    chat.script("/record 张丽华", "女", "保存")
    apps = [chat.app, make_app()]
    notes = [Incoming("terminal", "王芳", "王芳", f"/note 张丽华 第{n}次拜访", message_id=f"r{n}")
             for n in range(12)]
    # every note is delivered to both processes at the same time
    jobs = [(app, note) for note in notes for app in apps]
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda job: job[0].router.handle(job[1]), jobs))
    handled = [reply for reply in replies if reply]
    assert len(handled) == len(notes)
    assert all("已记下" in reply[0].text for reply in handled)
    with chat.app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        repo = uow.clients(agent.id)
        (client,) = repo.by_name("张丽华")
        timeline = [entry.text for entry in repo.timeline(client, limit=50)]
    assert sorted(t for t in timeline if "拜访" in t) == sorted(f"第{n}次拜访" for n in range(12))


def test_failures_are_logged_without_client_data(app, chat, caplog, monkeypatch):
    """A database error quotes the failing row (PostgreSQL's DETAIL, SQLite's parameters);
    the router logs the type and stack only, and the agent gets a polite reply."""
    from sqlalchemy.exc import IntegrityError

    import handlers.router
    from handlers import texts
    from storage.models import Agent

    def failing_dispatch(ctx, text):
        ctx.uow.session.add(Agent(name=f"{text} 13812345678", created_at=None))
        ctx.uow.session.flush()

    monkeypatch.setattr(handlers.router, "dispatch", failing_dispatch)
    with caplog.at_level("ERROR"):
        reply = chat.send("张丽华的秘密")
    assert reply == texts.INTERNAL_ERROR
    logged = caplog.text
    assert IntegrityError.__name__ in logged and "failed to handle" in logged
    assert "张丽华的秘密" not in logged and "13812345678" not in logged


def test_the_embedded_database_folder_is_private(tmp_path):
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'dangan.db'}")
    engine.dispose()
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_a_new_database_file_in_an_existing_folder_is_private_with_its_journal(tmp_path):
    from sqlalchemy import text

    from storage.db import make_engine

    shared = tmp_path / "var"
    shared.mkdir(mode=0o755)  # e.g. /var/lib/dangan, made by the operator
    engine = make_engine(f"sqlite:///{shared / 'dangan.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in shared.iterdir()}
    engine.dispose()
    assert modes["dangan.db"] == 0o600
    assert modes["dangan.db-wal"] == modes["dangan.db-shm"] == 0o600  # SQLite copies it


def test_a_database_file_left_readable_by_others_is_made_private(tmp_path, caplog):
    """An earlier version created the file with the process's umask (often 0644)."""
    from storage.db import make_engine

    database = tmp_path / "dangan.db"
    with contextlib.closing(sqlite3.connect(database)) as old:  # as an old version left it
        old.execute("CREATE TABLE t (x)")
    for path in (database, tmp_path / "dangan.db-wal"):
        path.touch()
        path.chmod(0o644)
    with caplog.at_level("WARNING"):
        make_engine(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "dangan.db-wal").stat().st_mode) == 0o600
    assert "made private" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        make_engine(f"sqlite:///{database}").dispose()  # already private: nothing to say
    assert "made private" not in caplog.text


@pytest.mark.parametrize("version", ["fernet", "base64 in JSON"])
def test_a_draft_sealed_by_an_earlier_version_still_resumes(app, chat, version):
    """Drafts were Fernet tokens ({"enc": ...}), then AES-GCM in base64 ({"sealed": ...}), in
    the JSON column ``draft``, before they were stored as bytes in ``sealed``."""
    import base64
    import json

    chat.script("/record 张丽华", "女")
    with app.uow() as uow:
        agent_id = uow.agents.by_name("王芳").id
        draft = json.dumps(uow.conversations.by_agent(agent_id).draft, ensure_ascii=False)
        if version == "fernet":
            old = {"enc": app.uow.cipher.encrypt(draft)}
        else:
            sealed = app.uow.cipher.seal(draft.encode(), f"draft:{agent_id}".encode())
            old = {"sealed": base64.urlsafe_b64encode(sealed).decode()}
        uow.session.execute(text("UPDATE agent_sessions SET draft = :d, sealed = NULL"),
                            {"d": json.dumps(old)})
        uow.commit()
    assert "第4/" in chat.send("1976-3-5")
    with app.uow() as uow:  # written again the current way
        assert uow.session.execute(text("SELECT draft FROM agent_sessions")).scalar() is None
    assert "✅ 已保存「张丽华」的档案（2 项）" in chat.send("保存")


def test_a_downgrade_hands_drafts_in_progress_back_to_the_earlier_format(app, chat,
                                                                           database_url):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.script("/record 张丽华", "女")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0003")
    upgrade(database_url)  # the draft now comes from the earlier column, and still resumes
    assert "第4/" in chat.send("1976-3-5")


def test_the_migrations_build_what_the_models_describe(app, database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    with app.uow.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_claimed_message_ids_are_one_btree_on_sqlite(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite table layout")
    with app.uow.engine.connect() as connection:
        objects = connection.execute(text(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'processed_messages'")).all()
    assert [kind for kind, _ in objects] == ["table"]  # no index besides the key itself
    assert "WITHOUT ROWID" in objects[0][1]


def test_message_ids_survive_the_table_rebuild_both_ways(app, chat, database_url):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.send("/help", message_id="before-0005")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0004")
    upgrade(database_url)
    assert chat.send("/help", message_id="before-0005") == ""  # still known: not answered twice


def test_message_ids_claimed_apart_are_forgotten_after_a_week(app, clock):
    """A stranger's messages (and groups', and an agent's first) are claimed in
    processed_messages, kept a week."""
    stranger = ChatDriver(app, "陌生人")
    assert stranger.send("你好", message_id="old")
    clock.advance(days=6, hours=23)
    assert stranger.send("你好", message_id="recent")
    assert app.housekeeping.forget_message_ids() == 0
    assert stranger.send("你好", message_id="old") == ""  # within the week: a redelivery
    clock.advance(hours=2)
    assert app.housekeeping.forget_message_ids() == 1
    assert stranger.send("你好", message_id="recent") == ""
    assert stranger.send("你好", message_id="old")  # forgotten: handled as new


def test_an_agents_latest_message_ids_are_kept_in_their_conversation_row(app, chat, clock,
                                                                         database_url):
    from storage.conversations import RECENT_KEPT

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL claims every message in processed_messages")
    chat.send("/help", message_id="first")  # the first: claimed apart, and the row's list begins
    ids = [f"m{n}" for n in range(RECENT_KEPT + 1)]
    for message_id in ids:
        assert "/record" in chat.send("/help", message_id=message_id)
    with app.uow() as uow:
        claimed = uow.session.execute(text(
            "SELECT message_id FROM processed_messages ORDER BY message_id")).scalars().all()
        kept = uow.session.execute(text("SELECT recent_messages FROM agent_sessions")).scalar()
    assert claimed == ["first"]
    assert json.loads(kept) == [f"terminal:{message_id}" for message_id in ids[1:]]
    clock.advance(days=30)
    app.housekeeping.forget_message_ids()
    assert all(chat.send("/help", message_id=message_id) == "" for message_id in ids[1:])
    assert "/record" in chat.send("/help", message_id="m0")  # the oldest: beyond the list


def test_the_write_ahead_log_is_checkpointed_off_the_event_loop(app, chat, database_url,
                                                                 tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    import shutil
    import sqlite3

    from storage.db import sqlite_path
    from storage.loop_connection import LOOP_CHECKPOINT_PAGES

    loop = app.uow.loop.driver
    assert loop.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == LOOP_CHECKPOINT_PAGES

    def in_the_database_file() -> int:
        """Messages found in the main file alone (a copy without its write-ahead log)."""
        copy = tmp_path / "copy.db"
        shutil.copy(sqlite_path(database_url), copy)
        with contextlib.closing(sqlite3.connect(copy)) as connection:
            claimed = connection.execute("SELECT message_id FROM processed_messages "
                                         "WHERE message_id LIKE 'wal-%'").fetchall()
            kept = connection.execute("SELECT recent_messages FROM agent_sessions").fetchone()
        ids = {f"terminal:{message_id}" for (message_id,) in claimed}
        ids |= set(json.loads(kept[0]) if kept and kept[0] else [])  # (the first: both)
        return sum(key.startswith("terminal:wal-") for key in ids)

    for n in range(5):
        assert app.router.handle_now(Incoming("terminal", "王芳", "王芳", "/help",
                                              message_id=f"wal-{n}")) is not None
    assert in_the_database_file() == 0  # still in the log: the loop's commits left it there
    app.housekeeping.checkpoint()
    assert in_the_database_file() == 5


def test_send_counts_add_up_across_processes_and_start_again_on_a_new_day(make_app):
    first, second = make_app(), make_app()  # two processes on one database
    today, tomorrow = date(2026, 11, 24), date(2026, 11, 25)

    def add(app, account: str, day: date, sent: int) -> int:
        with app.uow() as uow:
            total = uow.send_counts.add(account, day, sent)
            uow.commit()
        return total

    assert add(first, "wechat:a", today, 3) == 3
    assert add(second, "wechat:b", today, 1) == 1  # another account: its own count

    def add_one_at_a_time(app) -> None:
        for _ in range(40):
            add(app, "wechat:a", today, 1)

    workers = [threading.Thread(target=add_one_at_a_time, args=(app,))
               for app in (first, second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert add(first, "wechat:a", today, 0) == 83  # none lost; reading is adding nothing
    assert add(second, "wechat:a", tomorrow, 1) == 1
    assert add(first, "wechat:b", today, 0) == 1
    # a process's last exchange of the day before arrives after another's of the new day
    # (clocks apart, or a slow exchange across midnight): the new day's count stands
    assert add(first, "wechat:a", today, 5) == 1
    assert add(second, "wechat:a", tomorrow, 2) == 3


def test_a_message_that_leaves_the_state_as_it_was_is_still_known_and_the_offer_stands(
    app, chat
):
    from handlers.router import MAX_TEXT

    chat.send("/help", message_id="first")
    chat.send("/record 张丽华", message_id="record")
    with app.uow() as uow:
        version = uow.session.execute(text("SELECT version FROM agent_sessions")).scalar()
    too_long = "很" * (MAX_TEXT + 1)
    assert "太长" in chat.send(too_long, message_id="long")
    assert chat.send(too_long, message_id="long") == ""  # a redelivery: not answered twice
    with app.uow() as uow:
        assert uow.session.execute(text("SELECT version FROM agent_sessions")).scalar() == version
    assert "第2/" in chat.send("1", message_id="answer")  # the options offered still stand


def test_a_downgrade_claims_the_ids_the_rows_kept(app, chat, database_url):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.send("/help", message_id="first")  # claimed apart
    chat.send("/help", message_id="kept")  # kept in the agent's row
    app.dispose()
    command.downgrade(alembic_config(database_url), "0019")
    upgrade(database_url)
    with app.uow() as uow:
        claimed = uow.session.execute(text(
            "SELECT message_id FROM processed_messages ORDER BY message_id")).scalars().all()
    assert claimed == ["first", "kept"]
    assert chat.send("/help", message_id="kept") == ""
    assert chat.send("/help", message_id="first") == ""
