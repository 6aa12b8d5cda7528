"""How reminders are listed to an agent (the morning digest and /today alike)."""

from __future__ import annotations

from datetime import date

from handlers.types import Option, Reply
from storage.models import Nudge

MAX_BUTTONS = 10


def month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def as_of(nudge: Nudge, day: date) -> str:
    """The nudge's text, dated when shown after its day ("今天生日" said three days ago)."""
    if nudge.due_date < day:
        return f"（{month_day(nudge.due_date)}）{nudge.text}"
    return nudge.text


def numbered(title: str, nudges: list[Nudge], day: date, footer: str = "") -> Reply:
    """The nudges as numbered lines; each of the first ten gets an option opening its actions,
    the others say the command that opens theirs."""
    lines = [title, *(_line(n, nudge, day) for n, nudge in enumerate(nudges, start=1))]
    if footer:
        lines.append(footer)
    options = tuple(Option(f"第{n}项", f"/nudge {nudge.id}")
                    for n, nudge in enumerate(nudges[:MAX_BUTTONS], start=1))
    return Reply("\n".join(lines), options, listed=True)


def _line(number: int, nudge: Nudge, day: date) -> str:
    line = f"{number}. {as_of(nudge, day)}"
    return line if number <= MAX_BUTTONS else f"{line}（/nudge {nudge.id}）"
