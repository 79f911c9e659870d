"""Celery tasks of the socialkapital app (thin wrappers around services), one module per area.
Celery's autodiscovery imports this package; the imports below register the tasks."""

from __future__ import annotations

from socialkapital.tasks import actions, invitations, results, retention  # noqa: F401
