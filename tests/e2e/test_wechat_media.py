"""WeChat end to end: images, stickers and voice get a polite answer and leave the conversation
where it was; ①②… pick numbered options (the real wechaty client ↔ the fake puppet service ↔
our router and database)."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.e2e.conftest_wechat_e2e")

from handlers import texts  # noqa: E402
from tests.e2e.conftest_wechat_e2e import ROOM, STRANGER, Contact, wait_until  # noqa: E402
from tests.fakes.wechat_puppet import (  # noqa: E402
    AUDIO_ON_THE_WIRE,
    EMOTICON_ON_THE_WIRE,
    IMAGE_ON_THE_WIRE,
)

pytest_plugins = ("tests.e2e.conftest_wechat_e2e",)


async def say_media(contact: Contact, type_on_wire: int) -> str:
    before = len(contact.received())
    contact.puppet.inject_text(contact.contact_id, "<msg/>", contact.room,
                               type_on_wire=type_on_wire)
    await wait_until(lambda: len(contact.received()) > before)
    return contact.received()[before].text


async def test_media_mid_form_is_answered_and_the_question_stays(bot, wang, puppet):
    assert "性别？" in await wang.say("/record 张丽华")
    image = await say_media(wang, IMAGE_ON_THE_WIRE)
    assert image.startswith(texts.MEDIA_NOT_READ)
    assert "【张丽华】第1/24项 · 基本信息\n性别？" in image and "1. 男\n2. 女" in image

    voice = await say_media(wang, AUDIO_ON_THE_WIRE)
    assert voice.startswith(texts.VOICE_NOT_READ) and "「转文字」" in voice
    assert "性别？" in voice
    assert "性别？" in await say_media(wang, EMOTICON_ON_THE_WIRE)

    assert "生日是哪天" in await wang.say("②")  # a circled number picks like 2
    assert "已保存「张丽华」的档案（1 项）" in await wang.say("保存")
    assert (await wang.say("/card 张丽华")).startswith("📇 张丽华（女）")

    assert "1. 张丽华（女" in await wang.say("/find 张丽华")
    image = await say_media(wang, IMAGE_ON_THE_WIRE)  # nothing open: the note alone
    assert image == texts.MEDIA_NOT_READ
    assert (await wang.say("1")).startswith("📇 张丽华（女）")  # the list's numbers still hold


async def test_strangers_and_groups_get_nothing_for_media(bot, wang, puppet):
    stranger = Contact(puppet, STRANGER)
    puppet.inject_text(STRANGER, "<img/>", type_on_wire=IMAGE_ON_THE_WIRE)
    puppet.inject_text(STRANGER, "<voice/>", type_on_wire=AUDIO_ON_THE_WIRE)
    await wait_until(lambda: bot.stats["handled"] == 2)
    assert await stranger.say("你好") == texts.UNKNOWN_USER  # the hour's one refusal, as before

    puppet.inject_text(wang.contact_id, "<img/>", ROOM, type_on_wire=IMAGE_ON_THE_WIRE)
    in_room = Contact(puppet, wang.contact_id, room=ROOM)
    assert await in_room.say("/help") == texts.GROUP_ONLY_HELP
    assert [s.text for s in in_room.received()] == [texts.GROUP_ONLY_HELP]
    assert [s.text for s in stranger.received()] == [texts.UNKNOWN_USER]
