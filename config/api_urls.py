"""The open-data API under /api/ (read-only JSON, OpenAPI schema). Each app keeps its endpoints
in its own `api.py`; this module only puts them together and serves the schema.

/api/v1/ holds the endpoints, /api/schema/ the OpenAPI 3 schema, /api/docs/ a page that explains
them (and how to get a key). Every other address under /api/ is a JSON 404.
"""

from __future__ import annotations

from django.urls import path, re_path
from django.views.generic import RedirectView

from kerneopgaver import api as kerneopgaver_api
from organisation import api as organisation_api
from organisation import api_token_views
from socialkapital import api as socialkapital_api
from styring import api as styring_api

app_name = "api"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api:docs"), name="root"),
    path("schema/", api_token_views.SchemaView.as_view(), name="schema"),
    path("docs/", api_token_views.api_docs, name="docs"),
    # Public: the adopted vision and core tasks (kerneopgaver/api.py)
    path("v1/vision/", kerneopgaver_api.VisionCurrentView.as_view(), name="vision"),
    path(
        "v1/vision/versions/",
        kerneopgaver_api.VisionVersionsView.as_view(),
        name="vision_versions",
    ),
    path("v1/core-tasks/", kerneopgaver_api.CoreTaskListView.as_view(), name="core_tasks"),
    path(
        "v1/core-tasks/<int:pk>/", kerneopgaver_api.CoreTaskDetailView.as_view(), name="core_task"
    ),
    # With a key: social-capital results (socialkapital/api.py)
    path("v1/results/rounds/", socialkapital_api.RoundListView.as_view(), name="result_rounds"),
    path(
        "v1/results/rounds/<int:pk>/",
        socialkapital_api.RoundDetailView.as_view(),
        name="result_round",
    ),
    path(
        "v1/results/rounds/<int:pk>/units/",
        socialkapital_api.RoundUnitsView.as_view(),
        name="result_units",
    ),
    # With a key: governance (styring/api.py)
    path(
        "v1/governance/overview/",
        styring_api.GovernanceOverviewView.as_view(),
        name="governance_overview",
    ),
    path(
        "v1/governance/instruments/",
        styring_api.InstrumentListView.as_view(),
        name="instruments",
    ),
    re_path(r"^.*$", organisation_api.not_found, name="not_found"),
]
