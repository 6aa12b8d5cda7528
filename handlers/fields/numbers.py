"""Numbers as people type them: Arabic digits with units (5万, 3.5k), Chinese numerals."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from handlers.text_libraries import cn2an

from .errors import ParseError, quote
from .text import compact

MAX_INTEGER = 10**9
MAX_AGE = 130

UNITS: dict[str, int] = {
    "k": 1_000,
    "千": 1_000,
    "w": 10_000,
    "万": 10_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
    "万亿": 10**12,
    "百": 100,
}
_ARABIC_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(万亿|百万|千万|亿|万|千|百|k|w)?")
_ARABIC_AMOUNT = re.compile(r"(?:\d+(?:\.\d+)?(?:万亿|百万|千万|亿|万|千|百|k|w)?)+")
CN_NUMERAL_CHARS = frozenset("〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_MEASURE_SUFFIX = re.compile(
    r"(?:个|人|次|位|件|份|张|单|家|套|辆|只|台|条|项|名|年交|年缴|年期|年|期)$")
_AGE = re.compile(
    r"^(?:今年|年龄|年纪|虚岁|周岁|实岁)?[:：]?(?:大概|大约|约|差不多)?(?P<n>.+?)(?:周岁|岁半|岁)?"
    r"(?:了|左右|上下)?$"
)
_DECADE = re.compile(r"^(?:\d0|[五六七八九零〇]零)后$")  # 80后, 00后, 八零后


def small_int(text: str) -> int | None:
    """0-99 written as digits or Chinese: 5, 十五, 二十三, 廿三, 卅, 三十一."""
    if text.isdecimal():
        return int(text) if len(text) <= 2 else None
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or tens in {"〇", "零"} or ones == "两":
        return None
    if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def year_int(text: str) -> int | None:
    """A four-digit year in Arabic digits or Chinese digit by digit (一九八五, 二〇二四)."""
    if len(text) != 4:
        return None
    if text.isdecimal():
        return int(text)
    if all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    return None


def _arabic(text: str) -> Decimal | None:
    if not _ARABIC_AMOUNT.fullmatch(text):
        return None
    tokens = _ARABIC_TOKEN.findall(text)
    total = Decimal(0)
    last_unit: int | None = None
    for position, (number, unit_word) in enumerate(tokens):
        amount = Decimal(number)
        if unit_word:
            unit = UNITS[unit_word]
            if last_unit is not None and unit >= last_unit:
                return None
            total += amount * unit
            last_unit = unit
        elif last_unit is None:
            if position:
                return None
            total += amount
        else:  # a bare number after a unit: 5万5 = 55000, 5万500 = 50500
            if position != len(tokens) - 1:
                return None
            total += amount * last_unit / 10 if len(number) == 1 else amount
    return total


def _chinese(text: str) -> Decimal | None:
    if not text or not set(text) <= CN_NUMERAL_CHARS:
        return None
    try:
        result = cn2an(text, "normal")
    except Exception:  # cn2an raises assorted errors on malformed numerals
        return None
    try:
        value = Decimal(str(result))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def to_decimal(text: str) -> Decimal | None:
    """An amount like 50000, 5万, 1.2万, 3.5k, 1亿2000万, 一万二, 十万; None if not a number."""
    text = compact(text).casefold().replace(",", "")
    if not text:
        return None
    return _arabic(text) if text[0].isdecimal() else _chinese(text)


def to_int(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole(text: str, what: str, accepted: str, maximum: int) -> int:
    value = to_decimal(text)
    if value is None:
        raise ParseError(f"没看懂这个{what}“{quote(text)}”。{accepted}")
    if value < 0:
        raise ParseError(f"{what}不能是负数。{accepted}")
    if value != value.to_integral_value():
        raise ParseError(f"{what}要是整数。{accepted}")
    if value > maximum:
        raise ParseError(f"这个{what}太大了（最多{maximum:,}）。{accepted}")
    return int(value)


def parse_integer(text: str) -> int:
    """A non-negative whole number up to 10^9: 12, 十二, 1,000, 1万."""
    cleaned = _MEASURE_SUFFIX.sub("", compact(text))
    if cleaned in {"趸交", "趸缴", "一次性"}:
        return 1  # a single premium: one payment year
    if cleaned.startswith(("-", "负")):
        raise ParseError("数字不能是负数。可以这样写：12、十二、1000。")
    return _whole(cleaned, "数字", "可以这样写：12、十二、1000。", MAX_INTEGER)


def parse_age(text: str) -> int:
    """An age 0-130: 35, 35岁, 三十五岁, 35周岁."""
    accepted = "可以这样写：35、35岁、三十五岁。"
    if _DECADE.match(compact(text)):
        raise ParseError(f"“{quote(compact(text))}”是出生年代，换算不出年龄。请写大概的年龄，"
                         f"如 35；知道出生年份的话，也可以在生日里写，如 1985-3-5。")
    match = _AGE.match(compact(text))
    cleaned = match["n"] if match else compact(text)
    if cleaned.startswith(("-", "负")):
        raise ParseError(f"年龄不能是负数。{accepted}")
    return _whole(cleaned, "年龄", accepted, MAX_AGE)


def display_integer(value: int) -> str:
    return str(value)


def display_age(value: int) -> str:
    return f"{value}岁"
