"""Masking numbers in free text: every usual way of writing a phone, ID or card number."""

from __future__ import annotations

import pytest

from storage.masking import mask_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新号码 13887654321", "新号码 138****4321"),
        ("新号码 138-8765-4321", "新号码 138****4321"),
        ("新号码 138 8765 4321", "新号码 138****4321"),
        ("新号码 138.8765.4321，微信同号", "新号码 138****4321，微信同号"),
        ("新号码 138/8765/4321", "新号码 138****4321"),
        ("新号码 (138)8765-4321", "新号码 138****4321"),
        ("新号码 138·8765·4321", "新号码 138****4321"),
        ("新号码 １３８．８７６５．４３２１", "新号码 １３８****４３２１"),
        ("座机 (010) 8765-4321", "座机 010****4321"),
        ("+86 138 8765 4321", "+86138****4321"),
        ("+44 7911 123456", "+********3456"),
        ("身份证110105194912310021", "身份证**************0021"),
        ("身份证11010519491231002X。", "身份证**************002X。"),
        ("ID110105194912310028 Tel13812345678", "ID**************0028 Tel138****5678"),
        ("卡号 6222 0212 3456 7890 123", "卡号 ***************0123"),
        ("存款6222021234567891234", "存款***************1234"),
        ("分机 8765 4321", "分机 ****4321"),
        ("QQ 1234567", "QQ ***4567"),
    ],
)
def test_numbers_are_masked_whatever_the_separators(text: str, expected: str) -> None:
    assert mask_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2024-03-05 见面", "2024.3.5 签约", "生日 1985/12/01", "保费 12345.67 元", "年收入50万",
     "儿子9岁，女儿3岁", "房贷每月1万，剩15年", "第 3.5 页", "123456",
     "1-2-3 4-5-6", "１２３４５６", ""],
)
def test_dates_amounts_and_short_numbers_stay(text: str) -> None:
    assert mask_numbers(text) == text


def test_masking_twice_changes_nothing_more() -> None:
    once = mask_numbers("电话 138.8765.4321，身份证110105194912310021")
    assert mask_numbers(once) == once


@pytest.mark.parametrize(
    "text",
    ["房贷1200000元", "保额3000000", "年薪：1500000", "¥1500000", "负债 2000000 元",
     "2024-03-05—2025-03-05", "年收入3000000w", "存款5000000k"],
)
def test_large_amounts_and_date_ranges_stay(text: str) -> None:
    assert mask_numbers(text) == text


def test_a_long_number_after_an_amount_word_is_still_masked() -> None:
    assert mask_numbers("收入13812345678") == "收入138****5678"
    assert mask_numbers("资产1200000000元") == "资产1200000000元"  # 12亿: ten digits, an amount


def test_a_date_next_to_a_phone_is_not_part_of_it() -> None:
    assert mask_numbers("2024/3/5 13812345678") == "2024/3/5 138****5678"
    assert mask_numbers("2024年3月5日13812345678") == "2024年3月5日138****5678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("香港手机 9123 4567 WhatsApp同号", "香港手机 ****4567 WhatsApp同号"),
        ("座机87654321 wx同号", "座机****4321 wx同号"),
        ("电话 8765-4321 万一打不通发微信", "电话 ****4321 万一打不通发微信"),
    ],
)
def test_a_number_is_not_taken_for_an_amount_by_the_word_after_it(
    text: str, expected: str
) -> None:
    # w/k (万, thousand) only alone, not as a word's first letter; an amount is one piece
    assert mask_numbers(text) == expected
