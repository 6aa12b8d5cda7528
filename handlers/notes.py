"""Quick notes: recognise facts in an agent's free-text note and propose them for confirmation.

``extract_facts("张姐说儿子明年要去留学，最近在跑马拉松，农历生日八月十五，年收入大概50万，先生是医生",
keywords)`` proposes the lunar birthday, the income, the spouse's occupation, the interest
马拉松 and the need tags. It never raises: whatever cannot be read is simply not proposed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.fields import ParseError, display
from handlers.fields.children import parse_children
from handlers.fields.dates import parse_birthday
from handlers.fields.money import parse_money
from handlers.fields.text import normalise
from handlers.note_patterns import (
    ANNIVERSARY,
    ASSETS,
    BIRTHDAY_WORD,
    CHILDREN_IN_TEXT,
    CLAUSE,
    CLIENT_SUBJECT,
    DATE_IN_TEXT,
    INCOME,
    JOB_FIELD,
    LUNAR_MARK,
    NEGATION,
    OBJECT_EDGES,
    OCCUPATION_CLAUSE,
    OTHER_PERSON,
    SOMEONE_ELSE_AT_END,
    SPOUSE_WORD,
    TRADE,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fact:
    target: str  # where it would be saved, e.g. "client.birthday", "tag.need"
    value: Any  # JSON-serialisable, same shapes as handlers.fields.parse produces
    label: str  # shown to the agent, e.g. "生日：农历八月十五", "需求标签：教育规划（留学）"

    def __hash__(self) -> int:  # values may be dicts or lists: hash their JSON form
        return hash((self.target, _json(self.value), self.label))


@dataclass(frozen=True)
class NoteKeywords:
    """Words from config.yaml; plain lists and dicts (or any iterables/mappings) are accepted."""

    interests: list[str] = field(default_factory=list)
    occupations: list[str] = field(default_factory=list)
    need_tags: dict[str, str] = field(default_factory=dict)  # keyword -> need tag

    def __post_init__(self) -> None:
        object.__setattr__(self, "interests", _words(self.interests))
        object.__setattr__(self, "occupations", _words(self.occupations))
        needs = self.need_tags if isinstance(self.need_tags, Mapping) else {}
        cleaned = {k.strip(): v.strip() for k, v in needs.items() if _word(k) and _word(v)}
        object.__setattr__(self, "need_tags", cleaned)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _word(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _words(values: Iterable[str] | None) -> list[str]:
    if isinstance(values, str) or values is None:
        return [values.strip()] if _word(values) else []
    return list(dict.fromkeys(v.strip() for v in values if _word(v)))


# --- extractors: each returns (position, fact) pairs ----------------------------------------------

Found = list[tuple[int, Fact]]


def _clauses(text: str) -> Iterable[re.Match[str]]:
    return CLAUSE.finditer(text)


def _date_in(clause: str) -> dict[str, Any] | None:
    """The first readable date in a clause; 农历 anywhere in the clause makes it lunar."""
    lunar = bool(LUNAR_MARK.search(clause))
    for match in DATE_IN_TEXT.finditer(clause):
        candidate = match.group()
        if lunar and not LUNAR_MARK.search(candidate):
            candidate = "农历" + candidate
        try:
            return parse_birthday(candidate)
        except ParseError:
            continue
    return None


def _dates(text: str) -> Found:
    found: Found = []
    for clause_match in _clauses(text):
        clause = "".join(clause_match.group().split())
        position = clause_match.start()
        if "结婚纪念日" in clause:
            value = _date_in(clause.split("结婚纪念日", 1)[1]) or _date_in(clause)
            if value:
                found.append((position, Fact("date.wedding", value, _dated("结婚纪念日", value))))
        elif anniversary := ANNIVERSARY.search(clause):
            value = _date_in(clause)
            if value:
                name = _anniversary_name(clause[: anniversary.start()])
                fact = Fact("date.custom", {**value, "label": name}, _dated(name, value))
                found.append((position, fact))
        elif word := BIRTHDAY_WORD.search(clause):
            value = _date_in(clause)
            if value and not _someone_else(clause[: word.start()]):
                found.append((position, Fact("client.birthday", value, _dated("生日", value))))
    return found


def _someone_else(before: str) -> bool:
    """'儿子', '她先生的', '儿子3月5日' before 生日: the birthday is not the client's."""
    return bool(SOMEONE_ELSE_AT_END.search(DATE_IN_TEXT.sub("", LUNAR_MARK.sub("", before))))


def _anniversary_name(before: str) -> str:
    """'他们的相识' -> '相识纪念日'."""
    piece = re.split(r"[的是说和与及:]", before)[-1][-6:]
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
            if "月" in match["gap"]:
                continue
            try:
                value = parse_money(match["amount"])
            except ParseError:
                continue
            label = f"{name}：{display('money', value)}"
            found.append((match.start(), Fact(target, value, label)))
            break
    return found


def _children(text: str) -> Found:
    snippets = list(CHILDREN_IN_TEXT.finditer("".join(text.split())))
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


def _keyword_spans(text: str, words: Iterable[str]) -> list[tuple[int, str]]:
    """Occurrences of the words, longest first and not overlapping, skipping negated ones."""
    lowered = text.casefold()
    taken: list[tuple[int, int]] = []
    spans: list[tuple[int, str]] = []
    for word in sorted(words, key=len, reverse=True):
        for match in re.finditer(re.escape(word.casefold()), lowered):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            if not NEGATION.search(text[max(0, start - 4) : start]):
                spans.append((start, word))
    return sorted(spans)


def _interests(text: str, keywords: NoteKeywords) -> Found:
    first: dict[str, int] = {}
    for position, word in _keyword_spans(text, keywords.interests):
        first.setdefault(word, position)
    return [(p, Fact("tag.interest", w, f"兴趣：{w}")) for w, p in first.items()]


def _needs(text: str, keywords: NoteKeywords) -> Found:
    triggers: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    for position, word in _keyword_spans(text, keywords.need_tags):
        tag = keywords.need_tags[word]
        first.setdefault(tag, position)
        if word not in triggers.setdefault(tag, []):
            triggers[tag].append(word)
    return [
        (first[tag], Fact("tag.need", tag, f"需求标签：{tag}（{'、'.join(words)}）"))
        for tag, words in triggers.items()
    ]


def _occupation_in(obj: str, occupations: list[str]) -> str | None:
    """The occupation an object phrase names: '国企高管' when it ends with a keyword, else the
    keyword itself ('医生也喜欢跑步' -> '医生'); None when no keyword is in it."""
    trimmed = OBJECT_EDGES.sub("", obj.strip())
    hits = [w for w in occupations if w.casefold() in trimmed.casefold()]
    if not hits:
        return None
    longest = max(hits, key=len)
    if len(trimmed) <= 8 and trimmed.casefold().endswith(longest.casefold()):
        return trimmed
    return longest


def _whose(subject: str) -> str | None:
    """'spouse', 'client' or None for whoever the subject of an occupation clause is."""
    spouse = list(SPOUSE_WORD.finditer(subject))
    other = list(OTHER_PERSON.finditer(subject))
    last_spouse = spouse[-1].end() if spouse else -1
    last_other = other[-1].end() if other else -1
    if last_spouse > last_other:
        return "spouse"
    if last_other >= 0:
        return None
    return "client" if CLIENT_SUBJECT.search(subject) else None


def _occupations(text: str, keywords: NoteKeywords) -> Found:
    """'先生是医生' (spouse), '她是教师' / '孙先生做IT的' / '职业：律师' (client).

    An occupation is a configured keyword, or any short trade in '做X的' / '从事X工作'."""
    found: Found = []
    for clause_match in _clauses(text):
        clause = clause_match.group().strip()
        job = JOB_FIELD.search(clause)
        statement = OCCUPATION_CLAUSE.match(clause)
        if job:
            whose, obj, verb = "client", job["object"], ""
        elif statement:
            whose, obj, verb = _whose(statement["subject"]), statement["object"], statement["verb"]
        else:
            continue
        if whose is None:
            continue
        occupation = _occupation_in(obj, keywords.occupations)
        trade = TRADE.fullmatch(obj.strip())
        if occupation is None and trade and verb in {"是做", "是搞", "做", "搞", "从事"}:
            occupation = trade["trade"]
        if occupation is None:
            continue
        if whose == "spouse":
            fact = Fact("family.spouse.occupation", occupation, f"配偶职业：{occupation}")
        else:
            fact = Fact("client.occupation", occupation, f"职业：{occupation}")
        found.append((clause_match.start(), fact))
    return found


# --- the entry point ------------------------------------------------------------------------------


def extract_facts(text: str, keywords: NoteKeywords) -> list[Fact]:
    """Facts recognised in a quick note, in the order they appear, without duplicates.

    Never raises: an extractor that fails is logged and skipped.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        norm = normalise(text)
    except Exception:
        log.exception("could not normalise a note")
        return []
    extractors: list[Callable[[], Found]] = [
        lambda: _dates(norm),
        lambda: _amounts(norm),
        lambda: _children(norm),
        lambda: _occupations(norm, keywords),
        lambda: _interests(norm, keywords),
        lambda: _needs(norm, keywords),
    ]
    found: Found = []
    for extractor in extractors:
        try:
            found.extend(extractor())
        except Exception:
            log.exception("fact extractor failed on a note")
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for _, fact in sorted(found, key=lambda pair: pair[0]):
        key = (fact.target, _json(fact.value))
        if key not in seen:
            seen.add(key)
            facts.append(fact)
    return facts
