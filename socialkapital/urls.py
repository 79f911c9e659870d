"""/socialkapital/: surveys of social capital. Answering needs no sign-in (svar/, kode/)."""

from __future__ import annotations

from django.urls import path

from socialkapital import (
    answer_views,
    dialogue_views,
    export_views,
    invitation_views,
    results_views,
    views,
)

app_name = "socialkapital"

urlpatterns = [
    # Rounds, questionnaires and response rates (views.py)
    path("", views.index, name="index"),
    path("runder/ny/", views.round_create, name="round_create"),
    path("runder/<int:pk>/", views.round_detail, name="round"),
    path("runder/<int:pk>/rediger/", views.round_edit, name="round_edit"),
    path("runder/<int:pk>/status/", views.round_status, name="round_status"),
    path("spoergeskemaer/", views.questionnaire_list, name="questionnaires"),
    path("spoergeskemaer/ny/", views.questionnaire_create, name="questionnaire_create"),
    path("spoergeskemaer/<int:pk>/", views.questionnaire_detail, name="questionnaire"),
    path(
        "spoergeskemaer/<int:pk>/ny-version/",
        views.questionnaire_new_version,
        name="questionnaire_new_version",
    ),
    # Invitations, reminders and access codes (invitation_views.py)
    path("runder/<int:pk>/paamindelser/", invitation_views.send_reminders, name="reminders"),
    path("runder/<int:pk>/koder/", invitation_views.access_codes, name="access_codes"),
    # Results: dashboards (results_views.py). The index above shows the leader's heatmap.
    path("resultater/<int:pk>/", results_views.unit_results, name="unit_results"),
    path("organisation/", results_views.overview, name="overview"),
    # Exports and print (export_views.py)
    path("eksport/", export_views.export_heatmap, name="export_heatmap"),
    path("resultater/<int:pk>/eksport/", export_views.export_unit, name="export_unit"),
    path("med/<int:pk>/", export_views.committee_print, name="committee_print"),
    # Dialogue and actions (dialogue_views.py)
    path(
        "resultater/<int:pk>/dialog/ny/",
        dialogue_views.unit_dialogue_create,
        name="unit_dialogue_create",
    ),
    path(
        "med/<int:pk>/dialog/ny/",
        dialogue_views.committee_dialogue_create,
        name="committee_dialogue_create",
    ),
    path("dialoger/<int:pk>/", dialogue_views.dialogue_detail, name="dialogue"),
    path("dialoger/<int:pk>/handling/ny/", dialogue_views.action_create, name="action_create"),
    path("handlinger/", dialogue_views.action_list, name="actions"),
    path("handlinger/<int:pk>/", dialogue_views.action_detail, name="action"),
    # Answering, without sign-in (answer_views.py)
    path("svar/<str:token>/", answer_views.start_with_token, name="start_token"),
    path("kode/", answer_views.start_with_code, name="start_code"),
    path("besvar/", answer_views.answer, name="answer"),
    path("tak/", answer_views.thanks, name="thanks"),
]
