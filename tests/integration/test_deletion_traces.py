"""A deleted client leaves no name or detail behind in the rest of the archive: the referral
lines on other clients' timelines go, and the audit log keeps what was done, not what it said."""

from __future__ import annotations

from sqlalchemy import select

from bot.queries import show_card
from storage.models import AuditEntry, Client
from tests.integration.test_ids_never_reused import delete_client


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
