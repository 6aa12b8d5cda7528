"""Logging failures without client data: the stack and the exception type, never its message
(database errors quote the failing row, client errors may quote the text being sent)."""

from __future__ import annotations

import logging
import traceback


def log_failure(log: logging.Logger, what: str, error: BaseException) -> None:
    """Log ``what`` failed with the exception's type and stack only."""
    stack = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s: %s (message withheld: may contain client data)\n%s", what,
              type(error).__name__, stack.rstrip())
