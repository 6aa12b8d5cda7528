"""Fixtures for the Telegram end-to-end tests: the fake Bot API on loopback, the real
python-telegram-bot Application in our TelegramChannel, and the real router and database.

Loaded with ``pytest_plugins`` from ``test_telegram_e2e.py``.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.agents_admin import add_agent
from bot.bootstrap import App
from bot.channels import telegram_mapping
from bot.channels.base import MessageHandler
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_setup import telegram_channel
from bot.runner import message_handler
from bot.settings import TelegramSettings, WebhookSettings
from handlers.types import Incoming, Reply
from tests.fakes.telegram_api import ApiCall, FakeBotApi

WANG = 1001  # 王芳's Telegram user id (= her private chat id)
WEBHOOK_SECRET = "e2e-Webhook_secret-42-long-enough-to-guess-never"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure(app: App, fake: FakeBotApi, webhook_port: int | None = None) -> App:
    """Point the app at the fake Bot API (TELEGRAM_TOKEN / TELEGRAM_BASE_URL); with a port,
    webhook mode on ``127.0.0.1:port/tg-hook`` with TELEGRAM_WEBHOOK_SECRET set."""
    secrets = {"telegram_token": fake.token, "telegram_base_url": fake.base_url}
    telegram = TelegramSettings()
    if webhook_port is not None:
        secrets["telegram_webhook_secret"] = WEBHOOK_SECRET
        hook = WebhookSettings(listen="127.0.0.1", port=webhook_port, url_path="tg-hook",
                               public_url=f"http://127.0.0.1:{webhook_port}/tg-hook")
        telegram = TelegramSettings(mode="webhook", webhook=hook)
    app.secrets = app.secrets.model_copy(update=secrets)
    channels = app.settings.channels.model_copy(update={"telegram": telegram})
    app.settings = app.settings.model_copy(update={"channels": channels})
    return app


def messages_for(replies: list[Reply]) -> int:
    """How many Telegram messages the channel sends for these replies."""
    count = 0
    for reply in replies:
        text = reply.text if reply.text.strip() else ("x" if reply.options else "")
        count += len(telegram_mapping.html_chunks(text)) if text else 0
    return count


class Tracker:
    """``message_handler(app)``, recording each Incoming and the replies it produced."""

    def __init__(self, handler: MessageHandler) -> None:
        self.handler = handler
        self.handled: list[tuple[Incoming, list[Reply]]] = []
        self._changed = asyncio.Event()

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        replies = await self.handler(incoming)
        self.handled.append((incoming, replies))
        self._changed.set()
        self._changed = asyncio.Event()
        return replies

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[Incoming, list]]:
        try:
            async with asyncio.timeout(timeout):
                while len(self.handled) < count:
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"expected {count} handled updates, got {self.handled}") from None
        return self.handled


class Bot:
    """A started TelegramChannel and the tracker in front of its router."""

    def __init__(self, app: App, channel: TelegramChannel, tracker: Tracker) -> None:
        self.app = app
        self.channel = channel
        self.tracker = tracker


class User:
    """A Telegram user talking to the bot through the fake (private chat unless ``chat_id``)."""

    def __init__(self, fake: FakeBotApi, bot: Bot, user_id: int, first_name: str = "芳",
                 last_name: str | None = "王", chat_id: int | None = None,
                 chat_type: str = "private") -> None:
        self.fake, self.bot = fake, bot
        self.user_id, self.first_name, self.last_name = user_id, first_name, last_name
        self.chat_type = chat_type
        self.chat_id = chat_id if chat_id is not None else (
            user_id if chat_type == "private" else -1_000_000_000_000 - user_id)
        self.updates: list[dict] = []

    def received(self) -> list[ApiCall]:
        return self.fake.sent_messages(self.chat_id)

    def texts(self) -> list[str]:
        return [call.result["text"] for call in self.received()]

    def send(self, text: str) -> dict:
        update = self.fake.inject_message(
            text, user_id=self.user_id, chat_id=self.chat_id, chat_type=self.chat_type,
            first_name=self.first_name, last_name=self.last_name)
        self.updates.append(update)
        return update

    def send_media(self, content: dict) -> dict:
        """Send a photo, voice, sticker… (``content`` as in ``FakeBotApi.make_message_update``)."""
        update = self.fake.inject_message(
            None, user_id=self.user_id, chat_id=self.chat_id, chat_type=self.chat_type,
            first_name=self.first_name, last_name=self.last_name, content=content)
        self.updates.append(update)
        return update

    def edit(self, update: dict, text: str) -> dict:
        """Edit the message sent as ``update`` to read ``text``."""
        edited = self.fake.inject(self.fake.make_edit_update(update, text))
        self.updates.append(edited)
        return edited

    def press(self, data: str, message_id: int | None = None) -> dict:
        """Press a button (by its callback data) on the newest message with a keyboard."""
        update = self.fake.inject_callback(data, chat_id=self.chat_id, user_id=self.user_id,
                                           message_id=message_id, first_name=self.first_name)
        self.updates.append(update)
        return update

    def redeliver(self, update: dict, *, same_update_id: bool = True) -> dict:
        """Telegram delivering an update again (optionally under a new update id)."""
        again = copy.deepcopy(update)
        if not same_update_id:
            again["update_id"] = next(self.fake._update_ids)  # the fake's own sequence
        return self.fake.inject(again)

    async def answer(self, deliver: Callable[[], object], timeout: float = 5.0) -> list[ApiCall]:
        """Deliver one update and return the messages the bot sent for it (all of them)."""
        before, handled = len(self.received()), len(self.bot.tracker.handled)
        delivered = deliver()
        if inspect.isawaitable(delivered):  # e.g. a webhook POST
            await delivered
        log = await self.bot.tracker.wait_for(handled + 1, timeout)
        expected = messages_for(log[handled][1])
        if expected:
            await self.fake.wait_for_messages(self.chat_id, before + expected, timeout=timeout)
        return self.received()[before:]

    async def say(self, text: str) -> list[str]:
        return [call.result["text"] for call in await self.answer(lambda: self.send(text))]

    async def tap(self, data: str) -> list[str]:
        return [call.result["text"] for call in await self.answer(lambda: self.press(data))]

    def button(self, label: str, message_id: int | None = None) -> tuple[str, int]:
        """(callback data, message id) of the button labelled ``label`` on message
        ``message_id`` (default: the newest message with a keyboard)."""
        if message_id is None:
            with_keyboard = [call for call in self.received() if "reply_markup" in call.result]
            message_id = with_keyboard[-1].result["message_id"]
        message = self.fake.messages[(self.chat_id, message_id)]
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        [data] = [b["callback_data"] for row in rows for b in row if b["text"] == label]
        return data, message_id

    async def choose(self, label: str, message_id: int | None = None) -> list[str]:
        """Press the button labelled ``label`` (see ``button``); the texts the bot sent."""
        data, message_id = self.button(label, message_id)
        pressed = await self.answer(lambda: self.press(data, message_id=message_id))
        return [call.result["text"] for call in pressed]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
def tg_app(make_app: Callable[[], App], fake: FakeBotApi) -> App:
    """The app (SQLite, or PostgreSQL with TEST_DATABASE_URL) with 王芳 bound to ``WANG``."""
    app = configure(make_app(), fake)
    add_agent(app, "王芳", str(WANG), None, False)
    return app


StartBot = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def start_bot(fake: FakeBotApi, make_app: Callable[[], App]) -> AsyncIterator[StartBot]:
    """Start a TelegramChannel built by ``telegram_channel(app)`` with ``message_handler(app)``
    behind a Tracker; stopped at teardown, before the fake and the apps (hence the otherwise
    unused dependencies)."""
    channels: list[TelegramChannel] = []

    async def start(app: App, **overrides: Any) -> Bot:
        options = {"per_chat_interval": 0.0, "poll_timeout": 1, **overrides}
        channel = telegram_channel(app, **options)
        tracker = Tracker(message_handler(app))
        await channel.start(tracker)
        channels.append(channel)
        return Bot(app, channel, tracker)

    yield start
    for channel in reversed(channels):
        await channel.stop()


@pytest.fixture
async def bot(tg_app: App, start_bot: StartBot) -> Bot:
    return await start_bot(tg_app)


@pytest.fixture
def wang(fake: FakeBotApi, bot: Bot) -> User:
    return User(fake, bot, WANG)
