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
from handlers.fields.children import RELATION_PATTERN, parse_children
from handlers.fields.dates import parse_birthday
from handlers.fields.money import parse_money
from handlers.fields.text import normalise

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


# --- patterns ------------------------------------------------------------------------------------

CLAUSE = re.compile(r"[^,;。!?\n]+")
LUNAR_MARK = re.compile(r"农历|阴历|旧历|老历")
_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})年"
_MONTH = r"(?:\d{1,2}|正|冬|腊|十[一二]|[一二三四五六七八九十])月"
_DAY = r"(?:\d{1,2}|初[一二三四五六七八九十]|[一二三四五六七八九十廿卅]{1,3})[日号]?"
DATE_IN_TEXT = re.compile(
    rf"(?:{_YEAR})?(?:农历|阴历)?闰?{_MONTH}{_DAY}"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{8}|(?<![\d.])\d{1,2}[-/.]\d{1,2}(?![\d.])"
)
BIRTHDAY_WORD = re.compile(r"生日|出生(?!地)|生于")
ANNIVERSARY = re.compile(r"纪念日")

_AMOUNT = (
    r"(?P<amount>\d+(?:\.\d+)?多?(?:万亿|百万|千万|亿|万|千|百|k|w)?(?:\d+(?:千|百)?)?[+]?"
    r"|[零〇一二两三四五六七八九十百千万亿]+)"
)
_GAP = r"(?P<gap>[^,;。!?\n\d零〇一二两三四五六七八九十百千万亿]{0,6}?)"
INCOME = re.compile(rf"(?:家庭年收入|家庭收入|家里年收入|年收入|年入){_GAP}{_AMOUNT}", re.I)
ASSETS = re.compile(rf"(?:可投资资产|可投资资金|可投资金额|存款){_GAP}{_AMOUNT}", re.I)

_AGE = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})(?:周?岁半?|个多?月)"
_COUNT = r"(?:[一二两三四五六1-6]个|俩|双胞胎)"
CHILDREN_IN_TEXT = re.compile(
    rf"{_AGE}的(?:{RELATION_PATTERN})"  # 8岁的儿子
    rf"|[一二两三1-3]儿[一二两三1-3]女(?::?(?:分别|都|各)?是?{_AGE}(?:[和、与及]|(?!\d)))*"
    rf"|{_COUNT}(?:{RELATION_PATTERN})俩?(?::?(?:分别|都|各)?是?{_AGE}(?:[和、与及]|(?!\d)))*"
    rf"|(?:{RELATION_PATTERN})[^,;。!?\s的]{{0,6}}?{_AGE}"  # 儿子今年9岁
)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔汤温康施牛樊葛邢齐乔伍庞颜倪庄聂章鲁岳翟殷詹欧耿焦俞柳祝包舒阮柯梅童凌毕季裴霍涂"
    "苗谷盛翁冉骆蓝辛靳柴鲍喻祁蒲滕屈饶牟艾尤穆卓缪娄窦戚岑景宫费卜冷晏席卫柏瞿桂佟臧闵苟邬卞姬"
)
_HONORIFIC = r"(?:先生|女士|小姐|姐|哥|总|老师|阿姨|叔|老板|经理)"
CLIENT_SUBJECT = re.compile(rf"^$|本人|客户|自己|[{_SURNAMES}]{_HONORIFIC}|[她他]")
_SPOUSE = rf"(?<![{_SURNAMES}])(?:先生|老公|丈夫|太太|妻子|老婆|爱人|媳妇)"
_OTHER = (
    rf"{RELATION_PATTERN}|父亲|母亲|爸|妈|公公|婆婆|岳父|岳母|爷爷|奶奶|外公|外婆"
    r"|哥哥|姐姐|弟弟|妹妹|朋友|同事|同学|闺蜜|邻居"
)
SPOUSE_WORD = re.compile(_SPOUSE)
OTHER_PERSON = re.compile(_OTHER)
SOMEONE_ELSE_AT_END = re.compile(rf"(?:{_SPOUSE}|{_OTHER})的?$")
OCCUPATION_CLAUSE = re.compile(
    r"(?P<subject>.*?)(?P<verb>是做|是搞|是当|是|做|搞|当|从事|干)(?P<object>.+)"
)
TRADE = re.compile(r"(?P<trade>[^的]{1,6}?)(?:的|工作|行业|这行|这一行)")  # 做IT的, 从事金融工作
JOB_FIELD = re.compile(r"职业(?:是|为|:)?(?P<object>.+)")
_OBJECT_EDGES = re.compile(r"^(?:一个|一名|一位|一家|个|名|位)|(?:的|了|啊|呢|吧|呀|工作)+$")
NEGATION = re.compile(r"(?:不|没|别|讨厌|无)[^,;。!?]{0,2}$")


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
    trimmed = _OBJECT_EDGES.sub("", obj.strip())
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
