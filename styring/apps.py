from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StyringConfig(AppConfig):
    name = "styring"
    verbose_name = _("Governance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Menu items, page panels, calendar events and the demo extension register themselves
        # when imported.
        from styring import (  # noqa: F401
            calendar_events,
            decision_panels,
            demo,
            hub_panel,
            navigation,
            signal_panels,
        )
