"""Ages (周岁), one rule for the card, lists and the life-stage reminders.

A full birth date gives completed years: one less while this year's birthday is still to come
(a lunar birth date counts lunar years). A birth year alone — a child's "2岁" is stored as the
year they reach it — gives the difference of years, so the age moves on each 1 January, the
day the life-stage rule reminds them. An age typed for a client without a birth year moves on
the same way from the year it was recorded.
"""

from __future__ import annotations

from calendar import isleap
from datetime import date

from borax.calendars.lunardate import LCalendars, LunarDate

from storage.models import Client, FamilyMember

AGE_YEAR = "age_year"  # Client.attrs key: the year a typed age was recorded in


def completed_years(year: int, month: int | None, day: int | None, on: date, *,
                    calendar: str | None = "solar", leap: bool = False) -> int:
    """周岁 on ``on`` for someone born on that date (month and day unknown: year difference)."""
    if month is None or day is None:
        return on.year - year
    if calendar == "lunar":
        today = LunarDate.from_solar_date(on.year, on.month, on.day)
        has_leap = leap and LCalendars.leap_month(today.year) == month
        last_day = LCalendars.ndays(today.year, month, int(has_leap))
        birthday = (month, has_leap, min(day, last_day))
        return today.year - year - ((today.month, bool(today.leap), today.day) < birthday)
    if (month, day) == (2, 29) and not isleap(on.year):
        day = 28  # falls on 28 February in common years
    return on.year - year - ((on.month, on.day) < (month, day))


def person_age(person: Client | FamilyMember, on: date) -> int | None:
    """The age of a client or family member on ``on``, or None when nothing tells it."""
    if person.birth_year:
        month = person.birth_month if person.birth_calendar else None
        return max(0, completed_years(person.birth_year, month, person.birth_day, on,
                                      calendar=person.birth_calendar,
                                      leap=bool(person.birth_leap)))
    if isinstance(person, Client) and person.age is not None:
        recorded = (person.attrs or {}).get(AGE_YEAR) or person.created_at.year
        return person.age + max(0, on.year - int(recorded))
    return None
