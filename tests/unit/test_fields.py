"""The field parsers: good inputs in many forms, bad inputs with helpful messages, fuzzing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.fields import FIELD_TYPES, ParseError, display, hint, parse
from handlers.fields.dates import full_year

SEX = ("男", "女")
SPORTS = ("马拉松", "瑜伽", "游泳", "读书会")
NOV_2026 = date(2026, 11, 24)  # the tests' today


def rejected(field_type: str, text: str, choices: tuple[str, ...] = ()) -> str:
    with pytest.raises(ParseError) as caught:
        parse(field_type, text, choices)
    message = caught.value.message
    assert message and str(caught.value) == message
    return message


def rejected_on(field_type: str, text: str, today: date) -> str:
    with pytest.raises(ParseError) as caught:
        parse(field_type, text, today=today)
    return caught.value.message


def solar(year: int | None, month: int, day: int) -> dict:
    return {"calendar": "solar", "year": year, "month": month, "day": day, "leap": False}


def lunar(year: int | None, month: int, day: int, leap: bool = False) -> dict:
    return {"calendar": "lunar", "year": year, "month": month, "day": day, "leap": leap}


def test_field_types_and_unknown_type() -> None:
    assert {
        "text", "choice", "multi", "tags", "phone", "date", "lunar_date", "birthday", "money",
        "integer", "age", "yesno", "children", "id_number", "account", "anniversary",
    } == FIELD_TYPES  # fmt: skip
    with pytest.raises(ValueError):
        parse("nope", "x")
    for field_type in FIELD_TYPES:
        assert hint(field_type, SPORTS)


# --- text and tags ----------------------------------------------------------------------------


def test_text() -> None:
    assert parse("text", "  喜欢喝茶，不爱应酬 \n") == "喜欢喝茶，不爱应酬"
    assert parse("text", "x" * 500) == "x" * 500
    assert "500" in rejected("text", "x" * 501)
    assert "输入文字" in rejected("text", " \u3000 ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("马拉松 瑜伽", ["马拉松", "瑜伽"]),
        ("马拉松，瑜伽、插花；钢琴/读书会", ["马拉松", "瑜伽", "插花", "钢琴", "读书会"]),
        ("#马拉松 #瑜伽 马拉松", ["马拉松", "瑜伽"]),
        ("Yoga yoga", ["Yoga"]),
        ("无", []),
        ("，无", []),  # found by test_display_reads_back: it showed as 无, which reads back as []
        ("马拉松、无", ["马拉松"]),
    ],
)
def test_tags(text: str, expected: list[str]) -> None:
    assert parse("tags", text) == expected


def test_tags_rejected() -> None:
    assert "20" in rejected("tags", "一" * 21)
    assert "隔开" in rejected("tags", "，、 ;")


# --- choice, multi, yesno ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("瑜伽", "瑜伽"),
        ("2", "瑜伽"),
        ("２", "瑜伽"),
        ("第3个", "游泳"),
        ("读书", "读书会"),  # unique prefix
        ("马拉", "马拉松"),
        ("瑜珈", "瑜伽"),  # common typo, same pinyin
        ("yujia", "瑜伽"),
        (" 游泳。", "游泳"),
        ("我选游泳", "游泳"),
    ],
)
def test_choice(text: str, expected: str) -> None:
    assert parse("choice", text, SPORTS) == expected


def test_choice_single_characters() -> None:
    assert parse("choice", "女", SEX) == "女"
    assert parse("choice", "男的", SEX) == "男"
    assert parse("choice", "1", SEX) == "男"


def test_choice_rejected_lists_the_choices() -> None:
    message = rejected("choice", "篮球", SPORTS)
    assert "篮球" in message and "1 马拉松" in message and "4 读书会" in message
    assert "1 男" in rejected("choice", "5", SEX)
    assert "选项" in rejected("choice", "男", ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 3", ["马拉松", "游泳"]),
        ("1,3", ["马拉松", "游泳"]),
        ("1、3", ["马拉松", "游泳"]),
        ("３，１", ["马拉松", "游泳"]),
        ("13", ["马拉松", "游泳"]),
        ("马拉松、瑜伽", ["马拉松", "瑜伽"]),
        ("瑜伽 1 瑜伽", ["马拉松", "瑜伽"]),
        ("读书会和游泳", ["游泳", "读书会"]),
        ("瑜伽", ["瑜伽"]),
        ("全部", list(SPORTS)),
        ("无", []),
    ],
)
def test_multi(text: str, expected: list[str]) -> None:
    assert parse("multi", text, SPORTS) == expected


def test_multi_rejects_unknown_word() -> None:
    message = rejected("multi", "马拉松、篮球", SPORTS)
    assert "篮球" in message and "1 马拉松" in message and "瑜伽" in message
    assert "1 马拉松" in rejected("multi", "9", SPORTS)


@pytest.mark.parametrize(
    "text", ["是", "是的", "对", "有", "y", "Yes", "TRUE", "✓", "√", "好的", "嗯", "是！"]
)
def test_yes(text: str) -> None:
    assert parse("yesno", text) is True


@pytest.mark.parametrize("text", ["否", "不是", "不", "没有", "无", "n", "No", "false", "×"])
def test_no(text: str) -> None:
    assert parse("yesno", text) is False


def test_yesno_rejected() -> None:
    assert "是" in rejected("yesno", "也许吧") and "否" in rejected("yesno", "maybe")


# --- phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13812341234",
        "138 1234 1234",
        "138-1234-1234",
        "+86 138 1234 1234",
        "+8613812341234",
        "8613812341234",
        "0086 13812341234",
        "１３８１２３４１２３４",
        "手机：13812341234",
    ],
)
def test_mainland_mobile(text: str) -> None:
    assert parse("phone", text) == {"e164": "+8613812341234", "masked": "138****1234"}


def test_international_phone() -> None:
    assert parse("phone", "+44 7911 123456") == {"e164": "+447911123456", "masked": "+44 ****3456"}
    assert parse("phone", "0044 7911 123456")["e164"] == "+447911123456"
    assert parse("phone", "+1 650-253-0000")["masked"] == "+1 ****0000"
    assert parse("phone", "+852 9123 4567")["e164"] == "+85291234567"


@pytest.mark.parametrize("text", ["12812341234", "1381234123", "电话", "+44 1", "+999 12345678"])
def test_phone_rejected(text: str) -> None:
    assert "13812341234" in rejected("phone", text)


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-3-5", solar(2024, 3, 5)),
        ("2024/3/5", solar(2024, 3, 5)),
        ("2024.3.5", solar(2024, 3, 5)),
        ("20240305", solar(2024, 3, 5)),
        ("2024-03-05", solar(2024, 3, 5)),
        ("２０２４－３－５", solar(2024, 3, 5)),
        ("3月5日", solar(None, 3, 5)),
        ("3月5号", solar(None, 3, 5)),
        ("1985年3月5日", solar(1985, 3, 5)),
        ("1985 年 3 月 5 日", solar(1985, 3, 5)),
        ("一九八五年三月五日", solar(1985, 3, 5)),
        ("三月五日", solar(None, 3, 5)),
        ("3-5", solar(None, 3, 5)),
        ("3/5", solar(None, 3, 5)),
        ("12月31日", solar(None, 12, 31)),
        ("2024-2-29", solar(2024, 2, 29)),
        ("2-29", solar(None, 2, 29)),
        ("2000-2-29", solar(2000, 2, 29)),
        ("公历1985年3月5日", solar(1985, 3, 5)),
    ],
)
def test_solar_date(text: str, expected: dict) -> None:
    assert parse("date", text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023-2-29", "2023年不是闰年"),
        ("1900-2-29", "1900年不是闰年"),
        ("2-30", "没有2月30日"),
        ("4月31日", "没有4月31日"),
        ("2024-13-1", "月份"),
        ("1899-1-1", "1900"),
        ("2101-1-1", "2100"),
        ("明天", "没看懂"),
        ("2024-3", "没看懂"),
    ],
)
def test_solar_date_rejected(text: str, reason: str) -> None:
    message = rejected("date", text)
    assert reason in message
    if "没看懂" in message:
        assert "2024-3-5" in message and "3月5日" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("农历正月十五", lunar(None, 1, 15)),
        ("正月十五", lunar(None, 1, 15)),
        ("阴历八月十五", lunar(None, 8, 15)),
        ("八月十五", lunar(None, 8, 15)),
        ("农历腊月廿三", lunar(None, 12, 23)),
        ("农历冬月初一", lunar(None, 11, 1)),
        ("农历十月初十", lunar(None, 10, 10)),
        ("农历4月8日", lunar(None, 4, 8)),
        ("4月8日", lunar(None, 4, 8)),
        ("农历1990年4月8", lunar(1990, 4, 8)),
        ("农历1990-4-8", lunar(1990, 4, 8)),
        ("农历2020年闰四月初八", lunar(2020, 4, 8, leap=True)),
        ("闰四月初八", lunar(None, 4, 8, leap=True)),
        ("农历2023年闰二月初一", lunar(2023, 2, 1, leap=True)),
        ("腊月三十", lunar(None, 12, 30)),  # no year: day 30 allowed
        ("农历2024年二月三十", lunar(2024, 2, 30)),  # a big month that year
        ("农历十二月二十", lunar(None, 12, 20)),
        ("1985年农历八月十五", lunar(1985, 8, 15)),
    ],
)
def test_lunar_date(text: str, expected: dict) -> None:
    assert parse("lunar_date", text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("农历1985年闰四月初八", "1985年没有闰四月（那年没有闰月）"),
        ("农历2021年闰四月初八", "2021年没有闰四月"),
        ("农历2020年闰五月初一", "那年是闰四月"),
        ("农历2023年闰四月初一", "那年是闰二月"),
        ("农历2024年正月三十", "小月"),
        ("农历13月1日", "月份"),
        ("农历十三月初一", "没看懂"),
        ("农历1899年正月初一", "1900"),
        ("农历正月", "没看懂"),
        ("春节", "没看懂"),
    ],
)
def test_lunar_date_rejected(text: str, reason: str) -> None:
    message = rejected("lunar_date", text)
    assert reason in message
    assert "请核对" in message or "正月十五" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-3-5", solar(1985, 3, 5)),
        ("3月5日", solar(None, 3, 5)),
        ("阳历3月5日", solar(None, 3, 5)),
        ("1985年3月5日出生", solar(1985, 3, 5)),
        ("农历八月十五", lunar(None, 8, 15)),
        ("八月十五", lunar(None, 8, 15)),
        ("四月初八", lunar(None, 4, 8)),
        ("腊月廿三", lunar(None, 12, 23)),
        ("农历4月8日", lunar(None, 4, 8)),
        ("农历2020年闰四月初八", lunar(2020, 4, 8, leap=True)),
    ],
)
def test_birthday(text: str, expected: dict) -> None:
    assert parse("birthday", text) == expected


def test_birthday_rejected() -> None:
    message = rejected("birthday", "下周")
    assert "1985-3-5" in message and "农历八月十五" in message
    assert "闰四月" in rejected("birthday", "农历1985年闰四月初八")


def test_date_display() -> None:
    assert display("date", solar(1985, 3, 5)) == "1985年3月5日"
    assert display("date", solar(None, 3, 5)) == "3月5日"
    assert display("lunar_date", lunar(2020, 4, 8, leap=True)) == "农历2020年闰四月初八"
    assert display("birthday", lunar(None, 1, 15)) == "农历正月十五"
    assert display("birthday", lunar(None, 12, 23)) == "农历腊月廿三"
    assert display("birthday", lunar(None, 11, 30)) == "农历冬月三十"
    assert display("birthday", lunar(None, 5, 20)) == "农历五月二十"


# --- numbers and money ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5万", 50_000),
        ("50000", 50_000),
        ("50,000", 50_000),
        ("５０，０００", 50_000),
        ("1.2万元", 12_000),
        ("年交5万", 50_000),
        ("5千", 5_000),
        ("3.5k", 3_500),
        ("3.5K", 3_500),
        ("2w", 20_000),
        ("100万", 1_000_000),
        ("一万二", 12_000),
        ("十万", 100_000),
        ("两万五", 25_000),
        ("1亿", 100_000_000),
        ("1亿2000万", 120_000_000),
        ("5万5", 55_000),
        ("50多万", 500_000),
        ("500k+", 500_000),
        ("¥8,000元", 8_000),
        ("大概20万左右", 200_000),
        ("0", 0),
        ("12.5", 13),
        ("1万亿", 10**12),
    ],
)
def test_money(text: str, expected: int) -> None:
    assert parse("money", text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5000", "负数"),
        ("负五千", "负数"),
        ("很多", "没看懂"),
        ("万", "没看懂"),
        ("2万亿", "太大"),
    ],
)
def test_money_rejected(text: str, reason: str) -> None:
    message = rejected("money", text)
    assert reason in message and "5万" in message and "50000" in message


def test_money_display() -> None:
    assert display("money", 50_000) == "5万元"
    assert display("money", 12_000) == "1.2万元"
    assert display("money", 1_000_000) == "100万元"
    assert display("money", 120_000_000) == "1.2亿元"
    assert display("money", 123_456) == "123,456元"
    assert display("money", 800) == "800元"


@pytest.mark.parametrize(
    ("text", "expected"), [("12", 12), ("十二", 12), ("1,000", 1000), ("3个", 3), ("0", 0)]
)
def test_integer(text: str, expected: int) -> None:
    assert parse("integer", text) == expected


@pytest.mark.parametrize(
    ("text", "reason"), [("-1", "负数"), ("2.5", "整数"), ("abc", "没看懂"), ("2000000000", "太大")]
)
def test_integer_rejected(text: str, reason: str) -> None:
    message = rejected("integer", text)
    assert reason in message and "十二" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("35", 35), ("35岁", 35), ("三十五岁", 35), ("35周岁", 35), ("今年35岁", 35), ("0", 0)],
)
def test_age(text: str, expected: int) -> None:
    assert parse("age", text) == expected


@pytest.mark.parametrize("text", ["131", "-3", "三十五点五", "老了", "3.5岁"])
def test_age_rejected(text: str) -> None:
    assert "35岁" in rejected("age", text)


# --- children ---------------------------------------------------------------------------------


def kid(relation: str, age: int | None = None, name: str | None = None) -> dict:
    return {"relation": relation, "age": age, "name": name}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("儿子9岁，女儿3岁", [kid("儿子", 9), kid("女儿", 3)]),
        ("一个女儿5岁", [kid("女儿", 5)]),
        ("两个孩子：8岁和3岁", [kid("孩子", 8), kid("孩子", 3)]),
        ("儿子(2岁)", [kid("儿子", 2)]),
        ("儿子（2岁）", [kid("儿子", 2)]),
        ("无", []),
        ("没有", []),
        ("没有孩子", []),
        ("8岁的儿子和5岁的女儿", [kid("儿子", 8), kid("女儿", 5)]),
        ("一儿一女，分别8岁和5岁", [kid("儿子", 8), kid("女儿", 5)]),
        ("大儿子12岁，小女儿5岁", [kid("儿子", 12), kid("女儿", 5)]),
        ("儿子今年九岁", [kid("儿子", 9)]),
        ("儿子小明9岁", [kid("儿子", 9, "小明")]),
        ("女儿叫朵朵，3岁", [kid("女儿", 3, "朵朵")]),
        ("双胞胎女儿各5岁", [kid("女儿", 5), kid("女儿", 5)]),
        ("宝宝6个月", [kid("孩子", 0)]),
        ("8岁、3岁", [kid("孩子", 8), kid("孩子", 3)]),
        ("儿子", [kid("儿子")]),
        ("俩孩子", [kid("孩子"), kid("孩子")]),
    ],
)
def test_children(text: str, expected: list[dict]) -> None:
    assert parse("children", text) == expected


@pytest.mark.parametrize(("text", "ages"), [
    ("女儿18年出生", [8]), ("儿子是05年的", [21]), ("儿子2018年生的", [8]),
    ("儿子9岁，女儿18年的", [9, 8]), ("18年的儿子和20年的女儿", [8, 6]),
    ("儿子在美国10年了", [None]),  # years, not a birth year
    ("儿子5岁，结婚12年的", [5]), ("一个女儿，学了10年的钢琴", [None]),  # "for N years"
])
def test_children_by_birth_year(text: str, ages: list[int | None]) -> None:
    assert [child["age"] for child in parse("children", text, today=NOV_2026)] == ages
    assert parse("children", "女儿18年出生")[0]["age"] is None  # no today to count from


def test_children_rejected() -> None:
    assert "核对" in rejected_on("children", "儿子2028年出生", NOV_2026)
    assert "儿子9岁" in rejected("children", "很可爱")
    assert "核对" in rejected("children", "儿子150岁")


def test_children_display() -> None:
    assert display("children", []) == "无"
    value = [kid("儿子", 9, "小明"), kid("女儿", 3), kid("孩子")]
    assert display("children", value) == "儿子小明9岁、女儿3岁、孩子"


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002X",
        "11010519491231002x",
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_id_number(text: str) -> None:
    value = parse("id_number", text)
    assert value == {"value": "11010519491231002X", "masked": "**************002X"}
    assert display("id_number", value) == "**************002X"


def test_old_15_digit_id() -> None:
    assert parse("id_number", "110105491231002") == {
        "value": "110105491231002",
        "masked": "***********1002",
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("110105194912310021", "校验"),
        ("110105194913310028", "出生日期"),
        ("1101051949123100", "位数"),
        ("身份证", "没看懂"),
    ],
)
def test_id_number_rejected(text: str, reason: str) -> None:
    message = rejected("id_number", text)
    assert reason in message and "18位" in message


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("6222 0212 3456 7891 234", "6222021234567891234"),
        ("6222-0212-3456-7890", "6222021234567890"),
        ("622202123456", "622202123456"),
    ],
)
def test_account(text: str, digits: str) -> None:
    value = parse("account", text)
    assert value == {"value": digits, "masked": f"{digits[:4]} **** **** {digits[-4:]}"}
    assert display("account", value) == value["masked"]


@pytest.mark.parametrize("text", ["12345678901", "12345678901234567890", "6222abcd12345678"])
def test_account_rejected(text: str) -> None:
    assert "12到19位" in rejected("account", text)


# --- display ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "text"),
    [
        ("choice", "2"),
        ("multi", "1 3"),
        ("multi", "无"),
        ("tags", "马拉松 瑜伽"),
        ("date", "1985-3-5"),
        ("date", "3/5"),
        ("lunar_date", "农历2020年闰四月初八"),
        ("lunar_date", "冬月三十"),
        ("birthday", "正月十五"),
        ("birthday", "1985-3-5"),
        ("money", "1.2万"),
        ("money", "123456"),
        ("money", "3.5亿"),
        ("integer", "十二"),
        ("age", "三十五"),
        ("yesno", "y"),
        ("yesno", "没有"),
        ("children", "儿子小明9岁，女儿3岁，两个孩子"),
        ("children", "无"),
    ],
)
def test_display_round_trip(field_type: str, text: str) -> None:
    value = parse(field_type, text, SPORTS)
    shown = display(field_type, value)
    assert isinstance(shown, str) and shown
    assert parse(field_type, shown, SPORTS) == value


def test_display_is_forgiving() -> None:
    assert display("money", None) == "未填"
    assert display("date", {"odd": 1}) == '{"odd": 1}'
    assert display("phone", "13812341234") == "13812341234"


# --- fuzzing ----------------------------------------------------------------------------------

TYPED = st.text(
    alphabet=st.sampled_from(
        list("0123456789０１２３年月日号农历闰正腊冬初十廿卅一二两三四五六七八九百千万亿岁")
        + list("儿子女孩个和叫各是否无有Xxk+-*#/.,，、；;：:()（） \u3000")
    ),
    max_size=24,
)
ANY_TEXT = st.one_of(st.text(), TYPED)


@settings(max_examples=600, deadline=None)
@given(field_type=st.sampled_from(sorted(FIELD_TYPES)), text=ANY_TEXT)
def test_parse_returns_json_or_parse_error(field_type: str, text: str) -> None:
    try:
        value = parse(field_type, text, SPORTS)
    except ParseError as error:
        assert error.message
        return
    json.dumps(value)
    assert isinstance(display(field_type, value), str)


@settings(max_examples=300, deadline=None)
@given(
    field_type=st.sampled_from(sorted(FIELD_TYPES - {"text", "phone", "id_number", "account"})),
    text=TYPED,
)
def test_display_reads_back(field_type: str, text: str) -> None:
    try:
        value = parse(field_type, text, SPORTS)
    except ParseError:
        return
    assert parse(field_type, display(field_type, value), SPORTS) == value


@pytest.mark.parametrize(("text", "expected"), [
    ("85年3月5日", solar(1985, 3, 5)),
    ("05年12月1号", solar(2005, 12, 1)),
    ("76年八月十日", solar(1976, 8, 10)),
])
def test_two_digit_years_with_nian(text, expected):
    assert parse("date", text) == expected
    assert parse("birthday", text) == expected


@pytest.mark.parametrize(("two", "past", "ahead"), [
    (85, 1985, 2085), (26, 2026, 2026), (27, 1927, 2027), (28, 1928, 2028), (0, 2000, 2100),
    (99, 1999, 2099), (5, 2005, 2105),
])
def test_a_two_digit_year_counts_from_today(two: int, past: int, ahead: int) -> None:
    assert full_year(two, NOV_2026) == past
    assert full_year(two, NOV_2026, "ahead") == ahead
    assert full_year(two, NOV_2026, "started") == (2027 if two == 27 else past)


@given(st.integers(0, 99), st.integers(1950, 2090))
def test_a_two_digit_year_is_the_nearest_one_on_its_side_of_today(two: int, year: int) -> None:
    today = date(year, 6, 1)
    past, ahead = full_year(two, today), full_year(two, today, "ahead")
    assert past % 100 == two == ahead % 100
    assert year - 100 < past <= year <= ahead < year + 100


@pytest.mark.parametrize(("field_type", "text", "expected"), [
    ("birthday", "28年3月5日", solar(1928, 3, 5)),
    ("birthday", "85年3月5日", solar(1985, 3, 5)),
    ("birthday", "05.3.1", solar(2005, 3, 1)),
    ("birthday", "二八年三月五日", solar(1928, 3, 5)),
    ("birthday", "农历76年八月十五", lunar(1976, 8, 15)),
    ("birthday", "七六年八月十五", lunar(1976, 8, 15)),
    ("birthday", "农历28.12.8", lunar(1928, 12, 8)),
    ("birthday", "农历20年闰四月初八", lunar(2020, 4, 8, leap=True)),
    ("anniversary", "08年5月20日", solar(2008, 5, 20)),
    ("anniversary", "农历99年七月初七", lunar(1999, 7, 7)),
    ("date", "29.6.1", solar(1929, 6, 1)),
    ("date", "26年12月1日", solar(2026, 12, 1)),  # this year's: a start next week stays
])
def test_two_digit_years_of_the_past_count_from_today(field_type, text, expected) -> None:
    assert parse(field_type, text, today=NOV_2026) == expected


def test_a_two_digit_lunar_year_is_checked_in_its_century() -> None:
    with pytest.raises(ParseError, match="农历1928年没有闰四月"):
        parse("birthday", "农历28年闰四月初八", today=NOV_2026)


# --- as agents type them: monthly amounts, 年薪, 80后, 76.8.15, school words, lunar anniversaries


@pytest.mark.parametrize(("text", "expected"), [
    ("月缴1000", 12_000), ("1000/月", 12_000), ("每月1000", 12_000), ("1000元/月", 12_000),
    ("每个月交800块", 9_600), ("月薪2万", 240_000), ("年薪60万", 600_000), ("1.2万/年", 12_000),
])  # fmt: skip
def test_money_per_month_counts_for_the_year(text: str, expected: int) -> None:
    assert parse("money", text) == expected


def test_decades_are_refused_with_a_reason_and_about_is_read() -> None:
    with pytest.raises(ParseError, match="出生年代"):
        parse("age", "80后")
    assert parse("age", "约35") == 35 and parse("age", "大概40岁") == 40


@pytest.mark.parametrize(("text", "year"), [("76.8.15", 1976), ("76-8-15", 1976),
                                            ("05.3.1", 2005)])
def test_two_digit_years_with_dots(text: str, year: int) -> None:
    assert parse("birthday", text)["year"] == year
    assert parse("birthday", "8.15")["year"] is None  # month.day alone stays yearless


@pytest.mark.parametrize(("text", "age"), [
    ("女儿今年中考", 15), ("女儿明年中考", 14), ("女儿上初三", 15), ("儿子读大二", 20),
    ("儿子小学一年级", 7), ("儿子今年高考", 18),
])  # fmt: skip
def test_school_words_are_no_names_and_give_an_age(text: str, age: int) -> None:
    (child,) = parse("children", text)
    assert child["name"] is None and child["age"] == age


def test_anniversaries_may_be_lunar() -> None:
    assert parse("anniversary", "农历七月初七") == {
        "calendar": "lunar", "year": None, "month": 7, "day": 7, "leap": False}
    assert parse("anniversary", "2015年5月1号")["calendar"] == "solar"
    with pytest.raises(ParseError, match="没看懂这个日期"):
        parse("anniversary", "去年夏天")
