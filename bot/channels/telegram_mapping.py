"""Pure mapping between Telegram and the neutral types: Incoming in; HTML, keyboards out."""

from __future__ import annotations

import html
import re
import unicodedata

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatType

from bot.channels.text_render import split_text
from handlers.types import Incoming, Option

PLATFORM = "telegram"

MAX_TEXT = 4096  # Bot API: 1-4096 characters of message text
MAX_CAPTION = 1024  # Bot API: 0-1024 characters of photo/document caption
MAX_CALLBACK_BYTES = 64  # Bot API: 1-64 bytes of callback_data
SHORT_LABEL_WIDTH = 12  # labels at most this wide (CJK counts 2) go two to a row

_ADDRESSED_COMMAND = re.compile(r"^(/[A-Za-z0-9_]+)@([A-Za-z0-9_]+)(?=\s|$)")


def escape(text: str) -> str:
    """Escape text for parse_mode=HTML: every ``<``, ``>`` and ``&`` becomes an entity."""
    return html.escape(text, quote=False)


def _units(text: str) -> int:
    """Length in UTF-16 code units, the strictest way Telegram may count."""
    return len(text.encode("utf-16-le")) // 2


def html_chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` at line breaks and escape each piece so every escaped piece fits ``limit``.

    Measured on the escaped text in UTF-16 units, so the limit holds however Telegram counts.
    """
    out: list[str] = []
    pending = split_text(text, limit)
    pending.reverse()
    while pending:
        piece = pending.pop()
        escaped = escape(piece)
        if _units(escaped) <= limit or len(piece) <= 1:
            out.append(escaped)
            continue
        smaller = split_text(piece, max(1, len(piece) // 2))
        pending.extend(reversed(smaller))
    return out


def fit_caption(caption: str) -> str | None:
    """The escaped caption if it fits a photo/document caption, else None (send it apart)."""
    escaped = escape(caption)
    return escaped if _units(escaped) <= MAX_CAPTION else None


def callback_data(option: Option, index: int) -> str:
    """The option's value when it fits 64 bytes of UTF-8, else its 1-based index."""
    value = option.value
    if value and len(value.encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return value
    return str(index)


def _width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def keyboard(options: tuple[Option, ...] | list[Option]) -> InlineKeyboardMarkup | None:
    """Inline buttons: one per row, or two per row when every label is short."""
    if not options:
        return None
    buttons = [
        InlineKeyboardButton(
            text=option.label or option.value, callback_data=callback_data(option, i)
        )
        for i, option in enumerate(options, start=1)
    ]
    per_row = 2 if all(_width(b.text) <= SHORT_LABEL_WIDTH for b in buttons) else 1
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)


def normalize_command(text: str, bot_username: str | None) -> str | None:
    """Strip an ``@BotName`` suffix from a leading command addressed to this bot.

    Returns the text unchanged when there is no addressed command, and None when the command is
    addressed to a different bot (the message is not for us).
    """
    match = _ADDRESSED_COMMAND.match(text)
    if match is None:
        return text
    if bot_username and match.group(2).lower() != bot_username.lower():
        return None
    return match.group(1) + text[match.end() :]


def incoming_from_message(message: Message, bot_username: str | None) -> Incoming | None:
    """A text message as Incoming; None when it is not for us (no sender, other bot's command)
    or cannot be genuine (a private chat is always the sender's own: its id is theirs)."""
    if message.text is None or message.from_user is None:
        return None
    private = message.chat.type == ChatType.PRIVATE
    if private and message.chat.id != message.from_user.id:
        return None
    text = normalize_command(message.text, bot_username)
    if text is None:
        return None
    return Incoming(
        platform=PLATFORM,
        user_id=str(message.from_user.id),
        chat_id=str(message.chat.id),
        text=text,
        message_id=f"{message.chat.id}:{message.message_id}",
        is_group=not private,
        display_name=message.from_user.full_name,
    )


def incoming_from_callback(query: CallbackQuery) -> Incoming | None:
    """A button press as Incoming: the text is the button's callback data. None when the
    press cannot be genuine (in a private chat that is not the presser's own)."""
    chat = query.message.chat if query.message is not None else None
    if chat is not None and chat.type == ChatType.PRIVATE and chat.id != query.from_user.id:
        return None
    return Incoming(
        platform=PLATFORM,
        user_id=str(query.from_user.id),
        chat_id=str(chat.id if chat is not None else query.from_user.id),
        text=query.data or "",
        message_id=f"cb:{query.id}",
        is_group=chat is not None and chat.type != ChatType.PRIVATE,
        display_name=query.from_user.full_name,
    )
