"""Solar and lunar dates (birthdays, anniversaries), validated; lunar checked with borax."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any, Literal

from borax.calendars.lunardate import LCalendars, LunarDate

from .errors import ParseError, quote
from .numbers import small_int, year_int
from .text import compact

MIN_YEAR, MAX_YEAR = 1900, 2100
SOLAR_ACCEPTED = "可以这样写：2024-3-5、2024/3/5、20240305、3月5日、1985年3月5日。"
LUNAR_ACCEPTED = "可以这样写：正月十五、农历八月十五、闰四月初八、农历1985年腊月廿三、农历4月8日。"
BIRTHDAY_ACCEPTED = (
    "公历可以这样写：1985-3-5、1985年3月5日、3月5日；"
    "农历请加“农历”，如：农历八月十五、农历1985年闰四月初八。"
)
ANNIVERSARY_ACCEPTED = (
    "公历可以这样写：2015-5-1、2015年5月1日、5月1日；农历请加“农历”，如：农历七月初七、农历2015年八月十五。"
)

MONTH_NAMES = ("正月", "二月", "三月", "四月", "五月", "六月",
               "七月", "八月", "九月", "十月", "冬月", "腊月")  # fmt: skip
_DIGITS = "一二三四五六七八九十"

_CN_DIGIT = "[〇零一二三四五六七八九]"
_YEAR = rf"(?P<y>\d{{4}}|{_CN_DIGIT}{{4}})"
# a year written before 年 may have two digits, as agents write them: 85年, 七六年
_YEAR_NIAN = rf"(?P<y>\d{{4}}|{_CN_DIGIT}{{4}}|\d{{2}}|{_CN_DIGIT}{{2}})年"
_CN_MONTH = r"正|冬|腊|十[一二]|[一二三四五六七八九十]"
_CN_DAY = r"初[一二三四五六七八九十]|[一二三四五六七八九十廿卅]{1,3}"
_LUNAR_MARK = re.compile(r"农历|阴历|旧历|老历")
_SOLAR_MARK = re.compile(r"公历|阳历|新历|国历")
_TRAILER = re.compile(r"(?:出生|生日|生)$")

SOLAR_FORMS = (
    re.compile(
        rf"{_YEAR}(?:年|[-/.])(?P<m>\d{{1,2}}|十[一二]|[一二三四五六七八九十])(?:月|[-/.])"
        rf"(?P<d>\d{{1,2}}|[一二三四五六七八九十廿卅]{{1,3}})[日号]?"
    ),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    # two-digit years with 年 or dots, as agents write them: 85年3月5日, 76.8.15
    re.compile(r"(?P<y>\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(
        rf"(?P<y>\d{{2}}|{_CN_DIGIT}{{2}})年(?P<m>\d{{1,2}}|十[一二]|[一二三四五六七八九十])月"
        r"(?P<d>\d{1,2}|[一二三四五六七八九十廿卅]{1,3})[日号]?"
    ),
    re.compile(
        r"(?P<m>\d{1,2}|十[一二]|[一二三四五六七八九十])(?:月|[-/.])"
        r"(?P<d>\d{1,2}|[一二三四五六七八九十廿卅]{1,3})[日号]?"
    ),
)
LUNAR_FORMS = (
    re.compile(
        rf"(?:{_YEAR_NIAN})?(?P<leap>闰)?(?P<m>\d{{1,2}}|{_CN_MONTH})月份?"
        rf"(?P<d>\d{{1,2}}|{_CN_DAY})[日号]?"
    ),
    re.compile(r"(?:(?P<y>\d{4}|\d{2})[-/.])?(?P<leap>闰)?(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
               r"[日号]?"),
)
# Words only a lunar date uses; a Chinese month and day with no 日/号 (八月十五) also reads lunar.
_LUNAR_WORDS = re.compile(r"正月|冬月|腊月|闰|初[一二三四五六七八九十]|廿|卅")
_CN_MONTH_DAY = re.compile(rf"(?:{_YEAR_NIAN})?(?:{_CN_MONTH})月(?:{_CN_DAY})")


def _clean(text: str) -> str:
    return _TRAILER.sub("", compact(text))


def _month(text: str) -> int | None:
    return {"正": 1, "冬": 11, "腊": 12}.get(text) or small_int(text)


def _day(text: str) -> int | None:
    if text.startswith("初"):
        value = small_int(text[1:])
        return value if value is not None and value <= 10 else None
    return small_int(text)


def _date_value(calendar_name: str, year: int | None, month: int, day: int, leap: bool) -> dict:
    return {"calendar": calendar_name, "year": year, "month": month, "day": day, "leap": leap}


Direction = Literal["past", "started", "ahead"]


def full_year(two: int, today: date | None, direction: Direction = "past") -> int:
    """The year a two-digit one (0-99) stands for, counted from ``today``: for a date that lies
    in the past (a birth date, an anniversary), the latest year ending in those digits that is
    not after today's (in 2026: 85 → 1985, 26 → 2026, 28 → 1928); for a policy's start
    ("started"), which may also be next year's (开门红 policies start on 1 January), the latest
    not after next year (in December 2026: 27 → 2027); for one still to come (a salon), the
    nearest from today's on (in 2029: 30 → 2030). Without a today (a parser used alone), below
    30 is 20xx and the rest 19xx."""
    if today is None:
        return two + (2000 if two < 30 else 1900)
    if direction == "ahead":
        return today.year + (two - today.year) % 100
    latest = today.year + (1 if direction == "started" else 0)
    return latest - (latest - two) % 100


def _parts(match: re.Match[str], today: date | None, direction: Direction
           ) -> tuple[int | None, int | None, int | None]:
    year_text = match.groupdict().get("y")
    year: int | None = None
    if year_text is not None and len(year_text) == 2:  # 85, 七六
        digits = "".join(str(small_int(char)) for char in year_text)
        year = full_year(int(digits), today, direction)
    elif year_text:
        year = year_int(year_text)
    return year, _month(match["m"]), _day(match["d"])


def _check_year(year: int | None, accepted: str) -> None:
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise ParseError(f"年份要在{MIN_YEAR}到{MAX_YEAR}之间。{accepted}")


def parse_solar(text: str, today: date | None = None, direction: Direction = "past"
                ) -> dict[str, Any]:
    """A Gregorian date, year optional: ``{"calendar": "solar", "year": 1985 | None, ...}``;
    a two-digit year counted from ``today`` in ``direction`` (``full_year``)."""
    cleaned = _SOLAR_MARK.sub("", _clean(text))
    for form in SOLAR_FORMS:
        match = form.fullmatch(cleaned)
        if match:
            break
    else:
        raise ParseError(f"没看懂这个日期“{quote(text.strip())}”。{SOLAR_ACCEPTED}")
    year, month, day = _parts(match, today, direction)
    _check_year(year, SOLAR_ACCEPTED)
    if month is None or not 1 <= month <= 12:
        raise ParseError(f"月份要在1到12之间。{SOLAR_ACCEPTED}")
    if day is None or day < 1:
        raise ParseError(f"没看懂是几号。{SOLAR_ACCEPTED}")
    if day > calendar.monthrange(year or 2000, month)[1]:
        if year and month == 2 and day == 29:
            raise ParseError(f"{year}年不是闰年，没有2月29日。请核对一下。")
        raise ParseError(f"没有{month}月{day}日这一天，请核对一下。")
    return _date_value("solar", year, month, day, False)


def _leap_reason(year: int, month: int) -> str:
    actual = LCalendars.leap_month(year)
    if not actual:
        return f"农历{year}年没有闰{MONTH_NAMES[month - 1]}（那年没有闰月）。"
    return f"农历{year}年没有闰{MONTH_NAMES[month - 1]}（那年是闰{MONTH_NAMES[actual - 1]}）。"


def _check_lunar(year: int, month: int, day: int, leap: bool) -> None:
    """Whether the (leap) month and the day exist in that lunar year, with a reason if not."""
    try:
        if leap and LCalendars.leap_month(year) != month:
            raise ParseError(_leap_reason(year, month) + "请核对一下。")
        if day > LCalendars.ndays(year, month, int(leap)):
            name = ("闰" if leap else "") + MONTH_NAMES[month - 1]
            raise ParseError(f"农历{year}年{name}是小月，只有二十九天，没有三十。请核对一下。")
        LunarDate(year, month, day, int(leap))
    except ParseError:
        raise
    except Exception as exc:  # borax: InvalidLunarDateError and friends
        raise ParseError(f"农历{year}年没有这一天，请核对一下。{LUNAR_ACCEPTED}") from exc


def parse_lunar(text: str, today: date | None = None) -> dict[str, Any]:
    """A lunar date, year optional: ``{"calendar": "lunar", ..., "leap": bool}``; a two-digit
    year is the latest not after ``today``'s (``full_year``)."""
    cleaned = _LUNAR_MARK.sub("", _clean(text))
    for form in LUNAR_FORMS:
        match = form.fullmatch(cleaned)
        if match:
            break
    else:
        raise ParseError(f"没看懂这个农历日期“{quote(text.strip())}”。{LUNAR_ACCEPTED}")
    year, month, day = _parts(match, today, "past")
    leap = bool(match["leap"])
    _check_year(year, LUNAR_ACCEPTED)
    if month is None or not 1 <= month <= 12:
        raise ParseError(f"农历月份要在正月到腊月（1到12月）之间。{LUNAR_ACCEPTED}")
    if day is None or not 1 <= day <= 30:
        raise ParseError(f"农历日子要在初一到三十之间。{LUNAR_ACCEPTED}")
    if year is not None:
        _check_lunar(year, month, day, leap)
    return _date_value("lunar", year, month, day, leap)


