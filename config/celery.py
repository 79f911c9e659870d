"""The Celery app. Its settings live in config/settings.py under the CELERY_ prefix, each with a
comment saying why; without REDIS_URL tasks run eagerly in the calling process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kerneopgaver")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
