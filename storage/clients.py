"""The client repository, scoped to one agent: it cannot reach another agent's clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from storage.crypto import FieldCipher
from storage.models import (
    Client,
    ClientDate,
    FamilyMember,
    Policy,
    SoftNote,
    TierChange,
    TimelineEntry,
)
from storage.name_fold import fold
from storage.name_keys import NameKey, NameKeyCache

SECRET_FIELDS = ("phone", "id_number", "payment_account")
_CLIENTS_ADDED = "clients_added"  # Session.info: this transaction inserted clients
_SEARCH_COLUMNS = (Client.id, Client.name, Client.name_key, Client.name_pinyin,
                   Client.name_initials, Client.city, Client.tags, Client.tier, Client.occupation,
                   Client.employer)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class SearchRow:
    """The columns /find ranks on, without loading whole clients."""

    id: int
    name: str
    name_key: str  # the name folded (storage/name_fold.py)
    name_pinyin: str
    name_initials: str
    city: str | None
    tags: list[str]
    tier: str
    occupation: str | None
    employer: str | None


class ClientRepository:
    """Every query filters by ``agent_id``; ``get`` of a foreign id returns None."""

    def __init__(self, session: Session, agent_id: int, cipher: FieldCipher,
                 name_cache: NameKeyCache | None = None) -> None:
        self._session = session
        self.agent_id = agent_id
        self._cipher = cipher
        self._name_cache = name_cache

    # -- reading ---------------------------------------------------------------
    def get(self, client_id: int) -> Client | None:
        client = self._session.get(Client, client_id)
        if client is None or client.agent_id != self.agent_id:
            return None
        return client

    def get_many(self, client_ids: list[int]) -> dict[int, Client]:
        """The agent's clients among ``client_ids``, by id, in one query."""
        if not client_ids:
            return {}
        query = select(Client).where(Client.agent_id == self.agent_id,
                                     Client.id.in_(client_ids))
        return {client.id: client for client in self._session.scalars(query)}

    def by_name(self, name: str) -> list[Client]:
        """The agent's clients of this name, in any case (zhang wei: Zhang Wei)."""
        query = select(Client).where(Client.agent_id == self.agent_id,
                                     Client.name_key == fold(name))
        return list(self._session.scalars(query.order_by(Client.id)))

    def names_among(self, names: list[str]) -> set[str]:
        """Which of ``names`` (as typed, in any case) are names of the agent's clients."""
        keys = {fold(name) for name in names}
        stored = set(self._session.scalars(select(Client.name_key).where(
            Client.agent_id == self.agent_id, Client.name_key.in_(keys)))) if keys else set()
        return {name for name in names if fold(name) in stored}

    def all(self) -> list[Client]:
        query = (
            select(Client)
            .where(Client.agent_id == self.agent_id)
            .options(
                selectinload(Client.family),
                selectinload(Client.policies),
                selectinload(Client.soft_notes),
                selectinload(Client.dates),
            )
            .order_by(Client.id)
        )
        return list(self._session.scalars(query))

    def by_tier(self, tier: str) -> list[Client]:
        query = select(Client).where(Client.agent_id == self.agent_id, Client.tier == tier)
        return list(self._session.scalars(query.order_by(Client.name)))

    def count(self) -> int:
        query = select(func.count()).select_from(Client).where(Client.agent_id == self.agent_id)
        return int(self._session.scalar(query) or 0)

    def search_candidates(self, query: str, latin: str | None, place: str,
                          limit: int = 200) -> list[SearchRow]:
        """Rows whose name, pinyin, initials, tags, occupation or employer contain the query,
        or whose city contains ``place`` (the query without 市/省…) (SQL prefilter)."""
        pattern = f"%{_escape_like(query)}%"
        conditions = [
            Client.name_key.like(f"%{_escape_like(fold(query))}%", escape="\\"),  # any case
            Client.city.like(f"%{_escape_like(place)}%", escape="\\"),
            cast(Client.tags, String).like(pattern, escape="\\"),
            Client.occupation.like(pattern, escape="\\"),
            Client.employer.like(pattern, escape="\\"),
        ]
        if latin:
            prefix = f"{_escape_like(latin)}%"
            conditions += [Client.name_pinyin.like(prefix, escape="\\"),
                           Client.name_initials.like(prefix, escape="\\")]
        query_rows = (
            select(*_SEARCH_COLUMNS)
            .where(Client.agent_id == self.agent_id, or_(*conditions))
            .limit(limit)
        )
        return [SearchRow(*row) for row in self._session.execute(query_rows)]

    def search_rows_by_ids(self, ids: set[int]) -> list[SearchRow]:
        if not ids:
            return []
        query = select(*_SEARCH_COLUMNS).where(Client.agent_id == self.agent_id,
                                               Client.id.in_(ids))
        return [SearchRow(*row) for row in self._session.execute(query)]

    def family_like(self, query: str, limit: int = 50) -> list[tuple[int, str, str, str]]:
        """(client id, relation, name, occupation) of family members whose name or
        occupation contains ``query`` (missing ones as "")."""
        pattern = f"%{_escape_like(query)}%"
        found = (
            select(FamilyMember.client_id, FamilyMember.relation, FamilyMember.name,
                   FamilyMember.occupation)
            .join(Client, Client.id == FamilyMember.client_id)
            .where(Client.agent_id == self.agent_id,
                   or_(FamilyMember.name.like(pattern, escape="\\"),
                       FamilyMember.occupation.like(pattern, escape="\\")))
            .limit(limit)
        )
        return [(row[0], row[1], row[2] or "", row[3] or "")
                for row in self._session.execute(found)]

    def name_keys(self) -> list[NameKey]:
        """(id, name, pinyin) of every client: the lean set fuzzy matching runs over (kept
        between messages while the agent's clients are the same, storage/name_keys.py)."""
        cache = None if self._session.info.get(_CLIENTS_ADDED) else self._name_cache
        if cache is not None:
            count, highest = self._session.execute(
                select(func.count(), func.max(Client.id)).where(Client.agent_id == self.agent_id)
            ).one()
            stamp = (int(count), int(highest or 0))
            cached = cache.get(self.agent_id, stamp)
            if cached is not None:
                return cached
        query = select(Client.id, Client.name, Client.name_pinyin).where(
            Client.agent_id == self.agent_id
        )
        keys = [(row[0], row[1], row[2]) for row in self._session.execute(query)]
        if cache is not None:
            cache.put(self.agent_id, stamp, keys)
        return keys

    def ids_by_phone_last4(self, last4: str) -> list[int]:
        index = self._cipher.blind_index(last4)
        query = select(Client.id).where(
            Client.agent_id == self.agent_id, Client.phone_index == index
        )
        return list(self._session.scalars(query))

    def secret(self, client: Client, field: str) -> str | None:
        """Decrypt one sensitive field (only for the owner; callers mask it for display)."""
        token = getattr(client, f"{field}_enc")
        return self._cipher.decrypt(token) if token else None

    def timeline(self, client: Client, limit: int | None = 5) -> Sequence[TimelineEntry]:
        """The client's timeline, newest first (all of it when ``limit`` is None)."""
        query = (
            select(TimelineEntry)
            .where(TimelineEntry.client_id == client.id)
            .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def tier_history(self, client: Client) -> Sequence[TierChange]:
        query = select(TierChange).where(TierChange.client_id == client.id).order_by(TierChange.id)
        return list(self._session.scalars(query))

    def referral_links(self, client: Client) -> tuple[Client | None, list[Client]]:
        """(who introduced ``client``, whom ``client`` introduced): the card's 转介绍."""
        referrer = self.get(client.referred_by_id) if client.referred_by_id else None
        return referrer, self.referred_by(client)

    def referred_by(self, client: Client) -> list[Client]:
        query = select(Client).where(
            Client.agent_id == self.agent_id, Client.referred_by_id == client.id
        )
        return list(self._session.scalars(query))

    # -- writing ---------------------------------------------------------------
    def add(self, name: str, now: datetime, **fields: Any) -> Client:
        client = Client(
            agent_id=self.agent_id, name=name, created_at=now, updated_at=now, tags=[], attrs={}
        )
        for key, value in fields.items():
            setattr(client, key, value)
        self._session.add(client)
        self._session.flush()
        self._session.info[_CLIENTS_ADDED] = True  # see storage/name_keys.py
        return client

    def set_secret(self, client: Client, field: str, value: str, masked: str) -> None:
        """Store a sensitive number encrypted, with its masked form (and for phones an index)."""
        if field not in SECRET_FIELDS:
            raise ValueError(field)
        setattr(client, f"{field}_enc", self._cipher.encrypt(value))
        setattr(client, f"{field}_masked", masked)
        if field == "phone":
            digits = "".join(ch for ch in value if ch.isdecimal())
            client.phone_index = self._cipher.blind_index(digits[-4:])

    def add_family(self, client: Client, **fields: Any) -> FamilyMember:
        member = FamilyMember(client=client, **fields)
        self._session.add(member)
        return member

    def add_policy(self, client: Client, now: datetime, **fields: Any) -> Policy:
        policy = Policy(client=client, created_at=now, changed_at=now, **fields)
        self._session.add(policy)
        return policy

    def remove_policy(self, policy: Policy) -> None:
        policy.client.policies.remove(policy)  # delete-orphan: the row goes at the flush

    def remove_family(self, member: FamilyMember) -> None:
        member.client.family.remove(member)

    def remove(self, client: Client) -> None:
        """Delete the client with everything recorded about them (the database cascades to
        timeline, tier history, nudges, invitations and meetings). Clients they referred
        stay, without the referral; the referral lines naming them on others' timelines go."""
        referred = select(Client.id).where(Client.agent_id == self.agent_id,
                                           Client.referred_by_id == client.id)
        self._session.execute(
            delete(TimelineEntry)
            .where(TimelineEntry.client_id.in_(referred), TimelineEntry.kind == "referral",
                   TimelineEntry.text == f"由{client.name}介绍")
            .execution_options(synchronize_session=False))
        line = self._referrers_line(client)
        if line is not None:
            self._session.execute(delete(TimelineEntry).where(TimelineEntry.id == line)
                                  .execution_options(synchronize_session=False))
        self._session.execute(
            update(Client)
            .where(Client.agent_id == self.agent_id, Client.referred_by_id == client.id)
            .values(referred_by_id=None))
        self._session.delete(client)
        self._session.flush()

    def _referrers_line(self, client: Client) -> int | None:
        """The line "转介绍：NAME" that the referral of ``client`` wrote on their referrer's
        timeline: of the lines of that text (the referrer may have introduced two clients of
        one name), the one written with the client's own "由…介绍" line."""
        if client.referred_by_id is None:
            return None
        referral = (TimelineEntry.kind == "referral")
        own = select(TimelineEntry.at).where(TimelineEntry.client_id == client.id, referral,
                                             TimelineEntry.text.startswith("由"))
        written = set(self._session.scalars(own))
        lines = select(TimelineEntry.id, TimelineEntry.at).where(
            TimelineEntry.client_id == client.referred_by_id, referral,
            TimelineEntry.text == f"转介绍：{client.name}").order_by(TimelineEntry.id)
        found = self._session.execute(lines).all()
        return next((line for line, at in found if at in written),
                    found[0][0] if found else None)

    def add_soft_note(self, client: Client, heading: str, text: str, now: datetime) -> None:
        self._session.add(SoftNote(client=client, heading=heading, text=text, created_at=now))

    def add_date(self, client: Client, **fields: Any) -> ClientDate:
        entry = ClientDate(client=client, **fields)
        self._session.add(entry)
        return entry

    def add_timeline(self, client: Client, kind: str, text: str, now: datetime) -> None:
        self._session.add(TimelineEntry(client_id=client.id, kind=kind, text=text, at=now))

    def record_tier_change(
        self, client: Client, to_tier: str, reason: str, now: datetime, automatic: bool
    ) -> None:
        self._session.add(
            TierChange(
                client_id=client.id,
                from_tier=client.tier,
                to_tier=to_tier,
                reason=reason,
                automatic=automatic,
                at=now,
            )
        )
        client.tier = to_tier
        client.tier_reason = reason
        client.updated_at = now
