"""ids never reused on SQLite

SQLite hands out the largest id again after that row is deleted, unless the key is declared
AUTOINCREMENT. Since clients, policies and family members can be deleted (/delete), a new one
could take a deleted one's id: an old /card #id button then opened the new client, the audit
log mixed the two, and a push keyed by a meeting's id (the record reminder) was taken as already
sent. The tables whose ids name something elsewhere are rebuilt with AUTOINCREMENT; the copy
keeps every id. PostgreSQL's sequences never reuse a value: nothing to do there.

AUTOINCREMENT starts above the largest id still present. An id deleted before this revision
may still be named elsewhere (the audit log, a sent push's key, an old digest's buttons), so
each table's counter is raised above those too.

The rebuild drops each old table, which with foreign keys on would delete every row that
refers to it: storage/migrations/env.py runs SQLite migrations with foreign keys off and checks
them (PRAGMA foreign_key_check) before committing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:50:00
"""
import re

from alembic import op
import sqlalchemy as sa


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


# Where ids of each table are named outside it: SQL giving the largest such id.
NAMED_ELSEWHERE = {
    'clients': "SELECT max(client_id) FROM audit_log",
    'policies': "SELECT max(CAST(substr(detail, 8) AS INTEGER)) FROM audit_log "
                "WHERE action = 'delete_policy' AND detail LIKE 'policy %'",
    'family_members': "SELECT max(CAST(substr(detail, 8) AS INTEGER)) FROM audit_log "
                      "WHERE action = 'delete_family' AND detail LIKE 'member %'",
    'meetings': "SELECT max(CAST(substr(dedupe_key, 8) AS INTEGER)) FROM outbox "
                "WHERE dedupe_key LIKE 'record:%'",
}


def _largest_named(connection: sa.Connection, table: str) -> int:
    if table == 'nudges':  # the buttons of digests: "/nudge 12"
        payloads = connection.exec_driver_sql("SELECT payload FROM outbox WHERE kind = 'digest'")
        return max((int(n) for (payload,) in payloads
                    for n in re.findall(r"/nudge (\d+)", str(payload))), default=0)
    sql = NAMED_ELSEWHERE.get(table)
    return int(connection.exec_driver_sql(sql).scalar() or 0) if sql else 0


def _raise_counters() -> None:
    connection = op.get_bind()
    for table in TABLES:
        largest = max(_largest_named(connection, table), int(connection.exec_driver_sql(
            f"SELECT coalesce(max(id), 0) FROM {table}").scalar()))
        connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
        connection.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                                   (table, largest))


def upgrade() -> None:
    _rebuild(autoincrement=True)
    if op.get_bind().dialect.name == "sqlite":
        _raise_counters()


def downgrade() -> None:
    _rebuild(autoincrement=False)
