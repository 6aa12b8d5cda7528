"""Quick-note fact extraction: the domain examples, negatives, and fuzzing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.notes import Fact, NoteKeywords, extract_facts

KEYWORDS = NoteKeywords(
    interests=["马拉松", "跑步", "瑜伽", "插花", "钢琴", "读书会", "绘画", "志愿者"],
    occupations=["医生", "教师", "老师", "IT", "程序员", "高管", "律师", "护士", "工程师"],
    need_tags={
        "马拉松": "健康保障",
        "夏令营": "教育规划",
        "留学": "教育规划",
        "教育金": "教育规划",
        "养老社区": "养老规划",
        "养老院": "养老规划",
    },
)


def by_target(facts: list[Fact]) -> dict[str, list[Fact]]:
    grouped: dict[str, list[Fact]] = {}
    for fact in facts:
        grouped.setdefault(fact.target, []).append(fact)
    return grouped


def test_brief_example_ms_zhang_note() -> None:
    note = "张姐说儿子明年要去留学，最近在跑马拉松，农历生日八月十五，年收入大概50万，先生是医生"
    facts = extract_facts(note, KEYWORDS)
    assert set(facts) == {
        Fact(
            "client.birthday",
            {"calendar": "lunar", "year": None, "month": 8, "day": 15, "leap": False},
            "生日：农历八月十五",
        ),
        Fact("client.household_income", 500_000, "家庭年收入：50万元"),
        Fact("family.spouse.occupation", "医生", "配偶职业：医生"),
        Fact("tag.interest", "马拉松", "兴趣：马拉松"),
        Fact("tag.need", "教育规划", "需求标签：教育规划（留学）"),
        Fact("tag.need", "健康保障", "需求标签：健康保障（马拉松）"),
    }
    assert len(facts) == len(set(facts))
    assert facts[0].target == "tag.need"  # in the order they appear: 留学 comes first


def test_domain_ms_zhang() -> None:
    note = (
        "张女士50岁，想给孩子存一笔教育金，家里摆着鲜花，先生是国企高管，"
        "家庭年收入50万+，总问养老社区的事"
    )
    facts = by_target(extract_facts(note, KEYWORDS))
    assert [f.value for f in facts["family.spouse.occupation"]] == ["国企高管"]
    assert [f.value for f in facts["client.household_income"]] == [500_000]
    assert {f.value for f in facts["tag.need"]} == {"教育规划", "养老规划"}
    assert "需求标签：养老规划（养老社区）" in {f.label for f in facts["tag.need"]}
    assert "client.occupation" not in facts  # 先生 here is her husband, not an honorific


def test_domain_mr_sun() -> None:
    note = "孙先生35岁，做IT的，第一张保单年交1万，孩子2岁，太太是医生"
    facts = extract_facts(note, KEYWORDS)
    assert facts == [
        Fact("client.occupation", "IT", "职业：IT"),
        Fact("family.children", [{"relation": "孩子", "age": 2, "name": None}], "子女：孩子2岁"),
        Fact("family.spouse.occupation", "医生", "配偶职业：医生"),
    ]


def test_mr_sun_honorific_is_the_client() -> None:
    facts = extract_facts("孙先生是程序员，生日1989年6月1日", KEYWORDS)
    assert Fact("client.occupation", "程序员", "职业：程序员") in facts
    assert by_target(facts)["client.birthday"][0].value["year"] == 1989


def test_dates_and_assets() -> None:
    note = "结婚纪念日5月20日，他们的相识纪念日是2018年2月14日，存款100万，可投资资产大约300万"
    facts = by_target(extract_facts(note, KEYWORDS))
    wedding = facts["date.wedding"][0]
    assert wedding.value == {
        "calendar": "solar", "year": None, "month": 5, "day": 20, "leap": False
    }  # fmt: skip
    assert wedding.label == "结婚纪念日：5月20日"
    custom = facts["date.custom"][0]
    assert custom.value["label"] == "相识纪念日" and custom.value["year"] == 2018
    assert custom.label == "相识纪念日：2018年2月14日"
    assert [f.value for f in facts["client.investable_assets"]] == [1_000_000]


def test_children_forms() -> None:
    facts = by_target(extract_facts("她有两个孩子：8岁和3岁，老大学钢琴", KEYWORDS))
    assert facts["family.children"][0].value == [
        {"relation": "孩子", "age": 8, "name": None},
        {"relation": "孩子", "age": 3, "name": None},
    ]
    facts = by_target(extract_facts("儿子9岁，女儿3岁", KEYWORDS))
    assert facts["family.children"][0].label == "子女：儿子9岁、女儿3岁"


def test_only_what_is_really_there() -> None:
    facts = extract_facts("儿子生日是3月5日，她不喜欢瑜伽，老公月收入3万，她的朋友是医生", KEYWORDS)
    assert facts == []
    facts = extract_facts("儿子明年要去留学", KEYWORDS)
    assert [f.target for f in facts] == ["tag.need"]  # no age: no children fact


def test_one_need_fact_per_tag() -> None:
    note = "暑假带孩子去夏令营，也在考虑留学，马拉松跑了三次，又报了马拉松"
    needs = [f for f in extract_facts(note, KEYWORDS) if f.target == "tag.need"]
    assert [f.label for f in needs] == [
        "需求标签：教育规划（夏令营、留学）",
        "需求标签：健康保障（马拉松）",
    ]
    facts = extract_facts(note, KEYWORDS)
    assert [f.value for f in facts if f.target == "tag.interest"] == ["马拉松"]


def test_trade_phrases_need_no_keyword() -> None:
    keywords = NoteKeywords(interests=[], occupations=["医生"], need_tags={})
    assert extract_facts("做IT的", keywords) == [Fact("client.occupation", "IT", "职业：IT")]
    assert extract_facts("老公从事金融工作", keywords) == [
        Fact("family.spouse.occupation", "金融", "配偶职业：金融")
    ]
    assert extract_facts("儿子做IT的，先生是好人，她做饭很好吃", keywords) == []


CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"


@pytest.mark.skipif(not CONFIG.exists(), reason="no config.yaml")
def test_with_the_shipped_keywords() -> None:
    keywords = NoteKeywords(**yaml.safe_load(CONFIG.read_text("utf-8"))["note_keywords"])
    note = "张姐说儿子明年要去留学，最近在跑马拉松，农历生日八月十五，年收入大概50万，先生是医生"
    targets = [f.target for f in extract_facts(note, keywords)]
    assert sorted(targets) == sorted(
        ["tag.need", "tag.interest", "tag.need", "client.birthday", "client.household_income",
         "family.spouse.occupation"]
    )  # fmt: skip
    note = "孙先生35岁，做IT的，第一张保单年交1万，孩子2岁，太太是医生"
    assert [f.target for f in extract_facts(note, keywords)] == [
        "client.occupation", "family.children", "family.spouse.occupation"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["", "   ", "今天天气不错", "下午三点见面喝咖啡", "哈哈哈", "!!!???", "12345", "abc def"],
)
def test_nothing_recognisable(text: str) -> None:
    assert extract_facts(text, KEYWORDS) == []


def test_keywords_accept_plain_values() -> None:
    keywords = NoteKeywords(interests=("瑜伽",), occupations=None, need_tags={"养老院": "养老规划"})  # type: ignore[arg-type]
    facts = extract_facts("她喜欢瑜伽，问过养老院", keywords)
    assert [f.target for f in facts] == ["tag.interest", "tag.need"]
    assert extract_facts("她是医生", NoteKeywords([], [], {})) == []


NOTE_TEXT = st.one_of(
    st.text(),
    st.text(
        alphabet=st.sampled_from(
            list("生日农历闰正腊月初十五廿八年号日岁儿子女孩个两先生太太是做医生IT收入年万存款")
            + list("纪念结婚马拉松留学夏令营养老社区0123456789，。；:、 -/.+")
        ),
        max_size=60,
    ),
)


@settings(max_examples=400, deadline=None)
@given(text=NOTE_TEXT)
def test_extract_facts_never_raises(text: str) -> None:
    facts = extract_facts(text, KEYWORDS)
    assert len({(f.target, json.dumps(f.value, sort_keys=True)) for f in facts}) == len(facts)
    for fact in facts:
        json.dumps(fact.value)
        assert fact.label


# --- whose a fact is -----------------------------------------------------------------------------

RETIREMENT = NoteKeywords(need_tags={"退休": "养老规划", "养老社区": "养老规划"})


@pytest.mark.parametrize("note", [
    "他同事张总是律师，年收入大概200万",
    "他哥哥的儿子10岁了，在杭州读小学",
    "她朋友李姐生日是1980年3月5日",
    "他老婆年收入30万",
    "父亲是退休教师，生日是农历腊月初八",
])  # fmt: skip
def test_facts_about_someone_else_are_not_the_clients(note: str) -> None:
    targets = {f.target for f in extract_facts(note, KEYWORDS)}
    assert not targets & {"client.household_income", "family.children", "client.birthday"}


def test_the_clients_own_facts_around_other_people_stay() -> None:
    note = "他老婆是医生，家庭年收入50万，他自己生日是6月6日，儿子10岁和女儿5岁"
    facts = by_target(extract_facts(note, KEYWORDS))
    assert [f.value for f in facts["client.household_income"]] == [500_000]
    assert facts["client.birthday"][0].value["month"] == 6
    assert len(facts["family.children"][0].value) == 2


@pytest.mark.parametrize(("note", "tagged"), [
    ("父亲是退休教师", False),
    ("张姐说她父亲是退休教师，和他们同住", False),
    ("他妈妈明年退休，他说想给爸妈买点医疗险", False),
    ("她老公去年退休了", False),
    ("她明年退休", True),
    ("快退休了，想了解养老社区", True),
    ("他父亲住在养老社区，他也想了解", True),  # care homes: a need whoever is named
])  # fmt: skip
def test_retirement_suggests_a_need_only_when_it_is_the_clients(note: str, tagged: bool) -> None:
    assert any(f.target == "tag.need" for f in extract_facts(note, RETIREMENT)) is tagged


@pytest.mark.parametrize(("note", "name"), [
    ("他们家每年农历七月初七过相识纪念日", "相识纪念日"),
    ("他公司成立纪念日是2010年5月18日", "公司成立纪念日"),
    ("他们的相识纪念日是2018年2月14日", "相识纪念日"),
    ("她每年3月8日都过恋爱纪念日", "恋爱纪念日"),
])  # fmt: skip
def test_anniversary_names(note: str, name: str) -> None:
    (fact,) = by_target(extract_facts(note, KEYWORDS))["date.custom"]
    assert fact.value["label"] == name and fact.label.startswith(f"{name}：")


def test_a_two_digit_year_birthday_in_a_note() -> None:
    (fact,) = by_target(extract_facts("张姐76.8.15生日", KEYWORDS))["client.birthday"]
    assert fact.value["year"] == 1976
