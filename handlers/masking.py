"""Masking long digit runs (phone, ID, bank numbers) in free text: notes, reasons, form text
answers, searches, audit details."""

from __future__ import annotations

import re

# Characters people put between the digits of one number: spaces, dashes, dots, slashes,
# brackets and middle dots, ASCII or full-width.
_SEPARATORS = r"\s\-‐‑–—－.．/／()（）·・"
# 7+ digits, optionally split by separators, with an ID's final X
_NUMBER = re.compile(
    rf"(?<![\dA-Za-z])\+?[(（]?\d[\d{_SEPARATORS}]{{5,}}\d[Xx]?(?![\dA-Za-z])")
# What looks like a number but is not private: a date (2024-03-05, 2024.3.5) or an amount
# with decimals (12345.67)
_HARMLESS = re.compile(r"\d{4}([-./])\d{1,2}\1\d{1,2}|\d+\.\d{1,2}")
_SHORTEST = 7  # fewer digits than this are left alone (ages, amounts, years)
_FULL = 11  # from this many digits on (mobile, ID, bank) the first three stay visible too


# A date is never part of a number next to it ("2024/3/5 13812345678"): set aside first.
_DATE = re.compile(r"\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}日?")
_SET_ASIDE = "\ue000"  # a private-use character: never typed, neither digit nor separator
# An amount is not private: 保额3000000, 房贷1200000元, ¥1500000.
_AMOUNT_AFTER = ("元", "万", "块", "美元", "港币", "w", "W", "k", "K")
_AMOUNT_BEFORE = ("保额", "保费", "年薪", "月薪", "收入", "房贷", "车贷", "贷款", "负债", "资产",
                  "存款", "投资", "金额", "余额", "总价", "价格", "¥", "￥", "$")


def mask_numbers(text: str) -> str:
    """Star every long number in ``text`` but its last four digits (and its first three when
    it has 11 or more); separators inside the number are dropped. Dates and amounts stay."""
    dates: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        dates.append(match.group(0))
        return _SET_ASIDE

    text = _DATE.sub(set_aside, text)

    def mask(match: re.Match[str]) -> str:
        found = match.group(0)
        if _HARMLESS.fullmatch(found) or _is_amount(text, match):
            return found
        digits = re.sub(r"[^\dXx+]", "", found)
        count = sum(ch.isdecimal() for ch in digits)
        if count < _SHORTEST:
            return found
        head = 3 + digits.startswith("+") if count >= _FULL else 0
        return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]

    masked = _NUMBER.sub(mask, text)
    for date in dates:
        masked = masked.replace(_SET_ASIDE, date, 1)
    return masked


def _is_amount(text: str, match: re.Match[str]) -> bool:
    after = text[match.end():match.end() + 2].lstrip()
    before = text[max(0, match.start() - 4):match.start()].rstrip(" ：:为是约")
    return after.startswith(_AMOUNT_AFTER) or before.endswith(_AMOUNT_BEFORE)
