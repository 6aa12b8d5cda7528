"""Chinese numerals (cn2an) and pinyin (pypinyin), loaded on first use.

Together they take about half a second to import (cn2an compiles hundreds of regular
expressions, pypinyin loads its phrase dictionary). Every command-line call (``invite``,
``agent list``, ``clients``…) would pay that for nothing; a long-running bot loads them at
start (``preload``), so no agent's first message waits for them.
"""

from __future__ import annotations

from typing import Any


def cn2an(text: str, mode: str) -> Any:
    """``cn2an.cn2an``: a Chinese numeral as a number."""
    import cn2an as numerals

    return numerals.cn2an(text, mode)


def lazy_pinyin(text: str, **options: Any) -> list[str]:
    """``pypinyin.lazy_pinyin``: the syllables of ``text``, without tones."""
    from pypinyin import lazy_pinyin as syllables

    return syllables(text, **options)  # type: ignore[no-any-return]


def preload() -> None:
    """Import both now (a bot about to answer messages)."""
    import cn2an as _numerals  # noqa: F401
    import pypinyin as _pinyin  # noqa: F401
