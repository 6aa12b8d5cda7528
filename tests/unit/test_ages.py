"""周岁 as the card, lists and life-stage reminders count it (handlers.ages)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.ages import completed_years
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
