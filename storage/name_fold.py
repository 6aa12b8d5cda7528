"""A client's name folded for matching in any case and width, the same on every database.

Folded in Python, stored beside the name (``clients.name_key``) and compared there: the
databases' own lower() differ (SQLite's lowers ASCII only; PostgreSQL's follows the server's
locale, and a ``C`` locale lowers ASCII only too).
"""

from __future__ import annotations

import unicodedata


def fold(name: str) -> str:
    """JOSÉ, josé and ＪＯＳÉ alike; ΟΔΟΣ and οδος alike; Chinese as it is."""
    return unicodedata.normalize("NFKC", name).casefold()
