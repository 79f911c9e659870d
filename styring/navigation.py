"""The app's main-menu items (see organisation/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from organisation import access
from organisation.navigation import NavItem, register

register(NavItem(_("Governance"), "styring:register", access.can_browse_governance, order=40))
