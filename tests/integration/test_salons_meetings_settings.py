"""/salon 沙龙, /meet 见面 and /settings 设置 through the real router and database."""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import texts
from tests.conftest import START
from tests.support.chat import ChatDriver

_agents = itertools.count()


def _add_client(chat: ChatDriver, name: str, tier: str | None = None,
                note: str | None = None) -> None:
    chat.script(f"/record {name}", "女", "保存")
    if note:
        assert "识别到" in chat.send(f"/note {name} {note}")
        assert "✅ 已存入" in chat.send("全部保存")
    if tier:
        assert "✅" in chat.send(f"/tier {name} {tier} 测试")


def _salon_id(reply: str) -> int:
    match = re.search(r"已创建沙龙 #(\d+)", reply)
    assert match, reply
    return int(match[1])


def _client(app, name: str, agent: str = "王芳") -> dict:
    with app.uow() as uow:
        (client,) = uow.clients(uow.agents.by_name(agent).id).by_name(name)
        return {"id": client.id, "last_contact_at": client.last_contact_at,
                "tags": list(client.tags)}


def _statuses(app, salon_id: int, agent: str = "王芳") -> dict[str, str]:
    with app.uow() as uow:
        events = uow.events(uow.agents.by_name(agent).id)
        salon = events.get_salon(salon_id)
        return {client.name: invite.status for invite, client in events.invitees(salon)}


@pytest.mark.parametrize(("words", "shown"), [
    ("今天", "11月24日（周二）"), ("明天", "11月25日（周三）"), ("后天", "11月26日（周四）"),
    ("周二", "11月24日（周二）"), ("周四", "11月26日（周四）"), ("星期六", "11月28日（周六）"),
    ("下周二", "12月1日（周二）"), ("11月26日", "11月26日（周四）"),
    ("2026-11-26", "11月26日（周四）"), ("1月5日", "2027年1月5日（周二）"),
    ("周四19:30", "11月26日（周四） 19:30"), ("明天 下午3点", "11月25日（周三） 15:00"),
    ("周六 19点", "11月28日（周六） 19:00"),
])
def test_salon_dates_in_words_and_explicit(chat, words, shown):
    reply = chat.send(f"/salon {words} 退休生活漫谈")
    assert f"已创建沙龙 #1：{shown} 退休生活漫谈" in reply


def test_today_is_the_agents_local_day(chat, clock):
    clock.set(datetime(2026, 11, 24, 17, 0))  # 01:00 on Wednesday in Shanghai
    assert "11月25日（周三）" in chat.send("/salon 今天 早起读书会")


def test_listing_offers_upcoming_salons_in_order(chat):
    later = _salon_id(chat.send("/salon 下周二 健康讲座"))
    sooner = _salon_id(chat.send("/salon 周四 19:30 退休生活漫谈"))
    assert "已经过去了" in chat.send("/salon 2026-11-20 上周的沙龙")  # not made
    reply = chat.send("/沙龙")
    assert "上周的沙龙" not in reply
    assert chat.options == [f"/salon #{sooner}", f"/salon #{later}"]
    assert "退休生活漫谈" in chat.send("1")


def test_a_salon_whose_time_has_come_is_no_longer_listed(chat, clock):
    clock.set(datetime(2026, 11, 24, 1, 0))  # 09:00 in Shanghai
    evening = _salon_id(chat.send("/salon 今天 19:30 读书会"))
    all_day = _salon_id(chat.send("/salon 今天 亲子手工"))  # no time: listed all day
    chat.send("/salon")
    assert chat.options == [f"/salon #{all_day}", f"/salon #{evening}"]
    clock.set(datetime(2026, 11, 24, 11, 30))  # 19:30 in Shanghai: it begins
    reply = chat.send("/salon")
    assert "读书会" not in reply and chat.options == [f"/salon #{all_day}"]
    assert "读书会" in chat.send(f"/salon #{evening}")  # still there by its number


@pytest.mark.parametrize(("args", "expected"), [
    ("随便聊聊", "没看懂沙龙的日期"),
    ("周四", "请写上沙龙的主题"),
    ("周四 主题 @VIP", "没有「VIP」这个分层"),
    ("周四 主题 #" + "长" * 30, "太长了"),
])
def test_unreadable_salons_get_a_polite_answer(chat, args, expected):
    assert expected in chat.send(f"/salon {args}")
    assert "暂时没有即将举行的沙龙" in chat.send("/salon")


