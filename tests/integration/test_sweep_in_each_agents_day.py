"""Each agent's nudges are made for the agent's own local date, not the bot's (Asia/Shanghai):
near midnight an agent far west or east of the bot is on another day. Every tick sweeps each
agent's today again, never a day an agent has left, and nothing twice."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.queries import preview_nudges
from handlers.when import local_now
from storage.models import Client, Nudge, OutboxMessage
from tests.support.chat import ChatDriver
from tests.support.rows import rows

LOS_ANGELES_MORNING = datetime(2026, 11, 24, 18, 0)  # 10:00 on 11-24 there, 02:00 11-25 in Shanghai


def record(chat, name: str, birthday: str, tier: str | None = None) -> None:
    chat.script(f"/record {name}", "女", birthday, "保存")
    if tier:
        chat.send(f"/tier {name} {tier} 大客户")


def of_kind(app, kind: str) -> list[tuple[str, date, str]]:
    """(client, due date, text) of the nudges of ``kind``."""
    return sorted((n.text.split()[1], n.due_date, n.text) for n in rows(app, Nudge)
                  if n.kind == kind)


def test_a_birthday_recorded_on_the_agents_own_day_west_of_the_bot_is_reminded_that_day(
    app, chat, clock
):
    chat.send("/settings 时区 America/Los_Angeles")
    app.nudges.tick()
    clock.set(LOS_ANGELES_MORNING)  # the bot's 11-24 is over; theirs is not
    record(chat, "今天寿星", "1980-11-24")
    assert app.nudges.tick().nudges == 1
    assert app.nudges.tick().nudges == 0  # swept again: nothing twice
    assert of_kind(app, "birthday") == [
        ("今天寿星", date(2026, 11, 24), "🎂 今天寿星 今天生日，记得送上祝福")]
    assert "今天寿星 今天生日" in chat.send("/today")


def test_an_agent_east_of_the_bot_gets_neither_yesterday_as_today_nor_the_days_left_wrong(
    app, chat, clock
):
    chat.send("/settings 时区 Pacific/Auckland")
    app.nudges.tick()
    clock.set(datetime(2026, 11, 24, 12, 0))  # 01:00 on 11-25 there, 20:00 11-24 in Shanghai
    record(chat, "昨天寿星", "1980-11-24")  # their yesterday, the bot's today
    record(chat, "林静", "1980-11-28", "精选")  # the 7-day gift time went by
    app.nudges.tick()
    assert of_kind(app, "birthday") == []
    assert of_kind(app, "birthday_ahead") == [
        ("林静", date(2026, 11, 25), "🎁 林静 3天后（11月28日）生日，【精选】客户，可以准备礼物了")]
    assert "林静 3天后" in chat.send("/today")


def test_the_preview_for_an_agent_west_of_the_bot_lists_their_own_days_nudges(
    app, chat, clock
):
    chat.send("/settings 时区 America/Los_Angeles")
    record(chat, "按时", "1980-12-01", "精选")  # its gift time falls on 11-24
    app.nudges.tick()
    clock.set(LOS_ANGELES_MORNING)
    record(chat, "晚了", "1980-11-27", "精选")  # after its gift time

    def previewed(day: date) -> list[tuple[str, str]]:
        return sorted((row["date"], row["text"]) for row in preview_nudges(app, day, 1, "王芳"))

    their_day = [("2026-11-24", "🎁 按时 7天后（12月1日）生日，【精选】客户，可以准备礼物了"),
                 ("2026-11-24", "🎁 晚了 3天后（11月27日）生日，【精选】客户，可以准备礼物了")]
    assert previewed(date(2026, 11, 24)) == their_day
    assert previewed(date(2026, 11, 25)) == []  # the bot's today: not yet theirs
    app.nudges.tick()
    assert [(due.isoformat(), text) for _, due, text in of_kind(app, "birthday_ahead")] \
        == their_day
    assert previewed(date(2026, 11, 24)) == their_day  # as the sweep made them


def test_a_catch_up_makes_the_lead_reminder_of_a_west_agents_today_on_that_day(
    app, chat, clock
):
    chat.send("/settings 时区 America/Los_Angeles")
    record(chat, "林静", "1980-12-03", "精选")  # gift time on 11-26
    app.nudges.tick()  # sweeps 11-24 and 11-25; then down
    clock.set(datetime(2026, 11, 26, 18, 0))  # 10:00 on 11-26 there, 02:00 11-27 in Shanghai
    app.nudges.tick()
    assert of_kind(app, "birthday_ahead") == [
        ("林静", date(2026, 11, 26), "🎁 林静 7天后（12月3日）生日，【精选】客户，可以准备礼物了")]


def test_ticks_across_the_date_line_make_each_nudge_once_and_skip_no_day(make_app, clock):
    """Agents far west, west, at and east of the bot, each with a birthday on every day, and
    clients recorded at random moments whose birthday is the agent's today (reminded that
    day) or yesterday (not reminded: it is over); ticks at random hours, some missed, some
    run by two processes at once."""
    apps = [make_app(), make_app()]
    zones = {"洛杉矶": "America/Los_Angeles", "伦敦": "Europe/London",
             "上海": "Asia/Shanghai", "奥克兰": "Pacific/Auckland"}
    days = [date(2026, 11, 25) + timedelta(days=n) for n in range(5)]
    chats = {name: ChatDriver.for_new_agent(apps[0], name) for name in zones}
    for name, chat in chats.items():
        chat.send(f"/settings 时区 {zones[name]}")
        for day in days:
            record(chat, f"{name}{day.day}日", f"1980-{day.month}-{day.day}")
    late: dict[str, date] = {}  # recorded on their birthday, the agent's local date
    digests: dict[str, str] = {}  # first seen: a later one folds those not sent
    chances = random.Random(21)
    while clock.now() < datetime(2026, 12, 1, 12, 0):
        clock.advance(hours=chances.choice((0.5, 1, 2, 5, 7)))
        if chances.random() < 0.3:
            name = chances.choice(list(zones))
            today = local_now(clock.now(), ZoneInfo(zones[name])).date()
            yesterday = today - timedelta(days=1)
            client = f"{name}当天{len(late)}"
            late[client] = today
            record(chats[name], client, f"1980-{today.month}-{today.day}")
            record(chats[name], f"{name}昨天{len(late)}",
                   f"1980-{yesterday.month}-{yesterday.day}")
        both = chances.random() < 0.3
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda a: a.nudges.tick(), apps if both else apps[:1]))
        for message in rows(apps[0], OutboxMessage):
            if message.kind == "digest" and message.payload:
                digests.setdefault(message.dedupe_key, message.payload[0]["text"])
    assert len(rows(apps[0], Client)) == len(zones) * len(days) + 2 * len(late)
    birthdays = [n for n in rows(apps[0], Nudge) if n.kind == "birthday"]
    made = sorted((n.text.split()[1], n.due_date) for n in birthdays)
    assert made == sorted([(f"{name}{day.day}日", day) for name in zones for day in days]
                          + list(late.items()))  # once each, none for yesterday's
    for nudge in birthdays:
        client = nudge.text.split()[1]
        if client not in late:  # in the digest of their own day
            digest = digests[f"digest:{nudge.agent_id}:{nudge.due_date.isoformat()}"]
            assert f"{client} 今天生日" in digest


def test_an_agent_whose_stored_zone_is_unusable_is_on_the_configured_zones_day(make_app):
    """The bot configured for Los Angeles, an agent's stored zone no zone at all: the agent's
    today is Los Angeles's (11-23 at 01:00 UTC), not Shanghai's (11-24), in the sweep, /today
    and the digest alike."""
    app = make_app(timezone="America/Los_Angeles")
    chat = ChatDriver.for_new_agent(app, "王芳")
    with app.uow() as uow:
        uow.agents.by_name("王芳").timezone = "Mars/Olympus"
        uow.commit()
    record(chat, "昨天寿星", "1980-11-23")
    record(chat, "今天寿星", "1980-11-24")
    app.nudges.tick()  # 17:00 on 11-23 in Los Angeles: its today and tomorrow
    assert [(name, day) for name, day, _ in of_kind(app, "birthday")] == [
        ("今天寿星", date(2026, 11, 24)), ("昨天寿星", date(2026, 11, 23))]
    today = chat.send("/today")
    assert "昨天寿星 今天生日" in today and "今天寿星" not in today
    (digest,) = [m.payload[0]["text"] for m in rows(app, OutboxMessage) if m.kind == "digest"]
    assert digest.startswith("☀️ 11月23日 今日提醒（1 项）")


def tick_until(app, clock, moment: datetime, hours: int = 12) -> None:
    """A tick every ``hours`` up to ``moment``, then one at ``moment``."""
    while clock.now() + timedelta(hours=hours) < moment:
        clock.advance(hours=hours)
        app.nudges.tick()
    clock.set(moment)
    app.nudges.tick()


def reminders_of(app, kind: str, client: str) -> list[tuple[date, str]]:
    """(due date, status) of the client's nudges of ``kind``."""
    return [(n.due_date, n.status) for n in rows(app, Nudge)
            if n.kind == kind and n.text.split()[1].startswith(client)]


