"""Masking long digit runs (phone, ID, bank numbers) in free text before it is stored: notes,
answers, searches, audit details."""

from __future__ import annotations

import re

# Characters people put between the digits of one number: spaces, dashes, dots, slashes,
# brackets and middle dots, ASCII or full-width.
_SEPARATORS = r"\s\-‐‑–—－.．/／()（）·・"
# 7+ digits, optionally split by separators, with an ID's final X; letters around it do not
# hide it (Tel13812345678, ID110105194912310028)
_NUMBER = re.compile(rf"(?<!\d)\+?[(（]?\d[\d{_SEPARATORS}]{{5,}}\d[Xx]?(?!\d)")
# What looks like a number but is not private: a date (2024-03-05, 2024.3.5) or an amount
# with decimals (12345.67)
_HARMLESS = re.compile(r"\d{4}([-./])\d{1,2}\1\d{1,2}|\d+\.\d{1,2}")
_SHORTEST = 7  # fewer digits than this are left alone (ages, amounts, years)
_MOBILE = 11  # a mainland mobile keeps its first three digits visible too (138****5678)
_LONGEST_AMOUNT = 10  # digits; anything longer (a phone, an ID, a card) is never an amount


# A date is never part of a number next to it ("2024/3/5 13812345678"): set aside first.
_DATE = re.compile(r"\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}日?")
_SET_ASIDE = "\ue000"  # a private-use character: never typed, neither digit nor separator
# An amount is not private: 保额3000000, 房贷1200000元, ¥1500000.
_AMOUNT_AFTER = re.compile(r"元|万|块|美元|港币|[wWkK](?![A-Za-z])")  # 30w, 500k; not WhatsApp
_AMOUNT_BEFORE = ("保额", "保费", "年薪", "月薪", "收入", "房贷", "车贷", "贷款", "负债", "资产",
                  "存款", "投资", "金额", "余额", "总价", "价格", "¥", "￥", "$")


def mask_numbers(text: str) -> str:
    """Star every long number in ``text`` but its last four digits (and a mobile's first
    three); separators inside the number are dropped. Dates and amounts stay. An ID or card
    number keeps only its last four: with a birth date on file, an ID's first digits would
    leave a handful of candidates."""
    if sum(map(str.isdecimal, text)) < _SHORTEST:  # most text: no number long enough
        return text
    dates: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        dates.append(match.group(0))
        return _SET_ASIDE

    text = _DATE.sub(set_aside, text)

    def mask(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = re.sub(r"[^\dXx+]", "", found)
        count = sum(ch.isdecimal() for ch in digits)
        if count < _SHORTEST or _HARMLESS.fullmatch(found) \
                or (count <= _LONGEST_AMOUNT and _is_amount(text, match)):
            return found
        head = _visible_head(digits, count)
        return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]

    masked = _NUMBER.sub(mask, text)
    for date in dates:
        masked = masked.replace(_SET_ASIDE, date, 1)
    return masked


def _visible_head(digits: str, count: int) -> int:
    """How many leading characters stay: a mobile's first three (after +86), a plus sign."""
    if count == _MOBILE and digits[0].isdecimal():
        return 3
    if count == _MOBILE + 2 and digits.startswith("+86"):
        return 6
    return 1 if digits.startswith("+") else 0


def _is_amount(text: str, match: re.Match[str]) -> bool:
    """An amount is written in one piece: a number split by separators (9123 4567) is not."""
    if not match.group(0).isdecimal():
        return False
    after = text[match.end():match.end() + 3].lstrip()
    before = text[max(0, match.start() - 4):match.start()].rstrip(" ：:为是约")
    return bool(_AMOUNT_AFTER.match(after)) or before.endswith(_AMOUNT_BEFORE)
