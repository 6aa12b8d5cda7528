"""A deleted client leaves no name or detail behind in the rest of the archive: the referral
lines on other clients' timelines go, and the audit log keeps what was done, not what it said."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.delivery import DeliveryWorker
from bot.queries import show_card
from storage.models import AuditEntry, Client, Nudge, OutboxMessage
from tests.integration.test_ids_never_reused import delete_client
from tests.integration.test_nudge_lifecycle import RecordingChannel, birthday_client
from tests.support.rows import rows


def _id(app, name: str) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(Client.id).where(Client.name == name)))


def test_referral_lines_naming_a_deleted_client_go(app, chat):
    for name in ("孙明", "李四", "王五"):
        chat.script(f"/record {name}", "男", "保存")
    chat.send("/referral 孙明 李四")
    chat.send("/referral 李四 王五")
    assert "转介绍：李四" in show_card(app, "王芳", "孙明")
    assert "由李四介绍" in show_card(app, "王芳", "王五")
    delete_client(chat, "李四")
    assert "李四" not in show_card(app, "王芳", "孙明")
    assert "李四" not in show_card(app, "王芳", "王五")


def test_the_audit_log_keeps_what_was_done_not_what_it_said(app, chat):
    chat.script("/record 李四", "男", "保存")
    chat.send("/find 李四")
    chat.send("/tier 李四 筛选 有糖尿病病史")
    chat.send("/note 李四 儿子9岁")
    chat.send("全部保存")
    client_id = _id(app, "李四")
    delete_client(chat, "李四")
    with app.uow() as uow:
        entries = uow.session.execute(select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.client_id == client_id)).all()
    assert {"tier_manual", "note_facts", "delete_client"} <= {action for action, _ in entries}
    assert all(detail == "" for _, detail in entries)
    with app.uow() as uow:
        details = uow.session.scalars(select(AuditEntry.detail)).all()
    assert not [detail for detail in details if "李四" in detail]


def _open_lists(app) -> dict[str, str]:
    with app.uow() as uow:
        return {n.kind: n.text for n in uow.session.scalars(select(Nudge).where(
            Nudge.kind.in_(("festival", "salon")), Nudge.status == "open"))}


def test_festival_and_salon_lists_forget_a_deleted_client(app, chat, clock):
    for name in ("孙明", "李四"):
        chat.script(f"/record {name}", "男", "保存")
    chat.send("/salon 2027-1-2 19:30 读书会")  # its list is open on 元旦 (one over is retired)
    app.nudges.tick()
    clock.set(datetime(2027, 1, 1, 1, 0))  # 元旦, 09:00 in Shanghai: the digest goes out
    app.nudges.tick()
    lists = _open_lists(app)
    assert "孙明【普通】、李四【普通】（共 2 位）" in lists["festival"]
    assert "李四【普通】" in lists["salon"]
    delete_client(chat, "李四")
    lists = _open_lists(app)
    assert "建议问候：孙明【普通】（共 1 位）" in lists["festival"]
    assert "建议邀请：孙明【普通】（发送" in lists["salon"]
    app.nudges.tick()  # the queued digest, withdrawn by the deletion, is made again
    with app.uow() as uow:
        digest = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "digest").order_by(OutboxMessage.id.desc())).first()
        assert "元旦" in digest.payload[0]["text"] and "李四" not in digest.payload[0]["text"]
    delete_client(chat, "孙明")
    assert "festival" not in _open_lists(app)  # nobody left to greet
    assert "建议邀请：（暂无建议人选）（发送" in _open_lists(app)["salon"]


def test_lists_dealt_with_and_pushes_sent_keep_no_trace_of_a_deleted_client(app, chat, clock):
    birthday_client(chat, "李四", "1976-11-24")
    chat.script("/record 孙明", "男", "保存")
    chat.send("/salon 周四 19:30 读书会")  # the invitation list is due today
    app.nudges.tick()  # today's digest names both
    channel = RecordingChannel()
    asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone).run_once())
    ((_, (digest,)),) = channel.sent
    assert "李四 今天生日" in digest.text
    (salon,) = [n for n in rows(app, Nudge) if n.kind == "salon"]
    chat.send(f"/done {salon.id}")
    delete_client(chat, "李四")
    (salon,) = [n for n in rows(app, Nudge) if n.kind == "salon"]
    assert salon.status == "done" and "孙明【普通】" in salon.text and "李四" not in salon.text
    assert [m.payload for m in rows(app, OutboxMessage)] == [[]]


def test_sqlite_zeroes_what_is_deleted(app):
    if app.uow.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with app.uow.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_only_the_deleted_clients_own_entry_is_struck(app, chat, clock):
    for name in ("小张三", "张三", "李四"):
        chat.script(f"/record {name}", "男", "保存")
    chat.send("/salon 周四 19:30 读书会")
    clock.set(datetime(2027, 1, 1, 1, 0))
    app.nudges.tick()
    chat.send("/tier 李四 筛选 有潜力")  # the lists still say 李四【普通】
    delete_client(chat, "张三")
    delete_client(chat, "李四")
    lists = _open_lists(app)
    assert "建议问候：小张三【普通】（共 1 位）" in lists["festival"]


def test_a_festival_list_beyond_fifteen_counts_a_deleted_client_not_shown(app, chat, clock):
    names = [f"客户{n:02d}" for n in range(1, 18)]  # 17: the list shows 15 "等 17 位"
    for name in names:
        chat.script(f"/record {name}", "男", "保存")
    clock.set(datetime(2027, 1, 1, 1, 0))  # 元旦
    app.nudges.tick()
    assert _open_lists(app)["festival"].endswith("客户15【普通】 等 17 位")
    delete_client(chat, "客户17")  # not shown: among the rest
    assert _open_lists(app)["festival"].endswith(" 等 16 位")
    delete_client(chat, "客户01")  # shown: its entry goes too
    text = _open_lists(app)["festival"]
    assert "客户01" not in text and text.endswith("客户15【普通】 等 15 位")
    clock.advance(minutes=5)
    chat.script("/record 新客户", "男", "保存")  # added after the list was made: not on it
    delete_client(chat, "新客户")
    assert _open_lists(app)["festival"].endswith(" 等 15 位")
