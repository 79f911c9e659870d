"""The panels of an instrument's page (/styring/<id>/): its decisions (decision_panels.py) and
its employees' value signals (signal_panels.py) register here, beside the definition and
justifications that the page shows itself."""

from __future__ import annotations

from organisation.panels import Panel, PanelRegistry

instrument_panels = PanelRegistry("governance instrument page")

__all__ = ["Panel", "instrument_panels"]
