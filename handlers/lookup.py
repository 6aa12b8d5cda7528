"""Finding clients: name, full pinyin, initials (zs → 张三), phone last 4, tags, city."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

from storage.clients import SearchRow

LAST4 = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Match:
    client_id: int
    name: str
    score: float
    why: str


def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower case, letters only: 张三 → (zhangsan, zs)."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors="ignore") if s.isalpha()]
    initials = [s[0] for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
                if s.isalpha()]
    return "".join(syllables), "".join(initials).lower()


def rank(rows: list[SearchRow], query: str, phone_ids: set[int], limit: int = 10) -> list[Match]:
    """Score every row against the query; best first, ties by name."""
    query = query.strip()
    if not query:
        return []
    latin = query.lower().replace(" ", "")
    matches: list[Match] = []
    for row in rows:
        score, why = _score(row, query, latin, phone_ids)
        if score >= 60:
            matches.append(Match(row.id, row.name, score, why))
    matches.sort(key=lambda match: (-match.score, match.name, match.client_id))
    return matches[:limit]


def _score(row: SearchRow, query: str, latin: str, phone_ids: set[int]) -> tuple[float, str]:
    if row.id in phone_ids:
        return 100, "手机尾号"
    if row.name == query:
        return 100, "姓名"
    if query in row.name:
        return 90, "姓名"
    if latin.isascii() and latin.isalpha():
        if latin == row.name_initials:
            return 95, "首字母"
        if latin == row.name_pinyin:
            return 95, "拼音"
        if row.name_pinyin.startswith(latin):
            return 85, "拼音"
        if len(latin) >= 2 and row.name_initials.startswith(latin):
            return 75, "首字母"
    if row.city and query == row.city:
        return 70, "城市"
    if query in (row.tags or []):
        return 70, "标签"
    return _fuzzy(row, query, latin)


def _fuzzy(row: SearchRow, query: str, latin: str) -> tuple[float, str]:
    if latin.isascii():
        if len(latin) < 3:
            return 0, ""
        return fuzz.ratio(latin, row.name_pinyin) * 0.75, "拼音近似"
    if row.city and query in row.city:
        return 65, "城市"
    if any(query in tag for tag in row.tags or []):
        return 65, "标签"
    if len(query) < 2:
        return 0, ""
    return fuzz.ratio(query, row.name) * 0.75, "姓名近似"
