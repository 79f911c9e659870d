"""/kerneopgaver/: the core tasks, their indicators, dialogue, vision and leadership communities."""

from __future__ import annotations

from django.urls import path

from kerneopgaver import community_views, dialogue_views, indicator_views, views

app_name = "kerneopgaver"

urlpatterns = [
    # Core tasks, contributions and the vision (views.py)
    path("", views.overview, name="overview"),
    path("print/", views.overview_print, name="overview_print"),
    path("ny/", views.core_task_create, name="create"),
    path("<int:pk>/", views.hub, name="hub"),
    path("<int:pk>/rediger/", views.core_task_edit, name="edit"),
    path("<int:pk>/status/", views.core_task_status, name="status"),
    path("<int:pk>/bidrag/", views.contribution_add, name="contribution_add"),
    path("<int:pk>/bidrag/<int:unit_pk>/", views.contribution_edit, name="contribution_edit"),
    path("vision/", views.vision_list, name="vision_list"),
    path("vision/ny/", views.vision_create, name="vision_create"),
    path("vision/<int:pk>/", views.vision_detail, name="vision_detail"),
    path("vision/<int:pk>/rediger/", views.vision_edit, name="vision_edit"),
    path("vision/<int:pk>/vedtag/", views.vision_adopt, name="vision_adopt"),
    # Effect indicators (indicator_views.py)
    path("<int:pk>/indikatorer/ny/", indicator_views.indicator_create, name="indicator_create"),
    path("indikatorer/<int:pk>/", indicator_views.indicator_detail, name="indicator"),
    path("indikatorer/<int:pk>/rediger/", indicator_views.indicator_edit, name="indicator_edit"),
    path("indikatorer/<int:pk>/vaerdier/", indicator_views.value_add, name="indicator_value_add"),
    path("indikatorer/<int:pk>/import/", indicator_views.values_import, name="indicator_import"),
    # Dialogue and moderation (dialogue_views.py)
    path("<int:pk>/dialog/", dialogue_views.input_add, name="input_add"),
    path("input/<int:pk>/udfald/", dialogue_views.input_outcome, name="input_outcome"),
    path("moderation/", dialogue_views.moderation_list, name="moderation"),
    path("input/<int:pk>/moderer/", dialogue_views.input_moderate, name="input_moderate"),
    # Leadership communities (community_views.py)
    path("ledelsesfaellesskaber/", community_views.community_list, name="communities"),
    path("ledelsesfaellesskaber/<int:pk>/", community_views.community_detail, name="community"),
    path(
        "ledelsesfaellesskaber/<int:pk>/kerneopgaver/",
        community_views.community_core_tasks,
        name="community_core_tasks",
    ),
]
