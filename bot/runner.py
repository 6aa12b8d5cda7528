"""`run` and `chat`: connect the channels to the router inside one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from bot.bootstrap import App
from bot.channels.base import Channel, MessageHandler
from bot.channels.telegram_config import TelegramStartError
from bot.channels.terminal import TerminalChannel
from bot.delivery import DeliveryPolicy, DeliveryWorker
from handlers import text_libraries
from handlers.types import Incoming, Reply
from scheduler.runner import start_scheduler, stop_scheduler

log = logging.getLogger(__name__)
CHANNEL_NAMES = {"telegram": "Telegram", "wechat": "微信", "terminal": "终端"}
# On stop, pushes under way get this long to finish (WeChat paces messages 3 s apart).
DELIVERY_STOP_GRACE = 15.0


class ChannelStartFailed(Exception):
    """A channel did not start; the message (Chinese) quotes no token."""

    def __init__(self, channel: Channel, error: Exception) -> None:
        name = CHANNEL_NAMES.get(channel.platform, channel.platform)
        if isinstance(error, TelegramStartError):  # its text is redacted by the channel
            reason = ("请检查 TELEGRAM_TOKEN 是否正确（可向 @BotFather 确认）、"
                      f"Bot API 服务器是否连得上（{error}）")
        else:  # other errors may quote a token: only their kind
            reason = f"{type(error).__name__}"
        super().__init__(f"{name} 渠道没有启动：{reason}")


def message_handler(app: App) -> MessageHandler:
    """The async callback channels call: the synchronous router, one message of an agent at a
    time, in the order they came.

    On a SQLite file the router runs on the event loop, unless it would have to wait (for the
    write lock, or for the agent's previous message); then, and always on PostgreSQL, in a
    worker thread. Why: on SQLite a message is CPU work that holds the GIL, so a worker thread
    frees the loop for almost nothing and costs two thread switches, most of the bot's own
    share of a reply's latency. On PostgreSQL every statement is a network round trip, during
    which the loop must go on serving other chats.
    """
    router = app.router
    turns = AgentTurns()

    async def on_message(incoming: Incoming) -> list[Reply]:
        replies = None
        behind = turns.taken(incoming.platform, incoming.user_id)
        if not behind:  # nothing of this account in progress: answer now, without a turn
            replies = router.handle_now(incoming)
            if replies is not None:
                return replies
        async with turns.of(incoming.platform, incoming.user_id):
            if behind:  # its turn came: the loop may serve it now
                replies = router.handle_now(incoming)
            if replies is None:
                replies = await asyncio.to_thread(router.handle, incoming)
            return replies

    return on_message


class AgentTurns:
    """An asyncio lock per chat account, kept only while someone holds or awaits it. Without
    it, an agent's next message could be answered on the loop while the previous one still
    waits for its worker thread."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    def taken(self, platform: str, user_id: str) -> bool:
        """Whether a message of this account holds or awaits its turn."""
        return (platform, user_id) in self._locks

    @contextlib.asynccontextmanager
    async def of(self, platform: str, user_id: str) -> AsyncIterator[None]:
        key = (platform, user_id)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


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


async def start_channels(channels: list[Channel], handler: MessageHandler) -> None:
    """Start each channel; if one fails, stop those started and raise ChannelStartFailed."""
    started: list[Channel] = []
    for channel in channels:
        try:
            await channel.start(handler)
        except Exception as error:
            for running in reversed(started):
                await running.stop()
            raise ChannelStartFailed(channel, error) from None
        started.append(channel)
        log.info("channel %s started", channel.platform)


async def stop_delivery(worker: DeliveryWorker, delivery: asyncio.Task[None],
                        grace: float = DELIVERY_STOP_GRACE) -> None:
    """Let the pushes under way finish (a push cut between its parts would send the first
    parts again), up to ``grace`` seconds; then cancel."""
    worker.stop()
    done, _ = await asyncio.wait({delivery}, timeout=grace)
    if not done:
        log.warning("delivery: pushes still under way after %.0f s; cancelled", grace)
        delivery.cancel()
    await asyncio.gather(delivery, return_exceptions=True)


async def run_terminal(app: App, agent_name: str) -> None:
    """The terminal channel alone, until end of input."""
    text_libraries.preload()
    terminal = TerminalChannel(agent_name)
    await terminal.start(message_handler(app))
    await terminal.finished.wait()


async def run_all(app: App, terminal_agent: str) -> None:
    """Every configured channel (the terminal when none), the scheduler and the delivery
    worker, until interrupted (or, for the terminal, until end of input)."""
    text_libraries.preload()  # before any message: none waits for them
    channels = configured_channels(app)
    terminal: TerminalChannel | None = None
    if not channels:
        terminal = TerminalChannel(terminal_agent)
        channels.append(terminal)
    handler = message_handler(app)
    await start_channels(channels, handler)
    scheduler = start_scheduler(app.nudges, app.housekeeping, app.settings.timezone)
    policy = DeliveryPolicy(max_attempts=app.settings.nudges.max_attempts)
    worker = DeliveryWorker(app.uow, {c.platform: c for c in channels}, app.clock,
                            app.settings.zone, policy)
    delivery = asyncio.create_task(worker.run_forever())
    try:
        if terminal is not None:
            await terminal.finished.wait()
        else:
            await asyncio.Event().wait()
    finally:
        await stop_delivery(worker, delivery)
        await stop_scheduler(scheduler)
        for channel in channels:
            await channel.stop()