def test_a_follow_up_replaced_by_the_next_one_goes_on_the_agents_own_day_of_it(app, clock):
    """The 14-day follow-up, made ahead (as the bot's tomorrow), shows on the agent's own
    day: the 7-day one it replaces is retired by the sweep of that day, not the bot's (an
    agent west of the bot saw neither for up to 16 hours, one east of it both for 5)."""
    west = ChatDriver.for_new_agent(app, "洛杉矶")
    east = ChatDriver.for_new_agent(app, "奥克兰")
    for chat, zone, client in ((west, "America/Los_Angeles", "西客户"),
                               (east, "Pacific/Auckland", "东客户")):
        chat.send(f"/settings 时区 {zone}")
        chat.script(f"/record {client}", "女", "保存")  # 11-23 in Los Angeles, 11-24 Auckland
        chat.send(f"/tier {client} 筛选 有潜力")  # every 7 days
    tick_until(app, clock, datetime(2026, 12, 6, 16, 30))  # 00:30 on 12-07 in Shanghai
    assert reminders_of(app, "followup", "西客户") == [  # 08:30 on 12-06 in Los Angeles
        (date(2026, 11, 30), "open"), (date(2026, 12, 7), "open")]
    assert "西客户【筛选】已 7 天没有联系" in west.send("/today")
    tick_until(app, clock, datetime(2026, 12, 7, 8, 30))  # 00:30 on 12-07 in Los Angeles
    assert reminders_of(app, "followup", "西客户") == [
        (date(2026, 11, 30), "superseded"), (date(2026, 12, 7), "open")]
    assert reminders_of(app, "followup", "东客户") == [  # 21:30 on 12-07 in Auckland
        (date(2026, 12, 1), "open"), (date(2026, 12, 8), "open")]
    tick_until(app, clock, datetime(2026, 12, 7, 11, 30))  # 00:30 on 12-08 in Auckland
    assert reminders_of(app, "followup", "东客户") == [
        (date(2026, 12, 1), "superseded"), (date(2026, 12, 8), "open")]
    assert east.send("/today").count("东客户") == 1


