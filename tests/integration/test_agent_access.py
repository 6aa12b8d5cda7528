"""Who may speak as an agent: the terminal never adopts an invitee, display names never collide,
wrong invite codes are not checked without limit."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from bot.agents_admin import AdminError, add_agent, create_invite, open_terminal, terminal_agent
from bot.bootstrap import App
from handlers import texts
from handlers.types import Incoming, Reply
from tests.support.chat import ChatDriver

_ids = itertools.count(1)


def send(app: App, platform: str, user: str, text: str, name: str = "") -> list[Reply]:
    """One private message from a chat account through the real router."""
    return app.router.handle(Incoming(platform=platform, user_id=user, chat_id=user, text=text,
                                      message_id=f"a{next(_ids)}", display_name=name))


def test_the_terminal_never_adopts_an_agent_who_joined_by_invite(app):
    code = create_invite(app, leader=False)
    (welcome,) = send(app, "telegram", "666", f"/start {code}", name="王芳")
    assert "欢迎，王芳" in welcome.text
    for create in (True, False):
        with pytest.raises(AdminError) as refused:
            terminal_agent(app, "王芳", create=create)
        assert "没有终端身份" in str(refused.value) and "agent terminal 王芳" in str(refused.value)
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        assert agent is not None
        assert [i.platform for i in uow.agents.identities(agent)] == ["telegram"]


def test_an_administrator_can_open_the_terminal_for_an_invitee(app):
    code = create_invite(app, leader=False)
    send(app, "wechat", "wxid_wf", f"绑定 {code}", name="王芳")
    open_terminal(app, "王芳")
    wang = ChatDriver(app, "王芳")
    wang.script("/record 张丽华", "女", "保存")
    assert "张丽华" in send(app, "wechat", "wxid_wf", "/card 张丽华")[0].text
    with pytest.raises(AdminError):
        open_terminal(app, "无此人")


@pytest.mark.parametrize("display", ["王芳", " 王芳 ", "王芳\u200b", "王\u2060芳", "王芳\n"])
def test_a_display_name_never_takes_an_existing_agents_name(app, display):
    owner = ChatDriver.for_new_agent(app, "王芳")
    owner.script("/record 张丽华", "女", "1976-3-5", "13812345678", "保存")
    code = create_invite(app, leader=False)
    (welcome,) = send(app, "telegram", "666", f"/start {code}", name=display)
    assert "欢迎，王芳2" in welcome.text
    assert "没有找到客户" in send(app, "telegram", "666", "/card 张丽华")[0].text
    assert terminal_agent(app, "王芳", create=True) == terminal_agent(app, "王芳", create=False)
    with app.uow() as uow:
        assert sorted(agent.name for agent in uow.agents.all()) == ["王芳", "王芳2"]


def test_agents_added_by_the_administrator_keep_their_terminal(app):
    added = add_agent(app, "赵强", telegram="4242", wechat=None, leader=False)
    assert terminal_agent(app, "赵强", create=False) == added.id


def test_wrong_invite_codes_are_not_checked_after_five_within_an_hour(app, clock):
    code = create_invite(app, leader=False, days=30)
    for n in range(4):
        assert send(app, "telegram", "999", f"/start WRONG{n:05d}") == [Reply(texts.BAD_INVITE)]
    (fifth,) = send(app, "telegram", "999", "/start WRONG00005")
    assert texts.BAD_INVITE in fifth.text and "一小时内不再受理" in fifth.text
    assert send(app, "telegram", "999", f"/start {code}") == []  # not even checked
    for n in range(300):
        assert send(app, "telegram", "999", f"/start GUESS{n:05d}") == []
    assert send(app, "wechat", "999", "绑定 WRONG") == [Reply(texts.BAD_INVITE)]  # per account
    clock.advance(minutes=59)
    assert send(app, "telegram", "999", f"/start {code}") == []
    clock.advance(minutes=2)
    (welcome,) = send(app, "telegram", "999", f"/start {code}", name="新人")
    assert "欢迎，新人" in welcome.text
    with app.uow() as uow:
        counts = dict(uow.session.execute(
            text("SELECT action, count(*) FROM audit_log GROUP BY action")).all())
    assert counts == {"invite": 1, "invite_paused": 1, "registered": 1}  # not one per guess


def test_wrong_codes_are_counted_within_the_hour_only(app, clock):
    for round_ in range(3):
        for n in range(4):
            reply = send(app, "wechat", "wx_slow", f"绑定 WRONG{round_}{n:04d}")
            assert reply == [Reply(texts.BAD_INVITE)]
        clock.advance(minutes=61)


def test_a_stranger_is_told_once_an_hour(app, clock):
    assert send(app, "wechat", "wxid_x", "你好") == [Reply(texts.UNKNOWN_USER)]
    for message in ("在吗", "/card 张三", "？"):
        assert send(app, "wechat", "wxid_x", message) == []  # no reply spends the daily cap
    assert send(app, "wechat", "wxid_y", "你好") == [Reply(texts.UNKNOWN_USER)]  # another one
    clock.advance(hours=1, seconds=1)
    assert send(app, "wechat", "wxid_x", "你好") == [Reply(texts.UNKNOWN_USER)]
    with app.uow() as uow:
        refused = uow.session.execute(text(
            "SELECT count(*) FROM audit_log WHERE action = 'refused'")).scalar()
    assert refused == 3  # one row per reply, not per message
    code = create_invite(app, leader=False)
    (welcome,) = send(app, "wechat", "wxid_x", f"绑定 {code}", name="李新")
    assert "欢迎，李新" in welcome.text  # being refused never stands in the way of a code


def test_strangers_are_forgotten_after_a_week(app, clock):
    send(app, "wechat", "wxid_x", "你好")
    clock.advance(days=8)
    app.housekeeping.forget_message_ids()
    with app.uow() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM invite_attempts")).scalar() == 0
    assert send(app, "wechat", "wxid_x", "你好") == [Reply(texts.UNKNOWN_USER)]


def test_a_strangers_first_messages_in_two_processes_at_once(app, make_app, database_url,
                                                               monkeypatch):
    """Both look for the account's row and find none; the other process adds it first."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time")
    from storage.agents import AgentRepository

    other = make_app()
    look = AgentRepository.stranger
    replies: list[list[Reply]] = []

    def racing(repo, platform, external_id):
        found = look(repo, platform, external_id)
        if found is None and not replies:
            monkeypatch.setattr(AgentRepository, "stranger", look)  # the other looks plainly
            replies.append(send(other, "wechat", "wxid_x", "你好"))
        return found

    monkeypatch.setattr(AgentRepository, "stranger", racing)
    assert send(app, "wechat", "wxid_x", "在吗") == []  # it sees the row the other made
    assert replies == [[Reply(texts.UNKNOWN_USER)]]  # told once, by the other process


def test_new_agents_start_on_the_bots_configured_time_zone(make_app):
    app = make_app(timezone="America/Los_Angeles")
    code = create_invite(app, leader=False)
    send(app, "wechat", "wxid_la", f"绑定 {code}", name="李娜")
    add_agent(app, "张伟", None, None, False)
    terminal_agent(app, "赵敏", create=True)
    with app.uow() as uow:
        zones = {agent.name: agent.timezone for agent in uow.agents.all()}
    assert zones == {"李娜": "America/Los_Angeles", "张伟": "America/Los_Angeles",
                     "赵敏": "America/Los_Angeles"}
