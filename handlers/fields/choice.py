"""Picking from a fixed list: one choice, several choices, yes/no."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from handlers.text_libraries import lazy_pinyin

from .errors import ParseError, quote
from .text import ITEM_SEPARATORS, NONE_WORDS, normalise

FUZZY_CUTOFF = 75.0
_INDEX = re.compile(r"^第?(?P<n>\d{1,3})(?:个|项|号|[.)、])?$")
_CONJUNCTIONS = re.compile(r"以及|还有|和|及|与|跟")
_TRAILING = " 。.!！~～啊吧呀呢哦嘛了的"
ALL_WORDS = frozenset({"全部", "全选", "都", "都是", "都有", "所有", "all"})
YES_WORDS = frozenset({
    "是", "是的", "是啊", "对", "对的", "对啊", "有", "有的", "要", "需要", "好", "好的", "可以",
    "行", "嗯", "嗯嗯", "确认", "没错", "同意", "当然",
    "y", "yes", "yeah", "yep", "true", "t", "ok", "okay", "1", "✓", "✔", "√", "☑", "👍",
})  # fmt: skip
NO_WORDS = frozenset({
    "否", "不是", "不", "不对", "没有", "没", "无", "不要", "不需要", "不用", "不行", "不可以",
    "不同意", "非", "错", "算了",
    "n", "no", "nope", "false", "f", "0", "✗", "✘", "×", "x", "☒", "👎",
})  # fmt: skip


def _key(text: str) -> str:
    return normalise(text).casefold()


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).casefold().replace(" ", "")


def choices_line(choices: Sequence[str]) -> str:
    """'1 男　2 女' — the numbered list shown in hints and error messages."""
    return "　".join(f"{i} {c}" for i, c in enumerate(choices, 1))


def _unique(candidates: list[str]) -> str | None:
    found = list(dict.fromkeys(candidates))
    return found[0] if len(found) == 1 else None


def match_choice(token: str, choices: Sequence[str]) -> str | None:
    """The canonical choice a single token means, or None when unknown or ambiguous."""
    word = _key(token).strip(_TRAILING)
    if not word:
        return None
    keys = [_key(c) for c in choices]
    exact = [c for c, k in zip(choices, keys, strict=True) if k == word]
    if exact:
        return exact[0]
    index = _INDEX.match(word)
    if index:
        n = int(index["n"])
        return choices[n - 1] if 1 <= n <= len(choices) else None
    pinyins = [_pinyin(c) for c in choices]
    if word.isascii() and word.isalpha():
        found = _unique([c for c, p in zip(choices, pinyins, strict=True) if p == word])
        if found:
            return found
    found = _unique([c for c, k in zip(choices, keys, strict=True) if k.startswith(word)])
    if found:
        return found
    found = _unique(
        [c for c, k in zip(choices, keys, strict=True) if word in k or (len(k) > 1 and k in word)]
    )
    if found:
        return found
    return _fuzzy(word, choices, keys, pinyins)


def _fuzzy(word: str, choices: Sequence[str], keys: list[str], pinyins: list[str]) -> str | None:
    word_py = _pinyin(word)
    scored = sorted(
        (
            (max(fuzz.ratio(word, k), fuzz.ratio(word_py, p) if word_py else 0.0), i)
            for i, (k, p) in enumerate(zip(keys, pinyins, strict=True))
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < FUZZY_CUTOFF:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 5:
        return None
    return choices[scored[0][1]]


def _require_choices(choices: Sequence[str]) -> list[str]:
    cleaned = [c for c in choices if isinstance(c, str) and c.strip()]
    if not cleaned:
        raise ParseError("这个问题还没有设置选项，暂时无法选择。")
    return cleaned


def parse_choice(text: str, choices: Sequence[str]) -> str:
    """One of ``choices``: exact word, 1-based number, pinyin, unique prefix or close match."""
    options = _require_choices(choices)
    found = match_choice(text, options)
    if found is None:
        raise ParseError(
            f"没找到“{quote(normalise(text))}”这个选项。请回复编号或选项名：{choices_line(options)}"
        )
    return found


def _split_digits(token: str, count: int) -> list[str] | None:
    """'13' means items 1 and 3 when there are at most nine choices and 13 is out of range."""
    if token.isdecimal() and count <= 9 and 1 < len(token) <= count and int(token) > count:
        digits = list(token)
        if all(1 <= int(d) <= count for d in digits):
            return digits
    return None


def parse_multi(text: str, choices: Sequence[str]) -> list[str]:
    """A subset of ``choices`` in choice order; words and numbers may be mixed."""
    options = _require_choices(choices)
    norm = normalise(text)
    whole = match_choice(norm, options) if _key(norm) in {_key(c) for c in options} else None
    if whole:
        return [whole]
    if norm.casefold().strip(_TRAILING) in ALL_WORDS:
        return list(options)
    if norm.casefold().strip(_TRAILING) in NONE_WORDS | {"都不是", "都没有", "都不"}:
        return []
    picked: set[str] = set()
    unknown: list[str] = []
    for token in filter(None, ITEM_SEPARATORS.split(norm)):
        for part in _expand(token, options):
            found = match_choice(part, options)
            if found is None:
                unknown.append(part)
            else:
                picked.add(found)
    if unknown or not picked:
        shown = f"“{quote('、'.join(unknown))}”" if unknown else "选项"
        raise ParseError(
            f"没看懂{shown}。可以多选，回复编号或选项名，用空格或顿号隔开（如“1 3”）："
            f"{choices_line(options)}"
        )
    return [c for c in options if c in picked]


def _expand(token: str, options: Sequence[str]) -> list[str]:
    digits = _split_digits(token, len(options))
    if digits:
        return digits
    if match_choice(token, options) is None and _CONJUNCTIONS.search(token):
        return [p for p in _CONJUNCTIONS.split(token) if p]
    return [token]


def parse_yesno(text: str) -> bool:
    """True/False from 是/否/对/不是/有/没有/y/n/✓ and similar."""
    word = normalise(text).casefold().strip(_TRAILING)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ParseError("没看懂。请回复“是”或“否”（也可以回复 有/没有、对/不对、y/n）。")


def display_yesno(value: bool) -> str:
    return "是" if value else "否"
