"""WeChat end to end: the real wechaty client ↔ the fake puppet service (loopback gRPC) ↔ our
router and database (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from datetime import timedelta

import pytest

pytest.register_assert_rewrite("tests.e2e.conftest_wechat_e2e")

from bot.agents_admin import create_invite  # noqa: E402
from bot.channels.base import DeliveryError  # noqa: E402
from bot.channels.wechat import WeChatChannel  # noqa: E402
from bot.channels.wechat_setup import local_clock  # noqa: E402
from bot.delivery import DeliveryPolicy, DeliveryWorker  # noqa: E402
from bot.runner import run_all  # noqa: E402
from handlers import texts  # noqa: E402
from handlers.types import Reply, reply_to_json  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from tests.e2e.conftest_wechat_e2e import (  # noqa: E402
    MIN_GAP,
    NEWCOMER,
    ROOM,
    STRANGER,
    TOKEN,
    WANG,
    Contact,
    configure,
    wait_until,
)
from tests.support.chat import ChatDriver  # noqa: E402

pytest_plugins = ("tests.e2e.conftest_wechat_e2e",)

RECORD_BIRTHDAY_TODAY = ("/record 张丽华", "2", "1976-11-24", "保存")  # the clock: 2026-11-24


async def script(contact: Contact, *lines: str) -> list[str]:
    return [await contact.say(line) for line in lines]


def outbox(app) -> list[OutboxMessage]:
    with app.uow() as uow:
        rows = list(uow.session.query(OutboxMessage).order_by(OutboxMessage.id))
        uow.session.expunge_all()
        return rows


async def test_guided_record_by_numbered_replies_then_lookups(bot, wang, puppet):
    opened = await wang.say("/record 张丽华")
    assert "开始记录新客户「张丽华」" in opened
    assert "性别？" in opened and "1. 男\n2. 女\n（回复 1 / 2，或直接回复文字）" in opened

    birthday = await wang.say("2")  # "2" picks 女 from the numbered options
    assert "第2/24项" in birthday and "生日是哪天" in birthday
    assert "第4/24项" in await wang.say("1976-11-24") and "手机？" in wang.received()[-1].text
    assert "第5/24项" in await wang.say("跳过")  # no age question: the birth year gives it
    assert "已保存「张丽华」的档案（2 项）" in await wang.say("保存")

    found = await wang.say("/find zlh")
    assert "1. 张丽华（女，50岁，普通" in found and "（回复 1，或直接回复文字）" in found
    picked = await wang.say("1")  # the numbered result opens the card
    card = await wang.say("/card 张丽华")
    assert picked == card
    assert card.startswith("📇 张丽华（女，50岁）") and "生日：1976年11月24日" in card

    assert {s.conversation_id for s in puppet.sent} == {WANG}
    assert len(puppet.sent) == len(wang.message_ids) == 8  # one message per answer
    await wait_until(lambda: bot.stats["self"] == 8)  # the service echoes ours; never answered


async def test_unknown_contact_is_refused_then_registers_with_an_invite(
    bot, wechat_app, wang, puppet
):
    await script(wang, *RECORD_BIRTHDAY_TODAY)
    stranger, newcomer = Contact(puppet, STRANGER), Contact(puppet, NEWCOMER)

    assert await stranger.say("/card 张丽华") == texts.UNKNOWN_USER

    code = create_invite(wechat_app, leader=False)
    welcome = await newcomer.say(f"绑定 {code}")
    assert welcome.startswith("欢迎，李新！您已注册为经纪人。") and "/record" in welcome
    assert "/find 查 关键词" in await newcomer.say("/help")
    assert await newcomer.say("/find 张丽华") == "没有找到和「张丽华」相关的客户。"
    assert await stranger.say(f"绑定 {code}") == texts.BAD_INVITE  # used up

    await bot.stop()  # every answer in progress is sent first
    assert [s.text for s in stranger.received()] == [texts.UNKNOWN_USER, texts.BAD_INVITE]
    assert all("张丽华" not in s.text for s in stranger.received())
    assert all("1976" not in s.text and "岁" not in s.text for s in newcomer.received())


async def test_room_messages_get_at_most_the_privacy_line(bot, wang, puppet):
    await script(wang, *RECORD_BIRTHDAY_TODAY)
    wang_in_room, stranger_in_room = Contact(puppet, WANG, ROOM), Contact(puppet, STRANGER, ROOM)

    assert await wang_in_room.say("/card 张丽华") == texts.GROUP_ONLY_HELP
    assert await wang_in_room.say("/find zlh") == texts.GROUP_ONLY_HELP
    stranger_in_room.send("/find zlh")  # not an agent: silence
    wang_in_room.send("1")  # plain chatter in a room: no answer at all
    await wait_until(lambda: bot.stats["handled"] == 8)

    await bot.stop()
    assert [s.text for s in wang_in_room.received()] == [texts.GROUP_ONLY_HELP] * 2
    assert len(wang.received()) == len(RECORD_BIRTHDAY_TODAY)  # nothing leaked to the direct chat
    assert all("1976" not in s.text and "zlh" not in s.text for s in wang_in_room.received())


async def test_one_paced_digest_a_day_reaches_the_contact(bot, wechat_app, wang, puppet, clock):
    await script(wang, *RECORD_BIRTHDAY_TODAY)
    assert wechat_app.nudges.tick().digests == 1
    worker = DeliveryWorker(wechat_app.uow, {"wechat": bot}, clock,
                            wechat_app.settings.zone, DeliveryPolicy())

    wang.send("/find zlh")  # an answer competes with the digest for the account's pacing
    assert await worker.run_once() == 1
    await wait_until(lambda: len(wang.received()) == 6)

    (digest,) = [s for s in puppet.sent if "今日提醒" in s.text]
    assert digest.conversation_id == WANG
    assert "1. 🎂 张丽华 今天生日" in digest.text and "第1项" not in digest.text  # numbered once
    assert "点选" not in digest.text  # nothing can be tapped in WeChat
    assert digest.text.endswith("发送 /today 随时查看。\n（回复序号 1–2 打开对应的一项）")
    assert [m.status for m in outbox(wechat_app) if m.kind == "digest"] == ["sent"]

    clock.advance(hours=3)  # later the same day
    assert wechat_app.nudges.tick().digests == 0
    assert await worker.run_once() == 0
    assert "张丽华 今天生日" in await wang.say("/today")
    assert len([s for s in puppet.sent if "今日提醒" in s.text]) == 1
    gaps = [b.at - a.at for a, b in itertools.pairwise(puppet.sent)]
    assert min(gaps) >= MIN_GAP


async def test_a_number_after_the_digest_picks_a_digest_item(bot, wechat_app, wang, clock):
    # the last answer offered numbered options too (孙明's card); the digest's win
    await script(wang, *RECORD_BIRTHDAY_TODAY, "/record 孙明", "1", "保存", "/find 孙明")
    wechat_app.nudges.tick()
    worker = DeliveryWorker(wechat_app.uow, {"wechat": bot}, clock,
                            wechat_app.settings.zone, DeliveryPolicy())
    assert await worker.run_once() == 1
    await wait_until(lambda: "今日提醒" in wang.received()[-1].text)

    menu = await wang.say("1")  # "回复序号 1–2" under the digest: its first item
    assert "张丽华 今天生日" in menu and "推迟3天" in menu


@pytest.mark.parametrize("drop", ["stream-ended", "stream-failed"])
async def test_guided_record_survives_a_dropped_event_stream(bot, wang, puppet, drop):
    await wang.say("/record 张丽华")
    assert "第2/24项" in await wang.say("2")
    answered = wang.message_ids[-1]

    puppet.drop_stream(error=drop == "stream-failed")
    wang.send("1976-11-24")  # arrives while the bot is disconnected
    await puppet.wait_for_stream_opens(2)
    await wait_until(lambda: len(wang.received()) == 3)
    assert "第4/24项" in wang.received()[-1].text  # the same record, the next question
    assert bot.connection.reconnects == 1

    puppet.re_emit(answered)  # the service re-sends an old message after the reconnect
    assert "已保存「张丽华」的档案（2 项）" in await wang.say("保存")
    card = await wang.say("/card 张丽华")
    assert card.startswith("📇 张丽华（女，50岁）") and "1976年11月24日" in card
    await bot.stop()
    assert len(wang.received()) == 5  # the old message was not answered again


async def test_guided_record_continues_after_a_restart(
    make_app, wechat_app, start_bot, wang, puppet
):
    from wechaty.utils.async_helper import SingleIdContainer

    first = await start_bot(wechat_app)
    await wang.say("/record 张丽华")
    await wang.say("2")
    answered = wang.message_ids[-1]
    await first.stop()

    SingleIdContainer._instance = None  # a new process: wechaty's in-memory ids are gone
    second = await start_bot(configure(make_app(), puppet))  # same database
    puppet.re_emit(answered)  # only the database's message ledger knows it was answered
    assert "第4/24项" in await wang.say("1976-11-24")
    assert "已保存「张丽华」的档案（2 项）" in await wang.say("保存")
    await second.stop()
    assert second.stats["handled"] == 3 and len(wang.received()) == 4


async def test_run_all_delivers_over_wechat_and_shuts_down_cleanly(wechat_app, puppet, wang):
    chat = ChatDriver(wechat_app, "王芳")  # 王芳 also has a terminal identity
    chat.script("/record 张丽华", "女", "1976-11-24", "保存")

    running = asyncio.create_task(run_all(wechat_app, "王芳"))
    # start-up catch-up tick → today's digest → the delivery worker pushes it over WeChat
    await wait_until(lambda: any("今日提醒" in s.text for s in wang.received()), timeout=10)
    assert "📇 张丽华（女，50岁）" in await wang.say("/card 张丽华")

    began = time.monotonic()
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert time.monotonic() - began < 2  # no 60 s sleep-and-retry inside wechaty

    *_, closed, stopped = puppet.timeline
    assert closed[0] == "stream-closed"
    assert stopped[0] == "stop" and stopped[2] == 0  # no open stream when Stop came
    assert puppet.stream_opens == 1 and puppet.open_streams == 0
    assert [s.conversation_id for s in puppet.sent] == [WANG, WANG]


def test_configured_channels_builds_the_wechat_channel_on_local_time(wechat_app):
    from bot.runner import configured_channels

    (channel,) = configured_channels(wechat_app)
    assert isinstance(channel, WeChatChannel) and channel.platform == "wechat"
    assert TOKEN not in repr(channel)
    now = local_clock(wechat_app)()  # the app's clock: 2026-11-24 01:00 UTC
    assert (now.isoformat(), now.utcoffset()) == ("2026-11-24T09:00:00+08:00", timedelta(hours=8))


async def test_a_policy_status_and_a_deletion_by_numbered_replies(bot, wang, puppet):
    for answer in ("/record 张丽华", "2", "保存"):
        await wang.say(answer)
    for answer in ("/policy 张丽华", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过"):
        await wang.say(answer)
    assert "已保存「张丽华」的保单" in await wang.say("有效")
    assert "已改为「退保」" in await wang.say("/policy 张丽华 退保")
    asked = await wang.say("删除 张丽华")
    assert "1. 保单：[本公司] 重疾" in asked and "2. 整个客户档案" in asked
    confirm = await wang.say("1")
    assert "确定删除「张丽华」的保单" in confirm and "1. 不删了\n2. 确认删除" in confirm
    assert "🗑 已删除「张丽华」的保单" in await wang.say("2")
    assert "—— 保单 ——" not in await wang.say("/card 张丽华")


async def test_a_long_push_failing_after_its_first_part_is_not_sent_twice(
    bot, wechat_app, puppet, clock
):
    lines = [f"第{n:03d}行：需要跟进的客户和事项说明" for n in range(1, 201)]  # three parts
    with wechat_app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        uow.outbox.enqueue("long:1", agent.id, "wechat", WANG, "push",
                           [reply_to_json(Reply("\n".join(lines)))], clock.now())
        uow.commit()
    worker = DeliveryWorker(wechat_app.uow, {"wechat": bot}, clock,
                            wechat_app.settings.zone, DeliveryPolicy())
    puppet.fail_sends, puppet.fail_sends_after = 1, 1  # the second part fails
    assert await worker.run_once() == 0
    [row] = outbox(wechat_app)
    assert (row.status, row.parts_sent) == ("pending", 1)
    clock.advance(seconds=6)
    assert await worker.run_once() == 1
    sent = [s.text for s in puppet.sent if s.conversation_id == WANG]
    assert len(sent) == 3  # each part once
    text = "\n".join(sent)
    assert all(text.count(line) == 1 for line in lines)


async def test_the_daily_cap_counts_what_went_out_before_a_restart(
    wechat_app, make_app, start_bot, wang, puppet, clock
):
    first = await start_bot(wechat_app)
    await wang.say("你好")
    await wang.say("/help")
    replies = len(puppet.sent)
    await first.stop()  # adds this process's messages to the day's count

    restarted = configure(make_app(), puppet)  # a new process on the same database
    second = await start_bot(restarted, daily_cap=replies + 2)
    await second.send(WANG, [Reply("一")])
    await second.send(WANG, [Reply("二")])
    with pytest.raises(DeliveryError) as refused:  # the cap counts the first process's too
        await second.send(WANG, [Reply("三")])
    assert refused.value.retry_after == pytest.approx(15 * 3600)  # until local midnight
    assert [s.text for s in puppet.sent[replies:]] == ["一", "二"]

    await second.share_count()
    with restarted.uow() as uow:  # one row for the account, the day's total
        assert uow.send_counts.add(f"wechat:{puppet.self_id}", clock.now().date(), 0) \
            == replies + 2
    clock.advance(days=1)  # a new local day: the count starts again
    await second.send(WANG, [Reply("三")])
    await second.share_count()
    assert puppet.sent[-1].text == "三"
