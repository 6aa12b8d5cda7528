"""One client on one screen: hard info, soft info by heading, policies, family, tier and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers import fields
from handlers.ages import person_age
from handlers.template import SOFT_HEADINGS, Templates
from handlers.tiers import is_signed, own_premium
from handlers.when import local_now
from storage.models import Client, FamilyMember, TimelineEntry

CARD_ENTRY_CHARS = 60  # a timeline entry on the card; /notes shows it whole


def birthday_value(person: Client | FamilyMember) -> dict[str, Any] | None:
    """The stored birthday columns as a parser-shaped value, or None."""
    if not person.birth_calendar or not person.birth_month:
        return None
    return {"calendar": person.birth_calendar, "year": person.birth_year,
            "month": person.birth_month, "day": person.birth_day,
            "leap": bool(person.birth_leap)}


def age_of(client: Client, now: datetime, zone: ZoneInfo) -> int | None:
    """The client's age (周岁) on the agent's day (handlers.ages)."""
    return person_age(client, local_now(now, zone).date())


def _money(value: int | None) -> str | None:
    return fields.display("money", value) if value is not None else None


def _join(*parts: str | None, sep: str = " ｜ ") -> str:
    return sep.join(part for part in parts if part)


def render_card(client: Client, templates: Templates, now: datetime,
                recent: list[TimelineEntry], zone: ZoneInfo,
                referrer: Client | None = None, referrals: Sequence[Client] = ()) -> str:
    """The card as plain text (channels escape and split it as they need); times are shown
    in the agent's time zone. ``referrer``: who introduced the client; ``referrals``: whom
    the client introduced (the 核心 book's record of referrals and the premium they brought)."""
    age = age_of(client, now, zone)
    who = _join(client.gender, f"{age}岁" if age is not None else None, sep="，")
    lines = [f"📇 {client.name}" + (f"（{who}）" if who else "") + f" · 【{client.tier}】"]
    if client.tier_reason:
        lines.append(f"分层原因：{client.tier_reason}")
    lines += ["—— 基本信息 ——", *_basics(client)]
    if client.family:
        lines += ["—— 家人 ——", *(member_line(member, now, zone) for member in client.family)]
    if client.policies:
        lines += ["—— 保单 ——", *(policy_line(policy) for policy in client.policies)]
    soft = _soft(client)
    if soft:
        lines += ["—— 软信息 ——", *soft]
    lines += _books(client, templates)
    lines += _referral_lines(referrer, referrals)
    if client.dates:
        dates = "；".join(f"{entry.label} {_date(entry)}" for entry in client.dates)
        lines += ["—— 纪念日 ——", dates]
    today = local_now(now, zone).date()
    last = local_now(client.last_contact_at, zone) if client.last_contact_at else None
    lines.append(f"最近联系：{last:%Y-%m-%d}（{(today - last.date()).days}天前）"
                 if last else "最近联系：无")
    lines += [f"· {local_now(entry.at, zone):%m-%d} {_shortened(entry.text)}" for entry in recent]
    return "\n".join(lines)


def _referral_lines(referrer: Client | None, referrals: Sequence[Client]) -> list[str]:
    lines = [f"介绍人：{referrer.name}"] if referrer is not None else []
    if referrals:
        signed = sum(1 for referred in referrals if is_signed(referred))
        premium = sum(own_premium(referred) for referred in referrals)
        shown = "、".join(f"{referred.name}【{referred.tier}】" for referred in referrals[:20])
        more = f" 等 {len(referrals)} 位" if len(referrals) > 20 else ""
        lines.append(f"介绍了 {len(referrals)} 位，成交 {signed} 位，"
                     f"带来年缴保费合计 {premium:,} 元：{shown}{more}")
    return ["—— 转介绍 ——", *lines] if lines else []


def _shortened(text: str) -> str:
    return text if len(text) <= CARD_ENTRY_CHARS else text[:CARD_ENTRY_CHARS - 1] + "…"


def _basics(client: Client) -> list[str]:
    birthday = birthday_value(client)
    rows = [
        _join(f"生日：{fields.display('birthday', birthday)}" if birthday else None,
              f"手机：{client.phone_masked}" if client.phone_masked else None),
        _join(f"城市：{client.city}" if client.city else None,
              f"职业：{client.occupation}" if client.occupation else None),
        _join(f"单位：{client.employer}" if client.employer else None,
              f"职位：{client.position}" if client.position else None),
        _join(f"婚姻：{client.marital_status}" if client.marital_status else None,
              f"父母：{client.attrs.get('parents')}" if client.attrs.get("parents") else None),
        _join(f"家庭年收入：{_money(client.household_income)}" if client.household_income else None,
              f"可投资资产：{_money(client.investable_assets)}"
              if client.investable_assets else None,
              f"负债：{client.liabilities}" if client.liabilities else None),
        f"标签：{'、'.join(client.tags)}" if client.tags else "",
    ]
    return [row for row in rows if row] or ["（暂无）"]


def member_line(member: FamilyMember, now: datetime, zone: ZoneInfo) -> str:
    """One family member on one line."""
    birthday = birthday_value(member)
    years = person_age(member, local_now(now, zone).date())
    age = f"{years}岁" if years is not None else None
    born = f"生日 {fields.display('birthday', birthday)}" if birthday else None
    together = "同住" if member.lives_together else None
    return _join(member.relation, member.name, age, member.occupation, born, together,
                 member.notes, sep=" ")


def policy_line(policy: Any) -> str:
    """One policy on one line, with its status."""
    owner = "本公司" if policy.is_own else f"同业·{policy.insurer or '未知'}"
    start = f"{policy.start_date:%Y-%m-%d}起" if policy.start_date else None
    premium = f"年缴{_money(policy.annual_premium)}" if policy.annual_premium else None
    years = f"×{policy.payment_years}年" if policy.payment_years else None
    beneficiary = (f"受益人 {policy.beneficiary}"
                   + (f"（{policy.beneficiary_relation}）" if policy.beneficiary_relation else "")
                   if policy.beneficiary else None)
    return _join(f"[{owner}]", policy.product_type, start, premium, years, beneficiary,
                 policy.status, sep=" ")


def _soft(client: Client) -> list[str]:
    lines = []
    for heading in SOFT_HEADINGS:
        notes = [note.text for note in client.soft_notes if note.heading == heading]
        if notes:
            lines.append(f"{heading}：{'；'.join(notes)}")
    return lines


def _books(client: Client, templates: Templates) -> list[str]:
    lines: list[str] = []
    for tier, specs in templates.books.items():
        rows = []
        for spec in specs:
            if spec.target.startswith("attr.") and spec.target[5:] in client.attrs:
                value = fields.display(spec.type, client.attrs[spec.target[5:]])
                rows.append(f"{spec.label}：{value}")
            elif spec.target.startswith("client.") and spec.type in {"account", "id_number"}:
                masked = getattr(client, f"{spec.target[7:]}_masked", None)
                if masked:
                    rows.append(f"{spec.label}：{masked}")
        if rows:
            lines += [f"—— {tier}本 ——", *rows]
    return lines


def _date(entry: Any) -> str:
    value = {"calendar": entry.calendar, "year": entry.year, "month": entry.month,
             "day": entry.day, "leap": entry.leap}
    return fields.display("lunar_date" if entry.calendar == "lunar" else "date", value)
