"""follow-ups keyed by the contact

A follow-up was keyed by the agent's local day it fell on. A change of the agent's time zone
moves that day (2026-11-24 01:00 is 11-23 in Los Angeles, 11-24 in Shanghai), so the same
follow-up was made a second time under the other day. It is now keyed by the moment of the
contact (or creation) it counts from and the days without contact
(storage.nudges.followup_occurrence), alike in every zone; this rewrites the keys of the
follow-ups stored before. When an agent changes zone is now kept (timezone_changed_at): a
follow-up the change moves back onto a day already swept is made on the next days.

A stored follow-up says its days ("已 7 天没有联系", "建档 90 天还没有联系过"). One made after
the client's last contact (or creation, never contacted) counts from it. One made before that
is about an earlier contact, which no new follow-up counts from: the start of its local day
(the day it fell on less its days, in the agent's zone), all the row tells of it, stands for
its moment. Rows the old keys kept apart for one follow-up (made again after a change of zone)
become one: the one dealt with, else the newest.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:00:00
"""
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

from storage.nudges import followup_occurrence


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

nudges = sa.table('nudges', sa.column('id', sa.Integer), sa.column('client_id', sa.Integer),
                  sa.column('kind', sa.String), sa.column('subject', sa.String),
                  sa.column('occurrence', sa.String), sa.column('due_date', sa.Date),
                  sa.column('text', sa.Text), sa.column('status', sa.String),
                  sa.column('created_at', sa.DateTime))
clients = sa.table('clients', sa.column('id', sa.Integer), sa.column('agent_id', sa.Integer),
                   sa.column('created_at', sa.DateTime),
                   sa.column('last_contact_at', sa.DateTime))
agents = sa.table('agents', sa.column('id', sa.Integer), sa.column('timezone', sa.String))
_DAY_KEY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAYS = re.compile(r"(?:已|建档) (\d+) 天")


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or 'Asia/Shanghai')
    except (ValueError, KeyError, OSError):
        return ZoneInfo('Asia/Shanghai')


def _key(row: Any, client: tuple[datetime, str | None] | None) -> str:
    """The row's key as the sweep now makes it (as it is when it is not a day's)."""
    days = _DAYS.search(row.text or '')
    if not _DAY_KEY.fullmatch(row.occurrence) or days is None or client is None:
        return row.occurrence  # a key of the new form already, or nothing to make one of
    since, zone = client
    if row.created_at < since:  # about an earlier contact
        contact_day = date.fromisoformat(row.occurrence) - timedelta(days=int(days[1]))
        since = (datetime.combine(contact_day, time.min, tzinfo=_zone(zone))
                 .astimezone(UTC).replace(tzinfo=None))
    return followup_occurrence(since, int(days[1]))


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone_changed_at', sa.DateTime(), nullable=True))
    connection = op.get_bind()
    contacts = {client_id: (contact or created, zone) for client_id, contact, created, zone
                in connection.execute(
                    sa.select(clients.c.id, clients.c.last_contact_at, clients.c.created_at,
                              agents.c.timezone)
                    .join(agents, agents.c.id == clients.c.agent_id))}
    rows = connection.execute(
        sa.select(nudges.c.id, nudges.c.client_id, nudges.c.subject, nudges.c.occurrence,
                  nudges.c.text, nudges.c.status, nudges.c.created_at)
        .where(nudges.c.kind == 'followup')).all()
    by_key: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        by_key.setdefault((row.subject, _key(row, contacts.get(row.client_id))), []).append(row)
    for (_subject, key), same in by_key.items():
        kept = max(same, key=lambda row: (row.status == 'done', row.id))
        for row in same:
            if row is not kept:
                connection.execute(nudges.delete().where(nudges.c.id == row.id))
        if kept.occurrence != key:
            connection.execute(nudges.update().where(nudges.c.id == kept.id)
                               .values(occurrence=key))


def downgrade() -> None:
    """Back to the day each follow-up fell on, the newest keeping a day two share (the older
    keeps its key, which the earlier code never makes)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(nudges.c.id, nudges.c.subject, nudges.c.occurrence, nudges.c.due_date)
        .where(nudges.c.kind == 'followup').order_by(nudges.c.id.desc())).all()
    taken = {(row.subject, row.occurrence) for row in rows}
    for row in rows:
        day_key = (row.subject, row.due_date.isoformat())
        if not _DAY_KEY.fullmatch(row.occurrence) and day_key not in taken:
            connection.execute(nudges.update().where(nudges.c.id == row.id)
                               .values(occurrence=day_key[1]))
            taken.add(day_key)
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('timezone_changed_at')
