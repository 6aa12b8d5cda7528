"""Calendar maths: borax checked against tyme4py, occurrences, fallback rules, key lookups."""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from borax.calendars import LCalendars
from hypothesis import given
from hypothesis import strategies as st
from tyme4py.lunar import LunarDay, LunarYear

from scheduler.calendar import (
    RecurringDate,
    age_on,
    lunar_key,
    lunar_keys_falling_on,
    next_occurrence,
    occurrence_in_year,
    occurrences_between,
    solar_keys_falling_on,
    to_lunar,
    to_solar,
)


def lunar(month: int, day: int, leap: bool = False) -> RecurringDate:
    return RecurringDate("lunar", month, day, leap)


def solar(month: int, day: int) -> RecurringDate:
    return RecurringDate("solar", month, day)


def tyme_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """Independent oracle: tyme4py's lunar → solar."""
    sd = LunarDay.from_ymd(year, -month if leap else month, day).get_solar_day()
    return date(sd.get_year(), sd.get_month(), sd.get_day())


# --- borax against tyme4py ------------------------------------------------------------------

# Known disagreements. borax follows the Hong Kong Observatory tables, whose own footnote says
# they are one day late for the new moons of 4 Sep 2089 and 7 Aug 2097 (see also
# dotnet/coreclr#19480); tyme4py computes the new moons. (year, month, leap) ->
# ((borax day 1, borax length), (tyme4py day 1, tyme4py length)).
KNOWN_DIFFERENCES = {
    (2089, 7, False): ((date(2089, 8, 6), 30), (date(2089, 8, 6), 29)),
    (2089, 8, False): ((date(2089, 9, 5), 29), (date(2089, 9, 4), 30)),
    (2097, 6, False): ((date(2097, 7, 9), 30), (date(2097, 7, 9), 29)),
    (2097, 7, False): ((date(2097, 8, 8), 29), (date(2097, 8, 7), 30)),
}


def test_borax_matches_tyme4py_for_every_lunar_month_1901_2099() -> None:
    differences = {}
    checked = 0
    for year in range(1901, 2100):
        tyme_months = LunarYear.from_year(year).get_months()
        borax_months = list(LCalendars.iter_year_month(year))
        assert LCalendars.leap_month(year) == LunarYear.from_year(year).get_leap_month(), year
        assert [(m.get_month(), bool(m.is_leap())) for m in tyme_months] == [
            (m, bool(leap)) for m, _, leap in borax_months
        ], year
        for tm, (month, length, leap) in zip(tyme_months, borax_months, strict=True):
            sd = tm.get_first_julian_day().get_solar_day()
            tyme = (date(sd.get_year(), sd.get_month(), sd.get_day()), tm.get_day_count())
            borax = (to_solar(year, month, 1, bool(leap)), length)
            if borax != tyme:
                differences[(year, month, bool(leap))] = (borax, tyme)
            checked += 1
    assert checked == 2461  # 199 years x 12 months + 73 leap months
    assert differences == KNOWN_DIFFERENCES


# --- strict conversion ----------------------------------------------------------------------


def test_to_solar_and_to_lunar() -> None:
    assert to_solar(2020, 4, 8, True) == date(2020, 5, 30)
    assert to_solar(2020, 4, 8, False) == date(2020, 4, 30)
    assert to_lunar(date(2020, 5, 30)) == (2020, 4, 8, True)
    assert to_lunar(date(2025, 1, 28)) == (2024, 12, 29, False)  # 除夕
    assert lunar_key(date(2023, 3, 22)) == (2, 1, True)
    assert to_lunar(date(1901, 2, 18)) == (1900, 12, 30, False)


@pytest.mark.parametrize(
    "args",
    [
        (2021, 4, 8, True),
        (2023, 3, 30, False),
        (2023, 2, 30, True),
        (2020, 13, 1, False),
        (2020, 1, 0, False),
        (1899, 1, 1, False),
        (2101, 1, 1, False),
    ],
)
def test_to_solar_is_strict(args: tuple[int, int, int, bool]) -> None:
    with pytest.raises(ValueError):
        to_solar(*args)


