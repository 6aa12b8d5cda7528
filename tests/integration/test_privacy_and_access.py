"""Scoping by owner, same-name disambiguation, unknown users, invites, groups, audit."""

from __future__ import annotations

from bot.agents_admin import create_invite
from handlers.types import Incoming
from tests.support.chat import ChatDriver


def test_another_agents_client_cannot_be_found_shown_or_changed(app, chat):
    chat.script("/record 张丽华", "女", "1976-3-5", "13812345678", "保存")
    other = ChatDriver.for_new_agent(app, "赵强")
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        (client,) = uow.clients(agent.id).by_name("张丽华")
        client_id = client.id
    assert "没有找到" in other.send("/find 张丽华")
    assert "没有找到" in other.send("/find zlh")
    assert "没有找到" in other.send("/find 5678")
    assert "没有找到客户" in other.send("/card 张丽华")
    assert "没有找到客户" in other.send(f"/card #{client_id}")
    assert "没有找到客户" in other.send(f"/note #{client_id} 想偷看")
    assert "没有找到客户" in other.send(f"/tier #{client_id} 核心 篡改")
    assert "没有找到客户" in other.send(f"/policy #{client_id}")
    assert "没有找到客户" in other.send(f"/referral #{client_id} 新人")
    assert "暂时没有客户" in other.send("/book 普通")
    # the owner's data is untouched
    card = chat.send("/card 张丽华")
    assert "【普通】" in card and "想偷看" not in card


def test_same_name_asks_which_and_never_guesses(chat):
    chat.script("/record 张伟", "男", "跳过", "40", "13800000001", "北京", "保存")
    chat.script("/record #new 张伟", "男", "跳过", "28", "13900000002", "广州", "保存")
    reply = chat.send("/card 张伟")
    assert "有 2 位叫「张伟」的客户" in reply
    assert "北京" in reply and "广州" in reply and "尾号0001" in reply
    card = chat.send("2")
    assert "广州" in card and "北京" not in card
    reply = chat.send("/note 张伟 喜欢钓鱼")
    assert "请选择" in reply
    assert "请回复 1 到 2" in chat.send("7")
    assert "已记下「张伟」的笔记" in chat.send("1")
    reply = chat.send("/record 张伟")
    assert "新建另一位「张伟」" in reply
    assert "开始记录新客户「张伟」" in chat.send("3")


def test_unknown_user_is_refused_politely_and_nothing_else(app):
    stranger = Incoming(platform="telegram", user_id="999", chat_id="999", text="/find 张",
                        message_id="x1")
    (reply,) = app.router.handle(stranger)
    assert "仅限已注册的经纪人" in reply.text and not reply.options


def test_invite_code_registers_once(app):
    code = create_invite(app, leader=False)
    join = Incoming(platform="wechat", user_id="wxid_abc", chat_id="wxid_abc",
                    text=f"绑定 {code}", message_id="w1", display_name="刘敏")
    (reply,) = app.router.handle(join)
    assert "欢迎，刘敏" in reply.text
    again = Incoming(platform="wechat", user_id="wxid_other", chat_id="wxid_other",
                     text=f"/start {code}", message_id="w2")
    (reply,) = app.router.handle(again)
    assert "邀请码无效或已过期" in reply.text
    hello = Incoming(platform="wechat", user_id="wxid_abc", chat_id="wxid_abc", text="/help",
                     message_id="w3")
    assert "/record" in app.router.handle(hello)[0].text


def test_group_chats_never_show_client_data(app, chat):
    chat.script("/record 张丽华", "女", "保存")
    group = Incoming(platform="telegram", user_id="王芳", chat_id="-100", text="/card 张丽华",
                     message_id="g1", is_group=True)
    # 王芳 is bound on the terminal only; bind a telegram id to make the test meaningful
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        uow.agents.bind(agent, "telegram", "王芳", "王芳")
        uow.commit()
    (reply,) = app.router.handle(group)
    assert "私聊" in reply.text and "张丽华" not in reply.text
    chatter = Incoming(platform="telegram", user_id="王芳", chat_id="-100", text="张丽华 在吗",
                       message_id="g2", is_group=True)
    assert app.router.handle(chatter) == []


def test_every_lookup_and_change_is_audited(app, chat):
    chat.script("/record 张丽华", "女", "保存")
    chat.send("/find 张")
    chat.send("/card 张丽华")
    chat.send("/book 普通")
    chat.send("/note 张丽华 周末去看展")
    chat.send("/tier 张丽华 筛选 有教育金需求")
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        actions = [entry.action for entry in uow.audit.entries(agent.id)]
    for action in ("save_record", "find", "card", "book", "note", "tier_manual"):
        assert action in actions
