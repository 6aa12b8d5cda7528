"""Which template fields a client already has, so the guided record asks only what is missing."""

from __future__ import annotations

from handlers.fields.children import CHILD_RELATIONS
from handlers.template import FieldSpec
from storage.models import Client

_SECRET_COLUMNS = {"phone": "phone_enc", "id_number": "id_number_enc",
                   "payment_account": "payment_account_enc"}


def filled_keys(client: Client | None, specs: list[FieldSpec]) -> set[str]:
    """Keys of the fields in ``specs`` that already hold a value for ``client``."""
    if client is None:
        return set()
    return {spec.key for spec in specs if _has_value(client, spec.target)}


def _has_value(client: Client, target: str) -> bool:
    head, _, rest = target.partition(".")
    if target == "client.birthday":
        return client.birth_month is not None
    if target == "client.age":  # a birth year gives the age
        return client.age is not None or client.birth_year is not None
    if head == "client":
        return getattr(client, _SECRET_COLUMNS.get(rest, rest)) is not None
    if head == "soft":
        return any(note.heading == rest for note in client.soft_notes)
    if head == "attr":
        return rest in (client.attrs or {})
    if target == "family.children":
        return any(member.relation in CHILD_RELATIONS for member in client.family)
    if target == "family.parents":
        return "parents" in (client.attrs or {})
    if head == "family":
        attr = rest.split(".", 1)[1]
        spouse = next((m for m in client.family if m.relation == "配偶"), None)
        column = "birth_month" if attr == "birthday" else attr
        return spouse is not None and getattr(spouse, column) is not None
    if head == "date":
        return any(entry.kind == rest for entry in client.dates)
    if head == "tags":
        return bool(client.tags)
    return False
