"""Forged webhook updates: a guessable secret is refused at start; an update whose private chat
is not the sender's own is never handled (it would send one agent's data to another chat)."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.e2e.conftest_telegram_e2e")

from bot.agents_admin import add_agent  # noqa: E402
from bot.channels.telegram_setup import telegram_channel  # noqa: E402
from bot.settings import ConfigError  # noqa: E402
from tests.e2e.conftest_telegram_e2e import (  # noqa: E402
    WANG,
    WEBHOOK_SECRET,
    User,
    configure,
    free_port,
)
from tests.support.chat import ChatDriver  # noqa: E402

pytest_plugins = ("tests.e2e.conftest_telegram_e2e",)

ATTACKER = 777000111
ATTACKER_CHAT = {"id": ATTACKER, "type": "private", "first_name": "M"}


@pytest.mark.parametrize("secret", ["a", "x" * 31, "有 空格" * 8])
async def test_a_short_or_odd_webhook_secret_is_refused_at_start(tg_app, fake, secret):
    configure(tg_app, fake, webhook_port=free_port())
    tg_app.secrets = tg_app.secrets.model_copy(update={"telegram_webhook_secret": secret})
    with pytest.raises(ConfigError, match="32-256") as refused:
        telegram_channel(tg_app)
    assert "token_urlsafe" in str(refused.value)


async def test_a_32_character_secret_is_enough(tg_app, fake):
    configure(tg_app, fake, webhook_port=free_port())
    tg_app.secrets = tg_app.secrets.model_copy(update={"telegram_webhook_secret": "x" * 32})
    assert telegram_channel(tg_app) is not None


async def test_updates_from_one_user_in_another_private_chat_are_ignored(make_app, fake,
                                                                         start_bot):
    port = free_port()
    app = configure(make_app(), fake, webhook_port=port)
    add_agent(app, "王芳", str(WANG), None, False)
    ChatDriver(app, "王芳").script("/record 张丽华", "女", "1976-11-24", "13812345678", "保存")
    fake.add_chat(ATTACKER, "private", first_name="M")
    bot = await start_bot(app)
    url = f"http://127.0.0.1:{port}/tg-hook"
    wang = User(fake, bot, WANG)

    forged = fake.make_message_update("/card 张丽华", user_id=WANG)
    forged["message"]["chat"] = ATTACKER_CHAT
    assert await fake.post_update(url, forged, WEBHOOK_SECRET) == 200
    record = fake.make_message_update("/record 李四", user_id=WANG)
    await wang.answer(lambda: fake.post_update(url, record, WEBHOOK_SECRET))

    male, question = wang.button("男")  # on 王芳's own question
    press = fake.make_callback_update(male, chat_id=WANG, message_id=question)
    press["callback_query"]["message"]["chat"] = ATTACKER_CHAT
    assert await fake.post_update(url, press, WEBHOOK_SECRET) == 200
    female, _ = wang.button("女", question)
    genuine = fake.make_callback_update(female, chat_id=WANG, message_id=question)
    [birthday] = await wang.answer(lambda: fake.post_update(url, genuine, WEBHOOK_SECRET))
    assert "第2/" in birthday.result["text"]

    assert [incoming.text for incoming, _ in bot.tracker.handled] == ["/record 李四", "2"]
    assert fake.sent_texts(ATTACKER) == []