@pytest.mark.parametrize("day", [date(1900, 1, 30), date(2101, 1, 29)])
def test_to_lunar_range(day: date) -> None:
    with pytest.raises(ValueError):
        to_lunar(day)


@given(st.dates(min_value=date(1900, 1, 31), max_value=date(2101, 1, 28)))
def test_to_lunar_round_trip(day: date) -> None:
    assert to_solar(*to_lunar(day)) == day


@pytest.mark.parametrize(
    "args",
    [
        ("solar", 2, 30, False),
        ("solar", 4, 31, False),
        ("solar", 5, 1, True),
        ("lunar", 13, 1, False),
        ("lunar", 1, 31, False),
        ("lunar", 0, 1, False),
        ("gregorian", 1, 1, False),
    ],
)
def test_recurring_date_validation(args: tuple[str, int, int, bool]) -> None:
    with pytest.raises(ValueError):
        RecurringDate(*args)


# --- occurrences ----------------------------------------------------------------------------


def test_lunar_twelfth_month_crosses_the_year_end() -> None:
    # 腊月初五 of lunar 2021 is in January 2022, that of lunar 2022 in December 2022 ...
    assert occurrence_in_year(lunar(12, 5), 2022) == [date(2022, 1, 7), date(2022, 12, 27)]
    # ... and that of lunar 2023 in January 2024: solar 2023 has none.
    assert occurrence_in_year(lunar(12, 5), 2023) == []
    assert next_occurrence(lunar(12, 5), date(2023, 1, 1)) == date(2024, 1, 15)
    # 腊月二十, asked for just before Christmas: next January.
    assert next_occurrence(lunar(12, 20), date(2024, 12, 20)) == date(2025, 1, 19)
    assert occurrences_between(lunar(12, 20), date(2024, 1, 1), date(2026, 12, 31)) == [
        date(2024, 1, 30),
        date(2025, 1, 19),
        date(2026, 2, 7),
    ]


def test_chinese_new_year() -> None:
    assert occurrences_between(lunar(1, 1), date(2020, 1, 1), date(2026, 12, 31)) == [
        date(2020, 1, 25),
        date(2021, 2, 12),
        date(2022, 2, 1),
        date(2023, 1, 22),
        date(2024, 2, 10),
        date(2025, 1, 29),
        date(2026, 2, 17),
    ]
    assert next_occurrence(lunar(1, 1), date(2024, 2, 10)) == date(2024, 2, 10)  # inclusive
    assert next_occurrence(lunar(1, 1), date(2024, 2, 11)) == date(2025, 1, 29)
    assert occurrences_between(lunar(1, 1), date(2024, 2, 10), date(2024, 2, 10)) == [
        date(2024, 2, 10)
    ]
    assert occurrences_between(lunar(1, 1), date(2024, 2, 11), date(2024, 2, 9)) == []


