"""wechaty 0.10.7 on Python 3.11: the fixes it needs, applied once, before wechaty is imported.

Our code imports wechaty only from here (``from bot.channels.wechaty_compat import ...``), or
after importing this module. Each step says why it is needed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

# wechaty's loggers write every received message (with its text) at INFO to their own stderr
# handler; the archive holds clients' personal data, so default to warnings. WECHATY_LOG is read
# when each wechaty module is imported; an operator's own setting wins.
os.environ.setdefault("WECHATY_LOG", "warn")

# Importing wechaty evaluates a default job-store path and creates ``./.wechaty`` in the working
# directory; we use no wechaty plugins or their cache, so keep it out of the project tree.
os.environ.setdefault("CACHE_DIR", os.path.join(tempfile.gettempdir(), "dangan-wechaty-cache"))

from wechaty_puppet.schemas.puppet import PuppetOptions

# Python 3.11 dataclasses refuse unhashable (mutable) defaults, and ``WechatyOptions`` uses a
# ``PuppetOptions()`` instance (a non-frozen dataclass, so ``__hash__ = None``) as a default:
# without this, ``import wechaty`` fails with "mutable default ... is not allowed".
# Consequence: that default instance is shared, so every bot must get its own PuppetOptions.
if PuppetOptions.__hash__ is None:
    PuppetOptions.__hash__ = object.__hash__  # type: ignore[assignment]

with warnings.catch_warnings():
    # wechaty imports ``telnetlib`` (deprecated in 3.11, removed in 3.13; we pin <3.12) and the
    # old ``pyee.AsyncIOEventEmitter`` location (pyee<12 still provides it); both warn on import.
    warnings.simplefilter("ignore", DeprecationWarning)
    import wechaty_puppet_service.puppet as _puppet_service_module
    from wechaty import Wechaty, WechatyOptions
    from wechaty.accessory import Accessory
    from wechaty.plugin import WechatySchedulerOptions
    from wechaty.user import Contact, ContactSelf, Room, Tag
    from wechaty_puppet import MessageType
    from wechaty_puppet_service import PuppetService

# Before every (re)connect PuppetService "pings" the endpoint with a blocking telnet connect (up
# to 3 s, inside the event loop) and leaves that socket open. grpclib reports an unreachable
# endpoint itself, without blocking, and our reconnect loop handles it; so skip the ping.
_puppet_service_module.ping_endpoint = lambda end_point: True

_map_message_type = _puppet_service_module._map_message_type
_NEWEST_KNOWN_TYPE = 15  # TypeScript's MessageType.Video: the last one 0.8.10 maps


def _map_newer_message_types(payload: Any) -> Any:
    """wechaty-puppet-service maps the service's (TypeScript) message type by list index, so a
    newer type (Post = 16, …) fails the fetch with IndexError, and every copy fails again: the
    agent would never hear back. Read such a message as an attachment ("only text is read")."""
    if isinstance(payload.type, int) and payload.type > _NEWEST_KNOWN_TYPE:
        payload.type = MessageType.MESSAGE_TYPE_ATTACHMENT
        return payload
    return _map_message_type(payload)


_puppet_service_module._map_message_type = _map_newer_message_types


class _RedactTokens(logging.Filter):
    """PuppetService logs the service token in some warnings (e.g. when a token is also set in
    the environment) and in the endpoint-lookup URL; tokens must never reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token" in message.lower() or "hosties/" in message:
            record.msg = re.sub(r"hosties/\S+", "hosties/***", re.sub(r"<[^>]*>", "<***>", message))
            record.args = ()
        return True


logging.getLogger("PuppetService").addFilter(_RedactTokens())


class _HideNames(logging.Filter):
    """wechaty's Accessory logger warns "<Contact <wxid_…> ‹王小明›> set payload more than once"
    when two messages of one contact or group are fetched at once: contact and group names
    (clients', perhaps) must not reach a log, so such an object is logged by its kind only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                f"{type(arg).__name__} ***" if isinstance(arg, Accessory) else arg
                for arg in record.args
            )
        return True


logging.getLogger("Accessory").addFilter(_HideNames())


@contextlib.contextmanager
def quiet_deprecations() -> Iterator[None]:
    """Wrap constructing a ``Wechaty`` or ``PuppetService``: both create the old
    ``pyee.AsyncIOEventEmitter``, which warns on every instance (pyee<12 still works)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def isolate_caches(bot: Wechaty) -> None:
    """Give this bot's Contact/Room/Tag classes their own object caches.

    wechaty keeps one process-wide ``_pool`` per base class, shared by every bot's dynamic
    subclasses, so a second bot in the same process (tests, or a restart) would get objects
    bound to the first bot's (closed) puppet. Call after ``bot.init_puppet()``.
    """
    for name in ("Contact", "ContactSelf", "Room", "Tag"):
        cls = getattr(bot, name)
        if cls not in (Contact, ContactSelf, Room, Tag):  # only ever the bot's own subclasses
            cls._pool = {}


__all__ = [
    "MessageType",
    "PuppetOptions",
    "PuppetService",
    "Wechaty",
    "WechatyOptions",
    "WechatySchedulerOptions",
    "isolate_caches",
    "quiet_deprecations",
]
