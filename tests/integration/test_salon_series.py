"""Recurring salons (每周二四六小沙) through the real router, sweep and database: set up, made
once per day whoever sweeps, rotating invitees, stopped, and nothing left after deletions."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text

from scheduler.config import NudgeRules
from storage.models import Agent, AuditEntry, Client, Nudge, Salon, SalonInvite, SalonSeries
from tests.conftest import START
from tests.integration.test_ids_never_reused import delete_client
from tests.support.chat import ChatDriver
from tests.support.rows import rows

SERIES = "/salon 每周二四六 19:30 小沙 #亲子 @筛选 @成交"
TUE, THU, SAT = date(2026, 11, 24), date(2026, 11, 26), date(2026, 11, 28)


def _add_clients(app, count: int, agent: str = "王芳", **fields) -> list[int]:
    """``count`` clients added straight through the repository (客户00, 客户01, …)."""
    with app.uow() as uow:
        clients = uow.clients(uow.agents.by_name(agent).id)
        ids = [clients.add(f"客户{n:02d}", START, **fields).id for n in range(count)]
        uow.commit()
    return ids


def _occurrences(app) -> dict[date, list[int]]:
    """Day → the client ids on that occurrence's list, in the order they were proposed."""
    salons = {s.id: s.day for s in rows(app, Salon) if s.series_id is not None}
    days: dict[date, list[int]] = {day: [] for day in salons.values()}
    for invite in rows(app, SalonInvite):
        if invite.salon_id in salons:
            days[salons[invite.salon_id]].append(invite.client_id)
    return days


def _series_days(app) -> list[tuple[int | None, date]]:
    return sorted((s.series_id, s.day) for s in rows(app, Salon))


