"""The texts of reminders that name a policy or a family member: written by the sweep, and
written again when the agent corrects what they name (handlers/commands/item_edit.py)."""

from __future__ import annotations

from datetime import date

from handlers.fields.money import display_money
from handlers.nudge_list import month_day


def person(client_name: str, relation: str | None, member_name: str | None) -> str:
    """Who a reminder is about: the client, or「张三的女儿 张小雨」for a family member
    (``relation`` given)."""
    if relation is None:
        return client_name
    return f"{client_name}的{relation}" + (f" {member_name}" if member_name else "")


def renewal_occurrence(target: date, lead: int) -> str:
    """Which renewal reminder this is: the premium's day and the lead (days before it) whose
    reminder it is."""
    return f"{target.isoformat()}/{lead}"


def renewal_day(occurrence: str) -> date:
    """``renewal_occurrence`` read back: the premium's day."""
    return date.fromisoformat(occurrence.split("/")[0])


def days_ahead(days: int) -> str:
    """How far off a reminder's event is: 今天, or N天后 (the days truly left, which a
    reminder made late, after its lead day, counts from the day it was made)."""
    return "今天" if days == 0 else f"{days}天后"


def renewal_text(client_name: str, product_type: str | None, premium: int | None,
                 payment_years: int | None, start_year: int, target: date,
                 days: int) -> str | None:
    """The reminder ``days`` days before a premium falls due on ``target``; None when none
    does (the first year, or all payment years paid)."""
    period = target.year - start_year  # premiums paid so far
    if period < 1 or (payment_years is not None and period >= payment_years):
        return None
    of = f"第{period + 1}/{payment_years}期" if payment_years else f"第{period + 1}期"
    return (f"💰 {client_name} 的{product_type or '保单'} {days_ahead(days)}"
            f"（{month_day(target)}）续期，年缴{'' if premium is None else display_money(premium)}"
            f"（{of}）")
