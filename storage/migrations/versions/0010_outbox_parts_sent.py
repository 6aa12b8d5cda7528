"""outbox parts sent: how many platform messages of a long push already went out

A push too long for one chat message goes out in parts. When a part failed, the retry sent the
whole push again, so the agent got its first parts twice. The sender now records how many
parts went out before the failure, and the retry starts after them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('parts_sent')
