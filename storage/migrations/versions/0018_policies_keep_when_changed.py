"""policies keep when they changed

A renewal reminder whose lead day went by is made late, by the next sweep, for a policy recorded
since that day's sweep: the sweep reads only those (reading every premium of the month again on
each tick made a day's sweep of 1,000,000 clients on PostgreSQL seconds slower). A policy put
back in force (暂停 → 有效) or given another start day after its lead day was left out, and got
no reminder before that premium. ``changed_at`` is when a policy was recorded or last edited;
the late renewals read the policies changed since, by its index. Stored policies take the time
they were recorded.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from storage.sqlite_counters import counter_kept


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

policies = sa.table('policies', sa.column('created_at', sa.DateTime),
                    sa.column('changed_at', sa.DateTime))


def _keeping_autoincrement() -> dict:
    # On SQLite a change of nullability rebuilds the table: it must stay AUTOINCREMENT, with
    # its counter (revision 0006), so that a deleted policy's id is never given to another.
    sqlite = op.get_bind().dialect.name == "sqlite"
    return {"recreate": "auto", "table_kwargs": {"sqlite_autoincrement": True} if sqlite else {}}


def upgrade() -> None:
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    op.execute(policies.update().values(changed_at=policies.c.created_at))
    with counter_kept('policies'), op.batch_alter_table(
            'policies', schema=None, **_keeping_autoincrement()) as batch_op:
        batch_op.alter_column('changed_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index('ix_policies_changed_at', ['changed_at'], unique=False)


def downgrade() -> None:
    with counter_kept('policies'), op.batch_alter_table(
            'policies', schema=None, **_keeping_autoincrement()) as batch_op:
        batch_op.drop_index('ix_policies_changed_at')
        batch_op.drop_column('changed_at')
