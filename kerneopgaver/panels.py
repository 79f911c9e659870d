"""The panels of a core task's hub page (/kerneopgaver/<id>/).

Each area registers its panel here from its AppConfig.ready(): the definition, indicators,
contributions and dialogue from this app; governance (styring) and social capital
(socialkapital) from theirs. Orders leave room between them for later panels.
"""

from __future__ import annotations

from organisation.panels import Panel, PanelRegistry

hub_panels = PanelRegistry("core task hub page")

__all__ = ["Panel", "hub_panels"]
