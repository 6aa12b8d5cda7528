"""name keys in any case

A name with letters that have a case (José, Amy王) was matched in any case by the databases'
lower(), which differ: SQLite's lowers ASCII letters only, PostgreSQL's follows the server's
locale. The name is now folded in Python (storage/name_fold.py) into ``name_key``, and
compared there, alike on every database; this fills in the keys of the names stored before,
and the index on the name gives way to one on the key (nothing looks a name up as typed now).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:30:00
"""
from alembic import op
import sqlalchemy as sa

from storage.name_fold import fold


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

clients = sa.table('clients', sa.column('id', sa.Integer), sa.column('name', sa.String),
                   sa.column('name_key', sa.Text))


def upgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    for client_id, name in connection.execute(sa.select(clients.c.id, clients.c.name)).all():
        connection.execute(clients.update().where(clients.c.id == client_id)
                           .values(name_key=fold(name or '')))
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index('ix_clients_agent_name')
        batch_op.create_index('ix_clients_agent_name_key', ['agent_id', 'name_key'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index('ix_clients_agent_name_key')
        batch_op.drop_column('name_key')
        batch_op.create_index('ix_clients_agent_name', ['agent_id', 'name'], unique=False)
