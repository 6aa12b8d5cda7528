"""processed messages: one B-tree, pruned by age

Every message claims its id here, inside the transaction of its answer. On SQLite the table was
a rowid table with two indexes (the primary key's and ``at``'s): three B-trees, three pages to
write at each commit. Keyed by the primary key alone (``WITHOUT ROWID``) and without the
``at`` index it is one. A scheduler job now forgets ids older than a week (a scan, at start and
every six hours, of a table that no longer grows without bound).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('processed_messages', schema=None,
                              recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.drop_index('ix_processed_messages_at')


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('processed_messages', schema=None,
                              recreate="always" if sqlite else "auto") as batch_op:
        batch_op.create_index('ix_processed_messages_at', ['at'], unique=False)
