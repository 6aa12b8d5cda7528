"""周岁 as the card, lists and life-stage reminders count it (handlers.ages)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.ages import completed_years
from handlers.fields.dates import nearest_year, parse_birthday
from scheduler.calendar import age_on


@pytest.mark.parametrize(("on", "age"), [
    (date(2027, 3, 1), 38), (date(2027, 8, 14), 38), (date(2027, 8, 15), 39),
])  # fmt: skip
def test_one_less_until_the_birthday(on: date, age: int) -> None:
    assert completed_years(1988, 8, 15, on) == age


def test_a_birth_year_alone_moves_on_each_first_of_january() -> None:
    assert completed_years(2024, None, None, date(2026, 12, 31)) == 2
    assert completed_years(2024, None, None, date(2027, 1, 1)) == 3


def test_29_february_counts_on_28_february_in_common_years() -> None:
    assert completed_years(2000, 2, 29, date(2027, 2, 27)) == 26
    assert completed_years(2000, 2, 29, date(2027, 2, 28)) == 27


@pytest.mark.parametrize("on", [date(2027, 1, 20), date(2027, 2, 10), date(2026, 7, 1),
                                date(2027, 8, 9), date(2028, 1, 29)])
def test_lunar_dates_agree_with_the_scheduler_calendar(on: date) -> None:
    for month, day, leap, year in ((12, 20, False, 1980), (8, 30, False, 1990),
                                   (6, 10, True, 2025), (1, 1, False, 1970)):
        assert completed_years(year, month, day, on, calendar="lunar", leap=leap) == \
            age_on(year, month, day, on, calendar="lunar", leap=leap)


@pytest.mark.parametrize(
    ("typed", "on_file", "year"),
    [
        ("3月5日", ("solar", 1991, 12, 30), 1991),  # the year stays when the date exists in it
        ("3月5日", ("solar", 1991, None, None), 1991),  # a year from an age only
        ("2月29日", ("solar", 1985, 3, 1), 1984),  # no 29 February in 1985: the nearest leap
        ("农历正月三十", ("lunar", 1985, 3, 1), 1984),  # 1985's 正月 has 29 days
        ("2月8日", ("lunar", 1985, 12, 30), 1986),  # 腊月三十 1985 is 8 February 1986
        ("农历八月十五", ("solar", 1976, 9, 8), 1976),  # 8 Sep 1976 is 八月十五 of 1976
        ("农历闰四月初八", ("lunar", 1985, 4, 8), 1982),  # the nearest year with a 闰四月
    ],
)
def test_a_birthday_without_a_year_keeps_the_nearest_year_in_which_it_exists(
        typed: str, on_file: tuple, year: int) -> None:
    calendar, known, month, day = on_file
    before = {"calendar": calendar, "year": known, "month": month, "day": day, "leap": False}
    assert nearest_year(parse_birthday(typed), before) == year
