"""`run` and `chat`: connect the channels to the router inside one asyncio loop."""

from __future__ import annotations

import asyncio
import logging

from bot.bootstrap import App
from bot.channels.base import Channel, MessageHandler
from bot.channels.terminal import TerminalChannel
from handlers.types import Incoming, Reply

log = logging.getLogger(__name__)


def message_handler(app: App) -> MessageHandler:
    """The async callback channels call: the synchronous router, off the event loop."""

    async def on_message(incoming: Incoming) -> list[Reply]:
        return await asyncio.to_thread(app.router.handle, incoming)

    return on_message


def configured_channels(app: App) -> list[Channel]:
    """Telegram when TELEGRAM_TOKEN is set, WeChat when the puppet service is configured."""
    channels: list[Channel] = []
    secrets = app.secrets
    if secrets.telegram_token:
        from bot.channels.telegram_setup import telegram_channel

        channels.append(telegram_channel(app))
    if secrets.wechaty_token and secrets.wechaty_endpoint:
        from bot.channels.wechat_setup import wechat_channel

        channels.append(wechat_channel(app))
    return channels


async def run_terminal(app: App, agent_name: str) -> None:
    """The terminal channel alone, until end of input."""
    terminal = TerminalChannel(agent_name)
    await terminal.start(message_handler(app))
    await terminal.finished.wait()


async def run_all(app: App, terminal_agent: str) -> None:
    """Every configured channel (the terminal when none), until interrupted."""
    channels = configured_channels(app)
    terminal: TerminalChannel | None = None
    if not channels:
        terminal = TerminalChannel(terminal_agent)
        channels.append(terminal)
    handler = message_handler(app)
    for channel in channels:
        await channel.start(handler)
        log.info("channel %s started", channel.platform)
    try:
        if terminal is not None:
            await terminal.finished.wait()
        else:
            await asyncio.Event().wait()
    finally:
        for channel in channels:
            await channel.stop()
