"""Panels: how an app adds a section to another app's page without that app importing it.

A page owns a `PanelRegistry`; an app above it registers a panel (a template and a function
that returns its context, or None to leave the panel out) from its AppConfig.ready(). The page's
view renders `registry.render(request, obj)` and the template prints the panels in order. Adding
a panel to a page is adding one template and one `register` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

ContextFunction = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: ContextFunction
    order: int = 100


class PanelRegistry:
    def __init__(self, page: str) -> None:
        self.page = page
        self._panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> None:
        self._panels[panel.name] = panel

    def panels(self) -> list[Panel]:
        return sorted(self._panels.values(), key=lambda panel: (panel.order, panel.name))

    def render(self, request: HttpRequest, obj: Any) -> list[SafeString]:
        rendered = []
        for panel in self.panels():
            context = panel.context(request, obj)
            if context is not None:
                rendered.append(
                    render_to_string(panel.template, {"object": obj, **context}, request=request)
                )
        return rendered


unit_panels = PanelRegistry("organisation unit page")
committee_panels = PanelRegistry("MED committee page")
