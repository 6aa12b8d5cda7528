"""Whom to invite to a salon: target tiers first, then shared interests and needs (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar

from handlers.template import TIERS


class Candidate(Protocol):
    """What proposing needs of a client."""

    @property
    def name(self) -> str: ...
    @property
    def tier(self) -> str: ...
    @property
    def tags(self) -> list[str] | None: ...
    @property
    def last_contact_at(self) -> datetime | None: ...


C = TypeVar("C", bound=Candidate)


@dataclass(frozen=True)
class Proposal(Generic[C]):
    client: C
    matched: tuple[str, ...]  # the salon tags this client shares (the reason)


def tag_matches(salon_tag: str, client_tag: str) -> bool:
    """Same tag, or one contains the other (#养老 matches 养老规划)."""
    if salon_tag == client_tag:
        return True
    shorter, longer = sorted((salon_tag, client_tag), key=len)
    return len(shorter) >= 2 and shorter in longer


def matched_tags(salon_tags: Sequence[str], client_tags: Iterable[str] | None) -> tuple[str, ...]:
    tags = [tag for tag in client_tags or () if isinstance(tag, str)]
    return tuple(s for s in salon_tags if any(tag_matches(s, tag) for tag in tags))


def tier_rank(tier: str) -> int:
    """核心 4 > 精选 3 > 成交 2 > 筛选 1 > 普通 0 (unknown tiers rank lowest)."""
    return TIERS.index(tier) if tier in TIERS else -1


def propose_invitees(salon_tags: Sequence[str], salon_tiers: Sequence[str],
                     candidates: Iterable[C], limit: int = 20) -> list[Proposal[C]]:
    """Clients in the target tiers (all tiers when none), best first.

    Ranked by the number of matching tags, then higher tier, then longest since last contact
    (never contacted counts as longest).
    """
    tiers = set(salon_tiers)
    proposals = [
        Proposal(client, matched_tags(salon_tags, client.tags))
        for client in candidates
        if not tiers or client.tier in tiers
    ]
    proposals.sort(key=lambda p: (
        -len(p.matched),
        -tier_rank(p.client.tier),
        p.client.last_contact_at is not None,
        p.client.last_contact_at or datetime.min,
    ))
    return proposals[:max(limit, 0)]


class Identified(Candidate, Protocol):
    """A candidate with its id (rotation remembers clients by id)."""

    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=Identified)


def rotate(proposals: Sequence[Proposal[R]], last_proposed: Mapping[int, date],
           limit: int = 20) -> list[Proposal[R]]:
    """Clients already on a recent list of the same series (``last_proposed``: client id → that
    salon's day) go after everyone else, the longest ago first; the order is otherwise kept."""
    ranked = sorted(proposals, key=lambda p: last_proposed.get(p.client.id, date.min))
    return ranked[:max(limit, 0)]
