"""Sensitive numbers kept masked on screen: resident ID numbers and payment accounts."""

from __future__ import annotations

import re
from datetime import date

from .errors import ParseError
from .text import normalise

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
_NOISE = re.compile(r"[\s\-]")
ID_ACCEPTED = "请输入18位居民身份证号（最后一位可以是X），或15位旧号码。"
ACCOUNT_ACCEPTED = "请输入12到19位数字的银行卡号或账号，可以带空格或短横线。"


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _real_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return born.year >= 1900


def mask_id(value: str) -> str:
    """Only the last 4 kept: the masked form is stored in clear, beside the birth date, and
    the first digits (the region) with it would leave a handful of candidates."""
    return "*" * (len(value) - 4) + value[-4:]


def parse_id_number(text: str) -> dict[str, str]:
    """``{"value": "11010519491231002X", "masked": "**************002X"}``."""
    value = _NOISE.sub("", normalise(text)).upper()
    if _ID18.fullmatch(value):
        if not _real_date(value[6:14]):
            raise ParseError(f"身份证号里的出生日期不对，请核对一下。{ID_ACCEPTED}")
        if id_check_char(value[:17]) != value[17]:
            raise ParseError(f"身份证号校验不通过，可能有一位输错了，请核对一下。{ID_ACCEPTED}")
    elif _ID15.fullmatch(value):
        if not _real_date("19" + value[6:12]):
            raise ParseError(f"身份证号里的出生日期不对，请核对一下。{ID_ACCEPTED}")
    elif value.isdecimal() or (value[:-1].isdecimal() and value.endswith("X")):
        raise ParseError(f"身份证号位数不对（现在是{len(value)}位）。{ID_ACCEPTED}")
    else:
        raise ParseError(f"没看懂这个身份证号。{ID_ACCEPTED}")
    return {"value": value, "masked": mask_id(value)}


def parse_account(text: str) -> dict[str, str]:
    """``{"value": "6222021234567891234", "masked": "6222 **** **** 1234"}``."""
    digits = _NOISE.sub("", normalise(text))
    if not digits.isdecimal() or not digits.isascii():
        raise ParseError(f"账号里只能有数字。{ACCOUNT_ACCEPTED}")
    if not 12 <= len(digits) <= 19:
        raise ParseError(f"账号位数不对（现在是{len(digits)}位）。{ACCOUNT_ACCEPTED}")
    return {"value": digits, "masked": f"{digits[:4]} **** **** {digits[-4:]}"}


def display_masked(value: dict[str, str]) -> str:
    return value["masked"]
