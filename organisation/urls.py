from __future__ import annotations

from django.urls import path

from organisation import (
    api_token_views,
    audit_views,
    calendar_views,
    import_views,
    os2mo_views,
    views,
)

app_name = "organisation"

urlpatterns = [
    path("", views.unit_list, name="units"),
    path("enheder/<int:pk>/", views.unit_detail, name="unit"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("revision/", audit_views.audit_log, name="audit"),
    path("os2mo/", os2mo_views.os2mo_import, name="os2mo"),
    path("api-noegler/", api_token_views.api_tokens, name="api_tokens"),
    path("kalender/", calendar_views.calendar_settings, name="calendar"),
]
