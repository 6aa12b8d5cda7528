"""salon series: recurring salons (每周二四六小沙)

`/salon 每周二四六 19:30 小沙` sets up a series; the sweep makes each occurrence, an ordinary
salon, some days ahead. Two processes sweeping at once must make it once: salons get the
series they belong to and a unique key (series_id, day), inserted with ON CONFLICT DO NOTHING.
A series named in "/salon 停止 系列 3" keeps its id (AUTOINCREMENT on SQLite).

On SQLite adding the foreign key rebuilds `salons` (batch mode); storage/migrations/env.py runs
it with foreign keys off, so the invitations that refer to salons stay, and checks them after.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'salon_series',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('weekdays', sa.String(length=7), nullable=False),
        sa.Column('time', sa.String(length=16), nullable=False),
        sa.Column('topic', sa.String(length=128), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('tiers', sa.JSON(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('stopped_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('salon_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_salon_series_agent_id'), ['agent_id'], unique=False)

    with op.batch_alter_table('salons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_salons_series_id', 'salon_series', ['series_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_unique_constraint('uq_salons_series_day', ['series_id', 'day'])


def downgrade() -> None:
    with op.batch_alter_table('salons', schema=None) as batch_op:
        batch_op.drop_constraint('uq_salons_series_day', type_='unique')
        batch_op.drop_constraint('fk_salons_series_id', type_='foreignkey')
        batch_op.drop_column('series_id')

    with op.batch_alter_table('salon_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_salon_series_agent_id'))

    op.drop_table('salon_series')
