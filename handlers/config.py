"""What the handlers need from configuration (validated by pydantic at start-up)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from handlers.notes import NoteKeywords
from handlers.template import Templates
from handlers.tiers import TierRules


class NoteKeywordsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interests: list[str] = []
    occupations: list[str] = []
    need_tags: dict[str, str] = {}

    def to_keywords(self) -> NoteKeywords:
        return NoteKeywords(interests=self.interests, occupations=self.occupations,
                            need_tags=self.need_tags)


class HandlerConfig(BaseModel):
    """Templates, tier rules, note keywords, the salon lead time and the bot's time zone: the
    handlers' whole view of config.yaml."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    templates: Templates
    zone: ZoneInfo  # timezone: an agent's too, when the one stored is unusable
    tiers: TierRules = TierRules()
    note_keywords: NoteKeywordsConfig = NoteKeywordsConfig()
    salon_invite_days_before: int = 2  # nudges.salon_invite_days_before: series occurrences
