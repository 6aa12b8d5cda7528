"""Messages that answer nothing: a stale button press, a voice message or other media, an edit
of an earlier message. Each gets a short note; the conversation stays where it was, and the
question open in it, if any, is asked again."""

from __future__ import annotations

from handlers import flow, offered, texts
from handlers.commands.notes import facts_reminder
from handlers.context import Context
from handlers.types import BUTTON, EDIT, MEDIA, VOICE, Incoming, Option, Reply
from storage.conversation_state import Conversation


def note_for(incoming: Incoming, conversation: Conversation) -> str | None:
    """What to say instead of handling the message, or None when it is handled as text."""
    if incoming.kind == VOICE:
        return texts.VOICE_NOT_READ + texts.VOICE_TO_TEXT.get(incoming.platform, "")
    if incoming.kind == MEDIA:
        return texts.MEDIA_NOT_READ
    if incoming.kind == EDIT:
        return texts.EDIT_NOT_READ
    if incoming.kind == BUTTON and offered.is_stale(incoming, conversation):
        return texts.STALE_BUTTON
    return None


def replies(ctx: Context, note: str) -> list[Reply]:
    """The note, and the open question asked again (a stale press: or that none is open)."""
    question = current_question(ctx)
    if question is None:
        nothing = f"\n{texts.NOTHING_OPEN}" if note == texts.STALE_BUTTON else ""
        return [Reply(note + nothing)]
    return [Reply(f"{note}\n\n{texts.ASKED_AGAIN}\n{question.text}", question.options,
                  question.listed)]


def current_question(ctx: Context) -> Reply | None:
    """The question the conversation waits for: a pending one first, else the form's."""
    pending = ctx.pending or {}
    if pending.get("kind") == "pick":
        labels = pending.get("labels", {})
        options = tuple(Option(labels.get(value, value), value) for value in pending["commands"])
        return Reply(pending.get("question", "请选择："), options)
    if pending.get("kind") == "facts":
        return facts_reminder(pending, understood=True)
    if ctx.form is not None:
        draft = flow.FormDraft.from_json(ctx.form).known_to(ctx.config.templates)
        if not draft.finished:
            return flow.question(draft, ctx.config.templates)
    return None