def test_solar_29_february() -> None:
    feb29 = solar(2, 29)
    assert occurrence_in_year(feb29, 2024) == [date(2024, 2, 29)]
    assert occurrence_in_year(feb29, 2023) == [date(2023, 2, 28)]
    assert occurrence_in_year(feb29, 2100) == [date(2100, 2, 28)]  # not a leap year
    assert occurrence_in_year(feb29, 2000) == [date(2000, 2, 29)]
    assert next_occurrence(feb29, date(2024, 3, 1)) == date(2025, 2, 28)
    assert occurrences_between(feb29, date(2023, 1, 1), date(2025, 12, 31)) == [
        date(2023, 2, 28),
        date(2024, 2, 29),
        date(2025, 2, 28),
    ]
    assert next_occurrence(solar(12, 31), date(2024, 12, 31)) == date(2024, 12, 31)
    assert next_occurrence(solar(1, 1), date(2024, 12, 31)) == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("year", "month", "ordinary_first", "leap_first"),
    [
        (2020, 4, date(2020, 4, 23), date(2020, 5, 23)),
        (2023, 2, date(2023, 2, 20), date(2023, 3, 22)),
        (2025, 6, date(2025, 6, 25), date(2025, 7, 25)),
    ],
)
def test_leap_months(year: int, month: int, ordinary_first: date, leap_first: date) -> None:
    assert tyme_solar(year, month, 1) == ordinary_first
    assert tyme_solar(year, month, 1, leap=True) == leap_first
    # An ordinary-month date falls once, in the ordinary month only.
    assert occurrence_in_year(lunar(month, 8), year) == [ordinary_first + timedelta(days=7)]
    # A leap-month date falls in the leap month in that year ...
    assert occurrence_in_year(lunar(month, 8, True), year) == [leap_first + timedelta(days=7)]
    # ... and in the ordinary month in the years around it (which have no such leap month).
    for other in (year - 1, year + 1):
        assert occurrence_in_year(lunar(month, 8, True), other) == [tyme_solar(other, month, 8)]


def test_day_30_fallbacks() -> None:
    # 2024 腊月 has 29 days: 腊月三十 falls on 腊月廿九 = 除夕 (2025-01-28).
    assert occurrence_in_year(lunar(12, 30), 2025) == [date(2025, 1, 28)]
    # 2022 腊月 has 30 days: no fallback.
    assert occurrence_in_year(lunar(12, 30), 2023) == [date(2023, 1, 21)]
    # 闰二月 2023 has 29 days: 闰二月三十 → 闰二月廿九.
    assert occurrence_in_year(lunar(2, 30, True), 2023) == [date(2023, 4, 19)]
    # Composed, in years without 闰二月: 二月三十 when it exists (2024) ...
    assert occurrence_in_year(lunar(2, 30, True), 2024) == [tyme_solar(2024, 2, 30)]
    # ... else 二月廿九 (2022).
    assert occurrence_in_year(lunar(2, 30, True), 2022) == [tyme_solar(2022, 2, 29)]
    # 闰六月 2025 has 29 days; 2026 六月 has 30.
    assert occurrence_in_year(lunar(6, 30, True), 2025) == [tyme_solar(2025, 6, 29, leap=True)]
    assert occurrence_in_year(lunar(6, 30, True), 2026) == [tyme_solar(2026, 6, 30)]


def test_supported_range_edges() -> None:
    # 腊月三十 of lunar 1900 is in February 1901; solar 1901 is the first full lunar year.
    assert occurrence_in_year(lunar(12, 30), 1901) == [date(1901, 2, 18)]
    # 2100 is the last full year: both 腊月初一 of lunar 2099 and of lunar 2100 fall in it.
    assert occurrence_in_year(lunar(12, 1), 2100) == [
        tyme_solar(2099, 12, 1),
        tyme_solar(2100, 12, 1),
    ]
    assert tyme_solar(2100, 12, 1) == date(2100, 12, 31)
    for year in (1900, 2101):
        with pytest.raises(ValueError):
            occurrence_in_year(lunar(1, 1), year)
    with pytest.raises(ValueError):  # would be lunar 2101
        next_occurrence(lunar(1, 1), date(2100, 12, 1))
    assert occurrence_in_year(solar(2, 29), 2101) == [date(2101, 2, 28)]


@given(
    st.dates(min_value=date(1901, 1, 1), max_value=date(2097, 12, 31)),
    st.integers(1, 12),
    st.integers(1, 30),
    st.booleans(),
)
def test_next_occurrence_is_first_between(day: date, month: int, dd: int, leap: bool) -> None:
    d = lunar(month, dd, leap)
    nxt = next_occurrence(d, day)
    assert nxt in occurrence_in_year(d, nxt.year)
    assert occurrences_between(d, day, nxt) == [nxt]
    assert nxt - day < timedelta(days=400)


