"""free text masked again

Numbers in free text (notes, form answers, reasons, audit details) are masked before they are
stored. Earlier versions missed a number next to letters (Tel13812345678, ID1101…) and kept the
first digits of ID and bank numbers; what they stored stayed so after the masking was mended.
This masks every such text again with the current rules (storage.masking; what is masked
already stays as it is), and blanks the details of /find's audit entries from before they
kept only the count (they held the search: a client's name or phone digits).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00
"""
import re

from alembic import op
import sqlalchemy as sa

from storage.masking import mask_numbers


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# table: the columns of free text (masked on the way in since the first version)
FREE_TEXT = {
    'timeline': ('text',),
    'soft_notes': ('text',),
    'tier_changes': ('reason',),
    'clients': ('tier_reason', 'city', 'occupation', 'employer', 'position', 'liabilities'),
    'family_members': ('name', 'occupation', 'notes'),
    'policies': ('insurer', 'beneficiary', 'beneficiary_relation'),
    'client_dates': ('label',),
    'salons': ('topic',),
    'salon_series': ('topic',),
    'audit_log': ('detail',),
}
BATCH = 5000
_COUNT_ONLY = re.compile(r"\d+ 位")  # what a /find audit entry keeps now


def upgrade() -> None:
    connection = op.get_bind()
    for name, columns in FREE_TEXT.items():
        table = sa.table(name, sa.column('id', sa.Integer),
                         *(sa.column(column, sa.Text) for column in columns))
        last = 0
        while rows := connection.execute(
                sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all():
            for row in rows:
                changed = {column: masked for column in columns
                           if (value := getattr(row, column))
                           and (masked := mask_numbers(value)) != value}
                if changed:
                    connection.execute(table.update().where(table.c.id == row.id)
                                       .values(**changed))
            last = rows[-1].id
    audit = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('action', sa.String),
                     sa.column('detail', sa.Text))
    finds = connection.execute(sa.select(audit.c.id, audit.c.detail)
                               .where(audit.c.action == 'find', audit.c.detail != '')).all()
    searches = [row.id for row in finds if not _COUNT_ONLY.fullmatch(row.detail)]
    for start in range(0, len(searches), BATCH):
        connection.execute(audit.update().where(audit.c.id.in_(searches[start:start + BATCH]))
                           .values(detail=''))


def downgrade() -> None:
    pass  # what was masked is not kept anywhere in clear
