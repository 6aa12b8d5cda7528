"""Pure calendar maths for reminders: solar and lunar recurring dates (birthdays, anniversaries).

A recurring date is a month and day in the solar (Gregorian) or the Chinese lunar calendar; a
lunar one also says whether its month is a leap month (闰月). Lunar conversion uses borax, which
raises on lunar dates that do not exist; its tables are checked against tyme4py in the tests.

Fallback rules (product rules: a yearly date always falls exactly once per calendar year):

1. Solar 29 February falls on 28 February in common years.
2. Lunar day 30, in a year where that month has only 29 days, falls on day 29 of that month.
3. A lunar date in a leap month (闰四月初八) falls in the leap month in years that have that leap
   month, and on the same day of the ordinary month (四月初八) in years that do not. A date in an
   ordinary month falls only in the ordinary month, never again in the leap month.
4. The rules compose: 闰M月三十 falls on 闰M月廿九 when the leap month has 29 days, on M月三十
   in years without 闰M月, and on M月廿九 when that ordinary month has 29 days too.

Lunar year Y starts between 21 January and 20 February of solar year Y, so a lunar date may fall
0, 1 or 2 times in a solar year (腊月 of lunar Y-1 lands in January/February of Y, 腊月 of lunar
Y in December of Y or January of Y+1). borax covers lunar years 1900-2100 (solar 1900-01-31 to
2101-01-28); lunar occurrences are therefore computed for solar years 1901-2100 only, and
anything outside raises ValueError. Known limit: borax follows the Hong Kong Observatory tables,
which put the new moons of 4 Sep 2089 and 7 Aug 2097 one day late (see the tests).

The ``year`` of a RecurringDate (year of birth or of the wedding) does not limit occurrences;
use it for ages and anniversary counts (``age_on``).
"""

from dataclasses import dataclass
from datetime import date

from borax.calendars import LCalendars, LunarDate

SOLAR = "solar"
LUNAR = "lunar"
FIRST_LUNAR_SOLAR_YEAR = 1901
LAST_LUNAR_SOLAR_YEAR = 2100
_MIN_LUNAR_SOLAR = date(1900, 1, 31)
_MAX_LUNAR_SOLAR = date(2101, 1, 28)


@dataclass(frozen=True)
class RecurringDate:
    """A yearly date; validated on construction (ValueError)."""

    calendar: str
    month: int
    day: int
    leap: bool = False
    year: int | None = None

    def __post_init__(self) -> None:
        if self.calendar == SOLAR:
            if self.leap:
                raise ValueError("a solar date has no leap month")
            date(2000, self.month, self.day)  # 2000 is a leap year: allows 29 February
        elif self.calendar == LUNAR:
            if not (1 <= self.month <= 12 and 1 <= self.day <= 30):
                raise ValueError(f"invalid lunar month/day: {self.month}/{self.day}")
        else:
            raise ValueError(f"unknown calendar: {self.calendar!r}")


def _is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _lunar_in_year(lunar_year: int, month: int, day: int, leap: bool) -> date:
    """Solar date of (month, day, leap) in a lunar year, applying fallback rules 2-4."""
    if leap and LCalendars.leap_month(lunar_year) != month:
        leap = False
    day = min(day, LCalendars.ndays(lunar_year, month, int(leap)))
    return to_solar(lunar_year, month, day, leap)


def occurrence_in_year(d: RecurringDate, solar_year: int) -> list[date]:
    """The solar dates, in order, within solar_year on which d falls (lunar: 0, 1 or 2)."""
    if d.calendar == SOLAR:
        day = 28 if (d.month, d.day) == (2, 29) and not _is_leap_year(solar_year) else d.day
        return [date(solar_year, d.month, day)]
    if not FIRST_LUNAR_SOLAR_YEAR <= solar_year <= LAST_LUNAR_SOLAR_YEAR:
        raise ValueError(f"lunar dates are supported in solar years 1901-2100, not {solar_year}")
    found = (_lunar_in_year(y, d.month, d.day, d.leap) for y in (solar_year - 1, solar_year))
    return [s for s in found if s.year == solar_year]


def next_occurrence(d: RecurringDate, on_or_after: date) -> date:
    """The first day on or after on_or_after on which d falls."""
    for year in range(on_or_after.year, on_or_after.year + 3):
        for day in occurrence_in_year(d, year):
            if day >= on_or_after:
                return day
    raise AssertionError("unreachable: a lunar date falls once in every lunar year")


def occurrences_between(d: RecurringDate, start: date, end: date) -> list[date]:
    """Every day in [start, end] (inclusive) on which d falls, in order."""
    return [
        day
        for year in range(start.year, end.year + 1)
        for day in occurrence_in_year(d, year)
        if start <= day <= end
    ]


def to_solar(lunar_year: int, month: int, day: int, leap: bool) -> date:
    """Strict lunar → solar conversion; ValueError when the lunar date does not exist."""
    return LunarDate(lunar_year, month, day, int(leap)).to_solar_date()


def to_lunar(solar: date) -> tuple[int, int, int, bool]:
    """(lunar year, month, day, leap) of a solar day in 1900-01-31..2101-01-28."""
    if not _MIN_LUNAR_SOLAR <= solar <= _MAX_LUNAR_SOLAR:
        raise ValueError(f"{solar} is outside the lunar range 1900-01-31..2101-01-28")
    lunar = LunarDate.from_solar(solar)
    return lunar.year, lunar.month, lunar.day, bool(lunar.leap)


def lunar_key(solar: date) -> tuple[int, int, bool]:
    """(lunar month, day, leap) of a solar day, exactly, without fallbacks."""
    _, month, day, leap = to_lunar(solar)
    return month, day, leap


def lunar_keys_falling_on(solar: date) -> list[tuple[int, int, bool]]:
    """Every (month, day, leap) lunar key whose yearly occurrence falls on this day (rules 2-4)."""
    year, month, day, leap = to_lunar(solar)
    days = [day]
    if day == 29 and LCalendars.ndays(year, month, int(leap)) == 29:
        days.append(30)
    leaps = [leap] if leap or LCalendars.leap_month(year) == month else [False, True]
    return [(month, d, lp) for lp in leaps for d in days]


def solar_keys_falling_on(solar: date) -> list[tuple[int, int]]:
    """Every (month, day) solar key falling on this day: 28 Feb of a common year adds (2, 29)."""
    keys = [(solar.month, solar.day)]
    if (solar.month, solar.day) == (2, 28) and not _is_leap_year(solar.year):
        keys.append((2, 29))
    return keys


def age_on(
    birth_year: int, month: int, day: int, on: date, *, calendar: str = SOLAR, leap: bool = False
) -> int:
    """Completed years (周岁) on `on`; the birthday itself counts, with the fallback rules.

    For calendar="lunar", birth_year is the lunar year of birth and the count runs in lunar
    years. ValueError if `on` is before the birth date.
    """
    d = RecurringDate(calendar, month, day, leap, birth_year)
    if calendar == SOLAR:
        year, birthday = on.year, occurrence_in_year(d, on.year)[0]
    else:
        year = to_lunar(on)[0]
        birthday = _lunar_in_year(year, month, day, leap)
    age = year - birth_year - (on < birthday)
    if age < 0:
        raise ValueError(f"{on} is before the birth date")
    return age
