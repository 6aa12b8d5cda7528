"""Pure mapping between Telegram and the neutral types: Incoming in; HTML, keyboards out."""

from __future__ import annotations

import html
import re
import unicodedata

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatType

from handlers.offered import is_command
from handlers.types import BUTTON, EDIT, MEDIA, TEXT, VOICE, Incoming, Option

PLATFORM = "telegram"

MAX_TEXT = 4096  # Bot API: 1-4096 characters of message text
MAX_CAPTION = 1024  # Bot API: 0-1024 characters of photo/document caption
MAX_CALLBACK_BYTES = 64  # Bot API: 1-64 bytes of callback_data
SHORT_LABEL_WIDTH = 12  # labels at most this wide (CJK counts 2) go two to a row

_ADDRESSED_COMMAND = re.compile(r"^(/[A-Za-z0-9_]+)@([A-Za-z0-9_]+)(?=\s|$)")
# A button answering a question: "~OFFER.NUMBER", the offer its reply belonged to and the
# option's number in it (no option value starts with "~"; commands start with "/").
OFFER_MARK = "~"
_OFFERED = re.compile(r"~([0-9]{1,20})\.([0-9]{1,3})")


def escape(text: str) -> str:
    """Escape text for parse_mode=HTML: every ``<``, ``>`` and ``&`` becomes an entity."""
    return html.escape(text, quote=False)


def _units(text: str) -> int:
    """Length in UTF-16 code units, the strictest way Telegram may count."""
    return len(text.encode("utf-16-le")) // 2


def html_chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` at line breaks into as few escaped pieces as fit ``limit`` each (a line
    too long alone is cut between characters).

    Measured on the escaped text in UTF-16 units, so the limit holds however Telegram counts.
    """
    chunks: list[str] = []
    current, size = "", -1  # -1: nothing yet (an empty line still counts as a line)
    for line in text.split("\n"):
        for piece in _escaped_pieces(line, limit):
            units = _units(piece)
            if size >= 0 and size + 1 + units <= limit:
                current, size = f"{current}\n{piece}", size + 1 + units
                continue
            if size >= 0:
                chunks.append(current)
            current, size = piece, units
    chunks.append(current)
    return chunks


def _escaped_pieces(line: str, limit: int) -> list[str]:
    """The line escaped, cut into pieces of at most ``limit`` units (never inside an entity)."""
    escaped = escape(line)
    if _units(escaped) <= limit:
        return [escaped]
    pieces, current, size = [], "", 0
    for char in line:
        part = escape(char)
        units = _units(part)
        if size + units > limit and current:
            pieces.append(current)
            current, size = "", 0
        current, size = current + part, size + units
    pieces.append(current)
    return pieces


def fit_caption(caption: str) -> str | None:
    """The escaped caption if it fits a photo/document caption, else None (send it apart)."""
    escaped = escape(caption)
    return escaped if _units(escaped) <= MAX_CAPTION else None


def callback_data(option: Option, index: int, offer: str | None = None) -> str:
    """A command that fits 64 bytes of UTF-8 as itself (it means the same from any old
    message); any other option as its offer and 1-based index, so that it answers only the
    question it came with. Without an offer: the value when it fits, else the index."""
    value = option.value
    fits = bool(value) and len(value.encode("utf-8")) <= MAX_CALLBACK_BYTES
    if offer is not None and not (fits and is_command(value)):
        return f"{OFFER_MARK}{offer}.{index}"
    return value if fits else str(index)


def pressed(data: str) -> tuple[str, str | None]:
    """A button's callback data as (text, offer): "~57.2" → ("2", "57"); else (data, None)."""
    match = _OFFERED.fullmatch(data)
    return (match.group(2), match.group(1)) if match else (data, None)


def _width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def keyboard(
    options: tuple[Option, ...] | list[Option], offer: str | None = None
) -> InlineKeyboardMarkup | None:
    """Inline buttons: one per row, or two per row when every label is short."""
    if not options:
        return None
    buttons = [
        InlineKeyboardButton(
            text=option.label or option.value, callback_data=callback_data(option, i, offer)
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


def incoming_from_message(
    message: Message, bot_username: str | None, edited: bool = False
) -> Incoming | None:
    """A message as Incoming: its text (or a photo's caption) as typed; a voice message, other
    media or (``edited``) an edit by kind, without text. None when it is not for us (no sender,
    other bot's command, anything but text in a group) or cannot be genuine (a private chat is
    always the sender's own: its id is theirs)."""
    if message.from_user is None:
        return None
    private = message.chat.type == ChatType.PRIVATE
    if private and message.chat.id != message.from_user.id:
        return None
    typed = message.text if message.text is not None else message.caption
    kind = EDIT if edited else TEXT if typed is not None else VOICE if message.voice else MEDIA
    text = normalize_command(typed, bot_username) if kind == TEXT and typed is not None else ""
    if text is None or (kind != TEXT and not private):
        return None
    message_id = f"{message.chat.id}:{message.message_id}"
    if edited:  # each edit once
        stamp = int(message.edit_date.timestamp()) if message.edit_date else 0
        message_id = f"{message_id}:edit:{stamp}"
    return Incoming(
        platform=PLATFORM,
        user_id=str(message.from_user.id),
        chat_id=str(message.chat.id),
        text=text,
        message_id=message_id,
        is_group=not private,
        display_name=message.from_user.full_name,
        kind=kind,
    )


def incoming_from_callback(query: CallbackQuery) -> Incoming | None:
    """A button press as Incoming: the text is the button's callback data (an offered option:
    its number, with the offer). None when the press cannot be genuine (in a private chat that
    is not the presser's own)."""
    chat = query.message.chat if query.message is not None else None
    if chat is not None and chat.type == ChatType.PRIVATE and chat.id != query.from_user.id:
        return None
    text, offer = pressed(query.data or "")
    return Incoming(
        platform=PLATFORM,
        user_id=str(query.from_user.id),
        chat_id=str(chat.id if chat is not None else query.from_user.id),
        text=text,
        message_id=f"cb:{query.id}",
        is_group=chat is not None and chat.type != ChatType.PRIVATE,
        display_name=query.from_user.full_name,
        kind=BUTTON,
        offer=offer,
    )
