"""lists name clients by id: the clients a festival or salon list names

A festival or salon list is one reminder whose text names many clients (王芳【普通】、李四【成交】).
Deleting a client struck, and a new tier rewrote, the first entry with the client's name, so
with two clients of one name it could be the other one's. A list now keeps the ids of the
clients it names, in the order it names them, and an entry is found by its client's place.

Lists made before keep no ids (NULL): they are handled by name as before, only where the client
can be on them (a festival list made after the client was added; a salon list of a salon they
were invited to), the entry with the client's tier first (storage/nudges.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa

from storage.sqlite_counters import counter_kept


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nudges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed', sa.JSON(), nullable=True))


def downgrade() -> None:
    # On SQLite the batch rebuilds the table: it must stay AUTOINCREMENT (revision 0006), so
    # that an old digest's "/nudge 12" never opens another reminder.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with counter_kept('nudges'), op.batch_alter_table(
            'nudges', schema=None, recreate="always" if sqlite else "auto",
            table_kwargs={"sqlite_autoincrement": True} if sqlite else {}) as batch_op:
        batch_op.drop_column('listed')