# --- key lookups agree with occurrences -----------------------------------------------------

YEARS = range(2019, 2027)


def _all_days() -> list[date]:
    first, last = date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_lunar_keys_match_occurrences_2019_2026() -> None:
    expected: dict[date, set[tuple[int, int, bool]]] = defaultdict(set)
    for month in range(1, 13):
        for day in range(1, 31):
            for leap in (False, True):
                for year in YEARS:
                    for d in occurrence_in_year(lunar(month, day, leap), year):
                        expected[d].add((month, day, leap))
    for d in _all_days():
        keys = lunar_keys_falling_on(d)
        assert len(keys) == len(set(keys)), d
        assert set(keys) == expected[d], d
        assert lunar_key(d) in keys, d


def test_solar_keys_match_occurrences_2019_2026() -> None:
    expected: dict[date, set[tuple[int, int]]] = defaultdict(set)
    for offset in range(366):
        md = date(2000, 1, 1) + timedelta(days=offset)  # 2000 is a leap year
        for year in YEARS:
            for d in occurrence_in_year(solar(md.month, md.day), year):
                expected[d].add((md.month, md.day))
    for d in _all_days():
        assert set(solar_keys_falling_on(d)) == expected[d], d
    assert solar_keys_falling_on(date(2023, 2, 28)) == [(2, 28), (2, 29)]
    assert solar_keys_falling_on(date(2024, 2, 28)) == [(2, 28)]


def test_lunar_keys_examples() -> None:
    # Last day of 闰二月 2023 (29 days).
    assert lunar_keys_falling_on(date(2023, 4, 19)) == [(2, 29, True), (2, 30, True)]
    # 2023 has 闰二月, so 二月初八 takes only the ordinary key.
    assert lunar_keys_falling_on(tyme_solar(2023, 2, 8)) == [(2, 8, False)]
    # 2024 has no 闰四月: 四月初八 also takes 闰四月初八.
    assert lunar_keys_falling_on(tyme_solar(2024, 4, 8)) == [(4, 8, False), (4, 8, True)]
    # 2024 四月 has 29 days: four keys on 四月廿九.
    assert lunar_keys_falling_on(tyme_solar(2024, 4, 29)) == [
        (4, 29, False),
        (4, 30, False),
        (4, 29, True),
        (4, 30, True),
    ]


# --- ages -----------------------------------------------------------------------------------


def test_age_on_solar() -> None:
    assert age_on(1990, 6, 15, date(2025, 6, 14)) == 34
    assert age_on(1990, 6, 15, date(2025, 6, 15)) == 35
    assert age_on(2000, 2, 29, date(2023, 2, 27)) == 22
    assert age_on(2000, 2, 29, date(2023, 2, 28)) == 23  # falls back to 28 February
    assert age_on(2000, 2, 29, date(2024, 2, 28)) == 23
    assert age_on(2000, 2, 29, date(2024, 2, 29)) == 24
    assert age_on(2000, 2, 29, date(2000, 2, 29)) == 0
    with pytest.raises(ValueError):
        age_on(2000, 5, 1, date(2000, 4, 30))


def test_age_on_lunar() -> None:
    # Born 腊月二十 of lunar 1990 (January 1991).
    assert age_on(1990, 12, 20, date(2025, 1, 18), calendar="lunar") == 33
    assert age_on(1990, 12, 20, date(2025, 1, 19), calendar="lunar") == 34
    assert age_on(1990, 12, 20, date(2025, 2, 1), calendar="lunar") == 34
    # Born 闰四月初八 2020; 2021 has no 闰四月, so the birthday is 四月初八 (2021-05-19).
    assert age_on(2020, 4, 8, date(2021, 5, 18), calendar="lunar", leap=True) == 0
    assert age_on(2020, 4, 8, date(2021, 5, 19), calendar="lunar", leap=True) == 1
