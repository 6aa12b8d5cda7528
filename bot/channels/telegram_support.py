"""Support for the Telegram channel: per-chat pacing, error mapping, token redaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import DeliveryError

_LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore", "tornado")


class ChatPacer:
    """At most one message per ``interval`` seconds per chat, without blocking other chats.

    Sends to one chat are serialised by a per-chat lock; the slot is released ``interval``
    after the previous message to that chat went out (or later, after a 429's retry_after).
    """

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}

    def _prune(self) -> None:
        if len(self._next) < 1024:
            return
        now = self._clock()
        for chat, moment in list(self._next.items()):
            lock = self._locks.get(chat)
            if moment <= now and (lock is None or not lock.locked()):
                self._next.pop(chat, None)
                self._locks.pop(chat, None)

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: str) -> AsyncIterator[None]:
        self._prune()
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            delay = self._next.get(chat_id, 0.0) - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                yield
            finally:
                self._next[chat_id] = max(
                    self._next.get(chat_id, 0.0), self._clock() + self.interval
                )

    def mark(self, chat_id: str) -> None:
        """Record a message sent outside ``slot`` (a conversational reply)."""
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), self._clock() + self.interval)

    def held_for(self, chat_id: str) -> float:
        """Seconds until the chat's slot opens (0 when open)."""
        return max(0.0, self._next.get(chat_id, 0.0) - self._clock())

    def hold(self, chat_id: str, seconds: float) -> None:
        """Keep the chat's slot closed for ``seconds`` (after a 429)."""
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), self._clock() + seconds)


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def to_delivery_error(exc: TelegramError, redact: Callable[[str], str]) -> DeliveryError:
    """Map a python-telegram-bot error onto the neutral DeliveryError."""
    text = redact(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, RetryAfter):
        return DeliveryError(text, retry_after=retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return DeliveryError(text, unreachable=True)
    if isinstance(exc, ChatMigrated):
        return DeliveryError(f"{text} (new chat id {exc.new_chat_id})", permanent=True)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest subclasses it
        return DeliveryError(text, permanent=True)
    # TimedOut, NetworkError (5xx, connection errors), InvalidToken, Conflict, anything else:
    # worth retrying later.
    return DeliveryError(text)


class PushRateLimitFilter(logging.Filter):
    """Drops AIORateLimiter's error-with-traceback for a push refused with 429.

    Pushes go out with no rate-limiter retries on purpose: the 429 becomes a DeliveryError and
    the outbox tries again after retry_after (the worker logs one warning line). A
    conversational reply that still meets a 429 after its one retry is logged as before.
    """

    LOGGER = "telegram.ext.AIORateLimiter"
    _MESSAGE = "Rate limit hit after maximum of %d retries"

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.msg == self._MESSAGE and record.args == (0,))


class TokenRedactor(logging.Filter):
    """Replaces the bot token in log records (message, arguments and traceback)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def redact(self, text: str) -> str:
        if not self._token:
            return text
        return text.replace(self._token, "<token>")

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._token:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix
            return True
        if self._token in message:
            record.msg = self.redact(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    def install(self, *extra: logging.Logger) -> list[logging.Logger]:
        """Attach to every library logger that exists now (filters do not inherit)."""
        names = [
            name
            for name, logger in logging.root.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
            and any(name == p or name.startswith(p + ".") for p in _LIBRARY_LOGGERS)
        ]
        loggers = [logging.getLogger(n) for n in {*names, *_LIBRARY_LOGGERS}]
        loggers += list(extra)
        for logger in loggers:
            logger.addFilter(self)
        return loggers

    def uninstall(self, loggers: list[logging.Logger]) -> None:
        for logger in loggers:
            logger.removeFilter(self)