def test_invitees_are_proposed_by_tier_then_tags_then_tier_then_contact(chat, app, clock):
    _add_client(chat, "李娜", "成交", "最近在跑马拉松")  # 马拉松, 健康保障
    clock.advance(hours=1)
    _add_client(chat, "张丽华", "成交", "常问养老社区")  # 养老规划
    _add_client(chat, "孙明", "精选")
    _add_client(chat, "周杰", "核心")
    _add_client(chat, "王五", None, "快退休了")  # 普通, 养老规划
    _add_client(chat, "陈静", "成交", "常问养老社区，最近在跑马拉松")
    reply = chat.send("/salon 周四 19:30 退休生活漫谈 #养老规划 #健康保障 @成交 @精选")
    assert "建议邀请（4 位）" in reply and "周杰" not in reply and "王五" not in reply
    order = [reply.index(name) for name in ("陈静", "李娜", "张丽华", "孙明")]
    assert order == sorted(order)
    assert "陈静【成交】 — 匹配：养老规划、健康保障" in reply
    assert set(_statuses(app, _salon_id(reply)).values()) == {"proposed"}
    everyone = chat.send("/salon 周六 读书会")
    assert "建议邀请（6 位）" in everyone
    assert everyone.index("周杰") < everyone.index("孙明") < everyone.index("李娜")
    assert everyone.index("陈静") < everyone.index("王五")


def test_invitation_statuses_and_attendance_counts_as_contact(chat, app, clock):
    _add_client(chat, "张丽华", "成交", "常问养老社区")
    _add_client(chat, "孙明", "精选")
    salon_id = _salon_id(chat.send("/salon 周四 19:30 退休生活漫谈 #养老规划"))
    sun = _client(app, "孙明")["id"]
    reply = chat.send(f"/salon #{salon_id} 邀请 张丽华 #{sun} 王五")
    assert "张丽华、孙明 → 已邀请" in reply and "没有找到客户：王五" in reply
    assert "→ 已接受" in chat.send(f"/salon #{salon_id} 接受 张丽华")
    assert "→ 已婉拒" in chat.send(f"/salon #{salon_id} 拒绝 孙明")
    assert _statuses(app, salon_id) == {"张丽华": "accepted", "孙明": "declined"}
    clock.advance(days=2)
    assert "→ 已到场" in chat.send(f"/salon #{salon_id} 参加 张丽华")
    assert _client(app, "张丽华")["last_contact_at"] == clock.now()
    assert _client(app, "孙明")["last_contact_at"] < clock.now()
    assert "参加沙龙：退休生活漫谈" in chat.send("/card 张丽华")
    view = chat.send(f"/salon #{salon_id}")
    assert "张丽华【成交】已到场" in view and "孙明【精选】已婉拒" in view
    assert "请写上要做的更新" in chat.send(f"/salon #{salon_id} 喜欢 张丽华")
    with app.uow() as uow:
        actions = [e.action for e in uow.audit.entries(uow.agents.by_name("王芳").id)]
    assert actions.count("salon_invite") == 5 and "salon_create" in actions
    assert "salon_view" in actions


def test_same_name_invitee_asks_which(chat, app):
    chat.script("/record 张伟", "男", "跳过", "40", "13800000001", "北京", "保存")
    chat.script("/record #new 张伟", "男", "跳过", "28", "13900000002", "广州", "保存")
    _add_client(chat, "孙明")
    salon_id = _salon_id(chat.send("/salon 周六 亲子阅读"))
    reply = chat.send(f"/salon #{salon_id} 邀请 孙明 张伟")
    assert "有 2 位叫「张伟」的客户" in reply
    assert _statuses(app, salon_id) == {"孙明": "proposed", "张伟": "proposed"}
    assert "孙明、张伟 → 已邀请" in chat.send("2")
    with app.uow() as uow:
        events = uow.events(uow.agents.by_name("王芳").id)
        rows = {(c.city, i.status) for i, c in events.invitees(events.get_salon(salon_id))}
    assert ("广州", "invited") in rows and ("北京", "proposed") in rows


def test_another_agent_cannot_see_or_change_a_salon(chat, app):
    _add_client(chat, "张丽华", "成交")
    salon_id = _salon_id(chat.send("/salon 周四 退休生活漫谈"))
    other = ChatDriver.for_new_agent(app, "赵强")
    assert "没有找到沙龙" in other.send(f"/salon #{salon_id}")
    assert "没有找到沙龙" in other.send(f"/salon #{salon_id} 参加 张丽华")
    assert "暂时没有即将举行的沙龙" in other.send("/salon")
    own = _salon_id(other.send("/salon 周六 我的沙龙"))
    client_id = _client(app, "张丽华")["id"]
    assert "没有找到客户" in other.send(f"/salon #{own} 邀请 #{client_id}")
    assert "没有找到客户" in other.send(f"/meet #{client_id}")
    assert _statuses(app, salon_id) == {"张丽华": "proposed"}
    with app.uow() as uow:
        events = uow.events(uow.agents.by_name("赵强").id)
        assert events.get_salon(salon_id) is None
        owner = uow.events(uow.agents.by_name("王芳").id)
        salon = owner.get_salon(salon_id)
        with pytest.raises(PermissionError):
            events.set_invite(salon, uow.clients(owner.agent_id).get(client_id), "invited",
                              START)


