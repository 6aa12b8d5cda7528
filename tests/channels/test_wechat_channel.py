"""WeChatChannel: the real wechaty client against the fake puppet service (loopback gRPC)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

pytest.register_assert_rewrite("tests.channels.conftest_wechat")

from bot.channels.base import DeliveryError  # noqa: E402
from bot.channels.text_render import render_plain  # noqa: E402
from bot.channels.wechat import WeChatChannel  # noqa: E402
from handlers.types import MEDIA, VOICE, Incoming, Reply  # noqa: E402
from tests.channels.conftest_wechat import (  # noqa: E402
    ALICE,
    BOB,
    OPTIONS,
    ROOM,
    TOKEN,
    wait_until,
)
from tests.fakes.wechat_puppet import (  # noqa: E402
    AUDIO_ON_THE_WIRE,
    EMOTICON_ON_THE_WIRE,
    IMAGE_ON_THE_WIRE,
    RECALLED_ON_THE_WIRE,
)

pytest_plugins = ("tests.channels.conftest_wechat",)


async def test_direct_text_gets_a_numbered_reply(wechat, fake_puppet, wechat_handler):
    message_id = fake_puppet.inject_text(ALICE, "你好")

    sent = await fake_puppet.wait_for_sent(1)

    assert wechat_handler.incomings == [
        Incoming(
            platform="wechat",
            user_id=ALICE,
            chat_id=ALICE,
            text="你好",
            message_id=message_id,
            is_group=False,
            display_name="王小明",
        )
    ]
    assert sent[0].conversation_id == ALICE
    assert sent[0].text == render_plain(Reply("收到：你好", OPTIONS))
    assert "1. 确认\n2. 取消\n（回复 1 / 2" in sent[0].text


async def test_group_message_is_flagged_and_answered_in_the_room(
    wechat, fake_puppet, wechat_handler
):
    fake_puppet.inject_text(BOB, "帮助", room_id=ROOM)

    sent = await fake_puppet.wait_for_sent(1)

    (incoming,) = wechat_handler.incomings
    assert (incoming.is_group, incoming.user_id, incoming.chat_id) == (True, BOB, ROOM)
    assert incoming.display_name == "李华"
    assert [(s.conversation_id, s.text) for s in sent] == [
        (ROOM, render_plain(Reply("收到：帮助", OPTIONS)))
    ]


async def test_names_of_contacts_and_groups_never_reach_the_log(
    wechat, fake_puppet, wechat_handler, caplog, capfd
):
    # two messages of one member in a group, fetched at once: wechaty sets the contact's and
    # the room's payload twice, and warns about it naming both
    fake_puppet.inject_text(BOB, "/help", room_id=ROOM)
    fake_puppet.inject_text(BOB, "第二条", room_id=ROOM)
    await wait_until(lambda: len(wechat_handler.incomings) == 2)
    await fake_puppet.wait_for_sent(2)

    logged = caplog.text + "".join(capfd.readouterr())
    assert "set payload more than once" in logged  # the warning itself stays
    assert "李华" not in logged and "保险小组" not in logged


async def test_own_messages_recalls_and_group_media_are_ignored(
    wechat, fake_puppet, wechat_handler
):
    fake_puppet.inject_text(fake_puppet.self_id, "从手机上发的")
    fake_puppet.inject_text(ALICE, "<revokemsg/>", type_on_wire=RECALLED_ON_THE_WIRE)
    fake_puppet.inject_text(BOB, "<img/>", room_id=ROOM, type_on_wire=IMAGE_ON_THE_WIRE)
    fake_puppet.inject_text("", "没有发送人")  # (wechaty makes it a contact that never loads)
    fake_puppet.inject_text(ALICE, "在吗")

    await fake_puppet.wait_for_sent(1)
    # the phone message, then the service's echo of our own reply
    await wait_until(lambda: wechat.stats["self"] == 2 and wechat.stats["not-text"] == 2
                     and wechat.stats["no-talker"] == 1)

    assert wechat_handler.texts() == ["在吗"]
    assert len(fake_puppet.sent) == 1


async def test_a_message_that_cannot_be_read_is_skipped_and_the_next_answered(
    wechat, fake_puppet, wechat_handler, monkeypatch
):
    import bot.channels.wechat as wechat_module

    readable = wechat_module.to_incoming
    unreadable = fake_puppet.inject_text(ALICE, "坏的")

    def to_incoming(msg):
        if msg.message_id == unreadable:
            raise ValueError("a payload wechaty cannot read")
        return readable(msg)

    monkeypatch.setattr(wechat_module, "to_incoming", to_incoming)
    fake_puppet.inject_text(ALICE, "好的")

    await fake_puppet.wait_for_sent(1)
    await wait_until(lambda: wechat.stats["unreadable"] == 1)
    assert wechat_handler.texts() == ["好的"]


async def test_direct_voice_and_media_are_passed_on_by_kind_without_text(
    wechat, fake_puppet, wechat_handler
):
    voice = fake_puppet.inject_text(ALICE, "<msg><voicemsg/></msg>", type_on_wire=AUDIO_ON_THE_WIRE)
    await wait_until(lambda: len(wechat_handler.incomings) == 1)
    image = fake_puppet.inject_text(ALICE, "<img/>", type_on_wire=IMAGE_ON_THE_WIRE)
    await wait_until(lambda: len(wechat_handler.incomings) == 2)
    sticker = fake_puppet.inject_text(ALICE, "<emoji/>", type_on_wire=EMOTICON_ON_THE_WIRE)
    await wait_until(lambda: len(wechat_handler.incomings) == 3)
    # a type newer than wechaty-puppet-service 0.8.10 knows (TypeScript's Post = 16)
    post = fake_puppet.inject_text(ALICE, "<post/>", type_on_wire=16)
    await fake_puppet.wait_for_sent(4)

    got = [(i.message_id, i.kind, i.text, i.chat_id) for i in wechat_handler.incomings]
    assert got == [(voice, VOICE, "", ALICE), (image, MEDIA, "", ALICE),
                   (sticker, MEDIA, "", ALICE), (post, MEDIA, "", ALICE)]


async def test_long_reply_is_split_into_several_messages(wechat, fake_puppet, wechat_handler):
    fake_puppet.inject_text(ALICE, "长")

    await wait_until(
        lambda: "\n".join(s.text for s in fake_puppet.sent) == wechat_handler.long_reply
    )

    parts = [s.text for s in fake_puppet.sent]
    assert len(parts) >= 3
    assert all(len(part) <= 1500 for part in parts)
    assert {s.conversation_id for s in fake_puppet.sent} == {ALICE}


async def test_every_outgoing_message_is_paced(wechat, fake_puppet):
    pushes = [wechat.send(chat, [Reply(f"提醒 {i}")]) for i, chat in enumerate([ALICE, BOB] * 3)]
    fake_puppet.inject_text(ALICE, "插一句")  # a reply competes with the pushes

    await asyncio.gather(*pushes)
    sent = await fake_puppet.wait_for_sent(7)

    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.05
    assert sorted(s.text for s in sent if s.text.startswith("提醒")) == [
        f"提醒 {i}" for i in range(6)
    ]


async def test_daily_cap_refuses_pushes_until_tomorrow(
    make_wechat_channel, fake_puppet, wechat_clock
):
    wechat_clock.set(wechat_clock.now().replace(hour=23, minute=0))
    wechat = await make_wechat_channel(daily_cap=2)
    await wechat.send(ALICE, [Reply("一")])
    await wechat.send(ALICE, [Reply("二")])

    with pytest.raises(DeliveryError) as refused:
        await wechat.send(ALICE, [Reply("三")])
    assert refused.value.retry_after == pytest.approx(3600)
    assert not refused.value.permanent

    wechat_clock.advance(hours=1, seconds=1)  # a new local day
    await wechat.send(ALICE, [Reply("三")])
    with pytest.raises(DeliveryError) as too_big:  # can never fit in one day
        await wechat.send(ALICE, [Reply("\n".join(["档" * 1400] * 3))])
    assert too_big.value.permanent
    assert [s.text for s in fake_puppet.sent] == ["一", "二", "三"]


async def test_puppet_errors_become_retryable_delivery_errors(wechat, fake_puppet):
    fake_puppet.fail_sends = 1

    with pytest.raises(DeliveryError) as failed:
        await wechat.send(ALICE, [Reply("提醒")])
    assert not failed.value.permanent and not failed.value.unreachable

    await wechat.send(ALICE, [Reply("提醒")])
    assert [s.text for s in fake_puppet.sent] == ["提醒"]


async def test_sends_during_an_outage_do_not_use_up_the_daily_cap(
    make_wechat_channel, fake_puppet
):
    wechat = await make_wechat_channel(daily_cap=3)
    fake_puppet.fail_sends = 1  # the service had it, then failed: it may have gone out
    with pytest.raises(DeliveryError):
        await wechat.send(ALICE, [Reply("一")])

    await fake_puppet.stop()  # down: no connection can be made, nothing leaves
    for _ in range(5):
        with pytest.raises(DeliveryError) as failed:
            await wechat.send(ALICE, [Reply("提醒")])
        assert isinstance(failed.value.__cause__, ConnectionRefusedError)
        assert not failed.value.permanent

    await fake_puppet.start()
    await fake_puppet.wait_for_stream_opens(1)
    await wechat.send(ALICE, [Reply("二")])
    await wechat.send(ALICE, [Reply("三")])
    with pytest.raises(DeliveryError) as over:  # the one that may have gone out counts
        await wechat.send(ALICE, [Reply("四")])
    assert over.value.retry_after is not None
    assert [s.text for s in fake_puppet.sent] == ["二", "三"]


@pytest.mark.parametrize("drop", ["stream-ended", "stream-failed", "service-restarted"])
async def test_reconnects_after_the_event_stream_drops(wechat, fake_puppet, wechat_handler, drop):
    first = fake_puppet.inject_text(ALICE, "一")
    await fake_puppet.wait_for_sent(1)

    began = time.monotonic()
    if drop == "service-restarted":  # the connection itself is lost
        await fake_puppet.stop()
        await fake_puppet.start()
    else:
        fake_puppet.drop_stream(error=drop == "stream-failed")
    fake_puppet.inject_text(ALICE, "二")  # arrives while we are disconnected
    await fake_puppet.wait_for_stream_opens(2)
    await fake_puppet.wait_for_sent(2)
    assert time.monotonic() - began < 3

    fake_puppet.re_emit(first)  # the service re-sends an old event after the reconnect
    fake_puppet.inject_text(ALICE, "三")
    await fake_puppet.wait_for_sent(3)

    assert wechat_handler.texts() == ["一", "二", "三"]
    assert wechat.connection.reconnects == 1


async def test_channel_dedupes_even_when_wechaty_forgets(wechat, fake_puppet, wechat_handler):
    # wechaty's own de-duplication is one process-wide set that it empties wholesale at 100,000
    # ids; the channel keeps its own record.
    from wechaty.utils.async_helper import SingleIdContainer

    first = fake_puppet.inject_text(ALICE, "一")
    await fake_puppet.wait_for_sent(1)
    SingleIdContainer._instance = None

    fake_puppet.re_emit(first)
    await wait_until(lambda: wechat.stats["duplicate"] == 1)
    assert wechat_handler.texts() == ["一"]


async def test_a_failed_handler_lets_a_redelivery_through(wechat, fake_puppet, wechat_handler):
    wechat_handler.fail_next = 1
    message_id = fake_puppet.inject_text(ALICE, "一")
    await wait_until(lambda: wechat.stats["failed"] == 1)

    fake_puppet.re_emit(message_id)  # in the same process: wechaty's own seen-set is not asked
    await fake_puppet.wait_for_sent(1)
    assert wechat_handler.texts() == ["一", "一"]


async def test_copies_of_an_event_in_flight_are_fetched_and_answered_once(
    wechat, fake_puppet, wechat_handler, caplog
):
    fake_puppet.payload_delay = 0.05
    message_id = fake_puppet.inject_text(ALICE, "一")
    fake_puppet.re_emit(message_id)  # the service sometimes sends an event two or three times
    fake_puppet.re_emit(message_id)
    await fake_puppet.wait_for_sent(1)
    await wait_until(lambda: wechat.stats["self"] == 1)  # our reply's own event, handled too
    assert fake_puppet.payload_requests.count(message_id) == 1
    assert wechat_handler.texts() == ["一"]
    assert "王小明" not in caplog.text  # wechaty logs a name when a payload is set twice


async def test_a_fetch_that_hangs_is_given_up_and_a_later_copy_answered(
    wechat, fake_puppet, wechat_handler
):
    wechat.connection.bot.fetch_timeout = 0.1
    fake_puppet.payload_delay = 5.0  # the service stops answering ...
    message_id = fake_puppet.inject_text(ALICE, "一")
    await wait_until(lambda: fake_puppet.payload_requests == [message_id])
    await asyncio.sleep(0.2)
    fake_puppet.payload_delay = 0.0  # ... and recovers; the copy it sends is answered
    fake_puppet.re_emit(message_id)
    await fake_puppet.wait_for_sent(1)
    assert wechat_handler.texts() == ["一"]


@pytest.mark.parametrize("drop", ["stream-failed", "stream-ended"])
async def test_a_message_whose_fetch_failed_is_answered_when_sent_again(
    wechat, fake_puppet, wechat_handler, drop
):
    fake_puppet.fail_payloads = 1  # the connection drops while the message is fetched ...
    message_id = fake_puppet.inject_text(ALICE, "一")
    fake_puppet.drop_stream(error=drop == "stream-failed")
    await fake_puppet.wait_for_stream_opens(2)
    assert fake_puppet.fail_payloads == 0 and wechat_handler.texts() == []

    fake_puppet.re_emit(message_id)  # ... and the service sends it again after the reconnect
    await fake_puppet.wait_for_sent(1)
    fake_puppet.re_emit(message_id)  # once answered, a further copy is a duplicate
    await wait_until(lambda: wechat.stats["duplicate"] == 1)
    assert wechat_handler.texts() == ["一"]


async def test_stop_ends_the_stream_before_stopping_the_bot(wechat, fake_puppet):
    fake_puppet.inject_text(ALICE, "你好")
    await fake_puppet.wait_for_sent(1)

    began = time.monotonic()
    await wechat.stop()

    assert time.monotonic() - began < 2
    *_, closed, stopped = fake_puppet.timeline
    assert closed[0] == "stream-closed"
    assert stopped[0] == "stop" and stopped[2] == 0  # no open stream when Stop came
    assert fake_puppet.stream_opens == 1 and fake_puppet.open_streams == 0
    with pytest.raises(DeliveryError):
        await wechat.send(ALICE, [Reply("太晚了")])


async def test_stop_lets_an_answer_in_progress_finish(wechat, fake_puppet, wechat_handler):
    wechat_handler.gate = asyncio.Event()
    fake_puppet.inject_text(ALICE, "慢慢来")
    await wait_until(lambda: wechat_handler.texts() == ["慢慢来"])

    stopping = asyncio.create_task(wechat.stop())
    await wait_until(lambda: fake_puppet.open_streams == 0)  # no new messages from here on
    wechat_handler.gate.set()
    await stopping

    (sent,) = fake_puppet.sent
    closed_at = max(at for what, at, _ in fake_puppet.timeline if what == "stream-closed")
    stopped_at = max(at for what, at, _ in fake_puppet.timeline if what == "stop")
    assert closed_at < sent.at < stopped_at


async def test_stop_answers_a_message_still_being_fetched_when_it_began(
    make_wechat_channel, fake_puppet, wechat_handler
):
    wechat = await make_wechat_channel(min_gap_seconds=0.3)
    fake_puppet.payload_delay = 0.3
    message_id = fake_puppet.inject_text(ALICE, "一")
    await wait_until(lambda: message_id in fake_puppet.payload_requests)

    await wechat.stop()  # the stream ends while the message is fetched: it is answered all the same

    assert wechat_handler.texts() == ["一"]
    assert [s.text.splitlines()[0] for s in fake_puppet.sent] == ["收到：一"]
    stopped_at = max(at for what, at, _ in fake_puppet.timeline if what == "stop")
    assert fake_puppet.sent[0].at < stopped_at


async def test_start_gives_up_when_the_service_is_unreachable(fake_puppet):
    port = fake_puppet.port
    await fake_puppet.stop()
    wechat = WeChatChannel(
        token=TOKEN,
        endpoint=f"127.0.0.1:{port}",
        daily_cap=5,
        reconnect_delay=0.05,
        login_timeout=0.5,
    )
    with pytest.raises(RuntimeError, match="did not log in"):
        await wechat.start(lambda incoming: asyncio.sleep(0, []))
    assert wechat.connection is None


async def test_logs_in_after_a_scan_and_never_logs_the_token(
    make_wechat_channel, fake_puppet, monkeypatch, capfd, caplog
):
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "env_token_9c1d")  # makes wechaty warn
    fake_puppet.scan_before_login = True
    wechat = await make_wechat_channel()

    fake_puppet.inject_text(ALICE, "你好")
    await fake_puppet.wait_for_sent(1)
    await wechat.stop()

    output = "".join(capfd.readouterr()) + caplog.text + repr(wechat)
    assert TOKEN not in output and "env_token_9c1d" not in output


async def test_send_before_start_is_a_delivery_error(fake_puppet):
    wechat = WeChatChannel(token=TOKEN, endpoint=fake_puppet.endpoint, daily_cap=5)
    with pytest.raises(DeliveryError):
        await wechat.send(ALICE, [Reply("你好")])
