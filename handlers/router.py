"""One incoming message → one unit of work: dedupe, load the draft, dispatch, save, commit."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import defaultdict

from handlers import asides, offered, texts
from handlers.commands import parse_command
from handlers.commands.forms import answer as answer_form
from handlers.commands.notes import confirm_facts, facts_reminder
from handlers.config import HandlerConfig
from handlers.context import Context
from handlers.flow import BACK, CANCEL, FORM_NAMES, RESUME, SAVE, SKIP, FormDraft
from handlers.onboarding import handle_unknown
from handlers.safe_log import log_failure
from handlers.types import TEXT, Clock, Incoming, Option, Reply
from storage.conversations import ConcurrentUpdate
from storage.db import DatabaseBusy
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
MAX_TEXT = 4000


class Router:
    """Platform-neutral entry point: ``handle(incoming) -> replies``. Thread-safe."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 config: HandlerConfig) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._config = config
        self._locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one message; never raises (a failure rolls back and says so politely).

        Waits for the agent's previous message and for the database's write lock."""
        with self._lock_of(incoming):
            replies = self._handle(incoming, wait=True)
        assert replies is not None  # only a unit that must not wait gives up
        return replies

    def handle_now(self, incoming: Incoming) -> list[Reply] | None:
        """Like ``handle``, on the event loop's own SQLite connection, but None instead of
        waiting: on PostgreSQL (every statement is a network round trip), while the agent's
        previous message is still being handled, or while another connection writes to SQLite.
        Nothing has been done then; ``handle`` the message in a worker thread."""
        if self._uow_factory.loop is None:
            return None
        lock = self._lock_of(incoming)
        if not lock.acquire(blocking=False):
            return None
        try:
            return self._handle(incoming, wait=False)
        finally:
            lock.release()

    def _lock_of(self, incoming: Incoming) -> threading.Lock:
        with self._locks_guard:
            return self._locks[(incoming.platform, incoming.user_id)]

    def _handle(self, incoming: Incoming, wait: bool) -> list[Reply] | None:
        for _attempt in range(3):
            try:
                return self._handle_once(incoming, wait)
            except ConcurrentUpdate:
                continue  # another process moved this agent's session; redo on fresh state
            except DatabaseBusy:
                return None  # raised only on the loop's connection, before anything was done
            except Exception as error:
                log_failure(log, f"failed to handle a {incoming.platform} message", error)
                return [Reply(texts.INTERNAL_ERROR)]
        return [Reply(texts.INTERNAL_ERROR)]

    def _handle_once(self, incoming: Incoming, wait: bool) -> list[Reply]:
        now = self._clock.now()
        with self._uow_factory() if wait else self._uow_factory.on_loop() as uow:
            talk = uow.conversations
            conversation = talk.by_identity(incoming.platform, incoming.user_id)
            direct = None if incoming.is_group else conversation  # its row keeps the ids
            if incoming.message_id and not talk.claim_message(
                incoming.platform, incoming.message_id, now, direct
            ):
                return []
            readable = incoming.kind in offered.READABLE
            if conversation is None:
                replies = handle_unknown(uow, incoming, now, self._config.zone) \
                    if readable else []
                uow.commit()
                return replies
            agent = conversation.agent
            if incoming.is_group:  # never client data; a help line only when addressed
                uow.commit()
                addressed = incoming.kind == TEXT and incoming.text.strip().startswith("/")
                return [Reply(texts.GROUP_ONLY_HELP)] if addressed else []
            if agent.unreachable:
                talk.mark_reachable(agent.id)
            text = clean_text(incoming.text)
            if len(text) > MAX_TEXT:  # refused whole, never cut: the conversation stays as it was
                uow.commit()
                return [Reply(texts.TOO_LONG.format(length=len(text), limit=MAX_TEXT))]
            draft = conversation.draft or {}
            ctx = Context(uow=uow, agent=agent, now=now,
                          config=self._config, form=draft.get("form"),
                          pending=draft.get("pending"))
            note = asides.note_for(incoming, conversation)
            if note is None and not text and incoming.kind == TEXT:  # spaces, a zero-width one
                note = texts.EMPTY_MESSAGE
            if note is None:
                facts_open = (ctx.pending or {}).get("kind") == "facts"  # ① is a fact there
                text = offered.pick(text, conversation.options, circled=not facts_open)
                replies = dispatch(ctx, text) + ctx.notices
            else:  # answers nothing: the state stays, its open question is asked again
                replies = asides.replies(ctx, note)
            options = offered.remember(offered.last_options(replies))
            if note is not None and options in ([], conversation.options):
                uow.commit()  # nothing to write: the offer made before stands
                return offered.with_offer(replies, conversation.version)
            new_draft = {"form": ctx.form, "pending": ctx.pending}
            talk.save(conversation, new_draft if ctx.form or ctx.pending else None, options)
            uow.commit()
            return offered.with_offer(replies, (conversation.version or 0) + 1)


def clean_text(text: str) -> str:
    """Drop control characters (a NUL breaks PostgreSQL), keep line breaks."""
    if not text.isprintable():  # line breaks, controls, format characters: one by one
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def dispatch(ctx: Context, text: str) -> list[Reply]:
    """Route one message: a pending question, a command, a form answer, or help."""
    if not text:
        return [Reply(texts.NOT_UNDERSTOOD)]
    if ctx.pending is not None:
        if text in CANCEL:  # the question only: a form in progress stays open
            ctx.pending = None
            reminder = [_form_reminder(ctx.form)] if ctx.form is not None else []
            return [Reply(texts.QUESTION_CANCELLED), *reminder]
        replies = _answer_pending(ctx, text)
        if replies is not None:
            return replies
        _say_if_a_note_lapses(ctx, ctx.pending, text)
        ctx.pending = None  # the agent moved on; the question lapses
    parsed = parse_command(text, in_form=ctx.form is not None)
    if parsed is not None:
        command, args = parsed
        form_before = ctx.form
        replies = command.run(ctx, args)
        if form_before is not None and ctx.form == form_before and not command.starts_form \
                and not _carries_text((ctx.pending or {}).get("commands", {})):
            # (a note's question comes first)
            replies.append(_form_reminder(form_before, question_open=ctx.pending is not None))
        return replies
    if ctx.form is not None:
        if text.startswith(("/", "／")):  # a mistyped command is never an answer
            question = asides.current_question(ctx)
            return [Reply(texts.UNKNOWN_COMMAND_IN_FORM.format(command=text.split()[0][:20])),
                    *([question] if question is not None else [])]
        return answer_form(ctx, text)
    return [Reply(texts.NOT_UNDERSTOOD)]


def _form_reminder(form: dict, question_open: bool = False) -> Reply:
    """After a command typed mid-form: the record is still open, and how to go on (once the
    question the command asked, if any, is answered: until then a reply is for it)."""
    draft = FormDraft.from_json(form)
    progress = f"第{draft.pos + 1}/{len(draft.queue)}项"
    how = ("先回答上面的问题（或回复 取消），再回复 继续 接着填写。" if question_open
           else "回复 继续 接着填写，或回复 保存 / 取消。")
    return Reply(f"📝「{draft.client_name}」的{FORM_NAMES[draft.form]}还没记录完（{progress}）。"
                 + how)


def _described(labels: dict[str, str], text: str) -> list[str]:
    """The one option with a part of its label that ``text`` names whole (「女的」 → 女, 杭州,
    36岁), or none. Never a bare number: that is a (mistyped) option number."""
    word = text.removesuffix("的").strip()
    if not word or word.isdecimal():
        return []
    found = [value for value, label in labels.items() if word in _LABEL_PARTS.split(label)]
    return found if len(found) == 1 else []


FORM_CONTROLS = SKIP | BACK | SAVE | RESUME
_LABEL_PARTS = re.compile(r"[（）()，,\s]+")  # 张三（女，杭州，36岁，尾号3456，普通，建档…）


def _carries_text(commands: dict[str, str]) -> bool:
    """Whether the question's answers carry something typed (a note) that is lost unless it is
    answered: asked again then, even in the middle of a form."""
    return any(command.startswith("/note ") for command in commands.values())


def _say_if_a_note_lapses(ctx: Context, pending: dict, text: str) -> None:
    """A which-client question that carried a note lapses (``text``, another command, came):
    say the note was not saved, with the command that saves it (unless ``text`` sends it)."""
    commands = pending.get("commands", {}) if pending.get("kind") == "pick" else {}
    if _carries_text(commands):
        note = next(iter(commands.values())).split(maxsplit=2)[-1]
        if note in text:
            return
        ctx.notices.append(Reply(f"刚才那条笔记没有记下。要记下，请发送：\n/note 客户姓名 {note}"))


def _answer_pending(ctx: Context, text: str) -> list[Reply] | None:
    pending = ctx.pending or {}
    if pending.get("kind") == "pick":
        commands, labels = pending["commands"], pending.get("labels", {})
        options = tuple(Option(labels.get(value, value), value) for value in commands)
        by_label = [value for value, label in labels.items() if label == text]
        if text not in commands and len(by_label) > 1:
            return [Reply("有几项写法相同，请回复序号。", options)]
        # The question came after any form's: a reply is meant for it, never for the form.
        if not by_label:  # 「女的」「杭州」: the one option that says so
            by_label = _described(labels, text)
        command = commands.get(text if text in commands or not by_label else by_label[0])
        if command is None:
            if ctx.form is not None and text.lower() in FORM_CONTROLS:
                what = ("笔记还没有记下：请先回复序号选择客户，或回复 取消 放弃这条笔记"
                        if _carries_text(commands) else
                        "请先回复序号回答上面的问题，或回复 取消 不回答")
                return [Reply(f"{what}（档案的记录仍会保留）。", options)]
            if text.isdecimal():
                return [Reply(f"请回复 1 到 {len(options)} 之间的序号。", options)]
            if parse_command(text, in_form=False) is None:
                # not a command: meant as the answer (what the question carries, a note's
                # text, must not be lost; nor may the text go into an open form)
                return [Reply("没看懂这个回答，请回复序号（或回复 取消）。\n"
                              + pending.get("question", ""), options)]
            return None
        ctx.pending = None
        ctx.picked = pending  # the command may check that it answers this very question
        return dispatch(ctx, command)
    if pending.get("kind") == "facts":
        replies = confirm_facts(ctx, text)
        if replies is None and parse_command(text, in_form=False) is None:
            return [facts_reminder(pending)]  # not a command: they meant to answer it
        return replies
    return None
