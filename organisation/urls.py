from __future__ import annotations

from django.urls import path

from organisation import audit_views, import_views, views

app_name = "organisation"

urlpatterns = [
    path("", views.unit_list, name="units"),
    path("enheder/<int:pk>/", views.unit_detail, name="unit"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("revision/", audit_views.audit_log, name="audit"),
]