def looks_lunar(text: str) -> bool:
    """True when the text says 农历/阴历 or uses words only lunar dates use (正月, 初八, 廿…)."""
    cleaned = _clean(text)
    if _LUNAR_MARK.search(cleaned):
        return True
    if _SOLAR_MARK.search(cleaned):
        return False
    return bool(_LUNAR_WORDS.search(cleaned) or _CN_MONTH_DAY.fullmatch(cleaned))


def _either_calendar(text: str, what: str, accepted: str, today: date | None
                    ) -> dict[str, Any]:
    """Lunar when the text says so (农历, 正月, 初八, 八月十五), solar otherwise; a date of the
    past (a two-digit year is the latest not after ``today``'s)."""
    try:
        return parse_lunar(text, today) if looks_lunar(text) else parse_solar(text, today)
    except ParseError as error:
        if "没看懂" in error.message:
            shown = quote(text.strip())
            raise ParseError(f"没看懂这个{what}“{shown}”。{accepted}") from None
        raise


def parse_birthday(text: str, today: date | None = None) -> dict[str, Any]:
    """A birthday, solar or lunar (农历, 正月, 初八, 八月十五); a two-digit year (85年) is the
    latest year ending in those digits that is not after ``today``'s (``full_year``)."""
    return _either_calendar(text, "生日", BIRTHDAY_ACCEPTED, today)


