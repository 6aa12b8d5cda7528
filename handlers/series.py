"""Occurrences of recurring salons: made ``salon_invite_days_before`` days ahead, by the sweep
or when the agent looks, with invitees proposed from the data of that moment, rotating."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.invitees import propose_invitees, rotate
from handlers.series_text import ROTATION_DAYS, meets_on
from handlers.when import has_passed, local_now
from storage.models import Salon, SalonSeries
from storage.salon_series import SalonSeriesRepository


def make_occurrence(repo: SalonSeriesRepository, series: SalonSeries, day: date,
                    now: datetime, zone: ZoneInfo) -> Salon | None:
    """The series' salon on ``day`` with its proposed invitees; None when it exists already,
    or when it is over in the agent's time ``zone`` (an earlier day, or today at a time gone
    by: a sweep catching up after downtime, or the agent looking late in the day).

    Only the process whose insert made the salon proposes invitees: two sweepers racing make
    one salon with one list. Clients on the series' lists of the last ``ROTATION_DAYS`` days
    rank after everyone else, so the same people are not proposed three times a week.
    """
    if has_passed(day, series.time, local_now(now, zone)):
        return None
    salon = repo.add_occurrence(series, day, now)
    if salon is None:
        return None
    candidates = repo.candidates(series.tiers)
    ranked = propose_invitees(series.tags, series.tiers, candidates, limit=len(candidates))
    lately = repo.recently_proposed(series, day - timedelta(days=ROTATION_DAYS), day)
    repo.propose(salon, [proposal.client.id for proposal in rotate(ranked, lately)], now)
    return salon


def make_upcoming(repo: SalonSeriesRepository, today: date, days_ahead: int,
                  now: datetime, zone: ZoneInfo) -> list[Salon]:
    """Make what the sweep would have made by now: the occurrences in [today, today +
    ``days_ahead``] of the agent's running series (a series set up today, or a sweep that
    has not run yet), but none already over. Returns the ones made here."""
    running = repo.active()
    if not running:
        return []
    last = today + timedelta(days=days_ahead)
    made_before = repo.days_made([series.id for series in running], today, last)
    made: list[Salon] = []
    for series in running:
        day = max(today, series.starts_on)
        while day <= last:
            if meets_on(series.weekdays, day) and (series.id, day) not in made_before:
                salon = make_occurrence(repo, series, day, now, zone)
                if salon is not None:
                    made.append(salon)
            day += timedelta(days=1)
    return made
