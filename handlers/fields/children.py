"""Children as agents jot them down: 儿子9岁，女儿3岁 / 两个孩子：8岁和3岁 / 无."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import full_year
from .errors import ParseError
from .numbers import small_int
from .text import NONE_WORDS, compact

CHILD_RELATIONS = ("儿子", "女儿", "孩子")  # a family member who is a child of the client
MAX_CHILD_AGE = 100
MAX_CHILDREN = 20
ACCEPTED = "可以这样写：儿子9岁，女儿3岁；一个女儿5岁；两个孩子8岁和3岁；没有孩子请回复“无”。"

_RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "儿子": ("大儿子", "小儿子", "二儿子", "儿子", "长子", "次子", "男孩子", "男孩"),
    "女儿": (
        "大女儿",
        "小女儿",
        "二女儿",
        "女儿",
        "长女",
        "次女",
        "闺女",
        "女孩子",
        "女孩",
        "千金",
    ),
    "孩子": ("小孩子", "小孩", "孩子", "宝宝", "娃"),
}
RELATIONS: dict[str, str] = {w: rel for rel, words in _RELATION_WORDS.items() for w in words}
RELATION_PATTERN = "|".join(sorted(RELATIONS, key=len, reverse=True))
_COUNT = r"[一二两三四五六1-6]"
MENTION = re.compile(
    rf"(?P<pair>(?P<sons>[一二两三1-3])个?(?:儿子?|男)(?P<daughters>[一二两三1-3])个?(?:女儿?|女))"
    rf"|(?P<both>儿女双全|龙凤胎)"
    rf"|(?:(?P<count>{_COUNT})个|(?P<pre>俩|双胞胎))?(?P<rel>{RELATION_PATTERN})(?P<post>俩)?"
    rf"|(?P<twins>双胞胎)"
)
# 是18年的, 女儿18年的: a bare 年的 right after 是 or a child
_BARE_YEAR_OF = "|".join(rf"(?<={re.escape(word)}\d\d年)的|(?<={re.escape(word)}\d{{4}}年)的"
                         for word in ("是", *RELATIONS))
AGE = re.compile(
    r"(?P<each>[各都])?是?(?:"
    r"(?P<years>\d{1,3}|[一二两三四五六七八九十]{1,3})周?岁半?了?(?P<of>的)?"
    r"|(?P<months>\d{1,2}|[一二两三四五六七八九十]{1,3})个多?月大?(?P<of_m>的)?"
    # a birth year: 18年出生, 2018年生的, 18年的儿子, 是18年的, 女儿18年的; no other bare 年的,
    # which is also "for N years" (结婚12年的, 学了10年的钢琴)
    r"|(?<!\d)(?P<born>\d{4}|\d{2})年(?:"
    rf"(?:出生|生)(?:(?P<of_b>的)(?={RELATION_PATTERN})|的)?"
    rf"|(?P<of_b2>的)(?={RELATION_PATTERN})"
    rf"|{_BARE_YEAR_OF}))"
)
NO_CHILDREN = re.compile(
    r"^(?:没有?|无|暂无|还没有?)(?:孩子|小孩|子女)?(?:呢|的)?$|^(?:丁克|未育|无子女)$"
)
_NAME_PREFIX = re.compile(r"^(?:叫|名叫|名字叫|名字是|小名叫?|大名叫?)")
_FILLER = re.compile(r"今年|现在|目前|已经|刚满|刚|才|满|大概|大约|约|快|都|也|是|有")
_NAME = re.compile(r"[\u4e00-\u9fff]{1,4}|[A-Za-z]{1,12}")
# School stages and exams: never a name; each gives the usual age (周岁) of a child in it.
SCHOOL_AGES: dict[str, int] = {
    "幼儿园小班": 3, "幼儿园中班": 4, "幼儿园大班": 5, "小班": 3, "中班": 4, "大班": 5,
    "幼儿园": 4, "小升初": 12, "中考": 15, "高考": 18, "考研": 22,
    "初一": 13, "初二": 14, "初三": 15, "高一": 16, "高二": 17, "高三": 18,
    "大一": 19, "大二": 20, "大三": 21, "大四": 22,
    "小学一年级": 7, "小学二年级": 8, "小学三年级": 9, "小学四年级": 10,
    "小学五年级": 11, "小学六年级": 12, "一年级": 7, "二年级": 8, "三年级": 9,
    "四年级": 10, "五年级": 11, "六年级": 12,
}  # fmt: skip
_SCHOOL_WORDS = (*SCHOOL_AGES, "小学", "初中", "高中", "大学", "研究生", "读研", "读博",
                 "毕业", "考试", "升学", "考")
_SCHOOL = re.compile("|".join(sorted(SCHOOL_AGES, key=len, reverse=True)))
_YEARS_OFF = {"明年": -1, "后年": -2, "去年": 1}  # 明年中考: one year short of it now
_NOT_NAME = (*_SCHOOL_WORDS,
    "读", "上", "在", "年级", "班", "学", "园", "的", "了", "岁", "工作", "结婚", "明年",
    "今年", "去年", "要", "想", "准备", "没", "不", "和", "个", "分别", "各", "都",
)  # fmt: skip


@dataclass
class _Slot:
    relation: str
    chunk: int
    age: int | None = None
    name: str | None = None
    school_age: int | None = None


def _count(text: str | None) -> int:
    return small_int(text) or 1 if text else 1


def _age(match: re.Match[str], today: date | None) -> int | None:
    """The age an age, a number of months or a birth year gives (a year: the years since it,
    as the life-stage rule counts them; a two-digit one is the latest not after today's)."""
    if match["months"]:
        return 0 if small_int(match["months"]) is not None else None
    if match["born"]:
        if today is None:
            return None
        born = match["born"]
        year = int(born) if len(born) == 4 else full_year(int(born), today)
        return today.year - year if year <= today.year else -1
    return small_int(match["years"])


def _name(segment: str) -> str | None:
    """A name written right after the relation: 儿子小明9岁, 女儿(朵朵), 儿子叫小明."""
    piece = re.split(r"[,;:、。()\[\]【】]", segment.strip("()[]【】:"))[0]
    piece = _FILLER.sub("", _NAME_PREFIX.sub("", piece))
    if not _NAME.fullmatch(piece) or any(word in piece for word in _NOT_NAME):
        return None
    return piece


def school_age(segment: str) -> int | None:
    """The usual age of a child in the school stage the text names (女儿今年中考 → 15,
    明年中考 → 14, 上初三 → 15), or None."""
    stage = _SCHOOL.search(segment)
    if stage is None:
        return None
    off = next((years for word, years in _YEARS_OFF.items() if word in segment[: stage.start()]),
               0)
    return max(0, SCHOOL_AGES[stage.group()] + off)


def _mentions(text: str) -> list[tuple[re.Match[str], list[str]]]:
    found = []
    for match in MENTION.finditer(text):
        if match["pair"]:
            relations = ["儿子"] * _count(match["sons"]) + ["女儿"] * _count(match["daughters"])
        elif match["both"]:
            relations = ["儿子", "女儿"]
        elif match["twins"]:
            relations = ["孩子", "孩子"]
        else:
            number = 2 if match["pre"] or match["post"] else _count(match["count"])
            relations = [RELATIONS[match["rel"]]] * number
        found.append((match, relations))
    return found


def _assign(slots: list[_Slot], chunk: int, ages: list[int | None], each: bool) -> None:
    """Ages after a mention go to its children; a surplus fills earlier ageless ones first.

    ``each`` (各5岁, 都5岁) gives one age to every child of the mention."""
    own = [s for s in slots if s.chunk == chunk and s.age is None]
    if each and len(ages) == 1 and own:
        for slot in own:
            slot.age = ages[0]
        return
    earlier = [s for s in slots if s.chunk <= chunk and s.age is None]
    pool = own if len(ages) <= len(own) else earlier
    for age in ages:
        if pool:
            pool.pop(0).age = age
        else:
            relation = next((s.relation for s in slots if s.chunk == chunk), "孩子")
            slots.append(_Slot(relation, chunk, age))


def parse_children(text: str, today: date | None = None) -> list[dict[str, Any]]:
    """``[{"relation": "儿子"|"女儿"|"孩子", "age": int | None, "name": str | None}, ...]``;
    a birth year (18年出生) gives the age counted from ``today`` (none without it)."""
    cleaned = compact(text)
    if cleaned.lower() in NONE_WORDS or NO_CHILDREN.match(cleaned):
        return []
    mentions = _mentions(cleaned)
    ages = list(AGE.finditer(cleaned))
    if not mentions and not ages:
        raise ParseError(f"没看懂孩子的情况。{ACCEPTED}")
    if len(mentions) + len(ages) > MAX_CHILDREN * 2:
        raise ParseError(f"孩子写得太多了，请分开写。{ACCEPTED}")
    starts = [m.start() for m, _ in mentions]
    boundaries = sorted([*starts, *(a.start() for a in ages), len(cleaned)])
    slots: list[_Slot] = []
    for chunk, (match, relations) in enumerate(mentions):
        slots.extend(_Slot(relation, chunk) for relation in relations)
        if len(relations) == 1:
            end = boundaries[bisect_left(boundaries, match.end())]
            slots[-1].name = _name(cleaned[match.end() : end])
            slots[-1].school_age = school_age(cleaned[match.end() : end])
    by_chunk: dict[int, list[int | None]] = {}
    each: set[int] = set()
    for age_match in ages:
        age = _age(age_match, today)
        if age_match["born"] and age is None:
            continue  # no today to count from: the year is not read
        if age is None or not 0 <= age <= MAX_CHILD_AGE:
            raise ParseError(f"孩子的年龄看起来不对，请核对一下。{ACCEPTED}")
        if age_match["of"] or age_match["of_m"] or age_match["of_b"] or age_match["of_b2"]:
            # 8岁的儿子, 18年的女儿: binds to the next mention
            chunk = min(bisect_left(starts, age_match.end()), len(starts) - 1)
        else:
            chunk = max(bisect_left(starts, age_match.start()) - 1, 0)
        by_chunk.setdefault(chunk, []).append(age)
        if age_match["each"]:
            each.add(chunk)
    for chunk in sorted(by_chunk):
        _assign(slots, chunk, by_chunk[chunk], chunk in each)
    for slot in slots:
        if slot.age is None:
            slot.age = slot.school_age
    if len(slots) > MAX_CHILDREN:
        raise ParseError(f"孩子写得太多了，请核对一下。{ACCEPTED}")
    return [{"relation": s.relation, "age": s.age, "name": s.name} for s in slots]


def display_children(value: list[dict[str, Any]]) -> str:
    """'儿子9岁、女儿小美3岁', or '无'."""
    if not value:
        return "无"
    parts = []
    for child in value:
        age = f"{child['age']}岁" if child.get("age") is not None else ""
        parts.append(f"{child.get('relation') or '孩子'}{child.get('name') or ''}{age}")
    return "、".join(parts)
