"""One wechaty bot on a wechaty puppet service, kept connected.

Why not ``Wechaty.start()``: in wechaty 0.10.7 (with wechaty-puppet-service 0.8.10) it connects
and then reads the puppet's event stream until the stream ends. When the service ends the stream
normally, ``start()`` simply returns and nothing reconnects; on a network error
(``StreamTerminatedError``/``OSError``) it sleeps a hard-coded 60 s and restarts the whole bot;
any other error (e.g. a ``GRPCError`` status) is printed and the bot stays disconnected. So we
run its steps ourselves: ``init_puppet()`` and ``init_puppet_event_bridge()`` once, then
``puppet.start()`` (open a gRPC channel, Stop+Start the service's puppet, read the event stream)
in a loop, with our own delay (``reconnect_delay``, doubling up to ``max_reconnect_delay``).

The event bridge stays registered across reconnects, so the service's repeated ``login`` event is
absorbed by wechaty's once-only login handling, and message events keep flowing to the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.wechaty_compat import (
    PuppetOptions,
    PuppetService,
    Wechaty,
    WechatyOptions,
    WechatySchedulerOptions,
    isolate_caches,
    quiet_deprecations,
)

log = logging.getLogger(__name__)

# A connection that stayed up this long resets the reconnect delay to its minimum.
_STABLE_SECONDS = 60.0
# A message not fetched by then is given up (a copy sent later is fetched again): a call on a
# half-open connection would otherwise hold its id, and skip its copies, for ever.
FETCH_TIMEOUT = 30.0


class _PuppetService(PuppetService):
    def _init_puppet(self) -> None:
        """Open the new gRPC channel, then close the previous one: wechaty-puppet-service
        replaces it unclosed on every (re)start. Until then, sends keep using the old one."""
        previous = self.channel
        super()._init_puppet()
        if previous is not None and previous is not self.channel:
            previous.close()

    def listen_instead(self, event_name: str, listener: Callable[[Any], Awaitable[None]]) -> None:
        """Replace every listener of ``event_name`` with ``listener``."""
        self._event_stream.remove_all_listeners(event_name)
        self._event_stream.on(event_name, listener)


class _Wechaty(Wechaty):
    """Hands every ready message to ``on_message``, in the task the puppet's emitter starts
    for each event.

    wechaty's own message listener marks the id as seen (in one process-wide set) before it
    fetches the message. A message whose fetch fails (the connection dropped) or whose answer
    failed is then ignored when the service sends it again: lost. Ours only skips copies that
    arrive while the same id is being fetched (they would fetch it again, and wechaty logs the
    contact's name when a payload is set twice); the channel and the database's message ledger
    de-duplicate after the fetch.
    """

    def __init__(
        self, options: WechatyOptions, on_message: Callable[[Any], Awaitable[None]]
    ) -> None:
        super().__init__(options)
        self._on_ready_message = on_message
        self._fetching: set[str] = set()
        self.fetch_timeout = FETCH_TIMEOUT
        self.in_flight: set[asyncio.Task[Any]] = set()  # each fetching or answering a message

    async def init_puppet_event_bridge(self, puppet: Any) -> None:
        await super().init_puppet_event_bridge(puppet)
        puppet.listen_instead("message", self._message_event)

    async def _message_event(self, payload: Any) -> None:
        message_id = payload.message_id
        if message_id in self._fetching:
            return
        task = asyncio.current_task()
        assert task is not None
        self.in_flight.add(task)
        try:
            self._fetching.add(message_id)
            try:
                msg = self.Message.load(message_id)
                async with asyncio.timeout(self.fetch_timeout):
                    await msg.ready()
            except Exception as exc:
                log.warning("wechat: message %s not fetched (%s); skipped, a copy sent later is "
                            "fetched again", message_id, _describe(exc))
                return
            finally:
                self._fetching.discard(message_id)
            await self._on_ready_message(msg)
        finally:
            self.in_flight.discard(task)


class WechatyConnection:
    def __init__(
        self,
        *,
        on_message: Callable[[Any], Awaitable[None]],
        token: str,
        endpoint: str,
        plugin_port: int,
        reconnect_delay: float,
        max_reconnect_delay: float,
        stop_timeout: float = 5.0,
    ) -> None:
        # A fresh PuppetOptions per bot: PuppetService writes into it, and WechatyOptions' default
        # instance is shared by every bot in the process.
        options = PuppetOptions(end_point=endpoint)
        with quiet_deprecations():
            self.puppet = _PuppetService(options)
        # Set the token only now: PuppetService.__init__ logs it when given endpoint and token.
        # (It is then used as the gRPC :authority, as wechaty does.)
        options.token = token
        with quiet_deprecations():
            self.bot = _Wechaty(
                WechatyOptions(
                    puppet=self.puppet,
                    puppet_options=options,
                    # wechaty's plugin manager checks this port at login, refuses it if in use.
                    host="127.0.0.1",
                    port=plugin_port,
                    # In-memory job store: the default is an SQLite file in wechaty's cache dir.
                    scheduler=WechatySchedulerOptions(job_store="sqlite://"),
                ),
                on_message,
            )
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_delay = max_reconnect_delay
        self.stop_timeout = stop_timeout
        self.reconnects = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def logged_in(self) -> bool:
        return self.puppet.login_user_id is not None

    def start(self) -> asyncio.Task[None]:
        """Connect in the background (and keep reconnecting); returns the supervising task."""
        self._task = asyncio.create_task(self._run(), name="wechaty-connection")
        return self._task

    async def send_text(self, conversation_id: str, text: str, timeout: float) -> None:
        async with asyncio.timeout(timeout):  # unlike wait_for, no task (and loop turn) of its own
            await self.puppet.message_send_text(conversation_id=conversation_id, message=text)

    async def end_stream(self) -> None:
        """End the event stream from our side (cancelling the read resets the gRPC stream) and
        stop reconnecting. The gRPC channel stays open, so replies can still be sent."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def close(self) -> None:
        # 1. End the event stream first: stopping the bot under an open stream makes the read
        #    fail, which wechaty's own start() answers with a 60 s sleep and a restart (and our
        #    loop with a reconnect).
        await self.end_stream()
        # 2. Stop the bot: the service's Stop call, then close the gRPC channel.
        try:
            await asyncio.wait_for(self.bot.stop(), self.stop_timeout)
        except Exception as exc:
            log.warning("wechat: stopping the puppet failed: %s", _describe(exc))
            if self.puppet.channel is not None:
                self.puppet.channel.close()
        # 3. wechaty starts an APScheduler for its plugins at login and never shuts it down.
        scheduler = self.bot._plugin_manager.scheduler
        if scheduler.running:
            with contextlib.suppress(Exception):
                scheduler.shutdown(wait=False)

    async def _run(self) -> None:
        await self.bot.init_puppet()
        isolate_caches(self.bot)
        await self.bot.init_puppet_event_bridge(self.puppet)
        loop = asyncio.get_running_loop()
        delay = self.reconnect_delay
        while True:
            began = loop.time()
            try:
                await self.puppet.start()  # returns when the service ends the event stream
                reason = "ended"
            except Exception as exc:
                reason = f"failed ({_describe(exc)})"
            if loop.time() - began >= _STABLE_SECONDS:
                delay = self.reconnect_delay
            log.warning("wechat: event stream %s; reconnecting in %.1f s", reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_reconnect_delay)
            self.reconnects += 1


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
