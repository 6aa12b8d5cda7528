"""Fixtures for the channel tests: fake services on loopback and recording message handlers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.channels.telegram import TelegramChannel
from handlers.types import Incoming, Option, Reply
from tests.fakes.telegram_api import FakeBotApi

Respond = Callable[[Incoming], list[Reply]]


def echo_with_options(incoming: Incoming) -> list[Reply]:
    return [Reply(f"收到：{incoming.text}", (Option("是", "yes"), Option("否", "no")))]


class Recorder:
    """An ``on_message`` that records every Incoming and answers with ``respond(incoming)``."""

    def __init__(self, respond: Respond = echo_with_options) -> None:
        self.respond = respond
        self.incomings: list[Incoming] = []
        self._changed = asyncio.Event()

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        self.incomings.append(incoming)
        self._changed.set()
        self._changed = asyncio.Event()
        return self.respond(incoming)

    async def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Incoming]:
        """Wait until ``count`` Incomings arrived; returns all of them."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.incomings) < count:
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"expected {count} incoming messages, got {self.incomings}"
            ) from None
        return list(self.incomings)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


StartChannel = Callable[..., Awaitable[TelegramChannel]]


@pytest.fixture
async def start_channel(fake_api: FakeBotApi) -> AsyncIterator[StartChannel]:
    """Start a real TelegramChannel (PTB Application) against the fake; stopped afterwards."""
    channels: list[TelegramChannel] = []

    async def start(on_message: Any = None, **kwargs: Any) -> TelegramChannel:
        kwargs.setdefault("per_chat_interval", 0.0)
        kwargs.setdefault("poll_timeout", 2)
        kwargs.setdefault("token", fake_api.token)
        kwargs.setdefault("base_url", fake_api.base_url)
        channel = TelegramChannel(**kwargs)
        await channel.start(on_message if on_message is not None else Recorder())
        channels.append(channel)
        return channel

    yield start
    for channel in reversed(channels):
        await channel.stop()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
