"""search keys of Latin names

A client's name is found by its pinyin and initials, kept beside it. For a name in Latin
letters (Zhang Wei) both were empty, so /find zhang wei, zhangwei or zw found nothing. The
words of a Latin name now count as its syllables; this fills in the keys of the names stored
before, computed as handlers.lookup.search_keys does.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 11:00:00
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

clients = sa.table('clients', sa.column('id', sa.Integer), sa.column('name', sa.Text),
                   sa.column('name_pinyin', sa.Text), sa.column('name_initials', sa.Text))


def _keys(name: str) -> tuple[str, str]:
    from pypinyin import lazy_pinyin  # here: alembic imports every migration at every start

    words = lazy_pinyin(name, errors=lambda chunk: re.findall(r"[A-Za-z]+", chunk))
    syllables = [word.lower() for word in words if word.isalpha()]
    return "".join(syllables), "".join(syllable[0] for syllable in syllables)


def upgrade() -> None:
    connection = op.get_bind()
    for client_id, name in connection.execute(sa.select(clients.c.id, clients.c.name)).all():
        if not re.search(r"[A-Za-z]", name or ""):
            continue
        pinyin, initials = _keys(name)
        connection.execute(clients.update().where(clients.c.id == client_id)
                           .values(name_pinyin=pinyin, name_initials=initials))


def downgrade() -> None:
    pass  # the keys filled in are right for the earlier code too
