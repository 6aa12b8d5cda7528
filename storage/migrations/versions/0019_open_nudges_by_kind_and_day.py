"""open nudges by kind and day

Each sweep of today retires open reminders: the follow-ups and renewal reminders the day's new
ones replace, and the lead reminders (gift time, renewal, salon list) whose event is over
(storage/sweep_queries.py). Without an index these statements read every nudge of the kind,
history included (the unique key begins with the kind): after a month of a million clients'
sweeps, seconds a sweep, growing with every year kept. With (status, kind, due_date) they read
the day's open ones, or the open ones due before it: a few milliseconds.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:00:00
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_nudges_status_kind_due', 'nudges', ['status', 'kind', 'due_date'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_nudges_status_kind_due', table_name='nudges')
