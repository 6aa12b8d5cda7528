"""Telegram end to end: a button answers only the question it came with, lists of commands
keep their buttons, and photos, voice, stickers and edits get an answer (the real
python-telegram-bot ↔ the fake Bot API ↔ our router and database)."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.e2e.conftest_telegram_e2e")

from bot.delivery import DeliveryPolicy, DeliveryWorker  # noqa: E402
from handlers import texts  # noqa: E402
from tests.e2e.conftest_telegram_e2e import User  # noqa: E402
from tests.fakes.telegram_api import PHOTO, STICKER, VOICE, ApiCall  # noqa: E402

pytest_plugins = ("tests.e2e.conftest_telegram_e2e",)

pytestmark = [
    pytest.mark.filterwarnings("error"),
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

TO_MARITAL = ("男", "1980-01-02", "跳过", "跳过", "跳过", "跳过", "跳过")  # 手机 … 职位 skipped


def labels(call: ApiCall) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def has_keyboard(user: User, call: ApiCall) -> bool:
    return "reply_markup" in user.fake.messages[(user.chat_id, call.result["message_id"])]


async def script(user: User, *lines: str) -> list[str]:
    return [text for line in lines for text in await user.say(line)]


async def card(user: User, name: str) -> str:
    [shown] = await user.say(f"/card {name}")
    return shown


async def test_a_double_tap_answers_the_question_once(bot, wang, fake):
    await wang.say("/record 李四")
    await script(wang, *TO_MARITAL)
    question = wang.received()[-1]
    assert "婚姻状况？" in question.result["text"]
    data, message_id = wang.button("已婚", question.result["message_id"])

    handled, sent = len(bot.tracker.handled), len(wang.received())
    wang.press(data, message_id=message_id)
    wang.press(data, message_id=message_id)  # the second tap, before the first is answered
    log = await bot.tracker.wait_for(handled + 2)
    [first], [second] = (replies for _, replies in log[handled:])
    assert "配偶姓名？" in first.text
    assert second.text.startswith(texts.STALE_BUTTON) and "配偶姓名？" in second.text
    await fake.wait_for_messages(wang.chat_id, sent + 2)

    assert "配偶职业？" in (await wang.say("王丽"))[0]  # the spouse question was still open
    await wang.say("保存")
    shown = await card(wang, "李四")
    assert "已婚" in shown and "王丽" in shown


async def test_an_old_choice_pressed_at_a_text_question_changes_nothing(bot, wang, fake):
    [_, gender] = await wang.answer(lambda: wang.send("/record 王五"))
    old_male = wang.button("男", gender.result["message_id"])
    await wang.choose("男", gender.result["message_id"])
    await script(wang, "跳过", "跳过", "跳过")  # 生日, 年龄, 手机
    assert "常住城市？" in wang.texts()[-1]

    [stale] = await wang.answer(lambda: wang.press(*old_male))
    assert stale.result["text"].startswith(texts.STALE_BUTTON)
    assert "【王五】第5/24项 · 基本信息\n常住城市？" in stale.result["text"]
    assert not labels(stale)  # a text question: nothing to press

    [asked] = await wang.say("上海")
    assert "职业？" in asked
    await wang.say("保存")
    assert "城市：上海" in await card(wang, "王五")


async def test_an_old_which_client_button_does_not_answer_a_form(bot, wang, fake):
    await script(wang, "/record 张三", "男", "保存", "/record #new 张三", "女", "保存")
    [which] = await wang.answer(lambda: wang.send("/delete 张三"))
    assert "有 2 位叫「张三」的客户" in which.result["text"]
    first_zhang = which.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    await script(wang, "/record 王五", "男", "跳过", "跳过", "跳过")  # now at 常住城市
    [stale] = await wang.answer(
        lambda: wang.press(first_zhang, message_id=which.result["message_id"]))
    assert stale.result["text"].startswith(texts.STALE_BUTTON)
    assert "常住城市？" in stale.result["text"]
    assert not has_keyboard(wang, which)  # the old question's buttons are gone

    await wang.say("保存")
    assert "城市：" not in await card(wang, "王五")  # not 城市 #1
    assert (await wang.say("/find 张三"))[0].startswith("找到 2 位客户")


async def test_a_double_tap_in_delete_keeps_the_confirmation(bot, wang, fake):
    await script(wang, "/record 张丽华", "女", "保存")
    [which] = await wang.answer(lambda: wang.send("/delete 张丽华"))
    data, message_id = wang.button("整个客户档案", which.result["message_id"])
    handled, sent = len(bot.tracker.handled), len(wang.received())
    wang.press(data, message_id=message_id)
    wang.press(data, message_id=message_id)
    log = await bot.tracker.wait_for(handled + 2)
    [confirm], [again] = (replies for _, replies in log[handled:])
    assert "确定删除" in confirm.text
    assert again.text.startswith(texts.STALE_BUTTON) and "确定删除" in again.text
    first, second = (await fake.wait_for_messages(wang.chat_id, sent + 2))[sent:]
    assert labels(first) == labels(second) == ["不删了", "确认删除"]

    [deleted] = await wang.choose("确认删除", first.result["message_id"])  # still valid
    assert deleted.startswith("🗑 已删除客户「张丽华」")
    [stale] = await wang.choose("不删了", second.result["message_id"])
    assert stale == f"{texts.STALE_BUTTON}\n{texts.NOTHING_OPEN}"


async def test_lists_of_commands_keep_their_buttons(bot, tg_app, wang, fake, clock):
    await script(wang, "/record 张丽华", "女", "1976-11-24", "保存", "/record 张丽", "女", "保存")
    [found] = await wang.answer(lambda: wang.send("/find 张丽"))
    assert found.result["text"] == "找到 2 位客户，选一位查看档案："
    for label in labels(found):
        [shown] = await wang.choose(label, found.result["message_id"])
        assert shown.startswith("📇 " + label.split("（")[0])
        assert has_keyboard(wang, found)  # the other result can still be opened

    assert tg_app.nudges.tick().digests == 1
    worker = DeliveryWorker(tg_app.uow, {"telegram": bot.channel}, clock,
                            tg_app.settings.zone, DeliveryPolicy())
    assert await worker.run_once() == 1
    digest = wang.received()[-1]
    assert "今日提醒" in digest.result["text"] and labels(digest) == ["第1项", "第2项"]
    assert "点选" not in digest.result["text"]
    [first] = await wang.choose("第1项", digest.result["message_id"])
    assert "张丽华 今天生日" in first and has_keyboard(wang, digest)
    [second] = await wang.choose("第2项", digest.result["message_id"])
    assert "满50岁" in second and has_keyboard(wang, digest)
    [done] = await wang.choose("✅ 完成")
    assert done.startswith("✅ 已完成")


async def test_caption_media_and_edits_get_answers_and_the_form_stays(bot, wang, fake):
    await script(wang, "/record 王五", "男", "保存")
    noted = await wang.answer(
        lambda: wang.send_media({**PHOTO, "caption": "/note 王五 下午在公司见面，聊得很愉快"}))
    assert noted[0].result["text"] == "📝 已记下「王五」的笔记。"

    [_, gender] = await wang.answer(lambda: wang.send("/record 李四"))
    assert "性别？" in gender.result["text"]
    [voice] = await wang.answer(lambda: wang.send_media(VOICE))
    assert voice.result["text"].startswith(texts.VOICE_NOT_READ)
    assert "【李四】第1/24项 · 基本信息\n性别？" in voice.result["text"]
    assert labels(voice) == ["男", "女"]
    [sticker] = await wang.answer(lambda: wang.send_media(STICKER))
    assert sticker.result["text"].startswith(texts.MEDIA_NOT_READ)
    assert "性别？" in sticker.result["text"]

    [birthday] = await wang.choose("女", voice.result["message_id"])  # re-asked: still valid
    assert "生日是哪天" in birthday
    await wang.say("1980-01-02")
    answered = wang.updates[-1]
    [edited] = await wang.answer(lambda: wang.edit(answered, "1981-01-02"))
    assert edited.result["text"].startswith(texts.EDIT_NOT_READ)
    assert "手机？" in edited.result["text"]
    await wang.say("保存")
    shown = await card(wang, "李四")
    assert shown.startswith("📇 李四（女") and "1980年1月2日" in shown

    stranger = User(fake, bot, 2002, first_name="路人甲", last_name=None)
    handled = len(bot.tracker.handled)
    stranger.send_media(PHOTO)
    stranger.send_media(VOICE)
    await bot.tracker.wait_for(handled + 2)
    assert await stranger.say("你好") == [texts.UNKNOWN_USER]  # told once, as before
    in_group = User(fake, bot, wang.user_id, chat_type="group")
    in_group.send_media(PHOTO)  # never reaches the router
    assert await in_group.say("/help") == [texts.GROUP_ONLY_HELP]
    assert in_group.texts() == [texts.GROUP_ONLY_HELP]
    assert stranger.texts() == [texts.UNKNOWN_USER]
