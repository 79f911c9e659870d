"""The app's main-menu items (see organisation/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from organisation import access
from organisation.navigation import NavItem, register

# Results are for everyone with a unit to look at (employees their workplace); the rounds and
# response rates on the same page are shown to those who follow surveys.
register(NavItem(_("Social capital"), "socialkapital:index", access.can_browse_results, order=30))
register(NavItem(_("Actions"), "socialkapital:actions", access.can_browse_results, order=31))
