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


def mask_numbers(text: str) -> str:
    """Star every long number in ``text`` but its last four digits (and its first three when
    it has 11 or more); separators inside the number are dropped."""

    def mask(match: re.Match[str]) -> str:
        found = match.group(0)
        if _HARMLESS.fullmatch(found):
            return found
        digits = re.sub(r"[^\dXx+]", "", found)
        count = sum(ch.isdecimal() for ch in digits)
        if count < _SHORTEST:
            return found
        head = 3 + digits.startswith("+") if count >= _FULL else 0
        return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]

    return _NUMBER.sub(mask, text)
