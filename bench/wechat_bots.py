"""The WeChat benchmark's bots, each in a process of its own (``bench.fake_process`` serves it).

A bot is a process, as it is deployed: one WeChat account per process (wechaty keeps its
object caches process-wide; ``isolate_caches`` works around that for a reconnect and for
tests). Three bots in one process share its interpreter's data: each message of one
warmed the wechaty code and objects the next bot's message used, so the echo bot and the
channel ran with caches their neighbours had just filled, while our handler's code and data
(used by ours alone) were always cold. In processes of their own, every bot's data is as cold
between two of its messages as it is in production, where messages come seconds apart.

Kinds: "ours" (the channel + the real router on a temporary SQLite app, its handler timed),
"channel" (the channel with an answer that costs nothing) and "echo" (a bare ``Wechaty``
subclass). With ``phases``, each process records when it asked for a payload, got it and
called send (bench/wechat_phases.py matches them to the round trips).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from bench.fixtures import make_bench_app
from bench.wechat_phases import PhaseRecorder, record_marks
from bot.agents_admin import add_agent
from bot.channels.base import MessageHandler
from bot.channels.wechat import WeChatChannel, free_port
from bot.channels.wechat_setup import wechat_channel
from bot.channels.wechaty_compat import (
    MessageType,
    PuppetOptions,
    PuppetService,
    Wechaty,
    WechatyOptions,
    WechatySchedulerOptions,
    quiet_deprecations,
)
from bot.runner import message_handler
from handlers.types import Incoming, Reply

CONTACT = "wxid_bench"
TOKEN = "bench_puppet_token"


class EchoBot(Wechaty):
    """The bare baseline: answers every text with the same text."""

    async def on_message(self, msg: Any) -> None:
        if msg.is_self() or msg.type() != MessageType.MESSAGE_TYPE_TEXT:
            return
        await msg.say(msg.text())


def timed(handler: MessageHandler, durations: list[float]) -> MessageHandler:
    """``handler``, adding how long each answer took to ``durations``."""

    async def on_message(incoming: Incoming) -> list[Reply]:
        started = time.perf_counter()
        try:
            return await handler(incoming)
        finally:
            durations.append(time.perf_counter() - started)

    return on_message


def free_answer() -> MessageHandler:
    """The channel's part alone: an answer that costs nothing, in place of the router."""

    async def on_message(incoming: Incoming) -> list[Reply]:
        return [Reply(incoming.text)]

    return on_message


class _Echo:
    """The echo bot, logged in to ``endpoint``; its event stream must be ended (by the fake)
    before ``stop``."""

    def __init__(self, endpoint: str) -> None:
        options = PuppetOptions(end_point=endpoint)
        with quiet_deprecations():
            puppet = PuppetService(options)
        options.token = TOKEN
        with quiet_deprecations():
            self.bot = EchoBot(WechatyOptions(
                puppet=puppet, puppet_options=options, host="127.0.0.1", port=free_port(),
                scheduler=WechatySchedulerOptions(job_store="sqlite://")))
        self._running: asyncio.Task[None] | None = None

    async def start(self) -> None:
        logged_in = asyncio.Event()
        self.bot.on("login", lambda *_: logged_in.set())
        self._running = asyncio.create_task(self.bot.start())
        await asyncio.wait_for(logged_in.wait(), 10.0)

    async def stop(self) -> None:
        if self._running is not None:
            await asyncio.wait_for(self._running, 10.0)  # start() returns when the stream ends
        await self.bot.stop()
        scheduler = self.bot._plugin_manager.scheduler
        if scheduler.running:
            with contextlib.suppress(Exception):
                scheduler.shutdown(wait=False)


class _Channel:
    """Our channel logged in to ``endpoint``, answering with the router or for free."""

    def __init__(self, endpoint: str, router: bool) -> None:
        self.app = make_bench_app()
        self.app.secrets = self.app.secrets.model_copy(
            update={"wechaty_token": TOKEN, "wechaty_endpoint": endpoint})
        add_agent(self.app, "压测", None, CONTACT, False)
        self.durations: list[float] = []
        self.handler = (timed(message_handler(self.app), self.durations) if router
                        else free_answer())
        self.channel: WeChatChannel = wechat_channel(
            self.app, min_gap_seconds=0.0, daily_cap=10**6, login_timeout=10.0)

    async def start(self) -> None:
        await self.channel.start(self.handler)

    async def stop(self) -> None:
        try:
            await self.channel.stop()
        finally:
            self.app.dispose()


async def serve_bot(setup: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """For ``bench.fake_process``: the bot ``setup["bot"]`` logged in to ``setup["endpoint"]``;
    the op "results" gives its handler's durations (ours) and its phase marks."""
    # once per bot start: "there is not registed blueprint in the plugins" (we use no plugins)
    logging.getLogger("wechaty.plugin").setLevel(logging.ERROR)
    recorder = PhaseRecorder()
    if setup.get("phases"):
        record_marks(recorder)
    kind = setup["bot"]
    bot = (_Echo(setup["endpoint"]) if kind == "echo"
           else _Channel(setup["endpoint"], router=kind == "ours"))
    await bot.start()

    async def results() -> dict[str, Any]:
        return {"handler": getattr(bot, "durations", []), "marks": recorder.times}

    return bot, {}, {"results": results}
