"""open nudges by kind and day

Each sweep of today retires the open lead reminders (gift time, renewal, salon list) whose
event is over (storage/sweep_queries.py). Without an index that statement read every nudge of
those kinds, history included (the unique key begins with the kind): 0.4 s on SQLite and 0.5 s
on PostgreSQL for 1,500,000 nudges, growing with every year kept. With (status, kind,
due_date) it reads only the open ones due before the day: a few milliseconds.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:00:00
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_nudges_status_kind_due', 'nudges', ['status', 'kind', 'due_date'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_nudges_status_kind_due', table_name='nudges')
