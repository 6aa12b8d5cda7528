"""What a proposed quick-note fact would replace: shown in the proposal, never a silent
overwrite ("手机：139****2222（替换现有 138****5678）")."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from handlers import fields
from handlers.apply import plan_children
from handlers.card import birthday_value
from handlers.note_facts import Fact
from storage.clients import ClientRepository
from storage.models import Client

_MONEY = {"client.household_income", "client.investable_assets"}


def with_replacements(repo: ClientRepository, client: Client, facts: list[Fact],
                      year: int) -> list[Fact]:
    """The facts, each labelled with the different value it would replace, if any (``year``:
    the agent's current year, for children's ages)."""
    shown = []
    for fact in facts:
        old = _replaced(repo, client, fact, year)
        shown.append(replace(fact, label=f"{fact.label}（替换现有 {old}）") if old else fact)
    return shown


def _replaced(repo: ClientRepository, client: Client, fact: Fact, year: int) -> str | None:
    target, value = fact.target, fact.value
    if target == "client.phone":
        current = repo.secret(client, "phone")
        return client.phone_masked if current and current != value["e164"] else None
    if target == "client.birthday":
        return _other_birthday(birthday_value(client), value)
    if target in _MONEY:
        current = getattr(client, target.split(".", 1)[1])
        return fields.display("money", current) if current not in (None, value) else None
    if target == "client.occupation":
        return client.occupation if client.occupation not in (None, value) else None
    if target == "family.spouse.occupation":
        spouse = next((m for m in client.family if m.relation == "配偶"), None)
        current = spouse.occupation if spouse else None
        return current if current not in (None, value) else None
    if target == "date.wedding":
        wedding = next((d for d in client.dates if d.kind == "wedding"), None)
        if wedding is None:
            return None
        old = {"calendar": wedding.calendar, "year": wedding.year, "month": wedding.month,
               "day": wedding.day, "leap": bool(wedding.leap)}
        return _other_birthday(old, value)
    if target == "family.children":
        return _children_replaced(client, value, year)
    return None


def _other_birthday(current: dict[str, Any] | None, new: dict[str, Any]) -> str | None:
    """The current date, shown, when the new one differs (a new one without a year keeps the
    known year of the same day)."""
    if current is None:
        return None
    same_day = all(current.get(k) == new.get(k) for k in ("calendar", "month", "day"))
    same_day = same_day and bool(current.get("leap")) == bool(new.get("leap"))
    if same_day and new.get("year") in (None, current.get("year")):
        return None
    return fields.display("birthday", current)


def _children_replaced(client: Client, children: list[dict[str, Any]],
                       this_year: int) -> str | None:
    """The current ages a children fact would correct ("儿子2岁")."""
    old = []
    for child, member in plan_children(client, children, this_year):
        if member is None or child.get("age") is None or member.birth_month is not None:
            continue
        if member.birth_year is not None and this_year - member.birth_year != child["age"]:
            old.append(f"{member.relation}{member.name or ''}{this_year - member.birth_year}岁")
    return "、".join(old) or None
