"""The pure form engine with one field of every type: good input advances, bad input re-asks
with the reason and leaves the draft exactly as it was."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import fields, flow
from handlers.fields import DATED_TYPES, FIELD_TYPES
from handlers.template import Templates

CASES = {
    "text": ("喜欢喝茶", None),
    "choice": ("2", "不存在的选项"),
    "multi": ("1 3", "火星"),
    "tags": ("马拉松、瑜伽", None),
    "phone": ("+86 138-1234-5678", "12345"),
    "date": ("1985年3月5日", "2023-2-29"),
    "lunar_date": ("农历2020年闰四月初八", "农历2021年闰四月初八"),
    "birthday": ("农历八月十五", "13月40日"),
    "anniversary": ("农历七月初七", "农历2021年闰四月初八"),
    "money": ("年交5万", "很多钱"),
    "integer": ("12", "-3"),
    "age": ("35岁", "200岁"),
    "yesno": ("是的", "也许"),
    "children": ("儿子9岁，女儿3岁", "儿子300岁"),
    "id_number": ("11010519491231002X", "110105194912310021"),
    "account": ("6222 0212 3456 7890", "abc"),
}


def _templates() -> Templates:
    fields = [
        {"key": f"f_{kind}", "label": kind, "type": kind, "target": "attr." + kind,
         **({"choices": ["重疾", "医疗", "养老"]} if kind in {"choice", "multi"} else {})}
        for kind in sorted(FIELD_TYPES)
    ]
    return Templates.model_validate({
        "record": [{"title": "全部类型", "fields": fields}], "books": {}, "policy": [],
        "family": [],
    })


TEMPLATES = _templates()


def _draft_at(kind: str) -> flow.FormDraft:
    draft = flow.begin("record", TEMPLATES, "测试", None, "普通", filled=set())
    return dataclasses.replace(draft, pos=draft.queue.index(f"f_{kind}"))


def test_every_field_type_has_a_case():
    assert set(CASES) == set(FIELD_TYPES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_good_input_is_stored_and_the_form_moves_on(kind):
    good, _ = CASES[kind]
    draft = _draft_at(kind)
    result = flow.step(draft, good, TEMPLATES)
    assert result.outcome in {"continue", "save"}
    assert f"f_{kind}" in result.draft.answers
    assert result.draft.pos == draft.pos + 1


@pytest.mark.parametrize("kind", sorted(kind for kind, (_, bad) in CASES.items() if bad))
def test_bad_input_re_asks_with_the_reason(kind):
    _, bad = CASES[kind]
    draft = _draft_at(kind)
    before = draft.to_json()
    result = flow.step(draft, bad, TEMPLATES)
    assert result.outcome == "continue"
    assert result.draft.to_json() == before
    (reply,) = result.replies
    assert reply.text.startswith("⚠️") and f"第{draft.pos + 1}/" in reply.text


def test_progress_skip_back_save_cancel():
    draft = flow.begin("record", TEMPLATES, "测试", None, "普通", filled=set())
    total = len(draft.queue)
    assert f"第1/{total}项" in flow.question(draft, TEMPLATES).text
    skipped = flow.step(draft, "跳过", TEMPLATES).draft
    assert skipped.pos == 1 and not skipped.answers
    assert flow.step(skipped, "返回", TEMPLATES).draft.pos == 0
    assert flow.step(skipped, "保存", TEMPLATES).outcome == "save"
    assert flow.step(skipped, "取消", TEMPLATES).outcome == "cancel"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FIELD_TYPES)), st.text(max_size=60))
def test_any_text_either_advances_or_leaves_the_draft_unchanged(kind, text):
    draft = _draft_at(kind)
    before = draft.to_json()
    result = flow.step(draft, text, TEMPLATES)
    assert draft.to_json() == before  # the engine never mutates its input
    if result.outcome == "continue" and result.draft.pos == draft.pos:
        assert result.draft.to_json() == before


def _birthday_then_age() -> Templates:
    fields = [
        {"key": "birthday", "label": "生日", "type": "birthday", "target": "client.birthday"},
        {"key": "age", "label": "年龄", "type": "age", "target": "client.age",
         "unless_year_in": "birthday"},
        {"key": "city", "label": "城市", "type": "text", "target": "client.city"},
    ]
    return Templates.model_validate({"record": [{"title": "基本", "fields": fields}],
                                     "books": {}, "policy": [], "family": []})


def test_the_age_is_asked_only_without_a_birth_year():
    templates = _birthday_then_age()
    draft = flow.begin("record", templates, "测试", None, "普通", filled=set())
    with_year = flow.step(draft, "1985-3-5", templates)
    assert "城市" in with_year.replies[0].text and "第3/3项" in with_year.replies[0].text
    assert "生日" in flow.step(with_year.draft, "返回", templates).replies[0].text  # back skips it
    without_year = flow.step(draft, "3月5日", templates)
    assert "年龄" in without_year.replies[0].text


def test_a_future_birthday_is_refused_only_when_today_is_known():
    templates = _birthday_then_age()
    draft = flow.begin("record", templates, "测试", None, "普通", filled=set())
    refused = flow.step(draft, "2030-1-1", templates, date(2026, 11, 24))
    assert refused.draft == draft and "还没到" in refused.replies[0].text
    assert flow.step(draft, "2026-11-24", templates, date(2026, 11, 24)).draft.pos == 2
    assert flow.step(draft, "2030-1-1", templates).draft.pos == 2  # no today: not checked


def test_today_given_as_a_function_is_worked_out_only_for_a_field_that_reads_dates():
    templates = _birthday_then_age()
    draft = flow.begin("record", templates, "测试", None, "普通", filled=set())
    asked: list[str] = []

    def today() -> date:
        asked.append("today")
        return date(2026, 11, 24)

    refused = flow.step(draft, "2030-1-1", templates, today)  # a birthday: needs the date
    assert "还没到" in refused.replies[0].text and asked == ["today"]
    at_city = flow.step(flow.step(draft, "3月5日", templates).draft, "35", templates).draft
    asked.clear()
    assert flow.step(at_city, "上海", templates, today).draft.answers["city"] == "上海"
    assert asked == []  # a text field: the date is never worked out


@pytest.mark.parametrize("kind", sorted(FIELD_TYPES - DATED_TYPES))
def test_a_field_outside_the_dated_types_reads_the_same_whatever_the_date(kind):
    # step works out the agent's date only for DATED_TYPES: the others must not need it.
    good, _ = CASES[kind]
    choices = ["重疾", "医疗", "养老"]
    assert fields.parse(kind, good, choices) == fields.parse(kind, good, choices,
                                                             today=date(1990, 1, 1))


def test_a_draft_round_trips_through_json_and_moves_without_changing():
    draft = flow.begin("record", TEMPLATES, "测试", 7, "普通", filled=set())
    answered = flow.step(_draft_at("text"), "喜欢喝茶", TEMPLATES)
    for kept in (draft, answered.draft, dataclasses.replace(draft, item_id=3, original={"a": 1})):
        assert flow.FormDraft.from_json(kept.to_json()) == kept
    moved = draft.moved(2, {"f_text": "茶"})
    assert (moved.pos, moved.answers, moved.queue) == (2, {"f_text": "茶"}, draft.queue)
    assert (draft.pos, draft.answers) == (0, {})  # the draft it came from is as it was
    with pytest.raises(dataclasses.FrozenInstanceError):
        moved.pos = 3  # type: ignore[misc]


def test_an_unknown_field_in_unless_year_in_refuses_the_template():
    fields = [{"key": "age", "label": "年龄", "type": "age", "target": "client.age",
               "unless_year_in": "nowhere"}]
    with pytest.raises(ValueError, match="nowhere"):
        Templates.model_validate({"record": [{"title": "基本", "fields": fields}],
                                  "books": {}, "policy": [], "family": []})
