"""Turns confirmed answers (target → value) into domain rows through the scoped repository."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from handlers.ages import AGE_YEAR
from handlers.fields.dates import nearest_year
from handlers.lookup import search_keys
from storage.clients import ClientRepository
from storage.models import Client, FamilyMember, Policy

SECRET_TARGETS = {"client.phone": "phone", "client.id_number": "id_number",
                  "client.payment_account": "payment_account"}
DATE_LABELS = {"wedding": "结婚纪念日", "first_meeting": "初次见面", "custom": "纪念日"}


def new_client(repo: ClientRepository, name: str, now: datetime, today: date) -> Client:
    """Create a client with its search keys and a first-meeting anniversary of ``today``
    (the agent's local date)."""
    pinyin, initials = search_keys(name)
    client = repo.add(name, now, name_pinyin=pinyin, name_initials=initials, tier="普通")
    repo.add_date(client, kind="first_meeting", label=DATE_LABELS["first_meeting"],
                  calendar="solar", year=today.year, month=today.month, day=today.day)
    return client


def apply_to_client(
    repo: ClientRepository, client: Client, pairs: list[tuple[str, Any]], now: datetime,
    year: int,
) -> list[str]:
    """Apply record-template targets (client.*, soft.*, attr.*, family.*, date.*, tags);
    returns what changed that the agent did not see typed (a child's corrected age).
    ``year``: the agent's current (local) year, which ages count from."""
    changes: list[str] = []
    for target, value in pairs:
        changes += _apply_one(repo, client, target, value, now, year) or []
    client.updated_at = now
    return changes


def _apply_one(repo: ClientRepository, client: Client, target: str, value: Any,
               now: datetime, year: int) -> list[str] | None:
    head, _, rest = target.partition(".")
    if target in SECRET_TARGETS:
        secret = value["e164"] if "e164" in value else value["value"]
        repo.set_secret(client, SECRET_TARGETS[target], secret, value["masked"])
    elif target == "client.birthday":
        set_birthday(client, value)
    elif target == "client.age":  # moves on with the years from the one it was recorded in
        client.age = value
        client.attrs = {**(client.attrs or {}), AGE_YEAR: year}
    elif head == "client":
        setattr(client, rest, value)
    elif head == "soft":
        text = "、".join(value) if isinstance(value, list) else str(value)
        repo.add_soft_note(client, rest, text, now)
        if rest == "兴趣爱好" and isinstance(value, list):
            _add_tags(client, value)
    elif head == "attr":
        client.attrs = {**(client.attrs or {}), rest: value}
    elif target == "family.children":
        return _add_children(repo, client, value, year)
    elif target == "family.parents":
        client.attrs = {**(client.attrs or {}), "parents": value}
    elif head == "family":
        _set_spouse(repo, client, rest.split(".", 1)[1], value)
    elif head == "date":
        _set_date(repo, client, rest, value)
    elif target in {"tags", "tag.interest", "tag.need"}:
        _add_tags(client, value if isinstance(value, list) else [value])
    else:
        raise ValueError(f"unknown target {target}")


def set_birthday(person: Client | FamilyMember, value: dict[str, Any]) -> None:
    """A birthday as the date parser gives it; one without a year keeps the year known (a
    full date's, or an age's): "生日3月5号" must not erase a known 1991. The year kept is
    the nearest in which the new date exists, in its calendar (``nearest_year``)."""
    if value.get("year") is not None:
        person.birth_year = value["year"]
    else:
        person.birth_year = nearest_year(value, {
            "calendar": person.birth_calendar or "solar", "year": person.birth_year,
            "month": person.birth_month, "day": person.birth_day,
            "leap": bool(person.birth_leap)})
    person.birth_calendar = value["calendar"]
    person.birth_month = value["month"]
    person.birth_day = value["day"]
    person.birth_leap = bool(value.get("leap", False))


def _add_tags(client: Client, tags: list[str]) -> None:
    merged = list(client.tags or [])
    merged += [tag for tag in tags if tag not in merged]
    client.tags = merged


def _add_children(repo: ClientRepository, client: Client, children: list[dict[str, Any]],
                  year: int) -> list[str]:
    changes = []
    for child, member in plan_children(client, children, year):
        birth_year = child_birth_year(child, year)
        if member is None:
            repo.add_family(client, relation=child["relation"], name=child.get("name"),
                            birth_year=birth_year)
            continue
        if child.get("name") and not member.name:
            member.name = child["name"]
        if birth_year is not None and birth_year != member.birth_year \
                and member.birth_month is None:
            before = f"{year - member.birth_year}岁" if member.birth_year else "年龄未填"
            member.birth_year = birth_year
            who = " ".join(part for part in (member.relation, member.name) if part)
            changes.append(f"{who}：{before} → {child['age']}岁")
    return changes


def child_birth_year(child: dict[str, Any], this_year: int) -> int | None:
    """The birth year an age gives (the year they reach it), as the life-stage rule reads it."""
    return this_year - child["age"] if child.get("age") is not None else None


def plan_children(client: Client, children: list[dict[str, Any]],
                  this_year: int) -> list[tuple[dict[str, Any], FamilyMember | None]]:
    """Each child of an answer or note with the family member it is (None: a new child)."""
    taken: set[int] = set()
    plan = []
    for child in children:
        free = [m for m in client.family if m.relation == child["relation"] and id(m) not in taken]
        member = _same_child(free, child, child_birth_year(child, this_year))
        if member is not None:
            taken.add(id(member))
        plan.append((child, member))
    return plan


def _same_child(members: list[FamilyMember], child: dict[str, Any],
                birth_year: int | None) -> FamilyMember | None:
    """Which of the family's children of that relation the child is: the one of that name;
    the only one, when no name tells them apart (a new age corrects theirs); else the one
    whose birth year is within one of the age's ("儿子9岁" is 小明, born 2017)."""
    name = child.get("name")
    if name:
        named = next((m for m in members if m.name == name), None)
        if named is not None:
            return named
        members = [m for m in members if not m.name]
    if len(members) == 1:
        return members[0]
    for member in members:
        if birth_year is not None and member.birth_year is not None:
            if abs(member.birth_year - birth_year) <= 1:
                return member
        elif member.birth_year == birth_year and not member.name:
            return member
    return None


def _set_spouse(repo: ClientRepository, client: Client, attr: str, value: Any) -> None:
    spouse = next((member for member in client.family if member.relation == "配偶"), None)
    if spouse is None:
        spouse = repo.add_family(client, relation="配偶")
    if attr == "birthday":
        set_birthday(spouse, value)
    else:
        setattr(spouse, attr, value)


def _set_date(repo: ClientRepository, client: Client, kind: str, value: dict[str, Any]) -> None:
    if kind != "custom":
        existing = [entry for entry in client.dates if entry.kind == kind]
        if len(existing) == 1 and _same_day(existing[0], value):
            return  # given again: the date, and the reminders made from it, stay
        for entry in existing:
            client.dates.remove(entry)
    repo.add_date(client, kind=kind, label=value.get("label") or DATE_LABELS[kind],
                  calendar=value["calendar"], year=value.get("year"), month=value["month"],
                  day=value["day"], leap=bool(value.get("leap", False)))


def _same_day(entry: Any, value: dict[str, Any]) -> bool:
    return (entry.calendar, entry.year, entry.month, entry.day, bool(entry.leap)) == (
        value["calendar"], value.get("year"), value["month"], value["day"],
        bool(value.get("leap", False)))


def add_policy(repo: ClientRepository, client: Client, answers: dict[str, Any],
               now: datetime) -> Policy:
    """A policy from policy-template answers (keys are the policy.* attribute names)."""
    start = answers.get("start_date")
    return repo.add_policy(
        client, now,
        is_own=answers.get("is_own", True),
        insurer=answers.get("insurer"),
        product_type=answers.get("product_type"),
        start_date=date(start["year"], start["month"], start["day"]) if start else None,
        start_month=start["month"] if start else None,
        start_day=start["day"] if start else None,
        annual_premium=answers.get("annual_premium"),
        payment_years=answers.get("payment_years"),
        beneficiary=answers.get("beneficiary"),
        beneficiary_relation=answers.get("beneficiary_relation"),
        status=answers.get("status") or "有效",
    )


def add_member(repo: ClientRepository, client: Client, answers: dict[str, Any]) -> FamilyMember:
    """A family member from family-template answers (keys are member.* attribute names);
    completes the member already known (the spouse, "女儿 2岁") instead of adding a twin."""
    relation = answers.get("relation") or "其他"
    member = _same_member(client, relation, answers)
    if member is None:
        member = repo.add_family(client, relation=relation)
    for attr in ("name", "occupation", "lives_together", "notes"):
        if answers.get(attr) is not None:
            setattr(member, attr, answers[attr])
    if answers.get("birthday"):
        set_birthday(member, answers["birthday"])
    return member


def _same_member(client: Client, relation: str,
                 answers: dict[str, Any]) -> FamilyMember | None:
    name, birthday = answers.get("name"), answers.get("birthday") or {}
    for member in client.family:
        if member.relation != relation:
            continue
        if relation == "配偶" or (name and member.name == name):
            return member
        years_agree = (member.birth_year is None or birthday.get("year") is None
                       or abs(member.birth_year - birthday["year"]) <= 1)
        if not member.name and years_agree and relation not in {"其他"}:
            return member
    return None
