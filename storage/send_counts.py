"""How many messages a chat account sent today, added up across processes and restarts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case
from sqlalchemy.orm import Session

from storage.dialect import upsert_insert
from storage.models import SendCount


class SendCountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, account: str, day: date, sent: int) -> int:
        """Add ``sent`` messages to ``account``'s count of ``day`` (a later day starts again
        from them; an earlier day's, arriving late, changes nothing), in one statement, so
        processes adding at once all count; returns the stored day's total."""
        table = SendCount.__table__
        insert = upsert_insert(self._session, SendCount).values(account=account, day=day,
                                                                sent=sent)
        new = insert.excluded
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.account],
            set_={"day": case((new.day > table.c.day, new.day), else_=table.c.day),
                  "sent": case((new.day == table.c.day, table.c.sent + new.sent),
                               (new.day > table.c.day, new.sent),
                               else_=table.c.sent)},
        ).returning(table.c.sent)
        return int(self._session.execute(statement).scalar_one())
