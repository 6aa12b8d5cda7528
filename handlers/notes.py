"""Quick notes: recognise facts in an agent's free-text note and propose them for confirmation.

``extract_facts("张姐说儿子明年要去留学，最近在跑马拉松，农历生日八月十五，年收入大概50万，先生是医生",
keywords)`` proposes the lunar birthday, the income, the spouse's occupation, the interest
马拉松 and the need tags. It never raises: whatever cannot be read is simply not proposed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from handlers.fields import ParseError, display
from handlers.fields.children import parse_children
from handlers.fields.dates import parse_birthday
from handlers.fields.money import parse_money
from handlers.fields.text import normalise
from handlers.note_facts import Fact, Found, NoteKeywords, fact_json
from handlers.note_patterns import (
    ANNIVERSARY,
    ASSETS,
    BIRTHDAY_WORD,
    CHILDREN_IN_TEXT,
    DATE_IN_TEXT,
    INCOME,
    LUNAR_MARK,
    clauses,
)
from handlers.note_people import interests, needs, occupations
from handlers.note_subject import not_the_clients, outside_the_family, whose
from handlers.safe_log import log_failure

__all__ = ["Fact", "NoteKeywords", "extract_facts"]

log = logging.getLogger(__name__)


# --- extractors: each returns (position, fact) pairs ----------------------------------------------


def _date_in(clause: str, today: date | None) -> tuple[dict[str, Any], str] | None:
    """The first readable date in a clause, and its words; 农历 anywhere in the clause makes it
    lunar. A date of the past: a two-digit year is the latest not after ``today``'s."""
    lunar = bool(LUNAR_MARK.search(clause))
    for match in DATE_IN_TEXT.finditer(clause):
        candidate = match.group()
        if lunar and not LUNAR_MARK.search(candidate):
            candidate = "农历" + candidate
        try:
            return parse_birthday(candidate, today), match.group()
        except ParseError:
            continue
    return None


def _dates(text: str, today: date | None) -> Found:
    found: Found = []
    for clause_match in clauses(text):
        clause = "".join(clause_match.group().split())
        position = clause_match.start()
        earlier = text[:position]
        if "结婚纪念日" in clause:
            dated = _date_in(clause.split("结婚纪念日", 1)[1], today) or _date_in(clause, today)
            if dated:
                value, typed = dated
                fact = Fact("date.wedding", value, _dated("结婚纪念日", value), typed)
                found.append((position, fact))
        elif anniversary := ANNIVERSARY.search(clause):
            dated = _date_in(clause, today)
            if dated:
                value, typed = dated
                name = _anniversary_name(clause[: anniversary.start()])
                fact = Fact("date.custom", {**value, "label": name}, _dated(name, value), typed)
                found.append((position, fact))
        elif word := BIRTHDAY_WORD.search(clause):
            dated = _date_in(clause, today)
            if dated and not not_the_clients(earlier + clause[: word.start()]):
                value, typed = dated
                fact = Fact("client.birthday", value, _dated("生日", value), typed)
                found.append((position, fact))
    return found


_NAME_BREAK = re.compile(r"[的是说和与及:]|每年|每逢|都会?|在|过")
_WHOSE_WORDS = re.compile(r"^(?:[他她我]们?|咱们|大家)家?(?:的)?")


def _anniversary_name(before: str) -> str:
    """'他们的相识' -> '相识纪念日', '他们家每年农历七月初七过相识' -> '相识纪念日',
    '他公司成立' -> '公司成立纪念日'."""
    undated = DATE_IN_TEXT.sub("", LUNAR_MARK.sub("", before))
    piece = _WHOSE_WORDS.sub("", _NAME_BREAK.split(undated)[-1])[-6:]
    return f"{piece}纪念日" if piece else "纪念日"


def _dated(name: str, value: dict[str, Any]) -> str:
    return f"{name}：{display('birthday', value)}"


def _amounts(text: str) -> Found:
    found: Found = []
    for pattern, target, name in (
        (INCOME, "client.household_income", "家庭年收入"),
        (ASSETS, "client.investable_assets", "可投资资产"),
    ):
        for match in pattern.finditer(text):
            if "月" in match["gap"] or _not_the_households(text[: match.start()], match[0]):
                continue
            try:
                value = parse_money(match["amount"])
            except ParseError:
                continue
            label = f"{name}：{display('money', value)}"
            found.append((match.start(), Fact(target, value, label)))
            break
    return found


def _not_the_households(before: str, words: str) -> bool:
    """An amount about someone else: a colleague's income always; the spouse's or a child's
    only when it is not said to be the household's (家庭年收入, 家里存款)."""
    if words.startswith("家"):
        return whose(before) == "other"
    return not_the_clients(before)


def _children(text: str) -> Found:
    flat = "".join(text.split())
    snippets = [m for m in CHILDREN_IN_TEXT.finditer(flat)
                if not outside_the_family(flat[: m.start()])]
    if not snippets:
        return []
    try:
        value = parse_children("，".join(m.group() for m in snippets))
    except ParseError:
        return []
    if not value:
        return []
    label = f"子女：{display('children', value)}"
    return [(text.find(snippets[0].group()[:2]), Fact("family.children", value, label))]


# --- the entry point ------------------------------------------------------------------------------


def extract_facts(text: str, keywords: NoteKeywords, today: date | None = None) -> list[Fact]:
    """Facts recognised in a quick note, in the order they appear, without duplicates;
    ``today``, the agent's date, gives a two-digit year (28年3月5日) its century.

    Never raises: an extractor that fails is logged and skipped.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        norm = normalise(text)
    except Exception as error:
        log_failure(log, "could not normalise a note", error)
        return []
    extractors: list[Callable[[], Found]] = [
        lambda: _dates(norm, today),
        lambda: _amounts(norm),
        lambda: _children(norm),
        lambda: occupations(norm, keywords),
        lambda: interests(norm, keywords),
        lambda: needs(norm, keywords),
    ]
    found: Found = []
    for extractor in extractors:
        try:
            found.extend(extractor())
        except Exception as error:
            log_failure(log, "a fact extractor failed on a note", error)
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for _, fact in sorted(found, key=lambda pair: pair[0]):
        key = (fact.target, fact_json(fact.value))
        if key not in seen:
            seen.add(key)
            facts.append(fact)
    return facts
