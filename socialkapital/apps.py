from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialkapitalConfig(AppConfig):
    name = "socialkapital"
    verbose_name = _("Social capital")
    default_auto_field = "django.db.models.BigAutoField"
