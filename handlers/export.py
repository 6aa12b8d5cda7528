"""Clients as plain dicts for `clients --json` and `show --json` (sensitive numbers masked)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers import fields
from handlers.card import birthday_value
from handlers.template import SOFT_HEADINGS
from storage.models import Client, FamilyMember, TimelineEntry


def _birthday(person: Client | FamilyMember) -> dict[str, Any] | None:
    value = birthday_value(person)
    if value is None:
        return None
    return {**value, "text": fields.display("birthday", value)}


def client_to_dict(client: Client, timeline: Sequence[TimelineEntry] = ()) -> dict[str, Any]:
    """Everything on file about ``client``; ``timeline`` (its notes, meetings, changes), oldest
    first."""
    return {
        "id": client.id,
        "name": client.name,
        "tier": client.tier,
        "tier_reason": client.tier_reason,
        "tags": list(client.tags or []),
        "gender": client.gender,
        "birthday": _birthday(client),
        "age": client.age,
        "phone": client.phone_masked,
        "city": client.city,
        "occupation": client.occupation,
        "employer": client.employer,
        "position": client.position,
        "marital_status": client.marital_status,
        "household_income": client.household_income,
        "investable_assets": client.investable_assets,
        "liabilities": client.liabilities,
        "id_number": client.id_number_masked,
        "payment_account": client.payment_account_masked,
        "policies": [
            {
                "is_own": policy.is_own,
                "insurer": policy.insurer,
                "product_type": policy.product_type,
                "start_date": policy.start_date.isoformat() if policy.start_date else None,
                "annual_premium": policy.annual_premium,
                "payment_years": policy.payment_years,
                "beneficiary": policy.beneficiary,
                "beneficiary_relation": policy.beneficiary_relation,
                "status": policy.status,
            }
            for policy in client.policies
        ],
        "family": [
            {
                "relation": member.relation,
                "name": member.name,
                "birth_year": member.birth_year,
                "birthday": _birthday(member),
                "occupation": member.occupation,
                "lives_together": member.lives_together,
                "notes": member.notes,
            }
            for member in client.family
        ],
        "soft_info": {
            heading: [note.text for note in client.soft_notes if note.heading == heading]
            for heading in SOFT_HEADINGS
        },
        "dates": [
            {"kind": entry.kind, "label": entry.label, "calendar": entry.calendar,
             "year": entry.year, "month": entry.month, "day": entry.day, "leap": entry.leap}
            for entry in client.dates
        ],
        "book": dict(client.attrs or {}),
        "referred_by": client.referred_by_id,
        "last_contact_at": client.last_contact_at.isoformat() if client.last_contact_at else None,
        "timeline": [{"at": entry.at.isoformat(), "kind": entry.kind, "text": entry.text}
                     for entry in sorted(timeline, key=lambda entry: (entry.at, entry.id))],
    }
