"""Field parsers: turn what an agent typed on a phone into clean, JSON-serialisable values.

``parse`` reads one answer (raising only ``ParseError`` for bad input), ``display`` shows a
value briefly in Chinese, ``hint`` tells in one line what is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from . import children, choice, dates, money, numbers, phone, secrets, text
from .errors import ParseError

__all__ = ["DATED_TYPES", "FIELD_TYPES", "ParseError", "display", "hint", "parse"]

# (answer, choices, the agent's today: the dates' two-digit years count from it)
_Parser = Callable[[str, Sequence[str], date | None], Any]

_PARSERS: dict[str, _Parser] = {
    "text": lambda t, _c, _d: text.parse_text(t),
    "choice": lambda t, c, _d: choice.parse_choice(t, c),
    "multi": lambda t, c, _d: choice.parse_multi(t, c),
    "tags": lambda t, _c, _d: text.parse_tags(t),
    "phone": lambda t, _c, _d: phone.parse_phone(t),
    # a policy's start (the one plain date a form asks): past, or next year's at the latest
    "date": lambda t, _c, d: dates.parse_solar(t, d, "started"),
    "lunar_date": lambda t, _c, d: dates.parse_lunar(t, d),
    "birthday": lambda t, _c, d: dates.parse_birthday(t, d),
    "anniversary": lambda t, _c, d: dates.parse_anniversary(t, d),
    "money": lambda t, _c, _d: money.parse_money(t),
    "integer": lambda t, _c, _d: numbers.parse_integer(t),
    "age": lambda t, _c, _d: numbers.parse_age(t),
    "yesno": lambda t, _c, _d: choice.parse_yesno(t),
    "children": lambda t, _c, d: children.parse_children(t, d),
    "id_number": lambda t, _c, _d: secrets.parse_id_number(t),
    "account": lambda t, _c, _d: secrets.parse_account(t),
}

_DISPLAYS: dict[str, Callable[[Any], str]] = {
    "text": str,
    "choice": str,
    "multi": lambda v: "、".join(v) if v else "无",
    "tags": text.display_tags,
    "phone": phone.display_phone,
    "date": dates.display_date,
    "lunar_date": dates.display_date,
    "birthday": dates.display_date,
    "anniversary": dates.display_date,
    "money": money.display_money,
    "integer": numbers.display_integer,
    "age": numbers.display_age,
    "yesno": choice.display_yesno,
    "children": children.display_children,
    "id_number": secrets.display_masked,
    "account": secrets.display_masked,
}

_HINTS: dict[str, str] = {
    "text": f"直接输入文字即可（{text.MAX_TEXT}字以内）。",
    "tags": "可以写多个标签，用空格、逗号或顿号隔开，如：马拉松、瑜伽。",
    "phone": "手机号，如 13812341234；国际号码请带“+国家码”，如 +44 7911 123456。",
    "date": "日期，如 2024-3-5、3月5日、1985年3月5日。",
    "lunar_date": "农历日期，如 正月十五、八月十五、闰四月初八、农历1985年腊月廿三。",
    "birthday": "公历如 1985-3-5、3月5日；农历请加“农历”，如 农历八月十五。",
    "anniversary": "公历如 2015-5-1、5月1日；农历请加“农历”，如 农历七月初七。",
    "money": "金额（元），如 50000、5万、1.2万、3.5k；按月写（月缴1000、1000/月）会换算成一年。",
    "integer": "整数，如 12 或 十二。",
    "age": "年龄，如 35 或 35岁。",
    "yesno": "回复“是”或“否”。",
    "children": "如：儿子9岁，女儿3岁；没有孩子请回复“无”。",
    "id_number": "18位身份证号（最后一位可以是X），或15位旧号码。",
    "account": "银行卡号或账号，12到19位数字，可以带空格。",
}

FIELD_TYPES: frozenset[str] = frozenset(_PARSERS)
# The types whose parser reads ``today`` (a two-digit year, a date still to come, an age).
DATED_TYPES: frozenset[str] = frozenset(
    {"date", "lunar_date", "birthday", "anniversary", "children"})
MAX_INPUT = 1000  # longer answers to a structured field are not read at all


def _known(field_type: str) -> None:
    if field_type not in FIELD_TYPES:
        raise ValueError(f"unknown field type {field_type!r}")


def parse(field_type: str, text: str, choices: Sequence[str] = (), *,
          today: date | None = None) -> Any:
    """Read ``text`` as a ``field_type`` value (JSON-serialisable).

    ``today`` is the agent's date: a date's two-digit year (85年, 28.3.5) is the latest year
    ending in those digits that is not after it (``dates.full_year``); give it whenever a
    clock is at hand.

    Raises ``ParseError`` (with a polite Chinese ``.message``) for input that cannot be read;
    an unknown ``field_type`` is a programming error and raises a plain ``ValueError``.
    """
    _known(field_type)
    text = text if isinstance(text, str) else str(text)
    if field_type != "text" and len(text) > MAX_INPUT:
        raise ParseError(f"内容太长了，没法识别。{hint(field_type, choices)}")
    return _PARSERS[field_type](text, choices, today)


def display(field_type: str, value: Any) -> str:
    """Short Chinese text for cards and confirmations; never raises for parsed values."""
    _known(field_type)
    if value is None:
        return "未填"
    try:
        return _DISPLAYS[field_type](value)
    except Exception:  # a stored value of an unexpected shape: show it rather than fail
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def hint(field_type: str, choices: Sequence[str] = ()) -> str:
    """One short line saying what is accepted, shown under a question."""
    _known(field_type)
    if field_type == "choice":
        return f"回复编号或选项名：{choice.choices_line(choices)}"
    if field_type == "multi":
        return f"可多选，回复编号或选项名，用空格或顿号隔开：{choice.choices_line(choices)}"
    return _HINTS[field_type]
