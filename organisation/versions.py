"""Named versions in the shared cache: a small random value per kind of data that changes after
every committed change to it, so that each process may keep what it derived from that data in
memory and ask only "has it changed?" (one cache read for all the names a request needs).

Without a reachable cache every name reads as None: callers then use nothing kept in memory.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

_listeners: dict[str, list[Callable[[], None]]] = {}
# Within one request every name is read once, all in the first read (RequestVersions below).
_request_memo: contextvars.ContextVar[dict[str, str | None] | None] = contextvars.ContextVar(
    "request_versions", default=None
)


def _key(name: str) -> str:
    return f"version:{name}"


def read(*names: str) -> dict[str, str | None]:
    """The current version of each name, in one cache round trip; a name never seen gets one.
    In a request, the first read fetches every known name and later reads use those."""
    memo = _request_memo.get()
    if memo is not None:
        missing = [name for name in names if name not in memo]
        if missing:
            memo.update(_fetch(*{*missing, *_listeners}))
        return {name: memo[name] for name in names}
    return _fetch(*names)


def _fetch(*names: str) -> dict[str, str | None]:
    try:
        found = cache.get_many([_key(name) for name in names])
        versions = {name: found.get(_key(name)) for name in names}
        for name, version in versions.items():
            if version is None:
                # add, not set: processes asking at once agree on one version.
                cache.add(_key(name), uuid.uuid4().hex, timeout=None)
                versions[name] = cache.get(_key(name))
    except Exception:
        logger.warning("The cache is unreachable; nothing derived is kept in memory.")
        return dict.fromkeys(names)
    return versions


def request_keys() -> list[str]:
    """The cache keys of every version, when this request has read none yet: whoever reads
    the cache first in a request (the session store) fetches them with its own key and gives
    them to `seed`, so the whole request makes one cache round trip."""
    memo = _request_memo.get()
    if memo is None or memo:
        return []
    return [_key(name) for name in _listeners]


def seed(found: dict[str, object]) -> None:
    """Versions fetched by someone else in this request (see `request_keys`)."""
    memo = _request_memo.get()
    if memo is None:
        return
    for name in _listeners:
        version = found.get(_key(name))
        if isinstance(version, str) and name not in memo:
            memo[name] = version


def _bump(name: str) -> None:
    for listener in _listeners.get(name, []):
        listener()
    memo = _request_memo.get()
    if memo is not None:
        memo.pop(name, None)
    try:
        cache.set(_key(name), uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("The version of %s could not be changed (cache unreachable).", name)


def changed(name: str) -> None:
    """Say that the data behind `name` changed: a new version now (this transaction's own
    later reads see it) and again after the commit (a process that read the old data in
    between and kept it under the first new version must read it again)."""
    _bump(name)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(name), robust=True)


def on_change(name: str, listener: Callable[[], None]) -> None:
    """Call `listener` in this process whenever this process changes `name`."""
    _listeners.setdefault(name, []).append(listener)


def reset() -> None:
    """Forget everything kept in this process and give every name a new version (tests: a
    rolled-back transaction changes data without saying so)."""
    for name in list(_listeners):
        _bump(name)


class RequestVersions:
    """Middleware: versions are read at most once per request, in one round trip."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: object) -> object:
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)
