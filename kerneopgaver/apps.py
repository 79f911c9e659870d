from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KerneopgaverConfig(AppConfig):
    name = "kerneopgaver"
    verbose_name = _("Core tasks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each view module registers its hub-page panels and menu items when imported.
        from kerneopgaver import (  # noqa: F401
            community_views,
            demo,
            dialogue_views,
            indicator_views,
            navigation,
            views,
        )
