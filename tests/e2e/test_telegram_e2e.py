"""Telegram end to end: the real python-telegram-bot Application (our TelegramChannel) ↔ the fake
Bot API (aiohttp on loopback) ↔ our router and database (SQLite; PostgreSQL too when
TEST_DATABASE_URL is set)."""

from __future__ import annotations

import logging

import pytest

pytest.register_assert_rewrite("tests.e2e.conftest_telegram_e2e")

from bot.agents_admin import add_agent, create_invite  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram_setup import telegram_channel  # noqa: E402
from bot.delivery import DeliveryPolicy, DeliveryWorker  # noqa: E402
from bot.runner import configured_channels  # noqa: E402
from bot.settings import ConfigError  # noqa: E402
from handlers import texts  # noqa: E402
from handlers.types import Option, Reply, reply_to_json  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from tests.e2e.conftest_telegram_e2e import (  # noqa: E402
    WANG,
    WEBHOOK_SECRET,
    User,
    configure,
    free_port,
)
from tests.fakes.telegram_api import ApiCall, FakeBotApi  # noqa: E402
from tests.support.chat import ChatDriver  # noqa: E402

pytest_plugins = ("tests.e2e.conftest_telegram_e2e",)

# PTB warns (PTBDeprecationWarning) whenever it builds a RetryAfter; anything else is an error.
pytestmark = [
    pytest.mark.filterwarnings("error"),
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

RECORD_BIRTHDAY_TODAY = ("/record 张丽华", "女", "1976-11-24", "保存")  # the clock: 2026-11-24
CARD_HEAD = "📇 张丽华（女，50岁）"


def keyboard_of(call: ApiCall) -> list[list[dict]]:
    return (call.params.get("reply_markup") or {}).get("inline_keyboard", [])


def buttons(call: ApiCall) -> list[dict]:
    return [button for row in keyboard_of(call) for button in row]


async def script(user: User, *lines: str) -> None:
    for line in lines:
        await user.say(line)


def outbox(app) -> list[OutboxMessage]:
    with app.uow() as uow:
        rows = list(uow.session.query(OutboxMessage).order_by(OutboxMessage.id))
        uow.session.expunge_all()
        return rows


def assert_well_formed(fake: FakeBotApi, refused: int = 0) -> None:
    """Every message went out as HTML the API accepted (but ``refused`` 429s injected by the
    test); every button's callback data fits 64 bytes."""
    sent = fake.calls_to("sendMessage")
    assert sent and len([c for c in sent if c.status == 429]) == refused
    sent = [c for c in sent if c.status != 429]
    assert all(call.ok for call in sent), [(c.status, c.params) for c in sent]
    assert all(call.params["parse_mode"] == "HTML" for call in sent)
    datas = [b["callback_data"] for call in sent for b in buttons(call)]
    assert all(1 <= len(data.encode()) <= 64 for data in datas)


async def test_guided_record_by_buttons_and_text_then_lookups(bot, wang, fake):
    intro, question = await wang.answer(lambda: wang.send("/record 张丽华"))
    assert intro.result["text"] == "开始记录新客户「张丽华」的档案，共 24 项。"
    assert not keyboard_of(intro)
    assert "第1/24项" in question.result["text"] and "性别？" in question.result["text"]
    offer = keyboard_of(question)[0][0]["callback_data"].split(".")[0]  # "~N": this question
    assert keyboard_of(question) == [[{"text": "男", "callback_data": f"{offer}.1"},
                                      {"text": "女", "callback_data": f"{offer}.2"}]]

    [birthday] = await wang.choose("女")
    assert "第2/24项" in birthday and "生日是哪天" in birthday
    assert fake.calls_to("answerCallbackQuery", ok=True)  # the spinner stops at once
    pressed = fake.messages[(WANG, question.result["message_id"])]
    assert "reply_markup" not in pressed  # the old choice cannot be pressed again

    [phone] = await wang.say("1976-11-24")
    assert "第4/24项" in phone and "手机？" in phone  # no age question: the year gives it
    for field in ("常住城市？", "职业？"):
        [asked] = await wang.say("跳过")
        assert field in asked
    [employer] = await wang.say("会计 & <财务>")  # typed text that looks like HTML
    assert "第7/24项" in employer and "工作单位？" in employer
    [saved] = await wang.say("保存")
    assert saved.startswith("✅ 已保存「张丽华」的档案（3 项）")

    [found] = await wang.answer(lambda: wang.send("/find zlh"))
    assert found.result["text"].startswith("找到 1 位客户")
    [result] = buttons(found)
    assert result["text"] == "张丽华（女，50岁，会计 & <财务>，普通，建档2026-11-24）"
    assert result["callback_data"].startswith("/card #")

    [card] = await wang.answer(lambda: wang.press(result["callback_data"]))
    shown = card.result["text"]
    assert shown.startswith(CARD_HEAD) and "生日：1976年11月24日" in shown
    assert "职业：会计 & <财务>" in shown  # shown as typed ...
    assert "职业：会计 &amp; &lt;财务&gt;" in card.params["text"]  # ... because it was escaped
    assert await wang.say("/card 张丽华") == [shown]

    assert_well_formed(fake)
    assert {call.chat_id for call in fake.calls_to("sendMessage")} == {WANG}
    assert len(fake.calls_to("answerCallbackQuery")) == 2
    assert len(wang.received()) == len(wang.updates) + 1 == 11  # the record's intro: +1


async def test_unknown_users_get_one_polite_refusal_and_an_invite_link_registers(
    bot, tg_app, wang, fake
):
    await script(wang, *RECORD_BIRTHDAY_TODAY)
    stranger = User(fake, bot, 2002, first_name="路人甲", last_name=None)
    newcomer = User(fake, bot, 3003, first_name="李新", last_name=None)

    assert await stranger.say("/card 张丽华") == [texts.UNKNOWN_USER]
    assert await stranger.say("zlh") == []  # told once an hour, not at every message

    code = create_invite(tg_app, leader=False)
    [welcome] = await newcomer.say(f"/start {code}")  # what t.me/MyBot?start=CODE sends
    assert welcome.startswith("欢迎，李新！您已注册为经纪人。") and "/record" in welcome
    assert await newcomer.say("/find 张丽华") == ["没有找到和「张丽华」相关的客户。"]
    assert await stranger.say(f"/start {code}") == [texts.BAD_INVITE]  # used up

    assert stranger.texts() == [texts.UNKNOWN_USER, texts.BAD_INVITE]
    assert not any(keyboard_of(call) for call in stranger.received())
    for other in (stranger, newcomer):
        assert all("1976" not in t and "50岁" not in t for t in other.texts())
    assert_well_formed(fake)


async def test_a_group_gets_only_the_privacy_line(bot, wang, fake):
    await script(wang, *RECORD_BIRTHDAY_TODAY)
    in_private = len(wang.received())
    wang_in_group = User(fake, bot, WANG, chat_type="group")
    stranger_in_group = User(fake, bot, 2002, first_name="路人甲", last_name=None,
                             chat_id=wang_in_group.chat_id, chat_type="group")

    assert await wang_in_group.say("/card 张丽华") == [texts.GROUP_ONLY_HELP]
    assert await wang_in_group.say("/find@MyBot zlh") == [texts.GROUP_ONLY_HELP]
    assert await wang_in_group.say("/record 李四") == [texts.GROUP_ONLY_HELP]
    assert await stranger_in_group.say("/find zlh") == []  # not an agent: silence
    wang_in_group.send("/find@OtherBot zlh")  # not addressed to us: never reaches the router
    assert await wang_in_group.say("/card@MyBot 张丽华") == [texts.GROUP_ONLY_HELP]

    group = wang_in_group.received()
    assert [call.result["text"] for call in group] == [texts.GROUP_ONLY_HELP] * 4
    assert not any(keyboard_of(call) for call in group)
    assert len(wang.received()) == in_private  # nothing went to the private chat either
    in_group = [incoming.text for incoming, _ in bot.tracker.handled if incoming.is_group]
    assert in_group == ["/card 张丽华", "/find zlh", "/record 李四", "/find zlh", "/card 张丽华"]


async def test_webhook_mode_checks_the_secret_and_answers_once(make_app, fake, start_bot):
    port = free_port()
    app = configure(make_app(), fake, webhook_port=port)
    add_agent(app, "王芳", str(WANG), None, False)
    bot = await start_bot(app)
    url = f"http://127.0.0.1:{port}/tg-hook"
    assert fake.webhook == {"url": url, "secret_token": WEBHOOK_SECRET,
                            "allowed_updates": ["message", "edited_message", "callback_query"]}
    wang = User(fake, bot, WANG)

    intruder = fake.make_message_update("/find zlh", user_id=WANG)
    assert await fake.post_update(url, intruder, "not-the-secret") == 403
    assert await fake.post_update(url, intruder) == 403  # no header at all

    statuses: list[int] = []

    async def post(update: dict) -> None:
        statuses.append(await fake.post_update(url, update, WEBHOOK_SECRET))

    record = fake.make_message_update("/record 张丽华", user_id=WANG, first_name="芳")
    intro, question = await wang.answer(lambda: post(record))
    assert intro.result["text"].startswith("开始记录新客户「张丽华」")
    assert await wang.answer(lambda: post(record)) == []  # Telegram retried: answered once
    data, _ = wang.button("女", question.result["message_id"])
    press = fake.make_callback_update(data, chat_id=WANG, message_id=question.result["message_id"])
    [birthday] = await wang.answer(lambda: post(press))
    assert "第2/24项" in birthday.result["text"]

    assert statuses == [200, 200, 200]
    handled = [incoming.text for incoming, _ in bot.tracker.handled]
    assert handled == ["/record 张丽华", "/record 张丽华", "2"]  # never the intruder's
    assert len(wang.received()) == 3
    assert not fake.calls_to("getUpdates")
    assert_well_formed(fake)


async def test_telegram_channel_is_built_from_settings_or_refused_clearly(tg_app, fake):
    (channel,) = configured_channels(tg_app)  # polling: TELEGRAM_TOKEN is set
    assert isinstance(channel, TelegramChannel) and channel.platform == "telegram"

    configure(tg_app, fake, webhook_port=8443)
    assert isinstance(telegram_channel(tg_app), TelegramChannel)

    tg_app.secrets = tg_app.secrets.model_copy(update={"telegram_webhook_secret": None})
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        telegram_channel(tg_app)
    tg_app.secrets = tg_app.secrets.model_copy(update={"telegram_webhook_secret": "有 空格"})
    with pytest.raises(ConfigError, match="A-Z a-z 0-9"):
        telegram_channel(tg_app)

    configure(tg_app, fake, webhook_port=8443)
    hook = tg_app.settings.channels.telegram.webhook.model_copy(update={"public_url": " "})
    telegram = tg_app.settings.channels.telegram.model_copy(update={"webhook": hook})
    channels = tg_app.settings.channels.model_copy(update={"telegram": telegram})
    tg_app.settings = tg_app.settings.model_copy(update={"channels": channels})
    with pytest.raises(ConfigError, match="public_url"):
        telegram_channel(tg_app)


async def test_morning_digests_survive_a_429_without_loss_or_doubles(
    tg_app, fake, start_bot, clock, caplog
):
    chats = [2001, 2002, 2003, 2004, 2005]
    for n, chat_id in enumerate(chats, start=1):
        add_agent(tg_app, f"经纪人{n}", str(chat_id), None, False)
        ChatDriver(tg_app, f"经纪人{n}").script(f"/record 客户{n}", "女", "1976-11-24", "保存")
        fake.add_chat(chat_id)
    assert tg_app.nudges.tick().digests == 5  # 王芳 has no clients: no digest for her
    bot = await start_bot(tg_app)
    worker = DeliveryWorker(tg_app.uow, {"telegram": bot.channel}, clock,
                            tg_app.settings.zone, DeliveryPolicy())

    fake.fail("sendMessage", 429, retry_after=1, chat_id=chats[2])  # the middle one
    caplog.set_level(logging.WARNING)
    assert await worker.run_once() == 4
    assert await worker.run_once() == 0  # not due before retry_after
    [held] = [row for row in outbox(tg_app) if row.status != "sent"]
    assert (held.chat_id, held.status, held.attempts) == ("2003", "pending", 0)
    assert "RetryAfter" in (held.last_error or "")

    clock.advance(seconds=2)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.name == "bot.delivery" and "RetryAfter" in warning.getMessage()

    for n, chat_id in enumerate(chats, start=1):
        [digest] = fake.sent_messages(chat_id)  # exactly one each: not lost, not doubled
        assert "今日提醒" in digest.result["text"]
        assert f"客户{n} 今天生日" in digest.result["text"]
        assert buttons(digest)[0]["callback_data"].startswith("/nudge ")
    [refused] = fake.calls_to("sendMessage", ok=False)
    assert (refused.status, refused.chat_id) == (429, chats[2])
    rows = outbox(tg_app)
    assert [(r.kind, r.status, r.attempts) for r in rows] == [("digest", "sent", 0)] * 5
    assert not fake.sent_messages(WANG)

    third = User(fake, bot, chats[2])  # the button under the digest works
    first_item = buttons(fake.sent_messages(chats[2])[0])[0]["callback_data"]
    [menu] = await third.answer(lambda: third.press(first_item))
    assert "客户3" in menu.result["text"] and buttons(menu)
    assert_well_formed(fake, refused=1)


async def test_a_record_resumes_after_a_restart(tg_app, make_app, fake, start_bot):
    first = await start_bot(tg_app)
    wang = User(fake, first, WANG)
    await wang.say("/record 张丽华")
    await wang.choose("女")
    [asked] = await wang.say("1976-11-24")
    assert "第4/24项" in asked and "手机？" in asked
    answered = wang.updates[-1]

    await first.channel.stop()  # the process ends ...
    tg_app.dispose()
    second_app = configure(make_app(), fake)  # ... and a new one starts on the same database
    wang.bot = await start_bot(second_app)

    # Telegram delivers the last answer again (the old process had not confirmed it): the
    # database's message ledger knows it was answered.
    assert await wang.answer(lambda: wang.redeliver(answered)) == []
    [asked] = await wang.say("跳过")  # the same record, the same question (手机) was waiting
    assert "【张丽华】第5/24项" in asked and "常住城市？" in asked
    assert (await wang.say("保存"))[0].startswith("✅ 已保存「张丽华」的档案（2 项）")
    [card] = await wang.say("/card 张丽华")
    assert card.startswith(CARD_HEAD) and "生日：1976年11月24日" in card  # earlier answers kept
    assert len(wang.received()) == 7


async def test_a_redelivered_update_is_answered_once(bot, wang, fake):
    [helped] = await wang.say("/help")
    assert "/record" in helped
    first = wang.updates[-1]
    assert await wang.answer(lambda: wang.redeliver(first, same_update_id=False)) == []

    await wang.say("/record 张丽华")
    await wang.choose("女")
    pressed = wang.updates[-1]
    assert await wang.answer(lambda: wang.redeliver(pressed, same_update_id=False)) == []
    [asked] = await wang.say("1976-11-24")
    assert "第4/24项" in asked  # the press moved the record on once, not twice

    ids = [incoming.message_id for incoming, _ in bot.tracker.handled]
    assert len(ids) == 6 and len(set(ids)) == 4  # both copies reached the router
    assert len(wang.received()) == 5


async def test_a_client_is_deleted_by_buttons_after_a_confirmation(bot, wang, fake):
    await script(wang, "/record 张丽华", "女", "保存")
    [which] = await wang.answer(lambda: wang.send("/delete 张丽华"))
    assert "要删除「张丽华」的哪一项" in which.result["text"]
    [whole] = [b for b in buttons(which) if b["text"] == "整个客户档案"]
    [confirm] = await wang.answer(lambda: wang.press(whole["callback_data"]))
    assert [b["text"] for b in buttons(confirm)] == ["不删了", "确认删除"]
    keep, sure = buttons(confirm)
    assert len(sure["callback_data"].encode()) <= 64  # the one-time value fits Telegram's limit
    assert "没有删除任何内容" in (await wang.tap(keep["callback_data"]))[0]
    [stale] = await wang.tap(sure["callback_data"])  # answered already: changes nothing
    assert stale == f"{texts.STALE_BUTTON}\n{texts.NOTHING_OPEN}"
    assert (await wang.say("/card 张丽华"))[0].startswith(CARD_HEAD.split("（")[0])

    [which] = await wang.answer(lambda: wang.send("/delete 张丽华"))
    [confirm] = await wang.answer(lambda: wang.press(buttons(which)[-1]["callback_data"]))
    [deleted] = await wang.tap(buttons(confirm)[1]["callback_data"])
    assert deleted.startswith("🗑 已删除客户「张丽华」")
    assert "没有找到客户「张丽华」" in (await wang.say("/card 张丽华"))[0]


async def test_a_long_push_failing_after_its_first_part_is_not_sent_twice(
    tg_app, fake, start_bot, clock
):
    add_agent(tg_app, "经纪人甲", "2001", None, False)
    fake.add_chat(2001)
    lines = [f"第{n:03d}行：需要跟进的客户和事项说明" for n in range(1, 401)]  # two parts
    push = Reply("\n".join(lines), (Option("今天", "/today"),))
    with tg_app.uow() as uow:
        agent = uow.agents.by_name("经纪人甲")
        uow.outbox.enqueue("long:1", agent.id, "telegram", "2001", "push",
                           [reply_to_json(push)], clock.now())
        uow.commit()
    bot = await start_bot(tg_app)
    worker = DeliveryWorker(tg_app.uow, {"telegram": bot.channel}, clock,
                            tg_app.settings.zone, DeliveryPolicy())
    fake.fail("sendMessage", 500, chat_id=2001, after=1)  # the second part fails
    assert await worker.run_once() == 0
    [row] = outbox(tg_app)
    assert (row.status, row.parts_sent, row.attempts) == ("pending", 1, 1)
    clock.advance(seconds=6)
    assert await worker.run_once() == 1
    sent = fake.sent_messages(2001)
    assert len(sent) == 2  # each part once: not the first part again
    text = "\n".join(call.result["text"] for call in sent)
    assert all(text.count(line) == 1 for line in lines)
    assert not keyboard_of(sent[0]) and buttons(sent[-1])[0]["callback_data"] == "/today"
    assert outbox(tg_app)[0].status == "sent"
