"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) for driving the real python-telegram-bot.

Point PTB at ``fake.base_url`` ("http://127.0.0.1:PORT/bot"); the fake serves
``/bot<TOKEN>/<method>`` with JSON, urlencoded or multipart bodies, records every call, and
enforces the limits that matter to us (4,096 characters a message, 64 bytes of callback data,
well-formed HTML). Tests inject user messages and button presses, make methods fail on purpose,
and wait for calls without fixed sleeps::

    async with FakeBotApi() as fake:
        fake.inject_message("/start ABC", user_id=42)
        [call] = await fake.wait_for_messages(42)
        fake.fail("sendMessage", 429, retry_after=3)
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

T = TypeVar("T")

DEFAULT_TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnop"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64

# Parameters sent as plain strings; everything else PTB sends JSON-encoded.
_STRING_PARAMS = {
    "text",
    "caption",
    "parse_mode",
    "callback_query_id",
    "url",
    "secret_token",
    "language_code",
    "ip_address",
    "inline_message_id",
    "business_connection_id",
    "message_effect_id",
}
_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji", "tg-time",
}  # fmt: skip
# Non-text message contents as the Bot API sends them (``make_message_update(content=...)``).
PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}}
STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "us1", "type": "regular",
                       "width": 512, "height": 512, "is_animated": False, "is_video": False}}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")
