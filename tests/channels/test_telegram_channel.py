"""The real python-telegram-bot Application, run by TelegramChannel against a fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
import logging

import aiohttp
import pytest

from bot.channels.base import DeliveryError
from bot.channels.telegram import COMMANDS, TelegramChannel, TelegramStartError, TelegramWebhook
from bot.channels.telegram_config import FAILURE_TEXT
from handlers.types import Incoming, Option, Reply
from tests.channels.conftest import Recorder, StartChannel
from tests.fakes.telegram_api import PHOTO, STICKER, VOICE, FakeBotApi

# PTB warns (PTBDeprecationWarning) whenever it builds a RetryAfter; anything else is an error.
pytestmark = [
    pytest.mark.filterwarnings("error"),
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

USER = 42
SECRET = "s3cret-T0ken-of-at-least-32-characters"  # TELEGRAM_WEBHOOK_SECRET


def keyboard_of(call) -> list[list[dict]]:
    return call.params.get("reply_markup", {}).get("inline_keyboard", [])


async def test_commands_are_registered_with_chinese_descriptions(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    await start_channel()

    [call] = fake_api.calls_to("setMyCommands", ok=True)
    registered = {c["command"]: c["description"] for c in call.params["commands"]}
    assert registered == dict(COMMANDS)
    assert registered["start"] == "绑定邀请码"
    assert registered["book"] == "按分层列出客户"
    assert list(registered) == [
        "start", "record", "note", "find", "card", "notes", "book", "tier", "tag", "policy",
        "family", "delete", "referral", "meet", "salon", "settings", "help", "cancel",
    ]  # fmt: skip


async def test_a_failed_command_menu_does_not_stop_the_start(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    fake_api.fail("setMyCommands", 500)
    recorder = Recorder()
    await start_channel(recorder)
    fake_api.inject_message("你好", user_id=USER)
    await recorder.wait_for(1)


async def test_text_in_reply_with_buttons_out(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    recorder = Recorder()
    await start_channel(recorder)

    fake_api.inject_message("你好", user_id=USER, first_name="李", last_name="四")
    [incoming] = await recorder.wait_for(1)
    [call] = await fake_api.wait_for_messages(USER)

    assert incoming == Incoming(
        platform="telegram",
        user_id="42",
        chat_id="42",
        text="你好",
        message_id="42:1",
        is_group=False,
        display_name="李 四",
    )
    assert call.params["parse_mode"] == "HTML"
    assert call.result["text"] == "收到：你好"
    assert keyboard_of(call) == [  # short labels: two to a row
        [{"text": "是", "callback_data": "yes"}, {"text": "否", "callback_data": "no"}]
    ]


async def test_button_press_is_answered_and_delivered(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    recorder = Recorder()
    await start_channel(recorder)
    fake_api.inject_message("你好", user_id=USER)
    [offer] = await fake_api.wait_for_messages(USER)

    update = fake_api.inject_callback("yes", chat_id=USER)
    query_id = update["callback_query"]["id"]
    incomings = await recorder.wait_for(2)
    await fake_api.wait_for_messages(USER, 2)

    assert incomings[1].text == "yes"
    assert incomings[1].message_id == f"cb:{query_id}"
    assert incomings[1].chat_id == "42" and incomings[1].user_id == "42"
    assert fake_api.calls_to("answerCallbackQuery", ok=True, callback_query_id=query_id)
    [edit] = fake_api.calls_to("editMessageReplyMarkup", ok=True)
    assert edit.params["message_id"] == offer.result["message_id"]
    assert "reply_markup" not in fake_api.messages[(USER, offer.result["message_id"])]
    assert fake_api.sent_texts(USER) == ["收到：你好", "收到：yes"]  # the reply is a new message


async def test_callback_data_over_64_bytes_falls_back_to_the_index(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    exactly_64 = "x" * 64
    too_long = "c:" + "张" * 21  # 65 bytes
    assert len(too_long.encode()) == 65

    def respond(incoming: Incoming) -> list[Reply]:
        options = (
            Option("选择这位客户并查看完整档案", too_long),
            Option("保留六十四字节的回调数据", exactly_64),
        )
        return [Reply("请选择", options)]

    recorder = Recorder(respond)
    await start_channel(recorder)
    fake_api.inject_message("/find 张", user_id=USER)
    [call] = await fake_api.wait_for_messages(USER)

    rows = keyboard_of(call)
    assert [[b["callback_data"] for b in row] for row in rows] == [["1"], [exactly_64]]

    fake_api.inject_callback("1", chat_id=USER)
    incomings = await recorder.wait_for(2)
    # a press without an offer: the router refuses it unless it is a command
    assert (incomings[1].text, incomings[1].kind, incomings[1].offer) == ("1", "button", None)


async def test_an_offered_question_travels_by_number_and_loses_its_keyboard_when_answered(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    def respond(incoming: Incoming) -> list[Reply]:
        if incoming.text == "/find 张":  # a list of commands: its buttons stay
            found = (Option("张三", "/card #1"), Option("张四", "/card #2"))
            return [Reply("找到 2 位客户", found)]
        return [Reply("性别？", (Option("男", "男"), Option("女", "女")), offer="12")]

    recorder = Recorder(respond)
    await start_channel(recorder)
    fake_api.inject_message("/find 张", user_id=USER)
    [found] = await fake_api.wait_for_messages(USER)
    fake_api.inject_message("/record 李四", user_id=USER)
    [_, asked] = await fake_api.wait_for_messages(USER, 2)
    assert [[b["callback_data"] for b in row] for row in keyboard_of(asked)] == [
        ["~12.1", "~12.2"]
    ]

    fake_api.inject_callback("/card #2", chat_id=USER, message_id=found.result["message_id"])
    fake_api.inject_callback("~12.2", chat_id=USER, message_id=asked.result["message_id"])
    incomings = await recorder.wait_for(4)
    await fake_api.wait_for_messages(USER, 4)
    assert [(i.text, i.kind, i.offer) for i in incomings[2:]] == [
        ("/card #2", "button", None), ("2", "button", "12")
    ]
    assert "reply_markup" in fake_api.messages[(USER, found.result["message_id"])]
    assert "reply_markup" not in fake_api.messages[(USER, asked.result["message_id"])]


async def test_captions_media_and_edits_arrive_by_kind(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    recorder = Recorder(lambda incoming: [Reply("收到")])
    await start_channel(recorder)
    fake_api.inject_message(None, user_id=USER, content={**PHOTO, "caption": "/note 王五 聊得好"})
    fake_api.inject_message(None, user_id=USER, content=VOICE)
    fake_api.inject_message(None, user_id=USER, content=STICKER)
    typed = fake_api.inject_message("1980-01-02", user_id=USER)
    fake_api.inject(fake_api.make_edit_update(typed, "1981-01-02"))
    fake_api.inject_message(None, user_id=USER, chat_type="group", content=PHOTO)  # ignored
    fake_api.inject_message("在吗", user_id=USER)
    incomings = await recorder.wait_for(6)

    assert [(i.kind, i.text) for i in incomings] == [
        ("text", "/note 王五 聊得好"), ("voice", ""), ("media", ""), ("text", "1980-01-02"),
        ("edit", ""), ("text", "在吗")
    ]
    edited = f"{USER}:{typed['message']['message_id']}:edit:"
    assert (incomings[4].message_id or "").startswith(edited)  # each edit handled once


async def test_long_text_is_split_under_the_limit_with_buttons_last(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    lines = [f"第{n}位客户 <VIP> & 家人" for n in range(600)]  # escaping lengthens each line
    text = "\n".join(lines)

    await start_channel(Recorder(lambda _: [Reply(text, (Option("下一页", "next"),))]))
    fake_api.inject_message("/book", user_id=USER)

    def all_chunks() -> list:  # the keyboard rides on the last chunk
        sent = fake_api.sent_messages(USER)
        return sent if any(keyboard_of(c) for c in sent) else []

    calls = await fake_api.wait_for(all_chunks, what="the chunk with the keyboard")

    assert len(calls) >= 3
    assert all(len(c.params["text"]) <= 4096 for c in calls)
    assert not fake_api.calls_to("sendMessage", ok=False)
    assert [bool(keyboard_of(c)) for c in calls] == [False] * (len(calls) - 1) + [True]
    assert "\n".join(c.result["text"] for c in calls) == text


async def test_a_long_card_is_packed_into_as_few_messages_as_fit(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    chunk = "客户说喜欢跑步和马拉松，周末常去奥森公园，和朋友聚会 & 喝茶。"  # & grows escaped
    text = "\n".join(f"{n}. " + (chunk * 20)[:480] for n in range(14))
    assert 6_500 < len(text) < 7_000
    await start_channel(Recorder(lambda _: [Reply(text, (Option("查看更多", "/more"),))]))
    fake_api.inject_message("/card 赵六", user_id=USER)

    def all_chunks() -> list:  # the keyboard rides on the last chunk
        sent = fake_api.sent_messages(USER)
        return sent if any(keyboard_of(c) for c in sent) else []

    calls = await fake_api.wait_for(all_chunks, what="the chunk with the keyboard")
    assert len(calls) == 2  # not ever-halved pieces (3 here, 6 for a card with more < & >)
    assert all(len(c.params["text"].encode("utf-16-le")) // 2 <= 4096 for c in calls)
    assert "\n".join(c.result["text"] for c in calls) == text


async def test_names_are_html_escaped(fake_api: FakeBotApi, start_channel: StartChannel) -> None:
    name = "<b>*_& 王_小*明</b>"
    await start_channel(Recorder(lambda _: [Reply(f"已保存：{name}", (Option(name, "ok"),))]))
    fake_api.inject_message("/card", user_id=USER)
    [call] = await fake_api.wait_for_messages(USER)

    assert call.params["text"] == "已保存：&lt;b&gt;*_&amp; 王_小*明&lt;/b&gt;"
    assert call.result["text"] == f"已保存：{name}"  # what the user sees
    assert keyboard_of(call)[0][0]["text"] == name  # button labels are plain text


async def test_group_chat_is_flagged(fake_api: FakeBotApi, start_channel: StartChannel) -> None:
    recorder = Recorder()
    await start_channel(recorder)
    fake_api.inject_message("/find 张", user_id=7, chat_type="group", chat_id=-100555)
    [incoming] = await recorder.wait_for(1)
    await fake_api.wait_for_messages(-100555)

    assert incoming.is_group
    assert (incoming.user_id, incoming.chat_id) == ("7", "-100555")


async def test_bot_name_suffix_is_stripped_and_other_bots_ignored(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    recorder = Recorder()
    await start_channel(recorder)
    for text in ("/record@MyBot 张三", "/note@OtherBot 不是给我的", "/help@mybot", "/cancel@MyBot"):
        fake_api.inject_message(text, user_id=7, chat_type="supergroup", chat_id=-100777)
    fake_api.inject_message("完", user_id=7, chat_type="supergroup", chat_id=-100777)

    incomings = await recorder.wait_for(4)
    assert [i.text for i in incomings] == ["/record 张三", "/help", "/cancel", "完"]


async def test_start_deep_link_payload_passes_through(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    recorder = Recorder()
    await start_channel(recorder)
    fake_api.inject_message("/start INV-8F3K2", user_id=USER)
    [incoming] = await recorder.wait_for(1)
    assert incoming.text == "/start INV-8F3K2"


async def test_handler_failure_sends_an_apology(
    fake_api: FakeBotApi, start_channel: StartChannel, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("boom")

    await start_channel(Recorder(broken))
    fake_api.inject_message("hi", user_id=USER)
    await fake_api.wait_for_messages(USER)
    assert fake_api.sent_texts(USER) == [FAILURE_TEXT]


async def test_send_pushes_messages(fake_api: FakeBotApi, start_channel: StartChannel) -> None:
    channel = await start_channel()
    fake_api.add_chat(555)
    await channel.send(
        "555", [Reply("生日提醒：张三"), Reply("要发祝福吗？", (Option("发", "y"),))]
    )
    assert fake_api.sent_texts(555) == ["生日提醒：张三", "要发祝福吗？"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, {"retry_after": 7.0, "permanent": False, "unreachable": False}),
        (403, {"retry_after": None, "permanent": False, "unreachable": True}),
        (400, {"retry_after": None, "permanent": True, "unreachable": False}),
        (500, {"retry_after": None, "permanent": False, "unreachable": False}),
        (502, {"retry_after": None, "permanent": False, "unreachable": False}),
    ],
)
async def test_send_maps_api_errors(
    fake_api: FakeBotApi, start_channel: StartChannel, status: int, expected: dict
) -> None:
    channel = await start_channel()
    fake_api.add_chat(555)
    fake_api.fail("sendMessage", status, retry_after=7 if status == 429 else None)

    with pytest.raises(DeliveryError) as caught:
        await channel.send("555", [Reply("提醒")])

    error = caught.value
    assert {k: getattr(error, k) for k in expected} == expected
    assert fake_api.token not in str(error)
    fake_api.add_chat(556)  # (chat 555 is held for retry_after after a 429)
    await channel.send("556", [Reply("提醒")])  # the failure was one-shot
    assert fake_api.sent_texts(556) == ["提醒"]


async def test_unknown_chat_is_a_permanent_failure(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    channel = await start_channel()
    with pytest.raises(DeliveryError) as caught:
        await channel.send("999", [Reply("x")])
    assert caught.value.permanent
    assert "chat not found" in str(caught.value).lower()


async def test_pushes_are_paced_per_chat(fake_api: FakeBotApi, start_channel: StartChannel) -> None:
    interval = 0.15
    channel = await start_channel(per_chat_interval=interval)
    fake_api.add_chat(1)
    fake_api.add_chat(2)

    await asyncio.gather(
        channel.send("1", [Reply("a1"), Reply("a2"), Reply("a3")]),
        channel.send("2", [Reply("b1")]),
    )

    first = [c.at for c in fake_api.sent_messages(1)]
    other = fake_api.sent_messages(2)[0].at
    gaps = [later - earlier for earlier, later in itertools.pairwise(first)]
    assert len(first) == 3
    assert all(gap >= interval * 0.9 for gap in gaps), gaps
    assert other < first[1]  # another chat does not wait for chat 1


async def _after_a_429(fake_api: FakeBotApi, start_channel: StartChannel,
                       retry_after: int) -> TelegramChannel:
    """A channel whose chat 1 was just refused with 429 and ``retry_after``."""
    channel = await start_channel(per_chat_interval=0.0)
    fake_api.add_chat(1)
    fake_api.fail("sendMessage", 429, retry_after=retry_after)
    with pytest.raises(DeliveryError):
        await channel.send("1", [Reply("a")])
    return channel


async def test_a_429_holds_the_chat_for_retry_after(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    channel = await _after_a_429(fake_api, start_channel, retry_after=1)
    started = asyncio.get_running_loop().time()
    await channel.send("1", [Reply("b")])
    assert asyncio.get_running_loop().time() - started >= 0.9


async def test_a_long_flood_wait_is_left_to_the_outbox_not_waited_out(
    fake_api: FakeBotApi, start_channel: StartChannel
) -> None:
    channel = await _after_a_429(fake_api, start_channel, retry_after=600)
    started = asyncio.get_running_loop().time()
    with pytest.raises(DeliveryError) as held:  # at once: longer than the outbox's lease
        await channel.send("1", [Reply("b"), Reply("c")])
    assert asyncio.get_running_loop().time() - started < 1
    assert held.value.retry_after == pytest.approx(600, abs=2)
    assert held.value.sent_parts == 0 and not held.value.permanent
    assert fake_api.sent_texts(1) == []


async def test_photo_and_document(fake_api: FakeBotApi, start_channel: StartChannel) -> None:
    channel = await start_channel()
    fake_api.add_chat(USER)
    png = b"\x89PNG\r\n\x1a\nfake"
    await channel.send_photo(str(USER), png, caption="本月 <新增> & 续保")
    await channel.send_document(str(USER), b"name,tier\n", "客户.csv", caption="导出")

    [photo] = fake_api.calls_to("sendPhoto", ok=True)
    [document] = fake_api.calls_to("sendDocument", ok=True)
    assert photo.files["photo"][1] == png
    assert photo.result["caption"] == "本月 <新增> & 续保"
    assert document.files["document"] == ("客户.csv", b"name,tier\n")

    await channel.send_photo(str(USER), png, caption="长" * 2000)  # too long for a caption
    assert fake_api.sent_texts(USER) == ["长" * 2000]


async def test_webhook_checks_the_secret_token(
    fake_api: FakeBotApi, start_channel: StartChannel, free_port: int
) -> None:
    url = f"http://127.0.0.1:{free_port}/tg-hook"
    hook = TelegramWebhook(url=url, secret_token=SECRET, port=free_port, url_path="tg-hook")
    recorder = Recorder()
    await start_channel(recorder, webhook=hook)
    assert fake_api.webhook == {
        "url": url,
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }

    wrong = await fake_api.post_update(url, fake_api.make_message_update("坏人"), "wrong")
    missing = await fake_api.post_update(url, fake_api.make_message_update("坏人"))
    right = await fake_api.post_update(
        url, fake_api.make_message_update("好人", user_id=USER), SECRET
    )
    assert (wrong, missing, right) == (403, 403, 200)

    [incoming] = await recorder.wait_for(1)
    await fake_api.wait_for_messages(USER)
    assert incoming.text == "好人"
    assert [i.text for i in recorder.incomings] == ["好人"]
    assert not fake_api.calls_to("getUpdates")


async def test_token_never_reaches_logs_or_errors(
    fake_api: FakeBotApi, start_channel: StartChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = await start_channel()
    fake_api.inject_message("你好", user_id=USER)
    await fake_api.wait_for_messages(USER)
    fake_api.add_chat(555)
    fake_api.fail("sendMessage", 500)
    with pytest.raises(DeliveryError):
        await channel.send("555", [Reply("x")])
    await channel.stop()

    wrong_token = "987654321:AAWrongTokenThatTheServerRejects_xyz"
    with pytest.raises(TelegramStartError) as caught:
        await start_channel(token=wrong_token)

    assert wrong_token not in str(caught.value)
    assert fake_api.token not in caplog.text and wrong_token not in caplog.text
    assert "Set Bot API URL" in caplog.text  # PTB did log its URL, with the token redacted


async def test_fake_enforces_bot_api_limits(fake_api: FakeBotApi) -> None:
    fake_api.add_chat(USER)
    url = f"{fake_api.base_url}{fake_api.token}/sendMessage"
    button = {"text": "x", "callback_data": "x" * 65}
    cases = [
        ({"chat_id": USER, "text": "a" * 4097}, "Bad Request: message is too long"),
        (
            {"chat_id": USER, "text": "ok", "reply_markup": {"inline_keyboard": [[button]]}},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        ({"chat_id": USER, "text": "<b>未闭合", "parse_mode": "HTML"}, "can't parse entities"),
        ({"chat_id": USER, "text": "A & B", "parse_mode": "HTML"}, "can't parse entities"),
        ({"chat_id": USER, "text": "<x>1</x>", "parse_mode": "HTML"}, "Unsupported start tag"),
    ]
    async with aiohttp.ClientSession() as session:
        for body, description in cases:
            async with session.post(url, json=body) as response:
                payload = await response.json()
            assert response.status == 400, body
            assert description in payload["description"]
        body = {"chat_id": USER, "text": "<b>好</b> &amp; 坏", "parse_mode": "HTML"}
        async with session.post(url, json=body) as response:
            assert (await response.json())["result"]["text"] == "好 & 坏"
