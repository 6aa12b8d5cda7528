"""SQLAlchemy 2 models of the client archive.

Dates that drive reminders are kept as separate calendar / month / day columns so a
sweep can find "everyone whose (lunar) birthday is on 3-15" with one indexed query.
Sensitive numbers are stored only encrypted (``*_enc``) plus a keyed blind index.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from storage.name_fold import fold


class Base(DeclarativeBase):
    """Declarative base for every table."""


# Ids that name something beyond their own row (a #id, a p12 button, a reminder's subject, an
# audit entry, a push's dedupe key) must not come back once deleted. PostgreSQL's sequences
# never reuse a value; SQLite reuses the largest id after its row is deleted unless the key is
# AUTOINCREMENT.
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # when the agent last changed it (None: never): the follow-ups it moved are caught up
    timezone_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    quiet_start: Mapped[int] = mapped_column(Integer, default=22)  # local hour, inclusive
    quiet_end: Mapped[int] = mapped_column(Integer, default=8)  # local hour, exclusive
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    identities: Mapped[list[Identity]] = relationship(back_populates="agent")


class Identity(Base):
    """A chat account (Telegram user id, WeChat contact id, terminal) bound to an agent."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str | None] = mapped_column(String(128))

    agent: Mapped[Agent] = relationship(back_populates="identities")


class Invite(Base):
    """A one-time invite code; only its hash is stored."""

    __tablename__ = "invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class InviteAttempts(Base):
    """One unknown chat account: its wrong invite codes, counted in a window, then a pause;
    and when it was last told the bot is for agents only."""

    __tablename__ = "invite_attempts"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)
    refused_at: Mapped[datetime | None] = mapped_column(DateTime)  # last told "agents only"


class SendCount(Base):
    """Messages a chat account sent on its current local day, as every process counted them:
    WeChat's daily cap holds across restarts and processes (bot/channels/wechat_outgoing.py)."""

    __tablename__ = "send_counts"

    account: Mapped[str] = mapped_column(String(160), primary_key=True)  # "wechat:<own id>"
    day: Mapped[date] = mapped_column(Date)
    sent: Mapped[int] = mapped_column(Integer)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        Index("ix_clients_agent_name_key", "agent_id", "name_key"),  # names are looked up here
        Index("ix_clients_tier_contact", "tier", "last_contact_at"),
        Index("ix_clients_agent_tier", "agent_id", "tier"),
        Index("ix_clients_birth_md", "birth_calendar", "birth_month", "birth_day"),
        Index("ix_clients_agent_phone", "agent_id", "phone_index"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(Text, default="")  # the name folded: set with it
    name_pinyin: Mapped[str] = mapped_column(Text, default="")
    name_initials: Mapped[str] = mapped_column(String(64), default="")
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_calendar: Mapped[str | None] = mapped_column(String(8))  # "solar" | "lunar"
    birth_year: Mapped[int | None] = mapped_column(Integer)
    birth_month: Mapped[int | None] = mapped_column(Integer)
    birth_day: Mapped[int | None] = mapped_column(Integer)
    birth_leap: Mapped[bool] = mapped_column(Boolean, default=False)
    age: Mapped[int | None] = mapped_column(Integer)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(32))
    phone_masked: Mapped[str | None] = mapped_column(String(32))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_masked: Mapped[str | None] = mapped_column(String(32))
    payment_account_enc: Mapped[str | None] = mapped_column(Text)
    payment_account_masked: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(Text)
    occupation: Mapped[str | None] = mapped_column(Text)
    employer: Mapped[str | None] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(Text)
    marital_status: Mapped[str | None] = mapped_column(String(16))
    household_income: Mapped[int | None] = mapped_column(BigInteger)
    investable_assets: Mapped[int | None] = mapped_column(BigInteger)
    liabilities: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(String(8), default="普通")
    tier_reason: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    family: Mapped[list[FamilyMember]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="FamilyMember.id"
    )
    policies: Mapped[list[Policy]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Policy.id"
    )
    soft_notes: Mapped[list[SoftNote]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="SoftNote.id"
    )
    dates: Mapped[list[ClientDate]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientDate.id"
    )

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = fold(name)
        return name


class FamilyMember(Base):
    __tablename__ = "family_members"
    __table_args__ = (Index("ix_family_birth_md", "birth_calendar", "birth_month", "birth_day"),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(Text)
    birth_calendar: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    birth_month: Mapped[int | None] = mapped_column(Integer)
    birth_day: Mapped[int | None] = mapped_column(Integer)
    birth_leap: Mapped[bool] = mapped_column(Boolean, default=False)
    occupation: Mapped[str | None] = mapped_column(Text)
    lives_together: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship(back_populates="family")


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (
        Index("ix_policies_start_md", "start_month", "start_day"),
        Index("ix_policies_client_start", "client_id", "start_date"),
        Index("ix_policies_changed_at", "changed_at"),  # the late renewals' recent changes
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    is_own: Mapped[bool] = mapped_column(Boolean, default=True)
    insurer: Mapped[str | None] = mapped_column(Text)
    product_type: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date | None] = mapped_column(Date)
    # month/day of start_date, kept for the indexed anniversary lookup of the sweep
    start_month: Mapped[int | None] = mapped_column(Integer)
    start_day: Mapped[int | None] = mapped_column(Integer)
    annual_premium: Mapped[int | None] = mapped_column(BigInteger)
    payment_years: Mapped[int | None] = mapped_column(Integer)
    beneficiary: Mapped[str | None] = mapped_column(Text)
    beneficiary_relation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="有效")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Recorded or last edited: a policy back in force, or given another start day, after its
    # renewal reminder's lead day is due a late one, as a policy recorded then is.
    changed_at: Mapped[datetime] = mapped_column(DateTime)

    client: Mapped[Client] = relationship(back_populates="policies")


