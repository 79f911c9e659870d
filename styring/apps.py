from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StyringConfig(AppConfig):
    name = "styring"
    verbose_name = _("Governance")
    default_auto_field = "django.db.models.BigAutoField"