def parse_anniversary(text: str, today: date | None = None) -> dict[str, Any]:
    """A wedding or other anniversary, solar or lunar (its years then count in lunar years);
    a two-digit year as in ``parse_birthday``."""
    return _either_calendar(text, "日期", ANNIVERSARY_ACCEPTED, today)


def solar_day(value: dict[str, Any]) -> date | None:
    """The solar day a parsed date with a year stands for (lunar converted); None without a
    year."""
    if not value.get("year"):
        return None
    if value.get("calendar") == "lunar":
        lunar = LunarDate(value["year"], value["month"], value["day"], int(bool(value.get("leap"))))
        return lunar.to_solar_date()
    return date(value["year"], value["month"], value["day"])


_FARTHEST_YEARS = 60


def nearest_year(value: dict[str, Any], before: dict[str, Any]) -> int | None:
    """The year for a date typed without one (``value``), from the one on file (``before``,
    its year perhaps from an age only): that year when the date exists in it, else the nearest
    in which it does ("2月29日" over 1985 gives 1984). In the other calendar, the year whose
    date lies nearest the date on file: a solar "2月8日" over 农历1985年腊月三十 (8 Feb 1986)
    gives 1986."""
    year = before.get("year")
    if year is None:
        return None
    anchor = None
    if before.get("calendar") != value.get("calendar") and before.get("month") \
            and before.get("day"):
        anchor = _existing_day(before)
    if anchor is not None:
        year = anchor.year  # a lunar year ends in the next solar one: start from the solar
    existing: list[tuple[int, date]] = []
    for radius in range(_FARTHEST_YEARS + 1):  # a leap month may not recur for decades
        for candidate in sorted({year - radius, year + radius}):
            if (day := _existing_day({**value, "year": candidate})) is not None:
                existing.append((candidate, day))
        if existing and radius >= 2:  # within two years the nearest day wins, not the year
            break
    if not existing:
        return year
    if anchor is None:
        return min(existing, key=lambda pair: abs(pair[0] - year))[0]
    return min(existing, key=lambda pair: abs((pair[1] - anchor).days))[0]


def _existing_day(value: dict[str, Any]) -> date | None:
    try:
        return solar_day(value)
    except Exception:  # no such day that year (29 February, a lunar 30th, a leap month)
        return None


def born_after(value: dict[str, Any], today: date) -> bool:
    """Whether a birth date with a year lies after ``today`` (without a year: never)."""
    year = value.get("year")
    if year is None or year < today.year - 1:  # a lunar year can end in the next solar one
        return False
    return year > today.year or (solar_day(value) or today) > today


_FOUR_DIGIT_YEAR = re.compile(r"\d{4}|[〇零一二三四五六七八九]{4}")


def unborn_reason(value: dict[str, Any], today: date, typed: str) -> str | None:
    """Why a birth date (``typed`` as the agent wrote it) cannot be one: it is still to come;
    written with a two-digit year (this year's), how to write a century earlier. None for a
    date gone by."""
    if not born_after(value, today):
        return None
    shown = display_date(value)
    if _FOUR_DIGIT_YEAR.search(typed) is None:
        earlier = display_date({**value, "year": value["year"] - 100})
        return f"这个生日（{shown}）还没到。如果是{earlier}，请写四位年份。"
    return f"这个生日（{shown}）还没到，请检查年份。"


def lunar_day_name(day: int) -> str:
    if day <= 10:
        return "初" + _DIGITS[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + _DIGITS[day - 21]
    return "三十"


def display_date(value: dict[str, Any]) -> str:
    """'1985年3月5日', '3月5日', '农历1985年闰四月初八', '农历八月十五'."""
    year = f"{value['year']}年" if value.get("year") else ""
    if value.get("calendar") == "lunar":
        leap = "闰" if value.get("leap") else ""
        month = MONTH_NAMES[value["month"] - 1]
        return f"农历{year}{leap}{month}{lunar_day_name(value['day'])}"
    return f"{year}{value['month']}月{value['day']}日"
