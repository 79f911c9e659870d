from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialkapitalConfig(AppConfig):
    name = "socialkapital"
    verbose_name = _("Social capital")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Menu items, calendar events, the demo extension and the log filter register themselves
        # when imported.
        from socialkapital import (  # noqa: F401
            calendar_events,
            committee_panels,
            demo,
            dialogue_panels,
            hub_panel,
            navigation,
        )
