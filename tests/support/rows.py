"""Reading rows straight from the database in tests."""

from __future__ import annotations

from typing import Any


def rows(app: Any, model: Any) -> list[Any]:
    """Every row of ``model``, in id order, detached (readable after the session closes)."""
    with app.uow() as uow:
        found = list(uow.session.query(model).order_by(model.id))
        uow.session.expunge_all()
        return found
