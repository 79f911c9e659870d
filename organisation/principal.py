"""Who is signed in, and what their roles reach, without asking the database on every page.

Every signed-in request needs the user row (Django checks the session against the password hash)
and the user's access scope (`access.scope_of`: roles, MED committees, communities, home unit).
Both change rarely, so each process keeps them in memory, keyed on the user and on the
**organisation version**: one small value in the shared cache that changes after every committed
change to users, units, roles, MED committees, their members or leadership communities. A page
therefore costs one cache read instead of two database queries, and a change is seen by every
process at the next request after it commits.

The version is changed by signals on those models (saves, deletes, many-to-many changes) and, for
writes that bypass signals (bulk imports, queryset updates, tree moves), by calling `changed()`
in the same transaction. An entry also expires after `ENTRY_SECONDS` whatever the version says,
so a change made by some path nobody thought of is seen within that time. Without a reachable
cache nothing is kept: every request reads the database, as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models.signals import m2m_changed, post_delete, post_save

from organisation import versions
from organisation.models import (
    LeadershipCommunity,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)

VERSION = "organisation"
# Units alone (names, places in the tree, active): what pages cached for many users depend on.
UNITS_VERSION = "units"
ENTRY_SECONDS = 60.0
MAX_ENTRIES = 5000


@dataclass(frozen=True)
class _Entry:
    version: str
    expires: float
    values: tuple[Any, ...]
    scope: Any  # access.Scope; frozen, so one instance can serve every request


_FIELD_NAMES = [field.attname for field in User._meta.concrete_fields]
_entries: dict[int, _Entry] = {}
versions.on_change(VERSION, _entries.clear)


def current_version() -> str | None:
    """The organisation version, or None when the cache cannot be read (then nothing is kept)."""
    return versions.read(VERSION)[VERSION]


def changed(*, units: bool = True) -> None:
    """Say that users, roles or memberships changed (and, with `units`, units too): every
    process reads them again."""
    versions.changed(VERSION)
    if units:
        versions.changed(UNITS_VERSION)


def _on_change(sender: type, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    # Signing in records the time on the user and nothing else that anything here depends on.
    if sender is User and update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    changed(units=sender is OrgUnit)


for _model in (User, OrgUnit, RoleAssignment, MedCommittee, MedMembership, LeadershipCommunity):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"principal.save.{_model.__name__}")
    post_delete.connect(
        _on_change, sender=_model, dispatch_uid=f"principal.delete.{_model.__name__}"
    )
for _through in (MedCommittee.covers.through, LeadershipCommunity.members.through):
    m2m_changed.connect(_on_change, sender=_through, dispatch_uid=f"principal.m2m.{_through}")


def _remember(user: User, version: str) -> None:
    from organisation.access import scope_of

    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[user.pk] = _Entry(
        version=version,
        expires=time.monotonic() + ENTRY_SECONDS,
        values=tuple(getattr(user, name) for name in _FIELD_NAMES),
        scope=scope_of(user),
    )


def _recall(user_id: int, version: str) -> User | None:
    entry = _entries.get(user_id)
    if entry is None or entry.version != version or entry.expires < time.monotonic():
        return None
    # A new instance per request: views may set attributes on request.user.
    user = User.from_db("default", _FIELD_NAMES, entry.values)
    from organisation.access import remember_scope

    remember_scope(user, entry.scope)
    return user


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, with the user (and their scope) kept per process between
    requests while the organisation version stays the same. Signing in is unchanged."""

    def get_user(self, user_id: Any) -> User | None:
        version = current_version()
        if version is None:
            return super().get_user(user_id)
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _recall(key, version)
        if user is not None:
            return user
        user = super().get_user(user_id)
        if user is not None:
            _remember(user, version)
        return user
