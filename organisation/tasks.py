"""Periodic housekeeping for sign-in data. Scheduled daily by CELERY_BEAT_SCHEDULE in settings."""

from __future__ import annotations

import logging
from datetime import timedelta
from importlib import import_module
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

logger = logging.getLogger(__name__)

# A database that is restarting or failing over comes back within minutes; after five tries
# (about 1 + 2 + 4 + 8 + 16 minutes) tomorrow's run will do the work anyway.
_MAX_RETRIES = 5
_FIRST_RETRY_SECONDS = 60


def _remove_expired_login_attempts() -> int:
    """Delete django-axes failure counters older than the cool-off: they no longer lock anyone out
    (axes only counts attempts inside the cool-off window), so keeping them only keeps user names
    and addresses longer than needed."""
    cool_off = get_cool_off()
    if cool_off is None:  # lockouts never expire, so no counter is ever stale
        return 0
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lte=timezone.now() - cool_off).delete()
    return deleted


# Addresses in the audit log's records of refused requests are personal data, useful for a
# while to see an attack, not for ever: the records themselves stay, without the address.
DENIED_ACCESS_ADDRESS_DAYS = 90


def _forget_old_denied_access_addresses() -> int:
    from organisation.models import AuditEvent

    cutoff = timezone.now() - timedelta(days=DENIED_ACCESS_ADDRESS_DAYS)
    return AuditEvent.objects.filter(
        action="access.denied", when__lt=cutoff, ip_address__isnull=False
    ).update(ip_address=None)


@shared_task(
    bind=True,
    max_retries=_MAX_RETRIES,
    # Deleting expired rows is idempotent: running it twice, or again after a crash, is harmless.
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
)
def clear_expired_sessions(self: Task) -> dict[str, Any]:
    """Remove expired sessions (through the configured session engine, so it works for database,
    cache and signed-cookie sessions alike) and stale login-throttling counters."""
    try:
        engine = import_module(settings.SESSION_ENGINE)
        engine.SessionStore.clear_expired()
        attempts = _remove_expired_login_attempts()
        addresses = _forget_old_denied_access_addresses()
    except DatabaseError as exc:
        countdown = _FIRST_RETRY_SECONDS * 2**self.request.retries
        logger.warning("clear_expired_sessions failed, retrying in %ss: %s", countdown, exc)
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info(
        "Cleared expired sessions, %d expired login attempts and %d old addresses",
        attempts,
        addresses,
    )
    return {
        "expired_login_attempts_removed": attempts,
        "denied_access_addresses_removed": addresses,
    }


# --- OS2mo ----------------------------------------------------------------------------------


@shared_task(
    name="organisation.sync_os2mo",
    bind=True,
    max_retries=_MAX_RETRIES,
    # The sync compares OS2mo with the database and applies the difference in one transaction:
    # running it twice, or again after a crash, changes nothing more.
    acks_late=True,
    soft_time_limit=1500,
    time_limit=1800,
)
def sync_os2mo(self: Task) -> dict[str, Any]:
    """Apply OS2mo's organisation and MED structure (scheduled nightly when OS2MO_URL is set).
    What OS2mo got wrong is reported on the OS2mo page; a failed read changes nothing."""
    from organisation.os2mo import sync

    if not settings.OS2MO_ENABLED:
        logger.info("sync_os2mo: OS2mo is not set up (OS2MO_URL); nothing to do")
        return {"skipped": True}
    try:
        batch = sync.sync()
    except DatabaseError as exc:
        countdown = _FIRST_RETRY_SECONDS * 2**self.request.retries
        logger.warning("sync_os2mo failed, retrying in %ss: %s", countdown, exc)
        raise self.retry(exc=exc, countdown=countdown) from exc
    return {
        "batch": batch.pk,
        "status": batch.status,
        "problems": batch.summary.get("problem_count", 0),
    }
