"""The app's main-menu items (see organisation/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from organisation import access
from organisation.navigation import NavItem, register

register(NavItem(_("Core tasks"), "kerneopgaver:overview", lambda user: True, order=10))
register(NavItem(_("Consultations"), "hoering:list", lambda user: True, order=20))
register(
    NavItem(
        _("Leadership communities"),
        "kerneopgaver:communities",
        access.can_browse_communities,
        order=75,
    )
)