def _at(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock in Shanghai on ``day``, as the naive UTC the clock keeps."""
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


def test_a_series_is_set_up_and_its_first_salons_are_ordinary_ones(app, chat):
    with app.uow() as uow:
        clients = uow.clients(uow.agents.by_name("王芳").id)
        clients.add("张丽华", START, tier="筛选", tags=["亲子教育"])
        clients.add("孙明", START, tier="成交")
        clients.add("李四", START)
        uow.commit()
    reply = chat.send(SERIES)
    assert "✅ 已设置每周沙龙系列 1：每周二、四、六 19:30 小沙" in reply
    assert "标签：亲子 · 对象：筛选、成交" in reply
    assert "第一场：11月24日（周二） 19:30（沙龙 #1），已推荐 2 位邀请对象" in reply
    assert "每场沙龙前 2 天" in reply and "/salon 停止 系列 1" in reply
    assert chat.options == ["/salon #1"]
    # Tuesday (today) and Thursday (within the two days' lead) are made at once.
    assert _series_days(app) == [(1, TUE), (1, THU)]
    view = chat.send("/salon #1")
    assert "（每周沙龙系列 1 的一场；停止这个系列：/salon 停止 系列 1）" in view
    assert "张丽华【筛选】建议邀请" in view and "孙明【成交】" in view and "李四【" not in view
    assert "→ 已到场" in chat.send("/salon #1 参加 张丽华")
    with app.uow() as uow:
        (client,) = uow.clients(uow.agents.by_name("王芳").id).by_name("张丽华")
        assert client.last_contact_at == START  # attending counts as contact
    listing = chat.send("/salon")
    assert chat.options == ["/salon #1", "/salon #2"]
    assert "进行中的每周沙龙：\n· 系列 1：每周二、四、六 19:30 小沙" in listing
    assert "停止：/salon 停止 系列 1" in listing


def test_a_series_set_up_after_todays_time_starts_next_time(app, chat, clock):
    clock.set(_at(TUE, 21))
    reply = chat.send("/salon 每周二、四、六 19:30 小沙")
    assert "第一场：11月26日（周四） 19:30（沙龙 #1）" in reply
    assert _series_days(app) == [(1, THU)]
    reply = chat.send("/salon 每周日 读书会")
    assert "第一场：11月29日（周日）。" in reply  # five days ahead: not made yet
    assert [s.weekdays for s in rows(app, SalonSeries)] == ["135", "6"]


def test_the_sweep_makes_each_occurrence_once_and_lists_its_invitees(app, chat, clock):
    _add_clients(app, 3, tier="筛选")
    chat.send(SERIES)
    app.nudges.tick()
    clock.set(_at(THU))
    app.nudges.tick()
    app.nudges.tick()
    assert app.nudges.sweeper.sweep_day(THU, clock.now()) == 0
    assert _series_days(app) == [(1, TUE), (1, THU), (1, SAT)]
    assert [len(ids) for ids in _occurrences(app).values()] == [3, 3, 3]
    (saturday,) = [s for s in rows(app, Salon) if s.day == SAT]
    (nudge,) = [n for n in rows(app, Nudge) if n.subject == f"s:{saturday.id}"]
    assert nudge.due_date == THU
    assert "11月28日 19:30 沙龙「小沙」，建议邀请：客户00【筛选】" in nudge.text
    assert f"/salon #{saturday.id}" in nudge.text


def test_two_sweepers_racing_make_one_occurrence_with_one_list(make_app, chat):
    _add_clients(chat.app, 30, tier="成交")
    chat.send(SERIES)
    apps = [chat.app, make_app()]
    now = START
    days = [THU, date(2026, 11, 29), date(2026, 12, 1)]  # → Saturday, Tuesday, Thursday
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda job: job[0].nudges.sweeper.sweep_day(job[1], now),
                      [(app, day) for day in days for app in apps * 2]))
    made = _series_days(chat.app)
    assert made == [(1, TUE), (1, THU), (1, SAT), (1, date(2026, 12, 1)),
                    (1, date(2026, 12, 3))]
    lists = _occurrences(chat.app)
    assert all(len(ids) == len(set(ids)) == 20 for ids in lists.values())
    salon_nudges = [n for n in rows(chat.app, Nudge) if n.kind == "salon"]
    assert len(salon_nudges) == len({n.subject for n in salon_nudges}) == 3


def test_invitees_rotate_over_consecutive_occurrences(app, chat, clock):
    _add_clients(app, 40)
    chat.send("/salon 每周二四六 19:30 小沙")
    clock.set(_at(THU))
    app.nudges.tick()  # → Saturday
    clock.set(_at(date(2026, 11, 29)))
    app.nudges.tick()  # → Tuesday 12-1
    lists = _occurrences(app)
    tuesday, thursday, saturday = (set(lists[day]) for day in (TUE, THU, SAT))
    assert len(tuesday) == len(thursday) == 20 and not tuesday & thursday
    assert saturday == tuesday  # proposed longest ago (Tuesday) come back first
    assert set(lists[date(2026, 12, 1)]) == thursday
    # Another series keeps its own rotation: its first list is the best-ranked twenty.
    reply = chat.send("/salon 每周一 读书会")  # tomorrow
    first = int(re.search(r"沙龙 #(\d+)", reply)[1])
    with app.uow() as uow:
        listed = uow.session.scalars(select(SalonInvite.client_id).where(
            SalonInvite.salon_id == first)).all()
    assert set(listed) == tuesday


def test_upcoming_salons_are_made_when_the_agent_looks(app, chat, clock):
    _add_clients(app, 2, tier="筛选")
    chat.send(SERIES)
    clock.set(_at(THU))  # no sweep has run since
    chat.send("/salon")
    assert chat.options == ["/salon #2", "/salon #3"]
    assert _series_days(app)[-1] == (1, SAT)
    app.nudges.tick()
    assert _series_days(app) == [(1, TUE), (1, THU), (1, SAT)]
    assert [len(ids) for ids in _occurrences(app).values()] == [2, 2, 2]


def _lists_for(app, day: date) -> list[date]:
    """The due dates of the invitee lists pushed for the series' salon on ``day``."""
    salons = {f"s:{s.id}" for s in rows(app, Salon) if s.day == day}
    return [n.due_date for n in rows(app, Nudge) if n.kind == "salon" and n.subject in salons]


@pytest.mark.parametrize(("hour", "made"), [(20, False), (19, True)])
def test_after_downtime_todays_salon_is_made_only_while_its_time_is_ahead(app, chat, clock,
                                                                          hour, made):
    _add_clients(app, 2, tier="筛选")
    chat.send(SERIES)  # Tuesday 09:00: Tuesday's and Thursday's are made
    app.nudges.tick()  # Tuesday, and Wednesday as tomorrow
    clock.set(_at(SAT, hour))  # down until Saturday evening; its salon is at 19:30
    app.nudges.tick()  # catches up Thursday (whose sweep makes Saturday's) to Sunday
    days = [day for _, day in _series_days(app)]
    assert (SAT in days) is made
    assert _lists_for(app, SAT) == ([SAT] if made else [])
    assert days[-1] == date(2026, 12, 1)  # Sunday's sweep (as tomorrow) makes Tuesday's


@pytest.mark.parametrize(("hour", "listed"), [(20, False), (19, True)])
def test_todays_salon_made_before_downtime_gets_a_late_list_only_while_ahead(app, chat, clock,
                                                                             hour, listed):
    _add_clients(app, 2, tier="筛选")
    chat.send(SERIES)  # Tuesday 09:00: Tuesday's and Thursday's are made, no sweep yet
    clock.set(_at(TUE, hour))  # down until Tuesday evening; its salon is at 19:30
    app.nudges.tick()
    assert _lists_for(app, TUE) == ([TUE] if listed else [])
    assert _lists_for(app, THU) == [TUE]  # on time: two days ahead


@pytest.mark.parametrize(("hour", "listed"), [(20, False), (19, True)])
def test_with_no_days_before_todays_salon_made_before_downtime_is_listed_only_while_ahead(
        make_app, clock, hour, listed):
    chat = ChatDriver.for_new_agent(make_app(nudges=NudgeRules(salon_invite_days_before=0)),
                                    "王芳")
    _add_clients(chat.app, 2, tier="筛选")
    chat.send(SERIES)  # Tuesday 09:00: Tuesday's is made, its list due today; no sweep yet
    clock.set(_at(TUE, hour))  # down until Tuesday evening; its salon is at 19:30
    chat.app.nudges.tick()
    assert _lists_for(chat.app, TUE) == ([TUE] if listed else [])
    assert _series_days(chat.app) == [(1, TUE)]  # Thursday's is made on Thursday


@pytest.mark.parametrize(("zone", "now", "made"), [
    ("Asia/Tokyo", datetime(2026, 11, 28, 10, 45), False),  # 19:45 there, 18:45 in Shanghai
    ("Europe/London", datetime(2026, 11, 28, 12, 0), True),  # 12:00 there, 20:00 in Shanghai
])
def test_a_salon_over_is_counted_in_the_agents_time_zone(app, chat, clock, zone, now, made):
    chat.send(f"/settings 时区 {zone}")
    chat.send(SERIES)
    app.nudges.tick()
    clock.set(now)  # Saturday; the sweep's own zone is Shanghai
    app.nudges.tick()
    assert ((1, SAT) in _series_days(app)) is made


def test_a_salon_over_today_is_not_made_when_the_agent_looks(app, chat, clock):
    chat.send(SERIES)
    clock.set(_at(SAT, 20))  # no sweep has run since Tuesday
    assert "11月28日" not in chat.send("/salon")
    assert _series_days(app) == [(1, TUE), (1, THU)]
    clock.set(_at(date(2026, 12, 5), 19))  # Saturday a week later, before 19:30
    chat.send("/salon")
    assert (1, date(2026, 12, 5)) in _series_days(app)


def test_stopping_a_series_keeps_its_salons_and_makes_no_more(app, chat, clock):
    _add_clients(app, 2, tier="成交")
    chat.send(SERIES)
    other = ChatDriver.for_new_agent(app, "李娜")
    assert "没有找到沙龙系列 1" in other.send("/salon 停止 系列 1")
    assert "系列编号" in chat.send("/salon 停止")
    reply = chat.send("/salon 停止 系列 1")
    assert "✅ 已停止沙龙系列 1：每周二、四、六 19:30 小沙，不会再生成新的沙龙" in reply
    assert "已经生成的沙龙保留：#1 11月24日（周二） 19:30、#2 11月26日（周四） 19:30" in reply
    assert "已经停止了" in chat.send("/salon 停止系列1")
    for day in range(24, 31):
        clock.set(_at(date(2026, 11, day)))
        app.nudges.tick()
    assert _series_days(app) == [(1, TUE), (1, THU)]
    listing = chat.send("/salon")  # 11-30: both are over now
    assert "进行中的每周沙龙" not in listing and "暂时没有即将举行的沙龙" in listing
    actions = [e.action for e in rows(app, AuditEntry)]
    assert {"salon_series_create", "salon_series_stop"} <= set(actions)


def test_a_deleted_client_leaves_the_series_lists(app, chat, clock):
    chat.script("/record 张丽华", "女", "保存")
    chat.script("/record 孙明", "男", "保存")
    chat.send("/salon 每周二四六 小沙")
    gone = next(c.id for c in rows(app, Client) if c.name == "张丽华")
    delete_client(chat, "张丽华")
    assert all(invite.client_id != gone for invite in rows(app, SalonInvite))
    clock.set(_at(THU))
    app.nudges.tick()
    assert [len(ids) for ids in _occurrences(app).values()] == [1, 1, 1]


def test_a_deleted_agent_leaves_no_series_salons_or_invitations(app, chat):
    _add_clients(app, 3)
    chat.send("/salon 每周二四六 小沙")
    chat.send("/salon 周五 单场沙龙")
    other = ChatDriver.for_new_agent(app, "李娜")
    _add_clients(app, 2, agent="李娜")
    other.send("/salon 每周三 读书会")
    with app.uow() as uow:
        wang = uow.agents.by_name("王芳").id
        uow.session.execute(delete(Agent).where(Agent.id == wang))
        uow.commit()
    assert {s.agent_id for s in rows(app, SalonSeries)} == {s.agent_id for s in rows(app, Salon)}
    assert all(s.agent_id != wang for s in rows(app, SalonSeries))
    salons = {s.id for s in rows(app, Salon)}
    assert len(salons) == 1 and all(i.salon_id in salons for i in rows(app, SalonInvite))
    assert len(rows(app, SalonInvite)) == 2


def test_the_migration_goes_down_and_up_keeping_salons_and_invitations(app, chat,
                                                                        database_url):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    _add_clients(app, 2)
    chat.send("/salon 每周二四六 小沙")
    chat.send("/salon 周五 单场沙龙")
    before = [(i.salon_id, i.client_id, i.status) for i in rows(app, SalonInvite)]
    app.dispose()
    command.downgrade(alembic_config(database_url), "0008")
    upgrade(database_url)
    assert [(i.salon_id, i.client_id, i.status) for i in rows(app, SalonInvite)] == before
    assert [s.series_id for s in rows(app, Salon)] == [None, None, None]  # plain salons now
    assert "已设置每周沙龙系列 1" in chat.send("/salon 每周二四六 小沙")  # went down with 0009
    if database_url.startswith("sqlite"):
        with app.uow.engine.connect() as connection:
            assert "AUTOINCREMENT" in connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'salon_series'")).scalar()