class SoftNote(Base):
    """One piece of soft info under one of the five headings."""

    __tablename__ = "soft_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    heading: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    client: Mapped[Client] = relationship(back_populates="soft_notes")


class ClientDate(Base):
    """Anniversaries: wedding, first meeting, custom dates of the 精选本."""

    __tablename__ = "client_dates"
    __table_args__ = (Index("ix_client_dates_md", "calendar", "month", "day"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(Text)
    calendar: Mapped[str] = mapped_column(String(8), default="solar")
    year: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    leap: Mapped[bool] = mapped_column(Boolean, default=False)

    client: Mapped[Client] = relationship(back_populates="dates")


class TimelineEntry(Base):
    __tablename__ = "timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class TierChange(Base):
    __tablename__ = "tier_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    from_tier: Mapped[str | None] = mapped_column(String(8))
    to_tier: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime)


class AgentSession(Base):
    """The agent's conversation state, written through on every message."""

    __tablename__ = "agent_sessions"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # as earlier versions wrote it
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # the draft, sealed (AES-GCM)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The ids of the agent's latest messages ("platform:id", JSON, newest last): a redelivery
    # is known here (storage/conversations.py, claim_message). NULL: none kept yet.
    recent_messages: Mapped[str | None] = mapped_column(Text)


class ProcessedMessage(Base):
    """Platform message ids already handled (a redelivered update is ignored)."""

    __tablename__ = "processed_messages"
    # One B-tree on SQLite: claimed on every message, so one page to write, not three.
    __table_args__ = ({"sqlite_with_rowid": False},)

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # forgotten after a week (the sweep)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)


class Nudge(Base):
    """Something to remind an agent of. (kind, subject, occurrence) is unique, so sweeps that
    rerun, catch up after downtime or race in two processes all produce the same rows."""

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("kind", "subject", "occurrence", name="uq_nudges_occurrence"),
        Index("ix_nudges_agent_show", "agent_id", "status", "show_on"),
        # the sweep's retiring of open reminders: replaced ones, and lead reminders whose
        # event is over (revision 0019)
        Index("ix_nudges_status_kind_due", "status", "kind", "due_date"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(48))
    occurrence: Mapped[str] = mapped_column(String(32))
    due_date: Mapped[date] = mapped_column(Date)
    show_on: Mapped[date] = mapped_column(Date)  # due_date, or later when snoozed
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | paused
    shown_on: Mapped[date | None] = mapped_column(Date)  # the digest that last listed it
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # A festival or salon list: the ids of the clients its text names, in the order it names
    # them (so a client is struck or re-tiered by identity, not by a name others may share).
    # None on other kinds, and on lists made before revision 0017 (storage/nudges.py).
    listed: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))


class OutboxMessage(Base):
    """A push waiting for delivery; claimed atomically, sent outside the transaction."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "platform", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(96), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # digest | push | notice
    payload: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # pending | sending | sent | dead | withdrawn (held back after a deletion)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Platform messages of a long push that went out before a failure: the retry skips them.
    parts_sent: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class KeyCheck(Base):
    """Which key seals this database's data: an HMAC of a fixed label under the key (never the
    key), written on first start and compared on every start (one row, id 1)."""

    __tablename__ = "key_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[str] = mapped_column(String(64))


class SweepDay(Base):
    """Days the sweep has completed; start-up catches up the days after the last one."""

    __tablename__ = "sweep_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime)


class SalonSeries(Base):
    """A recurring salon (每周二四六小沙). Each occurrence is an ordinary `Salon`, made by the
    sweep (or when the agent looks) ``salon_invite_days_before`` days ahead; a stopped series
    makes no more and keeps the ones it made."""

    __tablename__ = "salon_series"
    __table_args__ = (NEVER_REUSED_IDS,)  # "/salon 停止 系列 3" names it

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    weekdays: Mapped[str] = mapped_column(String(7))  # date.weekday() digits: "135" = 二四六
    time: Mapped[str] = mapped_column(String(16), default="")
    topic: Mapped[str] = mapped_column(String(128))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    tiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)  # no occurrence before this day
    created_at: Mapped[datetime] = mapped_column(DateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime)


class Salon(Base):
    """A small salon (周二四六小沙) or other event; one occurrence of a series when
    ``series_id`` is set (one per series and day, whoever sweeps)."""

    __tablename__ = "salons"
    __table_args__ = (UniqueConstraint("series_id", "day", name="uq_salons_series_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    time: Mapped[str] = mapped_column(String(16), default="")
    topic: Mapped[str] = mapped_column(String(128))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    tiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("salon_series.id", ondelete="SET NULL", name="fk_salons_series_id"))


class SalonInvite(Base):
    __tablename__ = "salon_invites"
    __table_args__ = (UniqueConstraint("salon_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salons.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    # proposed | invited | accepted | declined | attended
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Meeting(Base):
    """A meeting the agent logged (/meet); an hour later, a reminder to record it."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_at", "at"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)
