"""Fixtures for the WeChat end-to-end tests: the fake puppet service, the real wechaty client in
our WeChatChannel, and the real router and database behind it.

Loaded with ``pytest_plugins`` from ``test_wechat_e2e.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.agents_admin import add_agent
from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel
from bot.channels.wechat_setup import wechat_channel
from bot.runner import message_handler
from bot.settings import WeChatSettings
from tests.fakes.wechat_puppet import FakePuppetService, SentText

WANG, STRANGER, NEWCOMER = "wxid_wang", "wxid_stranger", "wxid_new"
ROOM = "team@chatroom"
TOKEN = "puppet_service_token_e2e"
MIN_GAP = 0.05


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def configure(app: App, puppet: FakePuppetService) -> App:
    """Point the app at the fake service, with a short pacing gap (config.yaml says 3 s)."""
    app.secrets = app.secrets.model_copy(
        update={"wechaty_token": TOKEN, "wechaty_endpoint": puppet.endpoint}
    )
    channels = app.settings.channels.model_copy(
        update={"wechat": WeChatSettings(min_gap_seconds=MIN_GAP, daily_cap=50)}
    )
    app.settings = app.settings.model_copy(update={"channels": channels})
    return app


class Contact:
    """A WeChat contact (in a direct chat or in a room) talking to the bot via the fake."""

    def __init__(self, puppet: FakePuppetService, contact_id: str, room: str | None = None):
        self.puppet = puppet
        self.contact_id = contact_id
        self.room = room
        self.message_ids: list[str] = []

    @property
    def conversation(self) -> str:
        return self.room or self.contact_id

    def received(self) -> list[SentText]:
        return [s for s in self.puppet.sent if s.conversation_id == self.conversation]

    def send(self, text: str) -> str:
        message_id = self.puppet.inject_text(self.contact_id, text, room_id=self.room)
        self.message_ids.append(message_id)
        return message_id

    async def say(self, text: str, timeout: float = 5.0) -> str:
        """Send ``text`` and return the bot's next message in this conversation."""
        before = len(self.received())
        self.send(text)
        await wait_until(lambda: len(self.received()) > before, timeout)
        return self.received()[before].text


@pytest.fixture
async def puppet() -> AsyncIterator[FakePuppetService]:
    fake = FakePuppetService()
    fake.add_contact(WANG, "王芳")
    fake.add_contact(STRANGER, "路人甲")
    fake.add_contact(NEWCOMER, "李新")
    fake.add_room(ROOM, "保险小组", [WANG, STRANGER])
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def wechat_app(make_app: Callable[[], App], puppet: FakePuppetService) -> App:
    """The app (SQLite, or PostgreSQL with TEST_DATABASE_URL) with 王芳 bound to ``WANG``."""
    app = configure(make_app(), puppet)
    add_agent(app, "王芳", None, WANG, False)
    return app


@pytest.fixture
async def start_bot(
    puppet: FakePuppetService, make_app: Callable[[], App]
) -> AsyncIterator[Callable[..., Awaitable[WeChatChannel]]]:
    """Start a WeChatChannel for an app (built by ``wechat_channel``); stopped at teardown,
    before the service and the apps (hence the otherwise unused dependencies)."""
    channels: list[WeChatChannel] = []

    async def start(app: App, **overrides: Any) -> WeChatChannel:
        options = {"reconnect_delay": 0.05, "login_timeout": 5.0, **overrides}
        channel = wechat_channel(app, **options)
        channels.append(channel)
        await channel.start(message_handler(app))
        return channel

    yield start
    for channel in channels:
        await channel.stop()


@pytest.fixture
async def bot(wechat_app: App, start_bot: Callable[..., Awaitable[WeChatChannel]]) -> WeChatChannel:
    return await start_bot(wechat_app)


@pytest.fixture
def wang(puppet: FakePuppetService) -> Contact:
    return Contact(puppet, WANG)
