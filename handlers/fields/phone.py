"""Mobile phone numbers: mainland 11-digit mobiles and international numbers."""

from __future__ import annotations

import re

import phonenumbers

from .errors import ParseError
from .text import normalise

_LABEL = re.compile(r"^(?:手机号码?|手机|电话号码?|电话|联系方式|tel|mobile|phone)[:：]?", re.I)
_NOISE = re.compile(r"[\s\-()（）.·]")
_MAINLAND = re.compile(r"^(?:\+86|0086|86)?(?P<n>1[3-9]\d{9})$")
_INTERNATIONAL = re.compile(r"^(?:\+|00)(?P<n>[1-9]\d{6,16})$")
ACCEPTED = (
    "可以这样写：13812341234、138 1234 1234、+86 138 1234 1234；"
    "国际号码请带“+国家码”，如 +44 7911 123456。"
)


def _mainland(number: str) -> dict[str, str]:
    return {"e164": f"+86{number}", "masked": f"{number[:3]}****{number[-4:]}"}


def parse_phone(text: str) -> dict[str, str]:
    """``{"e164": "+8613812341234", "masked": "138****1234"}``."""
    raw = _NOISE.sub("", _LABEL.sub("", normalise(text)))
    mainland = _MAINLAND.match(raw)
    if mainland:
        return _mainland(mainland["n"])
    international = _INTERNATIONAL.match(raw)
    if international and not international["n"].startswith("86"):
        try:
            number = phonenumbers.parse("+" + international["n"], None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return {"e164": e164, "masked": f"+{number.country_code} ****{e164[-4:]}"}
        raise ParseError(f"这个国际号码好像不对，请核对一下。{ACCEPTED}")
    if raw.isdecimal() and len(raw) == 11:
        raise ParseError(f"手机号应该以13到19开头，请核对一下。{ACCEPTED}")
    if raw.lstrip("+").isdecimal():
        raise ParseError(f"手机号位数不对（应为11位），请核对一下。{ACCEPTED}")
    raise ParseError(f"没看懂这个手机号。{ACCEPTED}")


def display_phone(value: dict[str, str]) -> str:
    return value["masked"]
