"""Outgoing Telegram messages: Reply → HTML messages with inline keyboards, paced per chat."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.channels import telegram_mapping as mapping
from bot.channels.base import DeliveryError
from bot.channels.telegram_support import ChatPacer, retry_after_seconds, to_delivery_error
from handlers.types import Reply

EMPTY_WITH_OPTIONS = "请选择："  # Telegram refuses empty text; a bare set of buttons gets this
# A push finding its chat closed longer than this (a 429's retry_after) is not waited for: it
# fails with that retry_after, and the outbox tries it then. Waiting would outlast the row's
# lease (another process would send it too) and keep the delivery round from the other chats.
MAX_PUSH_WAIT = 30.0


class TelegramSender:
    """Sends replies through the Application's bot.

    Pushes (outbox delivery) wait for the chat's pacing slot and fail fast on a 429 with a
    DeliveryError (the outbox backs off). Conversational replies go out at once (the user is
    waiting), let the rate limiter retry a 429 once, and only mark the pacer, so a push right
    after them still waits its turn.
    """

    def __init__(
        self, bot: Callable[[], ExtBot], pacer: ChatPacer, redact: Callable[[str], str]
    ) -> None:
        self._bot = bot
        self._pacer = pacer
        self._redact = redact

    async def _send_text(
        self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None, retries: int
    ) -> Message:
        return await self._bot().send_message(
            chat_id=_chat(chat_id),
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            rate_limit_args=retries,
        )

    @contextlib.asynccontextmanager
    async def _push_slot(self, chat_id: str) -> AsyncIterator[None]:
        """The chat's pacing slot; a 429 keeps the slot closed for its retry_after. A
        DeliveryError (retry later) when it stays closed longer than ``MAX_PUSH_WAIT``."""
        held = self._pacer.held_for(chat_id)
        if held > MAX_PUSH_WAIT:
            raise DeliveryError(f"chat held by a flood wait for {held:.0f} s", retry_after=held)
        async with self._pacer.slot(chat_id):
            try:
                yield
            except RetryAfter as exc:
                self._pacer.hold(chat_id, retry_after_seconds(exc))
                raise

    async def reply(self, chat_id: str, reply: Reply) -> None:
        """One Reply to the agent's message as one or more messages (split under 4,096), the
        keyboard on the last."""
        for chunk, markup in _parts(reply):
            await self._send_text(chat_id, chunk, markup, 1)
            self._pacer.mark(chat_id)

    async def send(self, chat_id: str, replies: list[Reply], skip_parts: int = 0) -> None:
        """Push replies, paced, leaving out the first ``skip_parts`` messages; a failure says
        how many messages of this call went out before it."""
        parts = [part for reply in replies for part in _parts(reply)][skip_parts:]
        sent = 0
        try:
            for chunk, markup in parts:
                async with self._push_slot(chat_id):
                    await self._send_text(chat_id, chunk, markup, 0)
                sent += 1
        except TelegramError as exc:
            error = to_delivery_error(exc, self._redact)
            error.sent_parts = sent
            raise error from None
        except DeliveryError as error:
            error.sent_parts = sent
            raise

    async def send_file(
        self, chat_id: str, kind: str, data: bytes, filename: str | None, caption: str
    ) -> None:
        """A photo or document; a caption too long for Telegram follows as its own message."""
        fitted = mapping.fit_caption(caption) if caption else None
        bot = self._bot()
        try:
            async with self._push_slot(chat_id):
                if kind == "photo":
                    await bot.send_photo(
                        chat_id=_chat(chat_id),
                        photo=data,
                        caption=fitted,
                        parse_mode=ParseMode.HTML,
                    )
                else:
                    await bot.send_document(
                        chat_id=_chat(chat_id),
                        document=data,
                        filename=filename,
                        caption=fitted,
                        parse_mode=ParseMode.HTML,
                    )
        except TelegramError as exc:
            raise to_delivery_error(exc, self._redact) from None
        if caption and fitted is None:
            await self.send(chat_id, [Reply(caption)])


def _chat(chat_id: str) -> int | str:
    """Numeric ids as int (PTB's rate limiter treats string ids as channels/groups)."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def _parts(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The messages one Reply goes out as: its text split under 4,096 characters, the
    keyboard on the last."""
    text = reply.text if reply.text.strip() else (EMPTY_WITH_OPTIONS if reply.options else "")
    if not text:
        return []
    chunks = mapping.html_chunks(text)
    markup = mapping.keyboard(reply.options, reply.offer)
    return [(chunk, markup if number == len(chunks) else None)
            for number, chunk in enumerate(chunks, start=1)]
