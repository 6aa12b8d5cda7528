"""The WeChat channel: a real ``wechaty.Wechaty`` on a wechaty puppet service.

Incoming text messages become ``Incoming``s (group messages flagged ``is_group``); the handler's
replies are rendered as plain text with numbered options and sent back to the same contact or
room. Every outgoing message of the account is paced (``min_gap_seconds``) and counted per local
day; pushes (``send``) are refused with ``DeliveryError(retry_after=...)`` once ``daily_cap`` is
reached, while replies to the agent's own messages are still sent (and counted), so a
conversation never goes silent.

Reconnects are handled in ``wechat_connection``; tests make them quick with
``reconnect_delay=0.05``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.channels.base import DeliveryError, MessageHandler
from bot.channels.wechat_connection import WechatyConnection
from bot.channels.wechat_inbound import RecentIds, to_incoming
from bot.channels.wechat_outgoing import SendPacer, SharedCount, pack_texts
from handlers.safe_log import log_failure
from handlers.types import Incoming, Reply

log = logging.getLogger(__name__)
# A send that failed with one of these never reached the puppet service (no connection could be
# made), so it is not counted against the daily cap: an outage must not use up the day.
NOT_CONNECTED = (ConnectionRefusedError, socket.gaierror)


def _local_now() -> datetime:
    return datetime.now().astimezone()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WeChatChannel:
    platform = "wechat"

    def __init__(
        self,
        *,
        token: str,
        endpoint: str,
        daily_cap: int,
        min_gap_seconds: float = 3.0,
        clock: Callable[[], datetime] = _local_now,
        plugin_port: int | None = None,
        max_message_chars: int = 1500,
        reconnect_delay: float = 5.0,
        max_reconnect_delay: float = 300.0,
        login_timeout: float = 300.0,
        send_timeout: float = 30.0,
        shutdown_grace: float = 10.0,
        seen_capacity: int = 10_000,
        shared_count: SharedCount | None = None,
        share_every_seconds: float = 30.0,
    ) -> None:
        """``endpoint``: "host:port" of the puppet service, always explicit (with a token alone
        wechaty asks api.chatie.io). ``clock``: the account's local time, for the daily cap.
        ``plugin_port``: a free local port for wechaty's plugin server (default: pick one).
        ``shared_count``: where the day's count of sent messages is kept across restarts and
        processes; exchanged at login, every ``share_every_seconds`` and at stop (without it,
        the cap counts this process's messages from its start)."""
        if not token:
            raise ValueError("a puppet service token is required")
        if not endpoint:
            raise ValueError("the puppet service endpoint must be set explicitly")
        self._token = token
        self._endpoint = endpoint
        self._plugin_port = plugin_port
        self._reconnect = (reconnect_delay, max_reconnect_delay)
        self._login_timeout = login_timeout
        self._send_timeout = send_timeout
        self._shutdown_grace = shutdown_grace
        self._max_chars = max_message_chars
        self._pacer = SendPacer(min_gap_seconds=min_gap_seconds, daily_cap=daily_cap, clock=clock)
        self._seen = RecentIds(seen_capacity)
        self._conn: WechatyConnection | None = None
        self._on_message: MessageHandler | None = None
        self._shared_count = shared_count
        self._share_every = share_every_seconds
        self._account: str | None = None  # "wechat:<our own contact id>", once logged in
        self._sharing: asyncio.Task[None] | None = None
        self._closing = False
        self.stats: Counter[str] = Counter()  # handled, duplicate, self, not-text, ...

    def __repr__(self) -> str:  # never show the token
        return f"WeChatChannel(endpoint={self._endpoint!r})"

    @property
    def connection(self) -> WechatyConnection | None:
        return self._conn

    async def start(self, on_message: MessageHandler) -> None:
        """Connect in the background and return once the account is logged in."""
        if self._conn is not None:
            raise RuntimeError("WeChatChannel already started")
        self._on_message = on_message
        self._closing = False
        conn = WechatyConnection(
            on_message=self._on_wechaty_message,
            token=self._token,
            endpoint=self._endpoint,
            plugin_port=self._plugin_port or free_port(),
            reconnect_delay=self._reconnect[0],
            max_reconnect_delay=self._reconnect[1],
        )
        logged_in = asyncio.Event()
        conn.bot.on("login", lambda *_: logged_in.set())
        conn.bot.on("error", self._on_wechaty_error)
        self._conn = conn
        task = conn.start()
        waiter = asyncio.ensure_future(logged_in.wait())
        done, _ = await asyncio.wait(
            {waiter, task}, timeout=self._login_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            failure = task.exception() if task in done and not task.cancelled() else None
            await self.stop()
            raise RuntimeError("WeChat account did not log in") from failure
        log.info("wechat: logged in")
        if self._shared_count is not None:
            self._account = f"wechat:{conn.puppet.login_user_id}"
            await self.share_count()  # before anything is sent: the day's count so far
            self._sharing = asyncio.create_task(self._share_periodically())

    async def stop(self) -> None:
        """End the event stream, let answers in progress finish (up to ``shutdown_grace``),
        then stop the bot."""
        conn = self._conn
        if conn is None or self._closing:
            return
        self._closing = True
        try:
            await conn.end_stream()
            # No new message comes now; those still being fetched or answered are answered
            # (their ids may already be claimed: a copy sent after a restart would not be).
            if conn.bot.in_flight:
                await asyncio.wait(set(conn.bot.in_flight), timeout=self._shutdown_grace)
            for task in list(conn.bot.in_flight):
                task.cancel()
            if self._sharing is not None:
                self._sharing.cancel()
                await asyncio.gather(self._sharing, return_exceptions=True)
                self._sharing = None
            await self.share_count()
            await conn.close()
        finally:
            self._conn = None
            self._closing = False

    async def share_count(self) -> None:
        """Add the messages sent since the last exchange to the shared count, and count on
        from the day's total (what other processes, or this account before a restart, sent).
        A failure is logged; those messages are added next time."""
        if self._shared_count is None or self._account is None:
            return
        day, sent = self._pacer.unshared()
        try:
            total = await asyncio.to_thread(self._shared_count.add, self._account, day, sent)
        except Exception as error:
            self._pacer.not_shared(day, sent)
            log_failure(log, "wechat: the day's count of sent messages was not shared", error)
            return
        self._pacer.shared(day, total)

    async def _share_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._share_every)
            await self.share_count()

    async def send(self, chat_id: str, replies: list[Reply], skip_parts: int = 0) -> None:
        """Push replies (outbox delivery), leaving out the first ``skip_parts`` messages (sent
        by an earlier attempt); DeliveryError when over the daily cap or on failure."""
        texts = pack_texts(replies, self._max_chars)[skip_parts:]
        await self._deliver(chat_id, texts, push=True)

    # --- incoming ----------------------------------------------------------------------------
    async def _on_wechaty_message(self, msg: Any) -> None:
        # Called by wechaty with a ready Message, in its task for the event: check and remember
        # the id before anything awaits, so a re-sent event cannot slip in between.
        if self._conn is None or self._on_message is None:
            return
        try:
            result = to_incoming(msg)
        except Exception as error:  # a payload wechaty cannot read: skip it, never fail
            log_failure(log, f"wechat: message {msg.message_id} unreadable; skipped", error)
            result = "unreadable"
        if isinstance(result, str):
            self.stats[result] += 1
            return
        if not self._seen.add(msg.message_id):
            self.stats["duplicate"] += 1
            log.info("wechat: message %s seen before; ignored", msg.message_id)
            return
        await self._answer(result)  # in the connection's task for the event (``in_flight``)

    async def _answer(self, incoming: Incoming) -> None:
        assert self._on_message is not None
        try:
            replies = await self._on_message(incoming)
        except Exception as error:
            log_failure(log, f"wechat: handler failed for message {incoming.message_id}", error)
            if incoming.message_id:  # not answered: a redelivery may try again
                self._seen.forget(incoming.message_id)
            self.stats["failed"] += 1
            return
        self.stats["handled"] += 1
        try:
            await self._deliver(incoming.chat_id, pack_texts(replies, self._max_chars), push=False)
        except DeliveryError as exc:
            log.warning("wechat: reply to message %s not sent: %s", incoming.message_id, exc)

    def _on_wechaty_error(self, payload: Any) -> None:
        log.warning("wechat: wechaty error: %s", str(payload)[:300])

    # --- outgoing ----------------------------------------------------------------------------
    async def _deliver(self, conversation_id: str, texts: list[str], *, push: bool) -> None:
        """Send ``texts`` in order, paced. Pushes are held to the daily cap and refused while
        stopping; replies to the agent are always sent (and counted)."""
        if not texts:
            return
        conn = self._conn
        if conn is None or not conn.logged_in or (push and self._closing):
            raise DeliveryError("WeChat is not connected")
        async with self._pacer.lock:
            if push:
                self._pacer.check_cap(len(texts))
            elif self._pacer.sent_today() + len(texts) > self._pacer.daily_cap:
                log.warning("wechat: over the daily cap; replying to the agent anyway")
            for sent, text in enumerate(texts):
                await self._pacer.wait_turn()
                reached = True  # as far as we know: the cap protects the account
                try:
                    await conn.send_text(conversation_id, text, self._send_timeout)
                except Exception as exc:
                    reached = not isinstance(exc, NOT_CONNECTED)
                    raise DeliveryError(f"WeChat send failed: {type(exc).__name__}",
                                        sent_parts=sent) from exc
                finally:
                    self._pacer.record_sent(counted=reached)
