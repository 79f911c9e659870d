"""The social-capital panel on a core task's hub page (/kerneopgaver/<id>/): the index and the
core-task dimension of the contributing units the reader may follow, in the newest round."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kerneopgaver.panels import Panel, hub_panels
from socialkapital import queries


def core_task_results_panel(request: HttpRequest, core_task: Any) -> dict[str, Any] | None:
    results = queries.core_task_results(request.user, core_task)
    if results is None:
        return None
    return {"results": results, "k": results.survey_round.min_group_size}


hub_panels.register(
    Panel(
        "social_capital",
        "socialkapital/panels/core_task_results.html",
        core_task_results_panel,
        order=50,
    )
)
