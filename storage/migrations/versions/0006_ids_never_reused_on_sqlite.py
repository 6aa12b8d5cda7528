"""ids never reused on SQLite

SQLite hands out the largest id again after that row is deleted, unless the key is declared
AUTOINCREMENT. Since clients, policies and family members can be deleted (/delete), a new one
could take a deleted one's id: an old /card #id button then opened the new client, the audit
log mixed the two, and a push keyed by a meeting's id (the record reminder) was taken as already
sent. The tables whose ids name something elsewhere are rebuilt with AUTOINCREMENT; the copy
keeps every id. PostgreSQL's sequences never reuse a value: nothing to do there.

The rebuild drops each old table, which with foreign keys on would delete every row that
refers to it: storage/migrations/env.py runs SQLite migrations with foreign keys off and checks
them (PRAGMA foreign_key_check) before committing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:50:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TABLES = ('clients', 'family_members', 'policies', 'client_dates', 'meetings', 'nudges')


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
