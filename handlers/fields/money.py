"""Amounts of money in whole yuan: 5万, 50,000, 1.2万元, 年交5万, 3.5k, 一万二, 1亿."""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import ParseError, quote
from .numbers import to_decimal, to_int
from .text import compact

MAX_MONEY = 10**12
ACCEPTED = "可以这样写：50000、50,000、5万、1.2万元、3.5k、一万二、1亿（单位：元）。"

_PREFIX = re.compile(
    r"^(?:年交|年缴|每年交?|一年|年收入|年入|年薪|收入|工资|保费|金额|大概|大约|约|差不多|将近|接近|"
    r"近|有|是|人民币|rmb|cny|¥|:)+"
)
_SUFFIX = re.compile(r"(?:元|圆|块钱|块|人民币|rmb|cny|左右|上下|以上|出头|多|\+|/年|每年|一年)+$")
_ABOUT = re.compile(r"(?<=\d)多(?=[万千百亿kw])")  # 50多万 -> 50万
# A monthly amount, as agents write premiums and pay: 月缴1000, 每月1000, 1000/月, 月薪2万.
_MONTHLY_PREFIX = re.compile(r"^(?:月缴|月交|每月交?|每个月交?|一个月|月薪|月收入|月入|月供)")
_MONTHLY_SUFFIX = re.compile(r"(?:/月|每月|每个月|一个月|一月)$")


def monthly(text: str) -> bool:
    """Whether the amount is written per month (parse_money gives the yearly total)."""
    return _without_month(text)[1]


def _without_month(text: str) -> tuple[str, bool]:
    """The amount's text, compacted, without its unit and its per-month words; and whether
    there were any."""
    cleaned = _SUFFIX.sub("", compact(text).casefold().replace(",", ""))
    per_month = bool(_MONTHLY_PREFIX.match(cleaned) or _MONTHLY_SUFFIX.search(cleaned))
    return _MONTHLY_SUFFIX.sub("", _MONTHLY_PREFIX.sub("", cleaned)), per_month


def parse_money(text: str) -> int:
    """Whole yuan, 0 to 10^12; fractions of a yuan are rounded; a monthly amount (月缴1000,
    1000/月) is counted for the year (12,000)."""
    cleaned, per_month = _without_month(text)
    months = 12 if per_month else 1
    cleaned = _ABOUT.sub("", _SUFFIX.sub("", _PREFIX.sub("", cleaned)))
    if cleaned.startswith(("-", "负")):
        raise ParseError(f"金额不能是负数。{ACCEPTED}")
    value = to_decimal(cleaned)
    if value is None:
        raise ParseError(f"没看懂这个金额“{quote(text.strip())}”。{ACCEPTED}")
    if value < 0:
        raise ParseError(f"金额不能是负数。{ACCEPTED}")
    if value * months > MAX_MONEY:
        raise ParseError(f"这个金额太大了（最多一万亿元），请核对一下。{ACCEPTED}")
    return to_int(value * months)


def _short(value: int, unit: int, name: str) -> str:
    return f"{(Decimal(value) / unit).normalize():f}{name}"


def display_money(value: int) -> str:
    """'5万元', '1.2万元', '3亿元', '123,456元'."""
    if value >= 10**8 and value % 10**6 == 0:
        return _short(value, 10**8, "亿元")
    if value >= 10**4 and value % 100 == 0:
        return _short(value, 10**4, "万元")
    return f"{value:,}元"
