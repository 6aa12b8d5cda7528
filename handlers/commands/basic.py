"""/help 帮助, /cancel 取消, /start for an agent who is already registered."""

from __future__ import annotations

from handlers import texts
from handlers.commands.forms import cancelled
from handlers.context import Context
from handlers.flow import FormDraft
from handlers.types import Reply


def help_(ctx: Context, args: str) -> list[Reply]:
    return [Reply(texts.HELP)]


def cancel(ctx: Context, args: str) -> list[Reply]:
    """取消 the open form (a pending question is cancelled before commands are read: the
    router)."""
    if ctx.form is None:
        return [Reply(texts.NOTHING_TO_CANCEL)]
    draft = FormDraft.from_json(ctx.form)
    ctx.form = None
    return [cancelled(draft)]


def start(ctx: Context, args: str) -> list[Reply]:
    return [Reply(f"您已是注册经纪人（{ctx.agent.name}）。\n\n{texts.HELP}")]
