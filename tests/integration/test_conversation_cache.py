"""The event loop's connection skips re-reading a conversation it wrote itself, as long as no
other connection has committed since; whatever else changes the rows is always seen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import App
from handlers.types import Incoming
from storage.conversations import Conversation
from storage.uow import UnitOfWork
from tests.support.chat import ChatDriver


@pytest.fixture
def reads(app: App, database_url: str) -> Iterator[list[str]]:
    """The conversation reads the loop's connection runs (SQLite's trace of its statements)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the event loop's connection, and its cache, are SQLite's")
    statements: list[str] = []
    app.uow.loop.driver.set_trace_callback(statements.append)
    yield statements
    app.uow.loop.driver.set_trace_callback(None)


def _conversation_reads(statements: list[str]) -> int:
    return sum("FROM identities" in statement for statement in statements)


def _on_loop(app: App, text: str, message_id: str, platform: str = "terminal",
             account: str = "王芳") -> str:
    replies = app.router.handle_now(Incoming(platform, account, account, text,
                                             message_id=message_id))
    assert replies is not None
    return "\n".join(reply.text for reply in replies)


def _read(uow: UnitOfWork) -> Conversation:
    """王芳's conversation, as the unit of work sees it."""
    conversation = uow.conversations.by_identity("terminal", "王芳")
    assert conversation is not None
    return conversation


def test_a_conversation_written_on_the_loop_is_not_read_again(app, chat, reads):
    _on_loop(app, "/record 张丽华", "c1")  # uses the ORM session: nothing is kept
    _on_loop(app, "女", "c2")
    assert _conversation_reads(reads) == 2
    assert "第4/" in _on_loop(app, "1976-3-5", "c3")  # the draft as the loop last wrote it
    assert "第5/" in _on_loop(app, "13812345678", "c4")
    assert _conversation_reads(reads) == 2


def test_another_connections_commit_is_seen(app, chat: ChatDriver, reads):
    _on_loop(app, "/record 张丽华", "o1")
    _on_loop(app, "女", "o2")
    chat.send("1976-3-5")  # Router.handle: a pooled connection, in effect another connection
    reply = _on_loop(app, "13812345678", "o3")  # the version and draft as the other one left
    assert "第5/" in reply, reply
    assert _conversation_reads(reads) == 3


def test_a_redelivered_message_is_still_recognised(app, chat, reads):
    _on_loop(app, "/record 张丽华", "r1")
    _on_loop(app, "女", "r2")
    replies = app.router.handle_now(Incoming("terminal", "王芳", "王芳", "女", message_id="r2"))
    assert replies == []
    assert "第4/" in _on_loop(app, "1976-3-5", "r3")  # the redelivery changed nothing


def test_an_orm_write_on_the_loop_is_seen(app, chat, reads):
    _on_loop(app, "/record 张丽华", "w1")
    _on_loop(app, "女", "w2")
    with app.uow.on_loop() as uow:  # as a settings command does: the agent's row, by the ORM
        conversation = _read(uow)
        uow.agents.get(conversation.agent.id).name = "王芳芳"
        uow.commit()
    with app.uow.on_loop() as uow:
        assert _read(uow).agent.name == "王芳芳"


def test_the_reachable_flag_written_on_the_loop_is_seen(app, chat, reads):
    _on_loop(app, "/help", "u1")
    with app.uow() as uow:  # a push failed: the delivery worker's connection marks them
        uow.agents.by_name("王芳").unreachable = True
        uow.commit()
    _on_loop(app, "/help", "u2")  # they wrote: reachable again, on the loop's connection
    with app.uow.on_loop() as uow:
        assert not _read(uow).agent.unreachable


def test_a_unit_that_does_not_commit_leaves_no_trace(app, chat, reads):
    _on_loop(app, "/record 张丽华", "n1")
    _on_loop(app, "女", "n2")
    with app.uow.on_loop() as uow:
        conversation = _read(uow)
        uow.conversations.save(conversation, {"form": None, "pending": None}, ["x"])
        # no commit: rolled back
    assert "第4/" in _on_loop(app, "1976-3-5", "n3")


def test_an_agent_switching_accounts_continues_where_they_were(app, chat, reads):
    with app.uow() as uow:  # 王芳 on WeChat too
        uow.agents.bind(uow.agents.by_name("王芳"), "wechat", "wxid_wf", "wxid_wf")
        uow.commit()
    _on_loop(app, "/record 张丽华", "s1")
    _on_loop(app, "女", "s2")
    assert "第4/" in _on_loop(app, "1976-3-5", "s3", "wechat", "wxid_wf")
    updates_before = sum(statement.startswith("UPDATE agent_sessions") for statement in reads)
    # back on the terminal: the state written on WeChat
    assert "第5/" in _on_loop(app, "13812345678", "s4")
    updates = sum(statement.startswith("UPDATE agent_sessions") for statement in reads)
    assert updates == updates_before + 1  # right the first time, no stale write refused
    assert "ROLLBACK" not in reads[-3:]


def test_a_read_after_a_write_in_one_transaction_sees_the_write(app, chat, reads):
    _on_loop(app, "/help", "t1")
    _on_loop(app, "/help", "t2")
    with app.uow.on_loop() as uow:
        conversation = _read(uow)
        uow.conversations.save(conversation, None, ["a"])
        again = _read(uow)
        assert again.options == ["a"]
        assert again.version == (conversation.version or 0) + 1


def test_what_a_rollback_undid_is_not_kept(app, chat, reads):
    _on_loop(app, "/help", "b1")
    with app.uow.on_loop() as uow:
        conversation = _read(uow)
        uow.conversations.save(conversation, None, ["undone"])
        uow.rollback()
        uow.commit()  # nothing left to commit
    with app.uow.on_loop() as uow:
        again = _read(uow)
        assert again.options == conversation.options
        assert again.version == conversation.version
