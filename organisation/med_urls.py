"""/med/: the MED organisation. Later issues add results, dialogue and actions here."""

from __future__ import annotations

from django.urls import path

from organisation import views

app_name = "med"

urlpatterns = [
    path("", views.committee_list, name="committees"),
    path("<int:pk>/", views.committee_detail, name="committee"),
]
