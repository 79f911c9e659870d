from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The menu items register themselves; the audit module connects its mirror of the
        # Django admin's change log, the middleware module its sign-in clock, the principal
        # module the signals that tell every process the organisation changed.
        from organisation import audit, middleware, navigation, principal  # noqa: F401
