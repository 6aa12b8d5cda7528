"""Telegram channel: python-telegram-bot 22 polling or webhook, mapped to Incoming / Reply.

Button presses are answered at once (answerCallbackQuery); a question's message loses its
keyboard once one of its answers is pressed, while a list of commands (a digest, /find results)
keeps its buttons. The replies go out as *new* messages: the conversation history stays readable
and notifications fire, which an edit would not do. Photos with a caption count as the caption
typed; other media and edits of earlier messages reach the router by kind, without text.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    filters,
)
from telegram.ext import MessageHandler as PTBMessageHandler
from telegram.request import HTTPXRequest

from bot.channels import telegram_mapping as mapping
from bot.channels.base import MessageHandler
from bot.channels.telegram_config import (
    ALLOWED_UPDATES,
    COMMANDS,
    FAILURE_TEXT,
    TelegramStartError,
    TelegramWebhook,
)
from bot.channels.telegram_sender import TelegramSender
from bot.channels.telegram_support import ChatPacer, PushRateLimitFilter, TokenRedactor
from handlers.offered import is_command
from handlers.safe_log import log_failure
from handlers.types import Incoming, Reply

__all__ = ["COMMANDS", "TelegramChannel", "TelegramStartError", "TelegramWebhook"]

log = logging.getLogger(__name__)


class TelegramChannel:
    platform = "telegram"

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        webhook: TelegramWebhook | None = None,
        per_chat_interval: float = 1.0,
        *,
        poll_timeout: int = 30,
        poll_interval: float = 0.0,
        request_timeout: float = 10.0,
        drop_pending_updates: bool = False,
    ) -> None:
        self._token = token
        self._base_url = base_url.rstrip("/") if base_url else None
        self._webhook = webhook
        self._poll_timeout = poll_timeout
        self._poll_interval = poll_interval
        self._request_timeout = request_timeout
        self._drop_pending = drop_pending_updates
        self._redactor = TokenRedactor(token)
        self._sender = TelegramSender(self._bot, ChatPacer(per_chat_interval), self._redact)
        self._filtered: list[logging.Logger] = []
        self._push_429 = PushRateLimitFilter()
        self._app: Application | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()
        self._on_message: MessageHandler | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def _build(self) -> Application:
        # Our own request objects, so stop() can close them even after a failed initialize()
        # (Application.shutdown() skips an application that never finished initializing).
        timeout = self._request_timeout
        self._requests = (
            HTTPXRequest(read_timeout=timeout, write_timeout=timeout),
            HTTPXRequest(connection_pool_size=1, read_timeout=timeout, write_timeout=timeout),
        )
        builder = (
            Application.builder()
            .token(self._token)
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .rate_limiter(AIORateLimiter(max_retries=0))
            .job_queue(None)  # scheduling lives in scheduler/, not in PTB
        )
        if self._base_url:
            builder = builder.base_url(self._base_url)
            if self._base_url.endswith("/bot"):
                builder = builder.base_file_url(self._base_url[: -len("/bot")] + "/file/bot")
        app = builder.build()
        app.add_handler(
            PTBMessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._handle_text)
        )
        others = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL
        app.add_handler(PTBMessageHandler(others, self._handle_text))  # caption, media
        app.add_handler(PTBMessageHandler(filters.UpdateType.EDITED_MESSAGE, self._handle_edit))
        app.add_handler(CallbackQueryHandler(self._handle_callback))
        app.add_error_handler(self._handle_error)
        return app

    async def start(self, on_message: MessageHandler) -> None:
        if self._app is not None:
            raise RuntimeError("TelegramChannel already started")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs, token included
        self._filtered = self._redactor.install(log)
        logging.getLogger(PushRateLimitFilter.LOGGER).addFilter(self._push_429)
        self._on_message = on_message
        self._app = app = self._build()
        try:
            await app.initialize()  # getMe
            try:  # the command menu is a convenience: never a reason not to start
                await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
            except TelegramError as exc:
                log.warning("setMyCommands failed: %s", self._redact(exc))
            await app.start()
            assert app.updater is not None
            if self._webhook is None:
                await app.updater.start_polling(
                    poll_interval=self._poll_interval,
                    timeout=self._poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=self._drop_pending,
                )
            else:
                hook = self._webhook
                await app.updater.start_webhook(
                    listen=hook.listen,
                    port=hook.port,
                    url_path=hook.url_path,
                    webhook_url=hook.url,
                    secret_token=hook.secret_token,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=self._drop_pending,
                )
        except Exception as exc:
            await self.stop()
            # PTB's InvalidToken text quotes the token: never let it travel further.
            raise TelegramStartError(
                f"Telegram channel failed to start: {self._redact(exc)}"
            ) from None
        except BaseException:
            await self.stop()
            raise
        log.info("Telegram channel started as @%s (%s)", app.bot.username, self._mode)

    @property
    def _mode(self) -> str:
        return "polling" if self._webhook is None else "webhook"

    async def stop(self) -> None:
        app, self._app = self._app, None
        if app is not None:
            try:
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()
                await app.shutdown()
            except TelegramError as exc:
                log.warning("Telegram channel stopped uncleanly: %s", self._redact(exc))
            finally:
                for request in self._requests:
                    await request.shutdown()  # a no-op when already closed
        self._redactor.uninstall(self._filtered)
        self._filtered = []
        logging.getLogger(PushRateLimitFilter.LOGGER).removeFilter(self._push_429)

    # -- incoming ----------------------------------------------------------------------------

    async def _handle_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is None:
            return
        incoming = mapping.incoming_from_message(update.message, context.bot.username)
        if incoming is not None:
            await self._dispatch(incoming)

    async def _handle_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.edited_message is None:
            return
        incoming = mapping.incoming_from_message(
            update.edited_message, context.bot.username, edited=True
        )
        if incoming is not None:
            await self._dispatch(incoming)

    async def _handle_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        incoming = mapping.incoming_from_callback(query)
        if incoming is None:  # forged: a private chat that is not the presser's
            log.warning("callback ignored: chat and sender differ")
            return
        try:
            await query.answer()
        except TelegramError as exc:  # e.g. the query is too old: still handle the press
            log.info("answerCallbackQuery failed: %s", self._redact(exc))
        pressed = query.message
        if pressed is not None and pressed.is_accessible and not is_command(incoming.text):
            try:  # an answer to a question: its other choices are no longer wanted
                await context.bot.edit_message_reply_markup(
                    chat_id=pressed.chat.id, message_id=pressed.message_id, reply_markup=None
                )
            except BadRequest as exc:  # "message is not modified" after a double press
                log.debug("keyboard removal skipped: %s", self._redact(exc))
            except TelegramError as exc:
                log.info("keyboard removal failed: %s", self._redact(exc))
        await self._dispatch(incoming)

    async def _dispatch(self, incoming: Incoming) -> None:
        assert self._on_message is not None
        try:
            replies = await self._on_message(incoming)
        except Exception as error:
            log_failure(log, f"message handler failed for {incoming.message_id}", error)
            replies = [Reply(FAILURE_TEXT)]
        try:
            for reply in replies:
                await self._sender.reply(incoming.chat_id, reply)
        except TelegramError as exc:
            log.warning("reply to chat %s failed: %s", incoming.chat_id, self._redact(exc))

    async def _handle_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error("Telegram update failed: %s", self._redact(error), exc_info=error)

    # -- outgoing ----------------------------------------------------------------------------

    def _redact(self, value: object) -> str:
        return self._redactor.redact(str(value))

    def _bot(self) -> ExtBot:
        if self._app is None:
            raise RuntimeError("TelegramChannel is not started")
        return self._app.bot

    async def send(self, chat_id: str, replies: list[Reply], skip_parts: int = 0) -> None:
        """Push replies (outbox delivery), one message per interval per chat, leaving out the
        first ``skip_parts`` messages (sent by an earlier attempt).

        Raises DeliveryError: retry_after on 429, permanent on 400, unreachable on 403,
        retryable otherwise (timeouts, 5xx, network); ``sent_parts`` says how many messages
        went out before the failure.
        """
        await self._sender.send(chat_id, replies, skip_parts)

    async def send_photo(self, chat_id: str, data: bytes, caption: str = "") -> None:
        await self._sender.send_file(chat_id, "photo", data, None, caption)

    async def send_document(
        self, chat_id: str, data: bytes, filename: str, caption: str = ""
    ) -> None:
        await self._sender.send_file(chat_id, "document", data, filename, caption)