def test_set_invite_is_an_upsert(chat, app):
    _add_client(chat, "张丽华")
    salon_id = _salon_id(chat.send("/salon 周四 退休生活漫谈"))
    with app.uow() as uow:
        agent_id = uow.agents.by_name("王芳").id
        events, clients = uow.events(agent_id), uow.clients(agent_id)
        salon, (client,) = events.get_salon(salon_id), clients.by_name("张丽华")
        events.set_invite(salon, client, "invited", START)
        events.set_invite(salon, client, "attended", START)
        assert [i.status for i in events.invites(salon)] == ["attended"]


def test_meet_logs_a_meeting_and_counts_as_contact(chat, app, clock):
    _add_client(chat, "张丽华")
    clock.advance(hours=2)  # 11:00 in Shanghai
    reply = chat.send("/meet 张丽华 下午3点")
    assert "今天 15:00 与「张丽华」见面" in reply and "一小时" in reply
    assert "今天 11:00" in chat.send("见面 张丽华")
    assert "没看懂见面时间" in chat.send("/meet 张丽华 明年春天")
    assert "没有找到客户" in chat.send("/meet 王五")
    assert "用法" in chat.send("/meet")
    with app.uow() as uow:
        agent_id = uow.agents.by_name("王芳").id
        (client,) = uow.clients(agent_id).by_name("张丽华")
        meetings = [m.at for m in uow.events(agent_id).meetings(client)]
        kinds = [entry.kind for entry in uow.clients(agent_id).timeline(client, limit=10)]
        assert client.last_contact_at == clock.now()
    assert meetings == [clock.now(), datetime(2026, 11, 24, 7, 0)]
    assert kinds.count("meeting") == 2


def test_settings_show_change_and_refuse_bad_values(chat, app):
    shown = chat.send("/settings")
    assert "8:00" in shown and "22:00–8:00" in shown and "Asia/Shanghai" in shown
    assert "✅" in chat.send("/settings 提醒时间 7")
    assert "✅" in chat.send("设置 免打扰 23-6")
    assert "✅" in chat.send("/settings 时区 Asia/Tokyo")
    for bad in ("提醒时间 24", "提醒时间 早上", "提醒时间", "免打扰 25-3", "免打扰 晚上",
                "免打扰 8-8", "时区 Mars/Base", "时区 ../../etc/passwd", "时区", "颜色 红"):
        reply = chat.send(f"/settings {bad}")
        assert "✅" not in reply and texts.INTERNAL_ERROR not in reply, bad
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        assert (agent.digest_hour, agent.quiet_start, agent.quiet_end, agent.timezone) == (
            7, 23, 6, "Asia/Tokyo")
    _add_client(chat, "张丽华")
    chat.send("/meet 张丽华 15:00")  # Tokyo time now
    with app.uow() as uow:
        agent_id = uow.agents.by_name("王芳").id
        (client,) = uow.clients(agent_id).by_name("张丽华")
        assert uow.events(agent_id).meetings(client)[0].at == datetime(2026, 11, 24, 6, 0)
    assert "时区已改为 Asia/Shanghai" in chat.send("/settings 时区 北京")


TOKENS = ["#1", "#2", "＃1", "#999999999", "#", "@精选", "@", "@本", "邀请", "接受", "拒绝",
          "参加", "张三", "李四", "#new", "周四", "下周二", "下下周日", "19:30", "下午3点", "25:99",
          "2月30日", "2月29日", "1900-01-01", "周四19:30", "提醒时间", "免打扰", "22-8", "时区",
          "Asia/Shanghai", "../x", "0", "24", "1", "2"]
COMMANDS = ["/salon", "/沙龙", "沙龙", "/meet", "见面", "/settings", "设置"]
words = st.one_of(st.sampled_from(TOKENS), st.text(max_size=8))
messages = st.one_of(
    st.builds(lambda cmd, args: " ".join([cmd, *args]), st.sampled_from(COMMANDS),
              st.lists(words, max_size=5)),
    st.sampled_from(TOKENS),
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(messages, min_size=1, max_size=6))
def test_garbage_never_breaks_salon_meet_or_settings(app, steps):
    chat = ChatDriver.for_new_agent(app, f"salonfuzz{next(_agents)}")
    chat.script("/record 张三", "女", "保存", "/record 李四", "男", "保存",
                "/record #new 李四", "男", "保存", "/salon 周四 开场沙龙")
    for text in steps:
        assert texts.INTERNAL_ERROR not in chat.send(text), text
