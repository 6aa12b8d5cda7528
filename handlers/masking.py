"""Masking long digit runs (phone, ID, bank numbers) in free text: notes, searches, audit."""

from __future__ import annotations

import re

from handlers import fields

# 7+ digits, optionally split by spaces or dashes, with an ID's final X
_NUMBER = re.compile(r"(?<![\dA-Za-z])(?:\+?\d[\d\s-]{5,}\d[Xx]?)(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")


def mask_numbers(text: str) -> str:
    """Keep the first three and last four digits of every long number, star the rest."""

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"[\s-]", "", match.group(0))
        if len(digits) < 7:
            return match.group(0)
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]

    return _NUMBER.sub(mask, text)


def mobile_in(text: str) -> dict[str, str] | None:
    """The first mainland mobile number in the text, parsed as a phone field value."""
    match = _MOBILE.search(text)
    if match is None:
        return None
    try:
        value = fields.parse("phone", match.group(0))
    except fields.ParseError:
        return None
    return value if isinstance(value, dict) else None
