"""/find keeps each agent's names between messages (storage/name_keys.py); another process's
new or deleted client is seen by the next search, and a rolled-back insert is never kept."""

from __future__ import annotations

import pytest

from tests.support.chat import ChatDriver


def near_miss(chat: ChatDriver, query: str) -> str:
    """A typo of a name: found only by the near-miss matching that reads every name."""
    return chat.send(f"/find {query}")


def test_another_process_sees_a_new_and_a_deleted_client_at_once(make_app):
    first, second = make_app(), make_app()  # two bot processes on one database
    chat = ChatDriver.for_new_agent(first, "王芳")
    other = ChatDriver(second, "王芳")
    chat.script("/record 欧阳明月", "女", "保存")
    assert "欧阳明月" in near_miss(chat, "ouyangmingyuex")  # the names are now kept
    other.script("/record 司马光辉", "男", "保存")
    assert "司马光辉" in near_miss(chat, "simaguanghuix")  # added elsewhere: seen
    other.script("/delete 司马光辉", "整个客户档案", "确认删除")
    assert "没有找到" in near_miss(chat, "simaguanghuix")  # deleted elsewhere: gone
    assert "欧阳明月" in near_miss(chat, "ouyangmingyuex")


def test_names_read_in_a_transaction_that_is_rolled_back_are_not_kept(make_app):
    first, second = make_app(), make_app()
    chat = ChatDriver.for_new_agent(first, "王芳")
    other = ChatDriver(second, "王芳")
    chat.script("/record 欧阳明月", "女", "保存")
    near_miss(chat, "ouyangmingyuex")
    with pytest.raises(RuntimeError), first.uow() as uow:
        repo = uow.clients(uow.agents.all()[0].id)
        repo.add("诸葛亮亮", first.clock.now())
        assert any(name == "诸葛亮亮" for _, name, _ in repo.name_keys())
        raise RuntimeError("the handler failed: rolled back")
    other.script("/record 东方红日", "男", "保存")  # elsewhere; may reuse the rolled-back id
    reply = near_miss(chat, "dongfanghongrix")
    assert "东方红日" in reply and "诸葛" not in reply
    assert "没有找到" in near_miss(chat, "zhugeliangliangx")
