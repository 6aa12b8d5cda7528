"""What quick notes produce: a proposed fact, and the configured words they look for."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fact:
    target: str  # where it would be saved, e.g. "client.birthday", "tag.need"
    value: Any  # JSON-serialisable, same shapes as handlers.fields.parse produces
    label: str  # shown to the agent, e.g. "生日：农历八月十五", "需求标签：教育规划（留学）"
    typed: str = field(default="", compare=False)  # a date's words as the note has them

    def __hash__(self) -> int:  # values may be dicts or lists: hash their JSON form
        return hash((self.target, fact_json(self.value), self.label))


@dataclass(frozen=True)
class NoteKeywords:
    """Words from config.yaml; plain lists and dicts (or any iterables/mappings) are accepted."""

    interests: list[str] = field(default_factory=list)
    occupations: list[str] = field(default_factory=list)
    need_tags: dict[str, str] = field(default_factory=dict)  # keyword -> need tag

    def __post_init__(self) -> None:
        object.__setattr__(self, "interests", _words(self.interests))
        object.__setattr__(self, "occupations", _words(self.occupations))
        needs = self.need_tags if isinstance(self.need_tags, Mapping) else {}
        cleaned = {k.strip(): v.strip() for k, v in needs.items() if _word(k) and _word(v)}
        object.__setattr__(self, "need_tags", cleaned)


def fact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _word(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _words(values: Iterable[str] | None) -> list[str]:
    if isinstance(values, str) or values is None:
        return [values.strip()] if _word(values) else []
    return list(dict.fromkeys(v.strip() for v in values if _word(v)))


Found = list[tuple[int, Fact]]  # what an extractor returns: (position in the note, fact)
