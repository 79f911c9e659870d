"""Sessions kept in the database and read through the cache (Django's `cached_db`), so a
signed-in page reads its session from Redis instead of PostgreSQL, together with the versions of
what the request may find kept in memory (organisation/versions.py): one cache round trip.

Django's `cached_db` store already survives a cache that fails to read or write a session; here
it also survives one that fails while filling the cache after a database read, or while deleting
a session (signing out or signing in with Redis down must still work). A session deleted while
the cache is unreachable could come back from a cache that kept it, for at most its idle timeout
(SESSION_COOKIE_AGE); signing out also deletes the browser's cookie.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from organisation import versions

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    def load(self) -> dict[str, Any]:
        try:
            # The versions this request will ask for come along in the same round trip.
            found = self._cache.get_many([self.cache_key, *versions.request_keys()])
            versions.seed(found)
            data = found.get(self.cache_key)
        except Exception:
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("A session could not be cached (cache unreachable).")
        return data

    def exists(self, session_key: str) -> bool:
        # The database holds every session; asking it alone keeps signing in working when the
        # cache is down (a new session key is checked for clashes here).
        return DBStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.warning("A deleted session could not be removed from the cache.")
