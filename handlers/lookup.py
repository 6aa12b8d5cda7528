"""Finding clients: name, full pinyin, initials (zs → 张三), phone last 4, tags, city,
occupation, employer, a family member's name or occupation.

SQL narrows the candidates; the ranking here orders them; typo tolerance (rapidfuzz, in C)
runs over the lean (name, pinyin) columns only when nothing matched well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from handlers.fields.text import normalise
from handlers.text_libraries import lazy_pinyin
from storage.clients import ClientRepository, SearchRow
from storage.name_fold import fold

NAME_HIT = 90  # the query is in a client's name
EXACT_FIELD = 70  # the query is a whole city, tag, occupation, employer or family name
PLACE_SUFFIXES = "市省区县"  # 杭州市 finds 杭州 (and 杭州 finds 杭州市)
MINIMUM = 60
FAMILY_OCCUPATION = 62  # a family member's whole occupation: below the client's own
SAME_SOUND = 80  # a homophone of the name: probably a wrong character


@dataclass(frozen=True)
class Match:
    client_id: int
    name: str
    score: float
    why: str


def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower case, letters only: 张三 → (zhangsan, zs);
    a Latin name's words count as syllables: Zhang Wei → (zhangwei, zw)."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors=_latin_words) if s.isalpha()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _latin_words(chunk: str) -> list[str]:
    """The words of a chunk pypinyin has no pinyin for (Latin letters; the rest dropped)."""
    return re.findall(r"[A-Za-z]+", chunk)


def search(repo: ClientRepository, query: str, limit: int = 10) -> list[Match]:
    """The agent's clients matching ``query``, best first (ties by name)."""
    query = query.strip()
    if not query:
        return []
    latin = query.lower().replace(" ", "")
    pinyin_query = latin if latin.isascii() and latin.isalpha() else None
    place = query[:-1] if len(query) >= 3 and query[-1] in PLACE_SUFFIXES else query
    phone_ids = _phone_matches(repo, query)
    rows = {row.id: row for row in repo.search_candidates(query, pinyin_query, place)}
    rows.update({row.id: row for row in repo.search_rows_by_ids(phone_ids - rows.keys())})
    folded = fold(query)
    scored = {row.id: _score(row, query, folded, pinyin_query, place, phone_ids)
              for row in rows.values()}
    # A family member's name or occupation, unless a client has that name (the common case:
    # no second query).
    whole_family_field = False
    if pinyin_query is None and len(query) >= 2 and not query.isdecimal() \
            and not any(score >= NAME_HIT for score, _ in scored.values()):
        whole_family_field = _add_family(repo, query, rows, scored)
    # Near misses of a name, unless the query was plainly something else: a whole city, tag,
    # occupation or family name or occupation found, or digits (a phone number has no typo of
    # a name).
    plainly_a_field = whole_family_field or any(score >= EXACT_FIELD
                                                for score, _ in scored.values())
    if not plainly_a_field and not query.isdecimal():
        fuzzy = _fuzzy(repo.name_keys(), query, pinyin_query)
        for row in repo.search_rows_by_ids(set(fuzzy) - rows.keys()):
            rows[row.id] = row
        for row_id, score in fuzzy.items():  # also rows the SQL found but nothing scored
            if row_id in rows and score > scored.get(row_id, (0.0, ""))[0]:
                scored[row_id] = (score, "近似")
    matches = [Match(row_id, rows[row_id].name, score, why)
               for row_id, (score, why) in scored.items() if score >= MINIMUM]
    matches.sort(key=lambda match: (-match.score, match.name, match.client_id))
    return matches[:limit]


def _phone_matches(repo: ClientRepository, query: str) -> set[int]:
    """Clients whose phone ends in the query's digits: the last four, or a whole number."""
    digits = re.sub(r"[\s+-]", "", normalise(query))  # １２３４ and ١٢٣٤ too
    if not digits.isdecimal() or not (len(digits) == 4 or len(digits) >= 7):
        return set()
    ids = repo.ids_by_phone_last4(digits[-4:])
    if len(digits) == 4:
        return set(ids)
    found = repo.get_many(ids)  # confirm the whole number against the decrypted phones
    return {client_id for client_id, client in found.items()
            if (repo.secret(client, "phone") or "").endswith(digits[-11:])}


def _add_family(repo: ClientRepository, query: str, rows: dict[int, SearchRow],
                scored: dict[int, tuple[float, str]]) -> bool:
    """Clients with a family member of that name (配偶 李娜 finds 孙明) or occupation, ranked
    below a client's own occupation; whether a whole name or occupation was found."""
    found = repo.family_like(query)
    for row in repo.search_rows_by_ids({client_id for client_id, *_ in found} - rows.keys()):
        rows[row.id] = row
    whole = False
    for client_id, relation, name, occupation in found:
        if query in name:
            score, why = (80 if name == query else 65), f"{relation} {name}"
        else:
            score, why = (FAMILY_OCCUPATION if occupation == query else MINIMUM,
                          f"{relation}职业 {occupation}")
        whole = whole or query in (name, occupation)
        if score > scored.get(client_id, (0, ""))[0]:
            scored[client_id] = (score, why)
    return whole


def _score(row: SearchRow, query: str, folded: str, latin: str | None, place: str,
           phone_ids: set[int]) -> tuple[float, str]:
    if row.id in phone_ids:
        return 100, "手机尾号"
    if row.name_key == folded:  # Amy王 for amy王
        return 100, "姓名"
    if folded in row.name_key:
        return 90, "姓名"
    if latin:
        if latin in (row.name_initials, row.name_pinyin):
            return 95, "拼音"
        if row.name_pinyin.startswith(latin):
            return 85, "拼音"
        if len(latin) >= 2 and row.name_initials.startswith(latin):
            return 75, "首字母"
    if row.city and place in (row.city, row.city.rstrip(PLACE_SUFFIXES)):
        return 70, "城市"
    if query in (row.tags or []):
        return 70, "标签"
    if query in (row.occupation, row.employer):
        return 70, "职业" if query == row.occupation else "单位"
    if row.city and place in row.city:
        return 65, "城市"
    if any(query in tag for tag in row.tags or []):
        return 65, "标签"
    if row.occupation and query in row.occupation:
        return 65, "职业"
    if row.employer and query in row.employer:
        return 65, "单位"
    return 0, ""


def _fuzzy(keys: list[tuple[int, str, str]], query: str, latin: str | None) -> dict[int, float]:
    """Client id → score for near misses (typos) of the name or its pinyin."""
    if latin:
        if len(latin) < 3:
            return {}
        choices = {row_id: pinyin for row_id, _, pinyin in keys}
    else:
        if len(query) < 2:
            return {}
        choices = {row_id: name for row_id, name, _ in keys}
    found = process.extract(latin or query, choices, scorer=fuzz.ratio,
                            score_cutoff=75, limit=10)
    scores = {row_id: score * 0.8 for _, score, row_id in found}
    if not latin:  # a wrong character of the same sound: 孙铭 for 孙明
        for row_id in sound_alikes(keys, query):
            scores[row_id] = max(scores.get(row_id, 0), SAME_SOUND)
    return scores


def sound_alikes(keys: list[tuple[int, str, str]], name: str) -> list[int]:
    """Ids of the clients whose name sounds like ``name`` but is written differently."""
    pinyin, _ = search_keys(name)
    if len(pinyin) < 4:
        return []
    return [row_id for row_id, other, other_pinyin in keys
            if other_pinyin == pinyin and other != name]
