"""Governance (styring) under /styring/ (DESIGN.md, "Stable addresses")."""

from __future__ import annotations

from django.urls import path

from styring import decision_views, import_views, signal_views, views

app_name = "styring"

urlpatterns = [
    # The register (views.py)
    path("", views.register, name="register"),
    path("ny/", views.create, name="create"),
    path("<int:pk>/", views.instrument, name="instrument"),
    path("<int:pk>/rediger/", views.edit, name="edit"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/begrundelser/", views.justifications, name="justifications"),
    path("begrundelser/<int:pk>/fjern/", views.justification_remove, name="justification_remove"),
    # CSV import (import_views.py)
    path("import/", import_views.import_instruments, name="import"),
    path("import/skabelon.csv", import_views.import_template, name="import_template"),
    # What applies to me, and value signals (signal_views.py)
    path("mig/", signal_views.mine, name="mine"),
    path("enhed/<int:pk>/", signal_views.unit, name="unit"),
    path("<int:pk>/vaerdi/", signal_views.signal, name="signal"),
    # Decisions, the map, the review register and the overview (decision_views.py)
    path("<int:pk>/beslutning/", decision_views.decide, name="decide"),
    path("kort/", decision_views.governance_map, name="map"),
    path("rydning/", decision_views.review, name="review"),
    path("rydning/<int:pk>/", decision_views.review_decide, name="review_decide"),
    path("overblik/", decision_views.overview, name="overview"),
]
