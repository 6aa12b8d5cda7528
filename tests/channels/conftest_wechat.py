"""Fixtures for the WeChat channel tests: the fake puppet service and real wechaty clients.

Loaded with ``pytest_plugins`` from the test module (``tests/channels/conftest.py`` belongs to
the Telegram tests).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from bot.channels.wechat import WeChatChannel
from handlers.types import Incoming, ManualClock, Option, Reply
from tests.fakes.wechat_puppet import FakePuppetService

ALICE, BOB = "wxid_alice", "wxid_bob"
ROOM = "team@chatroom"
TOKEN = "puppet_service_token_7f3a"
OPTIONS = (Option("确认", "1"), Option("取消", "2"))


class Recorder:
    """The test's message handler: records each Incoming and answers with two options."""

    def __init__(self) -> None:
        self.incomings: list[Incoming] = []
        self.fail_next = 0  # raise on the next N messages
        self.gate: asyncio.Event | None = None  # if set, answers wait for it
        self.long_reply = "\n".join(f"第{i:03d}行：" + "档" * 40 for i in range(100))

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        self.incomings.append(incoming)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("handler failed (test)")
        if self.gate is not None:
            await self.gate.wait()
        if incoming.text == "长":
            return [Reply(self.long_reply)]
        return [Reply(f"收到：{incoming.text}", OPTIONS)]

    def texts(self) -> list[str]:
        return [incoming.text for incoming in self.incomings]


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def fake_puppet() -> AsyncIterator[FakePuppetService]:
    fake = FakePuppetService()
    fake.add_contact(ALICE, "王小明")
    fake.add_contact(BOB, "李华")
    fake.add_room(ROOM, "保险小组", [ALICE, BOB])
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def wechat_handler() -> Recorder:
    return Recorder()


@pytest.fixture
def wechat_clock() -> ManualClock:
    return ManualClock(datetime(2025, 3, 1, 9, 0))


@pytest.fixture
async def make_wechat_channel(
    fake_puppet: FakePuppetService, wechat_handler: Recorder, wechat_clock: ManualClock
) -> AsyncIterator[Callable[..., Awaitable[WeChatChannel]]]:
    channels: list[WeChatChannel] = []

    async def make(**overrides: Any) -> WeChatChannel:
        settings: dict[str, Any] = {
            "token": TOKEN,
            "endpoint": fake_puppet.endpoint,
            "daily_cap": 50,
            "min_gap_seconds": 0.05,
            "clock": wechat_clock.now,
            "reconnect_delay": 0.05,
            "login_timeout": 5.0,
            **overrides,
        }
        channel = WeChatChannel(**settings)
        channels.append(channel)
        await channel.start(wechat_handler)
        return channel

    yield make
    for channel in channels:
        await channel.stop()


@pytest.fixture
async def wechat(make_wechat_channel: Callable[..., Awaitable[WeChatChannel]]) -> WeChatChannel:
    return await make_wechat_channel()
