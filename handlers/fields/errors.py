"""The one exception the field parsers raise."""

from __future__ import annotations


class ParseError(ValueError):
    """Raised when a typed answer cannot be read.

    ``message`` is a polite Chinese sentence saying what went wrong and what is accepted, e.g.
    ``'没看懂这个日期。可以这样写：2024-3-5、3月5日、1985年3月5日。'``
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def quote(text: str, limit: int = 20) -> str:
    """A user's input shortened for echoing inside an error message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
