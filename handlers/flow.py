"""The pure form engine: walks a template's fields, one question per message.

It understands 跳过 (skip), 返回 (back), 取消 (cancel), 保存 (save now) and 继续 (ask the
current question again), shows progress (第3/12项) and re-asks with the reason on bad input.
It never touches the database: the router stores the draft it returns and applies the answers
when the outcome is "save".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from handlers import fields
from handlers.fields import money
from handlers.fields.dates import unborn_reason
from handlers.template import FieldSpec, Templates
from handlers.types import Option, Reply

SKIP = frozenset({"跳过", "/skip", "skip", "略过", "不知道"})
BACK = frozenset({"返回", "/back", "back", "上一项", "上一步"})
CANCEL = frozenset({"取消", "/cancel", "cancel", "放弃"})
SAVE = frozenset({"保存", "/save", "save", "完成", "结束"})
RESUME = frozenset({"继续", "/continue"})
CONTROLS_HINT = "可回复：跳过 / 返回 / 保存 / 取消"
FORM_NAMES = {"record": "档案", "policy": "保单", "family": "家人"}  # what each form records

Outcome = Literal["continue", "save", "cancel"]


@dataclass(frozen=True, slots=True)
class FormDraft:
    """Where a guided form stands; stored as JSON after every message."""

    form: str  # "record" | "policy" | "family"
    client_name: str
    client_id: int | None
    tier: str
    queue: list[str]
    pos: int = 0
    # client data, numbers in full: never in a repr (logs, tracebacks)
    answers: dict[str, Any] = field(default_factory=dict, repr=False)
    # The policy or family member being corrected (handlers/commands/item_edit.py), None for
    # a new one: its answers start as the item's values (also kept as ``original``, to save
    # only what the agent changed), and 跳过 keeps a value as it is.
    item_id: int | None = None
    original: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        data = {"form": self.form, "client_name": self.client_name, "client_id": self.client_id,
                "tier": self.tier, "queue": list(self.queue), "pos": self.pos,
                "answers": dict(self.answers)}
        if self.item_id is not None:  # only then: a draft of a new item reads as before
            data |= {"item_id": self.item_id, "original": dict(self.original)}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormDraft:
        if "item_id" not in data:  # a new record, policy or family member: the usual draft
            return cls(data["form"], data["client_name"], data["client_id"], data["tier"],
                       data["queue"], data.get("pos", 0), data.get("answers", {}))
        return cls(**data)

    def moved(self, pos: int, answers: dict[str, Any] | None = None) -> FormDraft:
        """This draft at ``pos`` (with ``answers`` instead of its own). Drafts are never changed
        in place: the copy shares the queue and, unless given, the answers. Built directly:
        ``dataclasses.replace`` costs several times as much, twice on every answer."""
        return FormDraft(self.form, self.client_name, self.client_id, self.tier, self.queue,
                         pos, self.answers if answers is None else answers, self.item_id,
                         self.original)

    def known_to(self, templates: Templates) -> FormDraft:
        """This draft without fields the template no longer has (config.yaml changed)."""
        known = templates.field_index(self.form, self.tier)
        keep = [key for key in self.queue if key in known]
        if len(keep) == len(self.queue):
            return self
        done = [key for key in self.queue[: self.pos] if key in keep]
        answers = {key: value for key, value in self.answers.items() if key in keep}
        return FormDraft(self.form, self.client_name, self.client_id, self.tier, keep,
                         len(done), answers, self.item_id, self.original)

    @property
    def finished(self) -> bool:
        return self.pos >= len(self.queue)


@dataclass
class Step:
    draft: FormDraft
    replies: list[Reply]
    outcome: Outcome


def begin(
    form: str,
    templates: Templates,
    client_name: str,
    client_id: int | None,
    tier: str,
    filled: set[str],
    everything: bool = False,
) -> FormDraft:
    """A new draft asking every field of the form, or only those not yet ``filled``."""
    keys = [spec.key for _, spec in templates.form_fields(form, tier)]
    queue = keys if everything else [key for key in keys if key not in filled]
    return FormDraft(form=form, client_name=client_name, client_id=client_id, tier=tier,
                     queue=queue)


def question(draft: FormDraft, templates: Templates, warning: str | None = None) -> Reply:
    """The reply asking the current field, with progress and options."""
    title, spec = _current(draft, templates)
    lines = []
    if warning:
        lines.append(f"⚠️ {warning}")
    lines.append(f"【{draft.client_name}】第{draft.pos + 1}/{len(draft.queue)}项 · {title}")
    lines.append(spec.prompt or f"{spec.label}？")
    if spec.key in draft.answers:
        lines.append(f"（已填：{fields.display(spec.type, draft.answers[spec.key])}）")
    hint = fields.hint(spec.type, spec.choices)
    if hint and spec.type not in {"choice", "yesno"}:
        lines.append(hint)
    lines.append(CONTROLS_HINT)
    return Reply("\n".join(lines), _options(spec))


def step(draft: FormDraft, text: str, templates: Templates,
         today: date | Callable[[], date] | None = None) -> Step:
    """Advance the draft by one message. Bad input leaves the draft unchanged. ``today`` (the
    agent's date) refuses birthdays still to come, and gives a two-digit year its century; it
    may be a function giving it, called only for a field that reads dates (working out the
    agent's local date costs more than reading most answers)."""
    word = text.strip()
    if word in CANCEL:
        return Step(draft, [], "cancel")
    if word in SAVE:
        return _save_if_complete(draft, templates)
    if word in RESUME:
        return Step(draft, [question(draft, templates)], "continue")
    if word in BACK:
        pos = draft.pos - 1
        while pos > 0 and not applies(draft, draft.queue[pos], templates):
            pos -= 1
        moved = draft.moved(max(0, pos))
        return Step(moved, [question(moved, templates)], "continue")
    if word in SKIP and draft.item_id is not None:  # correcting: the value stays
        return _advance(draft, templates)
    if word in SKIP:
        _, spec = _current(draft, templates)
        if spec.key in draft.answers:  # answered before (shown as 已填 after 返回): it stays
            return _advance(draft, templates)
        if spec.required:
            return Step(draft, [question(draft, templates, warning=_required(spec))], "continue")
        return _advance(draft, templates)
    _, spec = _current(draft, templates)
    if callable(today):
        today = today() if spec.type in fields.DATED_TYPES else None
    try:
        value = fields.parse(spec.type, word, spec.choices, today=today)
        if spec.year_required and isinstance(value, dict) and value.get("year") is None:
            raise fields.ParseError("请写上年份，如 2024-3-5。")
        if spec.max_value is not None and isinstance(value, int) and value > spec.max_value:
            raise fields.ParseError(f"{spec.label}最多 {spec.max_value}，请检查。")
        if spec.type == "birthday" and today is not None:
            _check_born(value, today, word)
    except fields.ParseError as error:
        return Step(draft, [question(draft, templates, warning=error.message)], "continue")
    advanced = _advance(draft, templates, {**draft.answers, spec.key: value})
    if spec.type == "money" and money.monthly(word):  # say how it was counted
        month, year = fields.display("money", round(value / 12)), fields.display("money", value)
        advanced.replies.insert(0, Reply(f"已按每月{month}计，{spec.label}记为每年{year}"
                                         "（如不对，可回复 返回 修改）。"))
    return advanced


def _save_if_complete(draft: FormDraft, templates: Templates) -> Step:
    """保存: the outcome "save", unless a required field is still unanswered; then that
    question, saying so."""
    for pos, key in enumerate(draft.queue):
        found = templates.find(draft.form, draft.tier, key)
        if found and found[1].required and key not in draft.answers \
                and applies(draft, key, templates):
            moved = draft.moved(pos)
            return Step(moved, [question(moved, templates, warning=_required(found[1]))],
                        "continue")
    return Step(draft, [], "save")


def _required(spec: FieldSpec) -> str:
    return f"「{spec.label}」必须填写，填好才能保存（也可回复 取消 放弃本次记录）。"


def _check_born(birthday: dict[str, Any], today: date, typed: str) -> None:
    """Refuse a birth date still to come."""
    reason = unborn_reason(birthday, today, typed)
    if reason is not None:
        raise fields.ParseError(reason)


def _advance(draft: FormDraft, templates: Templates,
             answers: dict[str, Any] | None = None) -> Step:
    """To the next question that applies (given ``answers``, the draft's own by default)."""
    answers = draft.answers if answers is None else answers
    index = templates.field_index(draft.form, draft.tier)
    pos = draft.pos + 1
    while pos < len(draft.queue) and not _asked(index.get(draft.queue[pos]), answers):
        pos += 1  # e.g. no spouse questions after 未婚
    moved = draft.moved(pos, answers)
    if moved.finished:
        return _save_if_complete(moved, templates)
    return Step(moved, [question(moved, templates)], "continue")


def applies(draft: FormDraft, key: str, templates: Templates) -> bool:
    """Whether the field's ask_if / unless_year_in conditions allow asking it, given this
    form's answers."""
    return _asked(templates.find(draft.form, draft.tier, key), draft.answers)


def _asked(found: tuple[str, FieldSpec] | None, answers: dict[str, Any]) -> bool:
    """``applies``, for a field as the template finds it (None: no longer in the template)."""
    if found is None:
        return True
    spec = found[1]
    for other, allowed in spec.ask_if.items():
        if other in answers and answers[other] not in allowed:
            return False
    dated = answers.get(spec.unless_year_in) if spec.unless_year_in else None
    return not (isinstance(dated, dict) and dated.get("year"))


def _current(draft: FormDraft, templates: Templates) -> tuple[str, FieldSpec]:
    key = draft.queue[draft.pos]
    found = templates.find(draft.form, draft.tier, key)
    if found is None:  # the template changed under a stored draft
        raise KeyError(key)
    return found


def _options(spec: FieldSpec) -> tuple[Option, ...]:
    if spec.type in {"choice", "multi"}:
        return tuple(Option(choice, choice) for choice in spec.choices)
    if spec.type == "yesno":
        return (Option("是", "是"), Option("否", "否"))
    return ()
