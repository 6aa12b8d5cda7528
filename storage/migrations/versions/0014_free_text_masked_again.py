"""free text masked again

Numbers in free text (notes, form answers, reasons, tags, audit details) are masked before they
are stored. Earlier versions missed a number next to letters (Tel13812345678, ID1101…), kept
the first digits of ID and bank numbers (110***********0028), and stored the answers of the
books (clients.attrs) and tags unmasked; what they stored stayed so after the masking was
mended. This masks all of it again with the current rules (storage.masking: what is masked
already stays as it is; an old mask keeps only its last four, a mobile's 138****5678 its
first three too), and blanks the details of /find's audit entries from before they kept only
the count (they held the search: a client's name or phone digits). Policy lines of the
timeline are left alone: they are written by the bot, with premiums as bare digits.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00
"""
import re
from typing import Any

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
JSON_TEXT = {'clients': ('attrs', 'tags')}
BATCH = 5000
# An earlier mask that kept leading digits: 110***********0028, 622************0123
_OLD_MASK = re.compile(r"(?<![\d*])(\d{1,4})(\*{4,})(\d{4}|\d{3}[Xx])(?![\d*])")
_COUNT_ONLY = re.compile(r"\d+ 位")  # what a /find audit entry keeps now


def remask(text: str) -> str:
    """``text`` as the current rules mask it."""
    def last_four(match: re.Match[str]) -> str:
        head, stars, tail = match.groups()
        if len(head) == 3 and len(stars) == 4:  # a mobile: 138****5678 stays
            return match.group(0)
        return "*" * (len(head) + len(stars)) + tail

    return _OLD_MASK.sub(last_four, mask_numbers(text))


def _remasked(value: Any) -> Any:
    """A JSON value with every string in it masked again."""
    if isinstance(value, str):
        return remask(value)
    if isinstance(value, list):
        return [_remasked(item) for item in value]
    if isinstance(value, dict):
        return {key: _remasked(item) for key, item in value.items()}
    return value


def _rows(connection: Any, table: Any) -> Any:
    """Every row of ``table``, a batch at a time."""
    last = 0
    while rows := connection.execute(
            sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all():
        yield from rows
        last = rows[-1].id


def upgrade() -> None:
    connection = op.get_bind()
    for name, columns in FREE_TEXT.items():
        kinds = ('kind',) if name == 'timeline' else ()
        table = sa.table(name, sa.column('id', sa.Integer),
                         *(sa.column(column, sa.Text) for column in columns + kinds))
        for row in _rows(connection, table):
            if kinds and row.kind == 'policy':
                continue
            changed = {column: masked for column in columns
                       if (value := getattr(row, column))
                       and (masked := remask(value)) != value}
            if changed:
                connection.execute(table.update().where(table.c.id == row.id).values(**changed))
    for name, columns in JSON_TEXT.items():
        table = sa.table(name, sa.column('id', sa.Integer),
                         *(sa.column(column, sa.JSON) for column in columns))
        for row in _rows(connection, table):
            changed = {column: masked for column in columns
                       if (value := getattr(row, column))
                       and (masked := _remasked(value)) != value}
            if changed:
                connection.execute(table.update().where(table.c.id == row.id).values(**changed))
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
