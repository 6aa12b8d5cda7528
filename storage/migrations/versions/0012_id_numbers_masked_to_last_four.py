"""id numbers masked to their last four

The masked form of a resident ID number is kept in clear (for the card) beside the client's
birth date. It kept the first four digits too: with the date and the check digit, that left
about nine candidates for the whole number. It now keeps the last four only; this rewrites the
ones already stored. The number itself stays encrypted, untouched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

clients = sa.table('clients', sa.column('id', sa.Integer),
                   sa.column('id_number_masked', sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    stored = connection.execute(sa.select(clients.c.id, clients.c.id_number_masked)
                                .where(clients.c.id_number_masked.is_not(None))).all()
    for client_id, masked in stored:
        connection.execute(clients.update().where(clients.c.id == client_id)
                           .values(id_number_masked="*" * (len(masked) - 4) + masked[-4:]))


def downgrade() -> None:
    pass  # the first four digits are not kept anywhere in clear any more
