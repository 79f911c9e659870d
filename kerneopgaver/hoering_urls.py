"""/hoering/: open consultations where citizens comment on core tasks without signing in."""

from __future__ import annotations

from django.urls import path

from kerneopgaver import dialogue_views

app_name = "hoering"

urlpatterns = [
    path("", dialogue_views.consultation_list, name="list"),
    path("<int:pk>/", dialogue_views.consultation_detail, name="detail"),
    path("<int:pk>/tak/", dialogue_views.consultation_thanks, name="thanks"),
]