_FAILURE_TEXT = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class ApiCall:
    """One request to the fake: ``params`` decoded, uploaded ``files`` as (filename, bytes)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() on arrival
    status: int | None = None  # HTTP status of the answer, None while pending
    result: Any = None  # the "result" of a successful answer

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    after: int = 0  # calls let through first



def parse_html(text: str) -> str:
    """Telegram-style check of an HTML-formatted text; returns the plain text it shows.

    Stricter than Telegram in one place: a bare ``&`` that starts no entity is refused.
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        offset = len(text[:i].encode("utf-8"))
        if ch == "<":
            match = _TAG.match(text, i)
            if match is None:
                raise ApiError(
                    400, f"Bad Request: can't parse entities: Unexpected < at byte offset {offset}"
                )
            closing, name = match.group(1), match.group(2).lower()
            if name not in _HTML_TAGS:
                raise ApiError(
                    400,
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" '
                    f"at byte offset {offset}",
                )
            if not closing:
                stack.append(name)
            elif not stack or stack[-1] != name:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                    f'{offset}, expected "</{stack[-1] if stack else ""}>", found "</{name}>"',
                )
            else:
                stack.pop()
            i = match.end()
        elif ch == "&":
            match = _ENTITY.match(text, i)
            if match is None:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: Character entity expected "
                    f"at byte offset {offset}",
                )
            out.append(html.unescape(match.group(0)))
            i = match.end()
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1]}"',
        )
    return "".join(out)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotApi:
    """The fake server. Use ``async with FakeBotApi() as fake`` or ``start()`` / ``stop()``."""

    def __init__(
        self, token: str = DEFAULT_TOKEN, username: str = "MyBot", first_name: str = "档案助手"
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[ApiCall] = []
        self.commands: dict[str, list[dict]] = {}  # scope/language key -> commands
        self.webhook: dict[str, Any] = {}  # url, secret_token, allowed_updates once set
        self.messages: dict[tuple[int, int], dict] = {}  # (chat, message id) -> message
        self._chats: dict[int, dict] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._updates: list[dict] = []
        self._update_ids = itertools.count(100_001)
        self._callback_ids = itertools.count(7_000_001)
        self._open_queries: set[str] = set()
        self._failures: dict[str, deque[_Failure]] = {}
        self._changed = asyncio.Event()
        self._new_update = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server lifecycle -------------------------------------------------------------------

    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake_polls()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url`` / ``TelegramChannel(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- inspecting calls -------------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None, **where: Any) -> list[ApiCall]:
        """Calls of ``method``; ``ok`` filters on success; ``where`` on params (ids as str)."""
        return [
            call
            for call in self.calls
            if call.method.lower() == method.lower()
            and (ok is None or call.ok == ok)
            and all(str(call.params.get(k)) == str(v) for k, v in where.items())
        ]

    def sent_messages(self, chat_id: int | str | None = None) -> list[ApiCall]:
        """Successful sendMessage calls (to one chat if given)."""
        where = {} if chat_id is None else {"chat_id": chat_id}
        return self.calls_to("sendMessage", ok=True, **where)

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """What the user saw: the parsed text of each successful sendMessage."""
        return [call.result["text"] for call in self.sent_messages(chat_id)]

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until ``predicate()`` is truthy (re-checked after every answered call)."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        except TimeoutError:
            seen = ", ".join(f"{c.method}:{c.status}" for c in self.calls[-15:])
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; last calls: {seen}"
            ) from None

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 5.0,
        ok: bool | None = True,
        **where: Any,
    ) -> list[ApiCall]:
        """Wait until at least ``count`` answered calls of ``method`` match; return them all."""

        def matched() -> list[ApiCall]:
            found = [c for c in self.calls_to(method, ok=ok, **where) if c.status is not None]
            return found if len(found) >= count else []

        return await self.wait_for(matched, timeout, f"{count} x {method} {where or ''}")

    async def wait_for_messages(
        self, chat_id: int | str, count: int = 1, *, timeout: float = 5.0
    ) -> list[ApiCall]:
        """Wait until ``count`` messages were sent successfully to ``chat_id``."""
        return await self.wait_for_calls("sendMessage", count, timeout=timeout, chat_id=chat_id)

    # -- failures ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail, after
        letting ``after`` of them through (the second part of a long message fails).

        429 carries ``parameters.retry_after`` (default 5); 400/403/500/502 get Telegram's
        usual descriptions unless ``description`` is given.
        """
        if status == 429:
            retry_after = 5 if retry_after is None else retry_after
            text = description or f"Too Many Requests: retry after {retry_after}"
        else:
            text = description or _FAILURE_TEXT.get(status, f"Error {status}")
        failure = _Failure(status, text, retry_after, None if chat_id is None else int(chat_id))
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend([failure] * times)
        if after:
            queue[-times] = replace(failure, after=after)

    # -- chats and injected updates ---------------------------------------------------------

    def add_chat(
        self, chat_id: int, chat_type: str = "private", *, title: str = "", first_name: str = ""
    ) -> dict:
        """Make a chat known (Telegram answers "chat not found" for unknown chats)."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name or "用户"
        else:
            chat["title"] = title or "团队群"
        self._chats.setdefault(chat_id, chat)
        return self._chats[chat_id]

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def make_message_update(
        self,
        text: str | None,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "张",
        last_name: str | None = "三",
        username: str | None = None,
        title: str = "",
        content: dict | None = None,
    ) -> dict:
        """An update carrying a user's text message (not queued; see ``inject_message``);
        ``content`` instead of or besides the text: a photo, voice, sticker (``PHOTO``…),
        a ``caption``."""
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -1_000_000_000_000 - user_id
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        chat = self.add_chat(chat_id, chat_type, title=title, first_name=first_name)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **({} if text is None else {"text": text}),
            **(content or {}),
        }
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text or "")
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return {"update_id": next(self._update_ids), "message": message}

    def make_edit_update(self, update: dict, text: str) -> dict:
        """The user edits the message of ``update`` (a message update) to ``text``."""
        message = {**json.loads(json.dumps(update["message"])), "text": text,
                   "edit_date": int(time.time())}
        message.pop("entities", None)
        return {"update_id": next(self._update_ids), "edited_message": message}

    def make_callback_update(
        self,
        data: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        message_id: int | None = None,
        first_name: str = "张",
    ) -> dict:
        """An update for a press of a button on the bot's message ``message_id`` in ``chat_id``

        (default: the newest bot message there that still has a keyboard).
        """
        if message_id is None:
            with_keyboard = [
                m for (c, _), m in self.messages.items() if c == chat_id and "reply_markup" in m
            ]
            if not with_keyboard:
                raise AssertionError(f"no bot message with a keyboard in chat {chat_id}")
            message = with_keyboard[-1]
        else:
            message = self.messages[(chat_id, message_id)]
        if user_id is None:
            user_id = chat_id
        query_id = str(next(self._callback_ids))
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "message": json.loads(json.dumps(message)),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def inject(self, update: dict) -> dict:
        """Queue an update for getUpdates (wakes a held long poll)."""
        self._updates.append(update)
        self._wake_polls()
        return update

    def inject_message(self, text: str, **kwargs: Any) -> dict:
        """Queue a user's text message; keywords as for ``make_message_update``."""
        return self.inject(self.make_message_update(text, **kwargs))

    def inject_callback(self, data: str, **kwargs: Any) -> dict:
        """Queue a button press; keywords as for ``make_callback_update``."""
        return self.inject(self.make_callback_update(data, **kwargs))

    @property
    def pending_updates(self) -> list[dict]:
        return list(self._updates)

    @staticmethod
    async def post_update(url: str, update: dict, secret_token: str | None = None) -> int:
        """POST an update to a webhook as Telegram does; returns the HTTP status."""
        headers = {SECRET_HEADER: secret_token} if secret_token is not None else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status

    def _wake_polls(self) -> None:
        self._new_update.set()
        self._new_update = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- HTTP ---------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        call = ApiCall(method, params, files, at=time.monotonic())
        self.calls.append(call)
        try:
            self._maybe_fail(method, params)
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params, files)
        except ApiError as exc:
            call.status = exc.status
            self._notify()
            return _error(exc.status, exc.description, exc.parameters)
        call.status, call.result = 200, result
        self._notify()
        return web.json_response({"ok": True, "result": result})

    def _maybe_fail(self, method: str, params: dict) -> None:
        queue = self._failures.get(method.lower())
        if not queue:
            return
        failure = queue[0]
        if failure.chat_id is not None and _int(params.get("chat_id")) != failure.chat_id:
            return
        if failure.after:
            queue[0] = replace(failure, after=failure.after - 1)
            return
        queue.popleft()
        parameters = None if failure.retry_after is None else {"retry_after": failure.retry_after}
        raise ApiError(failure.status, failure.description, parameters)

    # -- methods ------------------------------------------------------------------------------

    async def _api_getme(self, params: dict, files: dict) -> dict:
        return self.bot_user

    async def _api_getupdates(self, params: dict, files: dict) -> list[dict]:
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int(params.get("offset"))
        limit = _int(params.get("limit")) or 100
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request")
            if self._updates or self._closing:
                return self._updates[:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            wake = self._new_update
            try:
                async with asyncio.timeout(remaining):
                    await wake.wait()
            except TimeoutError:
                return []

    def _chat(self, params: dict) -> dict:
        chat_id = _int(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self._chats[chat_id]

    def _formatted(self, params: dict, key: str, limit: int, too_long: str) -> str:
        text = params.get(key) or ""
        if params.get("parse_mode") == "HTML":
            text = parse_html(text)
        elif params.get("parse_mode") not in (None, ""):
            raise ApiError(400, f"Bad Request: unsupported parse_mode {params['parse_mode']}")
        if _units(text) > limit:
            raise ApiError(400, too_long)
        return text

    def _store(self, chat: dict, **content: Any) -> dict:
        message = {
            "message_id": self._next_message_id(chat["id"]),
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": chat,
            "date": int(time.time()),
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    async def _api_sendmessage(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        text = self._formatted(params, "text", MAX_TEXT, "Bad Request: message is too long")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = _check_markup(params.get("reply_markup"))
        return self._store(chat, text=text, reply_markup=markup)

    def _edited(self, params: dict) -> dict:
        chat = self._chat(params)
        key = (chat["id"], _int(params.get("message_id")) or 0)
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    async def _api_editmessagetext(self, params: dict, files: dict) -> dict:
        message = self._edited(params)
        text = self._formatted(params, "text", MAX_TEXT, "Bad Request: MESSAGE_TOO_LONG")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = _check_markup(params.get("reply_markup"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        _set_markup(message, markup)
        return message

    async def _api_editmessagereplymarkup(self, params: dict, files: dict) -> dict:
        message = self._edited(params)
        markup = _check_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        _set_markup(message, markup)
        return message

    async def _api_answercallbackquery(self, params: dict, files: dict) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_queries:
            too_old = "query is too old and response timeout expired or query ID is invalid"
            raise ApiError(400, f"Bad Request: {too_old}")
        self._open_queries.discard(query_id)
        return True

    def _commands_key(self, params: dict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code') or ''}"

    async def _api_setmycommands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _api_getmycommands(self, params: dict, files: dict) -> list[dict]:
        return self.commands.get(self._commands_key(params), [])

    async def _api_deletewebhook(self, params: dict, files: dict) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_setwebhook(self, params: dict, files: dict) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = (
            {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
            if url
            else {}
        )
        self._poll_generation += 1  # a held getUpdates now conflicts
        self._wake_polls()
        return True

    async def _api_getwebhookinfo(self, params: dict, files: dict) -> dict:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _upload(self, params: dict, files: dict, key: str) -> tuple[str | None, bytes | str]:
        if key in files:
            return files[key]
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            return files.get(value.removeprefix("attach://"), (None, b""))
        if not value:
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        return None, str(value)

    async def _api_sendphoto(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        self._upload(params, files, "photo")
        caption = self._formatted(
            params, "caption", MAX_CAPTION, "Bad Request: message caption is too long"
        )
        size = {"file_id": "photo1", "file_unique_id": "uphoto1", "width": 1, "height": 1}
        return self._store(chat, photo=[size], caption=caption or None)

    async def _api_senddocument(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        filename, _data = self._upload(params, files, "document")
        caption = self._formatted(
            params, "caption", MAX_CAPTION, "Bad Request: message caption is too long"
        )
        document = {"file_id": "doc1", "file_unique_id": "udoc1", "file_name": filename}
        return self._store(chat, document=document, caption=caption or None)

    async def _api_close(self, params: dict, files: dict) -> bool:
        return True

    async def _api_logout(self, params: dict, files: dict) -> bool:
        return True


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _decode(key: str, value: str) -> Any:
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> tuple[dict, dict]:
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
    files: dict[str, tuple[str | None, bytes]] = {}
    if not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
        return params, files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = (value.filename, value.file.read())
        elif isinstance(value, bytes | bytearray):
            files[key] = (None, bytes(value))
        else:
            params[key] = _decode(key, value)
    return params, files


def _check_markup(markup: Any) -> dict | None:
    """Validate an inline keyboard the way the Bot API does; None when absent."""
    if markup in (None, ""):
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _set_markup(message: dict, markup: dict | None) -> None:
    if markup is None or not markup.get("inline_keyboard"):
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup
