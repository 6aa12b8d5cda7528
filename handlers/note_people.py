"""Quick-note facts found by configured words: interests, need tags, occupations (the
client's or the spouse's)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.note_facts import Fact, Found, NoteKeywords
from handlers.note_patterns import (
    CLIENT_SUBJECT,
    JOB_FIELD,
    NEGATION,
    OBJECT_EDGES,
    OCCUPATION_CLAUSE,
    OTHER_PERSON,
    SPOUSE_WORD,
    TRADE,
    clauses,
)
from handlers.note_subject import not_the_clients


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


def interests(text: str, keywords: NoteKeywords) -> Found:
    """Each configured interest the note mentions (not negated), once."""
    first: dict[str, int] = {}
    for position, word in _keyword_spans(text, keywords.interests):
        first.setdefault(word, position)
    return [(p, Fact("tag.interest", w, f"兴趣：{w}")) for w, p in first.items()]


# Words that suggest a need only when they are about the client themself: a father who is a
# retired teacher is no sign of the client's own retirement planning.
OWN_ONLY_NEED_WORDS = frozenset({"退休"})


def needs(text: str, keywords: NoteKeywords) -> Found:
    """Each need tag a configured keyword suggests, with the words that suggested it; an
    own-only word counts only when it is about the client."""
    triggers: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    for position, word in _keyword_spans(text, keywords.need_tags):
        if word in OWN_ONLY_NEED_WORDS and not_the_clients(text[:position]):
            continue
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


def occupations(text: str, keywords: NoteKeywords) -> Found:
    """'先生是医生' (spouse), '她是教师' / '孙先生做IT的' / '职业：律师' (client).

    An occupation is a configured keyword, or any short trade in '做X的' / '从事X工作'."""
    found: Found = []
    for clause_match in clauses(text):
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
