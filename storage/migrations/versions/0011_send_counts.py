"""send counts: WeChat's daily cap counted across restarts and processes

The cap on messages a WeChat account sends a day was counted in the memory of the process that
ran it, so after a restart on a busy day up to one more day's cap could go out (the risk the
cap is there to avoid: a banned account). Each process now adds what it sent to the account's
row here every half minute and at stop, and starts from the day's total.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'send_counts',
        sa.Column('account', sa.String(length=160), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('account'),
    )


def downgrade() -> None:
    op.drop_table('send_counts')
