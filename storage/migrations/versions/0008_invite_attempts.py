"""invite attempts: wrong invite codes counted per chat account, and when it was last refused

An unknown account sending wrong invite codes was answered without limit and wrote an audit row
each time. Its wrong codes are now counted here; after five within an hour its codes are not
checked for an hour. Other messages are refused at most once an hour (a stranger could
otherwise spend WeChat's daily cap and fill the audit log).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invite_attempts',
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('external_id', sa.String(length=128), nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(), nullable=True),
        sa.Column('refused_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('platform', 'external_id'),
    )


def downgrade() -> None:
    op.drop_table('invite_attempts')
