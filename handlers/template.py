"""The profile templates from config.yaml, validated: an unknown type or target refuses to start."""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from handlers.fields import FIELD_TYPES

TIERS = ("普通", "筛选", "成交", "精选", "核心")
SOFT_HEADINGS = ("生活习惯", "兴趣爱好", "家庭背景", "价值观", "潜在需求")

CLIENT_ATTRS = {
    "gender", "birthday", "age", "phone", "id_number", "payment_account", "city", "occupation",
    "employer", "position", "marital_status", "household_income", "investable_assets",
    "liabilities",
}
MEMBER_ATTRS = {"relation", "name", "birthday", "occupation", "lives_together", "notes"}
POLICY_ATTRS = {
    "is_own", "insurer", "product_type", "start_date", "annual_premium", "payment_years",
    "beneficiary", "beneficiary_relation", "status",
}
DATE_KINDS = {"wedding", "first_meeting", "custom"}

_TARGET_PATTERNS = {
    "record": [
        (r"client\.(\w+)", CLIENT_ATTRS),
        (r"soft\.(\w+)", set(SOFT_HEADINGS)),
        (r"attr\.(\w+)", None),
        (r"family\.spouse\.(\w+)", MEMBER_ATTRS - {"relation"}),
        (r"family\.(children|parents)", {"children", "parents"}),
        (r"date\.(\w+)", DATE_KINDS),
        (r"(tags)", {"tags"}),
    ],
    "policy": [(r"policy\.(\w+)", POLICY_ATTRS)],
    "family": [(r"member\.(\w+)", MEMBER_ATTRS)],
}


def target_is_valid(kind: str, target: str) -> bool:
    """Whether ``target`` names a place the applier knows for a template of ``kind``."""
    for pattern, allowed in _TARGET_PATTERNS[kind]:
        match = re.fullmatch(pattern, target)
        if match and (allowed is None or match.group(1) in allowed):
            return True
    return False


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: str
    target: str
    choices: list[str] = []
    prompt: str | None = None
    year_required: bool = False
    required: bool = False  # 跳过 and 保存 are refused until it is answered
    max_value: int | None = None  # for integer fields: 缴费年限 is not 50000
    # Ask only when an earlier answer in the same form is one of these values,
    # e.g. {marital_status: [已婚]}; asked as usual when that answer is not known.
    ask_if: dict[str, list[str | bool]] = {}
    # Not asked when the answer to this (date) field of the same form has a year: the age
    # follows from a birth date with a year.
    unless_year_in: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            raise ValueError(f"未知的字段类型 {value!r}，可用：{', '.join(sorted(FIELD_TYPES))}")
        return value

    @model_validator(mode="after")
    def _choices_present(self) -> FieldSpec:
        if self.type in {"choice", "multi"} and not self.choices:
            raise ValueError(f"字段 {self.key} 的类型 {self.type} 需要 choices")
        return self


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    fields: list[FieldSpec]


class Templates(BaseModel):
    """record: hard info + soft info sections; books: extra fields per tier; policy; family."""

    model_config = ConfigDict(extra="forbid")

    record: list[SectionSpec]
    books: dict[str, list[FieldSpec]]
    policy: list[FieldSpec]
    family: list[FieldSpec]

    @model_validator(mode="after")
    def _targets_known(self) -> Templates:
        unknown_tiers = set(self.books) - set(TIERS)
        if unknown_tiers:
            raise ValueError(f"books 中的未知分层：{sorted(unknown_tiers)}，可用：{list(TIERS)}")
        groups: list[tuple[str, str, list[FieldSpec]]] = [
            ("record", section.title, section.fields) for section in self.record
        ]
        groups += [("record", f"{tier}本", fields) for tier, fields in self.books.items()]
        groups += [("policy", "policy", self.policy), ("family", "family", self.family)]
        seen: set[tuple[str, str]] = set()
        for kind, where, fields in groups:
            for spec in fields:
                if not target_is_valid(kind, spec.target):
                    raise ValueError(f"{where} 的字段 {spec.key}：未知的 target {spec.target!r}")
                scope = "record" if kind == "record" else kind
                if (scope, spec.key) in seen:
                    raise ValueError(f"字段 key 重复：{spec.key}")
                seen.add((scope, spec.key))
        for kind, where, fields in groups:
            for spec in fields:
                refers = [*spec.ask_if, *([spec.unless_year_in] if spec.unless_year_in else [])]
                unknown = [key for key in refers if ("record" if kind == "record" else kind,
                                                     key) not in seen]
                if unknown:
                    raise ValueError(f"{where} 的字段 {spec.key}：ask_if / unless_year_in "
                                     f"引用了未知字段 {unknown}")
        return self

    # Plain dicts in the instance's __dict__: a pydantic private attribute is looked up through
    # BaseModel.__getattr__ on every access, and these are read several times per message.
    @cached_property
    def fields_cache(self) -> dict[tuple[str, str], list[tuple[str, FieldSpec]]]:
        return {}

    @cached_property
    def key_cache(self) -> dict[tuple[str, str], dict[str, tuple[str, FieldSpec]]]:
        return {}

    def record_fields(self, tier: str) -> list[tuple[str, FieldSpec]]:
        """(section title, field) pairs the guided record walks for a client of ``tier``:
        hard and soft info, then the book of every tier up to the client's."""
        pairs = [(section.title, spec) for section in self.record for spec in section.fields]
        # a client collects books as they move up: a 精选 client has a 成交本 too
        for book in TIERS[: TIERS.index(tier) + 1] if tier in TIERS else [tier]:
            pairs += [(f"{book}本", spec) for spec in self.books.get(book, [])]
        return pairs

    def form_fields(self, name: str, tier: str = "普通") -> list[tuple[str, FieldSpec]]:
        """The fields of a form, in order (computed once per form and tier)."""
        cached = self.fields_cache.get((name, tier))
        if cached is None:
            if name == "record":
                cached = self.record_fields(tier)
            else:
                title = {"policy": "保单", "family": "家人"}[name]
                cached = [(title, spec) for spec in getattr(self, name)]
            self.fields_cache[(name, tier)] = cached
        return list(cached)

    def key_named(self, name: str, tier: str, word: str) -> str | None:
        """The key of the field of a form that a word names: its label (年缴保费), or the one
        label containing it (保费, 城市); None when none or several do."""
        specs = [spec for _, spec in self.form_fields(name, tier)]
        exact = [spec.key for spec in specs if spec.label == word]
        if exact:
            return exact[0]
        containing = [spec.key for spec in specs if len(word) >= 2 and word in spec.label]
        return containing[0] if len(containing) == 1 else None

    def find(self, name: str, tier: str, key: str) -> tuple[str, FieldSpec] | None:
        """The (section title, field) of ``key`` in a form; None when the form lacks it."""
        return self.field_index(name, tier).get(key)

    def field_index(self, name: str, tier: str) -> dict[str, tuple[str, FieldSpec]]:
        """Every key a form of ``name`` for a client of ``tier`` knows (computed once)."""
        index = self.key_cache.get((name, tier))
        if index is None:
            # a key may belong to another tier's book when the client moved tiers mid-record
            index = {spec.key: (f"{t}本", spec) for t, fields in self.books.items()
                     for spec in fields} if name == "record" else {}
            index.update({spec.key: (title, spec)
                          for title, spec in self.form_fields(name, tier)})
            self.key_cache[(name, tier)] = index
        return index
