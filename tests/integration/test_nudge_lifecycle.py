"""Digests, catch-up after downtime, racing sweeps, delivery retries, snooze and done."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

from bot.channels.base import DeliveryError
from bot.channels.terminal import TerminalChannel
from bot.delivery import DeliveryPolicy, DeliveryWorker
from handlers.types import Reply
from storage.models import Nudge, OutboxMessage
from tests.support.rows import rows


class RecordingChannel:
    """A channel that records pushes and fails the next ``failures`` sends."""

    platform = "terminal"

    def __init__(self, failures: list[DeliveryError] | None = None) -> None:
        self.sent: list[tuple[str, list[Reply]]] = []
        self.failures = list(failures or [])

    async def start(self, on_message) -> None:  # pragma: no cover - not used here
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat_id: str, replies: list[Reply], skip_parts: int = 0) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, replies))



def birthday_client(chat, name: str, birthday: str) -> None:
    chat.send(f"/record {name}")
    chat.script("女", birthday, "保存")


def test_morning_digest_once_per_day_at_the_agents_hour(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    clock.set(datetime(2026, 11, 23, 23, 0))  # 07:00 in Shanghai: before the digest hour
    assert app.nudges.tick().digests == 0
    clock.set(datetime(2026, 11, 24, 0, 5))  # 08:05
    assert app.nudges.tick().digests == 1
    assert app.nudges.tick().digests == 0  # still one digest today
    (digest,) = rows(app, OutboxMessage)
    assert digest.kind == "digest" and "张丽华 今天生日" in digest.payload[0]["text"]
    assert digest.payload[0]["options"][0][1].startswith("/nudge ")


def test_three_days_of_downtime_catch_up_once(app, chat, clock):
    for day in (25, 26, 27):
        birthday_client(chat, f"客户{day}", f"1980-11-{day}")
    clock.set(datetime(2026, 11, 24, 1, 0))
    assert app.nudges.tick().digests == 0  # sweeps today and tomorrow; nothing due today
    clock.set(datetime(2026, 11, 27, 1, 0))  # the bot was down for three days
    first = app.nudges.tick()
    assert first.digests == 1
    again = app.nudges.tick()
    assert (again.nudges, again.digests) == (0, 0)
    (digest,) = [m for m in rows(app, OutboxMessage) if m.kind == "digest"]
    assert digest.dedupe_key.endswith("2026-11-27")
    text = digest.payload[0]["text"]
    for day in (25, 26, 27):
        assert text.count(f"客户{day} 今天生日") == 1
    birthdays = [n for n in rows(app, Nudge) if n.kind == "birthday"]
    assert len(birthdays) == 3


def test_a_salon_held_while_the_bot_was_down_is_not_proposed_afterwards(app, chat, clock):
    chat.script("/record 甲", "女", "保存")
    app.nudges.tick()  # 24th
    assert "沙龙" in chat.send("/salon 11月28日 19:30 亲子教育")
    chat.send("/salon 12月5日 19:30 退休生活")
    clock.set(datetime(2026, 12, 3, 2, 0))  # down from the 24th to the 3rd
    app.nudges.tick()
    salons = [n.text for n in rows(app, Nudge) if n.kind == "salon"]
    assert len(salons) == 1 and "12月5日" in salons[0]  # the 28th's: over, not proposed
    today = chat.send("/today")
    assert "亲子教育" not in today and "退休生活" in today


def test_follow_ups_do_not_pile_up_over_a_day_of_downtime(app, chat, clock):
    chat.script("/record 筛选客户", "女", "保存")
    chat.send("/tier 筛选客户 筛选 有潜力")  # contacted on the 24th; every 7 days after
    for day in (30, 31, 37):  # ticks on 11-30, 12-01 and 12-07 (which sweeps 12-08 too)…
        clock.set(datetime(2026, 11, 24, 2, 0) + timedelta(days=day - 24))
        app.nudges.tick()
    clock.set(datetime(2026, 12, 9, 2, 0))  # …then down for all of 12-08
    app.nudges.tick()
    followups = [n for n in rows(app, Nudge) if n.kind == "followup" and n.status == "open"]
    assert [n.due_date for n in followups] == [date(2026, 12, 8)]  # the latest, not a pile
    assert chat.send("/today").count("筛选客户") == 1


def test_downtime_longer_than_the_catch_up_window_is_logged(app, chat, clock, caplog):
    birthday_client(chat, "早生", "1980-11-26")  # within the missed days, beyond the window
    birthday_client(chat, "晚生", "1980-12-30")
    clock.set(datetime(2026, 11, 24, 1, 0))
    app.nudges.tick()
    clock.set(datetime(2027, 1, 2, 1, 0))  # 39 days later; catch_up_days is 31
    with caplog.at_level("WARNING", logger="scheduler.sweep"):
        app.nudges.tick()
    assert "the days 2026-11-26 to 2026-12-02 were not swept" in caplog.text
    names = {n.text.split()[1] for n in rows(app, Nudge) if n.kind == "birthday"}
    assert names == {"晚生"}


def test_two_sweeps_racing_on_separate_connections_insert_each_nudge_once(make_app, chat):
    for n in range(30):
        birthday_client(chat, f"寿星{n}", "1970-12-01")
    apps = [chat.app, make_app()]
    day = date(2026, 12, 1)
    now = datetime(2026, 11, 24, 1, 0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        inserted = list(pool.map(lambda a: a.nudges.sweeper.sweep_day(day, now), apps * 2))
    assert sum(inserted) == 30
    nudges = [n for n in rows(chat.app, Nudge) if n.kind == "birthday"]
    assert len(nudges) == 30 == len({(n.kind, n.subject, n.occurrence) for n in nudges})


def test_delivery_retries_with_backoff_then_dead_letters_with_a_note(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel([DeliveryError("timeout")] * 3)
    worker = DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone,
                            DeliveryPolicy(max_attempts=3, base_backoff=timedelta(seconds=30)))
    assert asyncio.run(worker.run_once()) == 0
    assert asyncio.run(worker.run_once()) == 0  # not due yet: backing off
    clock.advance(seconds=31)
    assert asyncio.run(worker.run_once()) == 0
    clock.advance(seconds=61)
    assert asyncio.run(worker.run_once()) == 0  # third failure: dead letter
    statuses = {m.kind: m.status for m in rows(app, OutboxMessage)}
    assert statuses == {"digest": "dead", "notice": "pending"}
    assert asyncio.run(worker.run_once()) == 1  # the note reaches the agent
    (chat_id, replies) = channel.sent[0]
    assert chat_id == "王芳" and "多次发送失败" in replies[0].text


def test_429_waits_as_asked_and_nothing_is_lost_or_doubled(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel([DeliveryError("429", retry_after=20)])
    worker = DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone)
    assert asyncio.run(worker.run_once()) == 0
    clock.advance(seconds=10)
    assert asyncio.run(worker.run_once()) == 0
    clock.advance(seconds=11)
    assert asyncio.run(worker.run_once()) == 1
    assert asyncio.run(worker.run_once()) == 0
    assert len(channel.sent) == 1
    (message,) = rows(app, OutboxMessage)
    assert message.status == "sent" and message.attempts == 0


def test_done_records_the_contact_and_snooze_brings_it_back(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    birthday_client(chat, "孙明", "1991-11-24")
    app.nudges.tick()
    assert asyncio.run(DeliveryWorker(app.uow, {"terminal": RecordingChannel()}, clock,
                                      app.settings.zone).run_once()) == 1  # the 24th's digest sent
    first, second = [n for n in rows(app, Nudge) if n.kind == "birthday"]
    menu = chat.send(f"/nudge {first.id}")
    assert "完成" in menu and "推迟3天" in menu and "查看档案" in menu
    clock.advance(hours=2)
    assert "已记为一次联系" in chat.send("1")  # the numbered option → /done
    assert "记为一次联系" not in chat.send(f"/done {first.id}")
    card = chat.send("/card 张丽华")
    assert "2026-11-24（0天前）" in card and "完成提醒" in card
    assert "3天后" in chat.send(f"/snooze {second.id} 3")
    assert "孙明" not in chat.send("/today")
    clock.set(datetime(2026, 11, 27, 1, 0))
    app.nudges.tick()
    digest = [m for m in rows(app, OutboxMessage) if m.kind == "digest"][-1]
    assert "孙明 今天生日" in digest.payload[0]["text"]
    assert "张丽华" not in digest.payload[0]["text"]


def test_a_done_reminder_is_not_brought_back_by_snooze(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    (nudge,) = [n for n in rows(app, Nudge) if n.kind == "birthday"]
    chat.send(f"/done {nudge.id}")
    assert "已经完成" in chat.send(f"/snooze {nudge.id} 1")  # e.g. an older copy of its menu
    clock.set(datetime(2026, 11, 25, 9, 0))
    assert "生日" not in chat.send("/today")
    (nudge,) = [n for n in rows(app, Nudge) if n.kind == "birthday"]
    assert nudge.status == "done"


def test_a_contact_closes_the_overdue_follow_up(app, chat, clock):
    chat.send("/record 筛选客户")
    chat.script("女", "保存")
    chat.send("/tier 筛选客户 筛选 有潜力")
    clock.set(datetime(2026, 12, 1, 1, 0))
    app.nudges.tick()
    assert "已 7 天没有联系" in chat.send("/today")
    chat.send("/note 筛选客户 电话聊了孩子的升学")
    assert "没有联系" not in chat.send("/today")


def test_record_it_now_an_hour_after_a_meeting(app, chat, clock):
    chat.script("/record 张丽华", "女", "保存")
    chat.script("/record 孙明", "男", "保存")
    chat.send("/meet 张丽华")
    chat.send("/meet 孙明")
    clock.advance(minutes=30)
    chat.send("/note 孙明 聊了养老社区")
    assert app.nudges.tick().pushes == 0
    clock.advance(minutes=31)
    assert app.nudges.tick().pushes == 1
    assert app.nudges.tick().pushes == 0
    (push,) = [m for m in rows(app, OutboxMessage) if m.kind == "push"]
    assert "张丽华" in push.payload[0]["text"] and "孙明" not in push.payload[0]["text"]


def test_terminal_shows_pushes_as_they_arrive(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    output = io.StringIO()
    terminal = TerminalChannel("王芳", stdin=io.StringIO(""), stdout=output)
    worker = DeliveryWorker(app.uow, {"terminal": terminal}, clock, app.settings.zone)
    assert asyncio.run(worker.run_once()) == 1
    assert "🔔" in output.getvalue() and "张丽华 今天生日" in output.getvalue()
    assert "1. 🎂 张丽华 今天生日" in output.getvalue() and "第1项" not in output.getvalue()
    assert "（回复序号 1–2 打开对应的一项）" in output.getvalue()


def test_a_number_after_a_pushed_digest_picks_from_the_digest(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel()
    worker = DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone)
    assert asyncio.run(worker.run_once()) == 1
    menu = chat.send("1")  # the digest's first item, as numbered in the terminal
    assert "张丽华 今天生日" in menu and "推迟3天" in menu
