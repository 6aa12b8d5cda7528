"""Normalising phone-typed input, free text and free tags."""

from __future__ import annotations

import re
import unicodedata

from storage.masking import mask_numbers

from .errors import ParseError, quote

MAX_TEXT = 500
MAX_TAG = 20

# Separators a user may put between items: Chinese and Western punctuation and whitespace.
ITEM_SEPARATORS = re.compile(r"[,，、;；/|。.\s]+")
TAG_SEPARATORS = re.compile(r"[,，、;；/|。\s]+")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣"})
NONE_WORDS = frozenset({"无", "没有", "没", "暂无", "不详", "none", "空", "-"})


def _ascii_digits(text: str) -> str:
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), any decimal digit to 0-9,
    dash variants to '-', stripped."""
    return _ascii_digits(unicodedata.normalize("NFKC", text)).translate(_DASHES).strip()


def compact(text: str) -> str:
    """``normalise`` and drop every whitespace character."""
    return "".join(normalise(text).split())


def parse_text(text: str) -> str:
    """Free text: stripped, non-empty, at most ``MAX_TEXT`` characters; phone, ID and card
    numbers masked (they belong in their own, encrypted fields)."""
    value = mask_numbers(text.strip())
    if not value:
        raise ParseError(f"内容是空的。请直接输入文字（{MAX_TEXT}字以内）。")
    if len(value) > MAX_TEXT:
        raise ParseError(f"内容太长了（{len(value)}字）。请控制在{MAX_TEXT}字以内。")
    return value


def parse_tags(text: str) -> list[str]:
    """Free tags split on separators, '#' dropped, de-duplicated; '无' (alone or as an item)
    is no tag."""
    norm = mask_numbers(normalise(text))  # before splitting: 138 1234 5678 is one number
    if norm.lower() in NONE_WORDS:
        return []
    tags: list[str] = []
    seen: set[str] = set()
    said_none = False
    for raw in TAG_SEPARATORS.split(norm):
        tag = raw.strip("#＃ ")
        if tag.lower() in NONE_WORDS:  # "，无" means none, as "无" does (and reads back so)
            said_none = True
            continue
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise ParseError(
                f"标签“{quote(tag)}”太长了。每个标签不超过{MAX_TAG}字，"
                "多个标签用空格、逗号或顿号隔开。"
            )
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if not tags and not said_none:
        raise ParseError("没有读到标签。请输入标签，用空格、逗号或顿号隔开，如：马拉松、瑜伽。")
    return tags


def display_tags(value: list[str]) -> str:
    return "、".join(value) if value else "无"


def first_word(text: str) -> tuple[str, str]:
    """The first word and the rest, split at any space: a full-width one or a line break too."""
    parts = text.strip().split(maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text.strip(), "")
