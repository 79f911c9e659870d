"""/socialkapital/: surveys of social capital. Answering needs no sign-in (svar/, kode/)."""

from __future__ import annotations

from django.urls import path

from socialkapital import answer_views, invitation_views, views

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
    # Answering, without sign-in (answer_views.py)
    path("svar/<str:token>/", answer_views.start_with_token, name="start_token"),
    path("kode/", answer_views.start_with_code, name="start_code"),
    path("besvar/", answer_views.answer, name="answer"),
    path("tak/", answer_views.thanks, name="thanks"),
]
