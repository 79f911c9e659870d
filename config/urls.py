"""Root URLs. Danish paths are stable addresses (DESIGN.md, "Stable addresses")."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config import health
from kerneopgaver import views as kerneopgaver_views
from organisation import calendar_views

admin.site.site_header = _("Core tasks – administration")
admin.site.site_title = _("Core tasks")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", kerneopgaver_views.front, name="front"),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(extra_context={"oidc_enabled": settings.OIDC_ENABLED}),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("kerneopgaver/", include("kerneopgaver.urls")),
    path("hoering/", include("kerneopgaver.hoering_urls")),
    path("styring/", include("styring.urls")),
    path("socialkapital/", include("socialkapital.urls")),
    path("organisation/", include("organisation.urls")),
    path("med/", include("organisation.med_urls")),
    path("api/", include("config.api_urls")),
    # A secret, revocable address that calendar programs poll without signing in.
    path("kalender/<str:token>.ics", calendar_views.feed, name="calendar_feed"),
    path("admin/", admin.site.urls),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
