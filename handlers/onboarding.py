"""Unknown users: an invite code makes them an agent; anyone else gets one polite refusal."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import texts
from handlers.types import Incoming, Reply
from storage.uow import UnitOfWork

INVITE = re.compile(r"^(?:/start|/绑定|绑定)\s+([A-Za-z0-9_-]{4,64})\s*$")
WRONG_CODES = 5  # wrong codes from one account within PAUSE, then codes are not checked
PAUSE = timedelta(hours=1)  # for this long


def handle_unknown(uow: UnitOfWork, incoming: Incoming, now: datetime,
                   zone: ZoneInfo) -> list[Reply]:
    """Register the sender when the message carries a valid invite code."""
    match = INVITE.match(incoming.text.strip())
    sender = (incoming.platform, incoming.user_id)
    if incoming.is_group:
        return []
    if match is None:  # told once an hour: a stranger must not spend WeChat's daily cap
        if not uow.agents.refusal_due(*sender, now, PAUSE):
            return []
        uow.audit.write(None, "refused", now, detail=f"{incoming.platform}")
        return [Reply(texts.UNKNOWN_USER)]
    if uow.agents.invites_paused(*sender, now):
        return []  # told once, when the pause began; no audit row per guess either
    invite = uow.agents.redeem_invite(match.group(1), now)
    if invite is None:
        if not uow.agents.invite_failed(*sender, now, WRONG_CODES, PAUSE):
            return [Reply(texts.BAD_INVITE)]
        uow.audit.write(None, "invite_paused", now, detail=incoming.platform)
        return [Reply(texts.BAD_INVITE + texts.INVITE_PAUSED)]
    name = _free_name(uow, incoming.display_name or f"{incoming.platform}-{incoming.user_id}")
    agent = uow.agents.add(name, now, zone.key, is_leader=invite.is_leader)
    invite.used_by = agent.id
    uow.agents.bind(agent, incoming.platform, incoming.user_id, incoming.chat_id)
    uow.audit.write(agent.id, "registered", now, detail=incoming.platform)
    return [Reply(texts.WELCOME.format(name=name) + texts.HELP)]


def _free_name(uow: UnitOfWork, wanted: str) -> str:
    """A display name made plain (NFKC, no invisible characters) and unique among agents:
    "王芳" becomes "王芳2" when there is already a 王芳, so a newcomer can never be taken for
    an existing agent."""
    plain = unicodedata.normalize("NFKC", wanted)
    plain = "".join(ch for ch in plain if unicodedata.category(ch)[0] != "C" or ch.isspace())
    wanted = " ".join(plain.split())[:48] or "经纪人"
    name, counter = wanted, 2
    while uow.agents.by_name(name) is not None:
        name, counter = f"{wanted}{counter}", counter + 1
    return name
