"""Nothing missed, nothing sent twice, nothing stale: the outbox under outages, caps, quiet
hours, a second sender, and access taken away while a push waits its turn."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.agents_admin import open_terminal, remove_agent
from bot.channels.base import DeliveryError
from bot.delivery import DeliveryPolicy, DeliveryWorker
from handlers.types import Reply, reply_to_json
from storage.models import Identity, OutboxMessage
from tests.integration.test_ids_never_reused import delete_client
from tests.integration.test_nudge_lifecycle import RecordingChannel, birthday_client
from tests.support.rows import rows


def deliver(app, clock, channel) -> int:
    return asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock,
                                      app.settings.zone).run_once())


def digests(app) -> list[OutboxMessage]:
    return [m for m in rows(app, OutboxMessage) if m.kind == "digest"]


def test_an_outage_of_an_hour_does_not_lose_the_digest(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel([DeliveryError("timeout")] * 9)  # 5+10+…+1280 s ≈ 42 min
    for _ in range(10):
        deliver(app, clock, channel)
        clock.advance(minutes=30)
    ((_, replies),) = channel.sent
    assert "张丽华 今天生日" in replies[0].text
    assert [m.status for m in rows(app, OutboxMessage)] == ["sent"]


def test_a_digest_given_up_hands_its_reminders_to_the_next_one(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel([DeliveryError("timeout")] * 3)
    policy = DeliveryPolicy(max_attempts=3)
    for _ in range(3):
        asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock,
                                   app.settings.zone, policy).run_once())
        clock.advance(minutes=1)
    assert [m.status for m in digests(app)] == ["dead"]
    clock.set(datetime(2026, 11, 25, 1, 0))  # 09:00 the next day
    app.nudges.tick()
    today = digests(app)[-1].payload[0]["text"]
    assert "11月25日 今日提醒" in today and "（11月24日）🎂 张丽华" in today


def test_a_digest_held_by_the_daily_cap_is_not_sent_after_its_day(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    until_midnight = (datetime(2026, 11, 24, 16, 0) - clock.now()).total_seconds()
    deliver(app, clock, RecordingChannel([DeliveryError("daily cap", retry_after=until_midnight)]))
    assert [m.status for m in digests(app)] == ["folded"]
    clock.set(datetime(2026, 11, 24, 16, 1))  # 00:01 in Shanghai
    channel = RecordingChannel()
    app.nudges.tick()
    assert deliver(app, clock, channel) == 0  # nothing at midnight
    clock.set(datetime(2026, 11, 25, 0, 5))  # 08:05, the digest hour
    app.nudges.tick()
    assert deliver(app, clock, channel) == 1
    ((_, replies),) = channel.sent
    assert "11月25日 今日提醒" in replies[0].text and "张丽华" in replies[0].text


def test_a_wait_that_ends_in_quiet_hours_waits_for_their_end(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    clock.set(datetime(2026, 11, 24, 12, 0))  # 20:00 in Shanghai; quiet from 22:00 to 8:00
    app.nudges.tick()
    assert app.nudges.tick().digests == 0
    chat.script("/record 孙明", "男", "保存")
    chat.send("/meet 孙明")
    clock.advance(minutes=61)
    app.nudges.tick()  # 21:01: the record-it-now push
    waits = RecordingChannel([DeliveryError("flood", retry_after=3 * 3600)] * 2)
    deliver(app, clock, waits)  # both would be tried again at 00:01
    by_kind = {m.kind: m for m in rows(app, OutboxMessage)}
    assert by_kind["push"].status == "pending"
    assert by_kind["push"].next_attempt_at == datetime(2026, 11, 25, 0, 0)  # 08:00
    assert by_kind["digest"].status == "folded"  # tomorrow's digest lists its reminders


def test_a_push_still_waiting_when_quiet_hours_begin_waits_for_their_end(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    chat.script("/record 孙明", "男", "保存")
    chat.send("/meet 孙明")
    clock.advance(minutes=61)
    app.nudges.tick()  # 10:01 in Shanghai: the digest and the record-it-now push, queued…
    clock.set(datetime(2026, 11, 24, 15, 0))  # …and every process stopped until 23:00
    channel = RecordingChannel()
    assert deliver(app, clock, channel) == 0 and channel.sent == []
    by_kind = {m.kind: m for m in rows(app, OutboxMessage)}
    assert by_kind["push"].status == "pending" and by_kind["push"].attempts == 0
    assert by_kind["push"].next_attempt_at == datetime(2026, 11, 25, 0, 0)  # 08:00
    assert by_kind["digest"].status == "folded"  # the 24th's: never sent on the 25th

    clock.set(datetime(2026, 11, 25, 0, 5))  # 08:05: the push, and the 25th's digest
    app.nudges.tick()
    assert deliver(app, clock, channel) == 2
    texts = [replies[0].text for _, replies in channel.sent]
    assert any("11月25日 今日提醒" in text and "张丽华" in text for text in texts)


def test_a_digest_left_from_a_day_gone_by_is_not_sent(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()  # 09:00 on the 24th; no process delivers it that day
    clock.set(datetime(2026, 11, 25, 1, 0))  # 09:00 on the 25th
    birthday_client(chat, "李强", "1980-11-25")
    app.nudges.tick()
    channel = RecordingChannel()
    assert deliver(app, clock, channel) == 1
    ((_, replies),) = channel.sent
    assert "11月25日 今日提醒" in replies[0].text
    assert "李强" in replies[0].text and "张丽华" in replies[0].text  # the 24th's, listed again


def test_a_row_taken_over_in_quiet_hours_waits_for_their_end(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    clock.set(datetime(2026, 11, 24, 13, 58))  # 21:58 in Shanghai
    app.nudges.tick()
    DeliveryWorker(app.uow, {"terminal": RecordingChannel()}, clock,
                   app.settings.zone)._claim()  # then it dies
    clock.advance(minutes=6)  # 22:04: the lease has run out
    channel = RecordingChannel()
    assert deliver(app, clock, channel) == 0 and channel.sent == []


def test_a_digest_built_late_at_night_is_left_to_the_next_morning(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    clock.set(datetime(2026, 11, 24, 15, 0))  # 23:00 in Shanghai: a restart in quiet hours
    assert app.nudges.tick().digests == 0
    clock.set(datetime(2026, 11, 25, 0, 5))
    assert app.nudges.tick().digests == 1
    (digest,) = digests(app)
    assert "11月25日" in digest.payload[0]["text"] and "张丽华" in digest.payload[0]["text"]


def test_a_row_taken_over_after_its_lease_is_sent_once(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    first, second = RecordingChannel(), RecordingChannel()
    slow = DeliveryWorker(app.uow, {"terminal": first}, clock, app.settings.zone)
    (claimed,) = slow._claim()  # then it waits its turn behind paced messages…
    clock.advance(minutes=6)  # …longer than the lease: another process takes the row over
    assert deliver(app, clock, second) == 1
    assert asyncio.run(slow._deliver(claimed)) == 0
    assert len(first.sent) + len(second.sent) == 1


def test_a_push_waiting_its_turn_is_not_sent_after_access_is_taken_away(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel()
    worker = DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone)
    (claimed,) = worker._claim()
    remove_agent(app, "王芳")
    assert asyncio.run(worker._deliver(claimed)) == 0 and channel.sent == []
    clock.advance(minutes=10)
    assert deliver(app, clock, channel) == 0


class TelegramRecorder(RecordingChannel):
    platform = "telegram"


def test_a_digest_rebuilt_after_access_was_taken_away_never_reaches_the_old_chat(
        app, chat, clock):
    with app.uow() as uow:  # 王芳 also has Telegram: pushes go there
        uow.agents.bind(uow.agents.by_name("王芳"), "telegram", "111", "111")
        uow.commit()
    birthday_client(chat, "张丽华", "1976-11-24")
    chat.script("/record 李四", "男", "保存")
    app.nudges.tick()
    assert [(m.platform, m.chat_id) for m in digests(app)] == [("telegram", "111")]
    delete_client(chat, "李四")  # today's digest is withheld, to be built again
    remove_agent(app, "王芳")  # her access is taken away before it is…
    open_terminal(app, "王芳")  # …and the administrator opens the terminal for her
    app.nudges.tick()
    telegram, terminal = TelegramRecorder(), RecordingChannel()
    channels = {"telegram": telegram, "terminal": terminal}
    assert asyncio.run(DeliveryWorker(app.uow, channels, clock, app.settings.zone).run_once()) == 1
    assert telegram.sent == []
    ((chat_id, (digest,)),) = terminal.sent
    assert chat_id == "王芳" and "张丽华 今天生日" in digest.text and "李四" not in digest.text


def test_a_push_to_a_chat_no_longer_bound_is_withdrawn_not_sent(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    with app.uow() as uow:  # unbound behind the outbox's back (no withdrawal)
        uow.agents.unbind_all(uow.agents.by_name("王芳"))
        uow.commit()
    channel = RecordingChannel()
    assert deliver(app, clock, channel) == 0 and channel.sent == []
    assert [(m.status, m.payload) for m in digests(app)] == [("withdrawn", [])]


def test_a_push_to_an_agent_in_the_middle_of_a_form_promises_no_numbers(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    chat.send("/record 孙明")  # the first question is open, with numbered options
    channel = RecordingChannel()
    assert deliver(app, clock, channel) == 1
    ((_, (digest,)),) = channel.sent
    assert digest.options == () and "张丽华 今天生日" in digest.text
    assert "记录还没完成" in digest.text and "/today" in digest.text
    assert "第2/" in chat.send("1")  # the number answers the form's question, as it says


def test_a_push_to_an_agent_with_nothing_open_keeps_its_numbers(app, chat, clock):
    birthday_client(chat, "张丽华", "1976-11-24")
    app.nudges.tick()
    channel = RecordingChannel()
    deliver(app, clock, channel)
    ((_, (digest,)),) = channel.sent
    assert digest.options and "记录还没完成" not in digest.text


def _queue_push(app, clock, key: str, payload: list) -> None:
    (identity,) = rows(app, Identity)
    with app.uow() as uow:
        uow.outbox.enqueue(key, identity.agent_id, "terminal",
                           identity.chat_id or identity.external_id, "push", payload, clock.now())
        uow.commit()


def test_a_row_that_cannot_be_read_is_retried_then_dead_lettered_and_the_rest_go_out(
    app, chat, clock
):
    _queue_push(app, clock, "broken", [{"not": "a reply"}])
    _queue_push(app, clock, "fine", [reply_to_json(Reply("提醒"))])
    channel = RecordingChannel()
    policy = DeliveryPolicy(max_attempts=3)
    statuses = []
    for _ in range(3):
        asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock,
                                   app.settings.zone, policy).run_once())
        statuses.append({m.dedupe_key: m.status for m in rows(app, OutboxMessage)})
        clock.advance(minutes=1)
    assert [s["broken"] for s in statuses] == ["pending", "pending", "dead"]
    assert statuses[0]["fine"] == "sent"  # the chat's other push did not wait for it
    asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock,
                               app.settings.zone, policy).run_once())
    texts = [replies[0].text for _, replies in channel.sent]
    assert texts[0] == "提醒" and "多次发送失败" in texts[1]  # and the agent is told


def test_a_row_whose_senders_die_each_time_is_given_up(app, chat, clock):
    _queue_push(app, clock, "deadly", [reply_to_json(Reply("提醒"))])
    policy = DeliveryPolicy(max_attempts=3)
    for _ in range(3):  # claimed, then the process dies before it sends
        DeliveryWorker(app.uow, {"terminal": RecordingChannel()}, clock,
                       app.settings.zone, policy)._claim()
        clock.advance(minutes=6)
    channel = RecordingChannel()
    asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock,
                               app.settings.zone, policy).run_once())
    (row,) = [m for m in rows(app, OutboxMessage) if m.dedupe_key == "deadly"]
    assert row.status == "dead" and row.attempts == 3
    assert [replies[0].text for _, replies in channel.sent] == []


def test_on_stop_the_push_under_way_finishes_and_the_rest_wait_for_the_next_start(
    app, chat, clock
):
    from bot.runner import stop_delivery

    _queue_push(app, clock, "first", [reply_to_json(Reply("一")), reply_to_json(Reply("二"))])
    _queue_push(app, clock, "second", [reply_to_json(Reply("三"))])

    class Slow(RecordingChannel):
        def __init__(self) -> None:
            super().__init__()
            self.began = asyncio.Event()
            self.parts: list[str] = []

        async def send(self, chat_id, replies, skip_parts=0):
            for reply in replies[skip_parts:]:
                self.began.set()
                await asyncio.sleep(0.05)  # a paced part
                self.parts.append(reply.text)
            self.sent.append((chat_id, replies))

    async def run() -> Slow:
        channel = Slow()
        worker = DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone)
        delivery = asyncio.create_task(worker.run_forever(interval=0.01))
        await channel.began.wait()
        await stop_delivery(worker, delivery, grace=5)
        return channel

    channel = asyncio.run(run())
    assert channel.parts == ["一", "二"]  # every part of the push under way, nothing else
    by_key = {m.dedupe_key: m for m in rows(app, OutboxMessage)}
    assert by_key["first"].status == "sent"
    assert by_key["second"].status == "pending" and by_key["second"].attempts == 0
    assert deliver(app, clock, RecordingChannel()) == 1  # the next start sends it at once


def test_a_digest_withdrawn_while_it_is_on_the_wire_is_not_built_and_sent_again(
    app, chat, clock
):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()
    other = RecordingChannel()

    class DeletingWhileSending(RecordingChannel):
        async def send(self, chat_id, replies, skip_parts=0):
            # while this send is under way: a deletion withdraws the digest, a push tick
            # builds it again, and a second process delivers
            await asyncio.to_thread(delete_client, chat, "孙明")
            await asyncio.to_thread(app.nudges.tick)
            await DeliveryWorker(app.uow, {"terminal": other}, clock, app.settings.zone).run_once()
            self.sent.append((chat_id, replies))  # then this send succeeds

    first = DeletingWhileSending()
    assert deliver(app, clock, first) == 1
    clock.advance(minutes=10)  # past the lease
    app.nudges.tick()
    assert deliver(app, clock, other) == 0
    assert len(first.sent) == 1 and other.sent == []  # one digest that day
    assert [m.status for m in digests(app)] == ["sent"]


def test_a_failure_after_the_claim_is_renewed_is_counted_and_retried(app, chat, clock,
                                                                     monkeypatch):
    _queue_push(app, clock, "push", [reply_to_json(Reply("提醒"))])
    worker = DeliveryWorker(app.uow, {"terminal": RecordingChannel()}, clock, app.settings.zone)
    (claimed,) = worker._claim()
    clock.advance(seconds=1)  # the renewal moves its claim time…

    def broken(*_args):
        raise RuntimeError("the database went away")  # …then the transaction fails

    monkeypatch.setattr(DeliveryWorker, "_not_now", staticmethod(broken))
    assert asyncio.run(worker._deliver(claimed)) == 0
    (row,) = rows(app, OutboxMessage)
    assert (row.status, row.attempts) == ("pending", 1)  # not left to wait out the lease


def test_a_digest_let_go_at_stop_after_a_deletion_is_rebuilt_at_once(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()
    worker = DeliveryWorker(app.uow, {"terminal": RecordingChannel()}, clock, app.settings.zone)
    claimed = worker._claim()  # waiting its turn when the bot is stopped…
    delete_client(chat, "孙明")  # …and a deletion withdraws it meanwhile
    worker._release(claimed)
    app.nudges.tick()
    channel = RecordingChannel()
    assert deliver(app, clock, channel) == 1  # not only after the lease
    ((_, replies),) = channel.sent
    assert "李四" in replies[0].text and "孙明" not in replies[0].text
