"""key check: the database records which key seals its data

Started with another key (a restored backup under another HOME, a second host without
DANGAN_SECRET_KEY), the bot used to make a new key and run: lookups by phone found nothing and
a draft sealed under the new key broke the agent's conversation once the right key was back.
One row holds an HMAC of a fixed label under the key (never the key); a start with a key that
does not match refuses to run (storage/key_check.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_check',
                    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('value', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('key_check')
