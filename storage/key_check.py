"""Which key seals this database: its check value, recorded on first start, compared on every
start, so a wrong key stops the bot before it can seal anything with it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy import Connection, Engine, inspect, select

from storage.conversations import bound_to
from storage.crypto import FieldCipher
from storage.dialect import insert_ignoring_conflicts
from storage.models import AgentSession, Client, KeyCheck


class KeyMismatch(Exception):
    """The database's data is sealed with another key."""


class KeyRecord:
    """The database's record of its key."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def in_use(self) -> bool:
        """Whether the database records a key or holds anything sealed with one."""
        recording = self._has_table()
        with self._engine.connect() as connection:
            if recording and _recorded(connection) is not None:
                return True
            return _opens_with(connection) is not None

    def _has_table(self) -> bool:
        return inspect(self._engine).has_table(KeyCheck.__tablename__)

    def adopt(self, cipher: FieldCipher) -> None:
        """Record ``cipher``'s check value if the database has none yet, then compare.

        A database from before the check value is tried on one of its sealed values first
        (and only that, when its schema predates the check: ``build_app(migrate=False)``).
        Processes starting at once agree: the row is inserted only if absent (SQLite: under
        the write lock; PostgreSQL: ON CONFLICT waits for the first writer to commit), and
        each process compares with the one stored. Raises KeyMismatch.
        """
        recording = self._has_table()
        with self._engine.begin() as connection:
            stored = _recorded(connection) if recording else None
            if stored is None:
                opens = _opens_with(connection)
                if opens is not None and not opens(cipher):
                    raise KeyMismatch
                if not recording:
                    return
                connection.execute(insert_ignoring_conflicts(
                    connection, KeyCheck, {"id": 1, "value": cipher.check_value()}))
                stored = _recorded(connection)
            if stored is None or not cipher.matches(stored):
                raise KeyMismatch


def _recorded(connection: Connection) -> str | None:
    return connection.scalar(select(KeyCheck.value).where(KeyCheck.id == 1))


def _opens_with(connection: Connection) -> Callable[[FieldCipher], bool] | None:
    """A test of a cipher on one encrypted client number or sealed draft, if the database
    holds any."""
    for column in (Client.phone_enc, Client.id_number_enc, Client.payment_account_enc):
        token = connection.scalar(select(column).where(column.is_not(None)).limit(1))
        if token is not None:
            return partial(_decrypts, token)
    row = connection.execute(select(AgentSession.agent_id, AgentSession.sealed)
                             .where(AgentSession.sealed.is_not(None)).limit(1)).first()
    return partial(_unseals, row.sealed, bound_to(row.agent_id)) if row is not None else None


def _decrypts(token: str, cipher: FieldCipher) -> bool:
    try:
        cipher.decrypt(token)
    except ValueError:
        return False
    return True


def _unseals(sealed: bytes, binding: bytes, cipher: FieldCipher) -> bool:
    try:
        cipher.open(sealed, binding)
    except ValueError:
        return False
    return True