def test_a_renewal_reminder_replaced_by_a_nearer_one_goes_on_the_west_agents_own_day_of_it(
    app, clock
):
    west = ChatDriver.for_new_agent(app, "洛杉矶")
    west.send("/settings 时区 America/Los_Angeles")
    west.script("/record 续期客户", "男", "保存")
    west.script("/policy 续期客户", "是", "重疾", "2025-12-10", "1万", "3", "跳过", "跳过",
                "有效")  # premium on 12-10: its 7-day reminder on 12-03
    app.nudges.tick()  # the 30-day one, late: 17:00 on 11-23 there
    tick_until(app, clock, datetime(2026, 12, 2, 16, 30))  # 08:30 on 12-02 in Los Angeles
    assert reminders_of(app, "renewal", "续期客户") == [
        (date(2026, 11, 23), "open"), (date(2026, 12, 3), "open")]
    assert "续期客户 的重疾 17天后" in west.send("/today")
    tick_until(app, clock, datetime(2026, 12, 3, 8, 30))  # 00:30 on 12-03 in Los Angeles
    assert reminders_of(app, "renewal", "续期客户") == [
        (date(2026, 11, 23), "superseded"), (date(2026, 12, 3), "open")]


def test_after_downtime_over_the_west_agents_day_of_the_next_follow_up_it_replaces_the_last(
    app, clock
):
    """The bot, down from the west agent's day before the 14-day follow-up to the day after,
    never swept its day while it was theirs: the catch-up retires the one it replaces."""
    west = ChatDriver.for_new_agent(app, "洛杉矶")
    west.send("/settings 时区 America/Los_Angeles")
    west.script("/record 西客户", "女", "保存")
    west.send("/tier 西客户 筛选 有潜力")
    tick_until(app, clock, datetime(2026, 12, 6, 17, 0))  # 09:00 on 12-06 there, 12-07 here
    clock.set(datetime(2026, 12, 8, 16, 30))  # 08:30 on 12-08 there, 00:30 12-09 here
    app.nudges.tick()
    assert reminders_of(app, "followup", "西客户") == [
        (date(2026, 11, 30), "superseded"), (date(2026, 12, 7), "open")]


def test_after_every_tick_each_agent_sees_one_follow_up_of_a_client_not_two_nor_none(
    make_app, clock
):
    """Agents far west and east of the bot, a client each not contacted (a follow-up every 7
    of the agent's days); ticks at random hours, some run by two processes at once, some
    after a day or more down: after each, /today names the client once."""
    apps = [make_app(), make_app()]
    chats = {}
    for name, zone, client in (("洛杉矶", "America/Los_Angeles", "西客户"),
                               ("奥克兰", "Pacific/Auckland", "东客户")):
        chats[client] = ChatDriver.for_new_agent(apps[0], name)
        chats[client].send(f"/settings 时区 {zone}")
        chats[client].script(f"/record {client}", "女", "保存")
        chats[client].send(f"/tier {client} 筛选 有潜力")
    chances = random.Random(2)
    while clock.now() < datetime(2026, 12, 16):
        clock.advance(hours=chances.choice((0.5, 1, 2, 5, 7, 11, 30, 40)))
        both = chances.random() < 0.3
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda a: a.nudges.tick(), apps if both else apps[:1]))
        if clock.now() >= datetime(2026, 12, 2):  # the first ones shown everywhere
            for client, chat in chats.items():
                assert chat.send("/today").count(client) == 1, (clock.now(), client)
