"""sessions keep the latest message ids

Every message of an agent claimed its id in processed_messages (a redelivery is not answered
twice): on SQLite a random page of that B-tree to read and write, a third of the database work
of a typical message. On SQLite the agent's conversation row, written on every message anyway,
now keeps the ids of their latest messages (a JSON list of "platform:id"); processed_messages
keeps strangers' and groups' messages, and an agent's until the row's list begins (NULL: not
yet, or a chat account bound since). PostgreSQL claims every message there, as before
(storage/conversations.py says why).

Downgrading puts the ids kept in the rows back into processed_messages, so a message answered
just before it is still known after.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""
from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from alembic import op

from storage.dialect import insert_ignoring_conflicts


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('agent_sessions', sa.Column('recent_messages', sa.Text(), nullable=True))


def downgrade() -> None:
    _claim_kept_ids()
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_column('recent_messages')


def _claim_kept_ids() -> None:
    bind = op.get_bind()
    processed = sa.table('processed_messages', sa.column('platform', sa.String()),
                         sa.column('message_id', sa.String()), sa.column('at', sa.DateTime()))
    now = datetime.now(UTC).replace(tzinfo=None)
    kept = bind.execute(sa.text(
        "SELECT recent_messages FROM agent_sessions WHERE recent_messages IS NOT NULL"))
    rows = [dict(zip(("platform", "message_id"), key.split(":", 1), strict=True), at=now)
            for (recent,) in kept.all() for key in orjson.loads(recent)]
    if rows:
        bind.execute(insert_ignoring_conflicts(bind, processed), rows)
