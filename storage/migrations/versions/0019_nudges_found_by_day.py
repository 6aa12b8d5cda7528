"""nudges found by day

Each sweep retires the open follow-ups and renewal reminders the day's new ones replace. It
found the day's ones by reading every stored nudge of the kind: after a month of a million
clients' follow-ups, seconds a sweep. An index on (due_date, kind) finds them at once.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:30:00
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_nudges_due_kind', 'nudges', ['due_date', 'kind'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_nudges_due_kind', table_name='nudges')
