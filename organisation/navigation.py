"""The main menu. Each app registers its items here (from its AppConfig.ready), each with a
predicate from `access.py`, so every role sees exactly what it may use and the organisation app
needs to import none of the apps above it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from organisation import access
from organisation.access import AnyUser


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    visible: Callable[[AnyUser], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _items):
        _items.append(item)
        _items.sort(key=lambda entry: entry.order)


def items_for(user: AnyUser) -> list[NavItem]:
    return [item for item in _items if item.visible(user)]


register(NavItem(_("Front page"), "front", lambda user: True, order=0))
register(NavItem(_("Organisation"), "organisation:units", access.can_browse_organisation, 60))
register(NavItem(_("MED"), "med:committees", access.can_browse_med, order=70))
register(NavItem(_("Import"), "organisation:import", access.can_import_organisation, order=80))
register(NavItem(_("Administration"), "admin:index", access.can_use_admin, order=90))
