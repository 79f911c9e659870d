"""The audit log: administrative changes and denied access, for HR/admin to review.

`record` is the one writer. Services call it inside their own transaction, so an audit row
exists exactly when the change it describes committed. Changes made in the Django admin are
mirrored from Django's own admin log (`LogEntry`), and `DeniedAccessMiddleware` records every
403 answer.

Personal data is kept minimal: who (user and name), what (a short action code), on which object
(model label and primary key, or a path), when, a few details, and the client address only for
denied access (the product already keys login throttling on it, organisation/http.py).

Anonymity (DESIGN.md) is the product's promise, so the log never holds a survey answer, a value
signal, an invitation or an access code, nor anything that ties a person to one: `record`
refuses such targets and such details, and a denied request on an answering or value-signal
page is recorded without the person, their address or the token in its path.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.cache import cache
from django.db import DatabaseError, models, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.http import client_address
from organisation.models import AuditEvent, User

logger = logging.getLogger(__name__)

DENIED = "access.denied"

# Action code → label shown on the audit page. A code missing here is shown as it is.
ACTIONS: dict[str, Any] = {
    DENIED: _("Access denied"),
    "admin.added": _("Added in the admin"),
    "admin.changed": _("Changed in the admin"),
    "admin.deleted": _("Deleted in the admin"),
    "organisation.imported": _("Organisation import applied"),
    "organisation.os2mo_synced": _("Organisation synced from OS2mo"),
    "api_token.created": _("API key created"),
    "api_token.revoked": _("API key revoked"),
    "round.opened": _("Survey round opened (minimum group size agreed)"),
    "round.closed": _("Survey round closed"),
    "round.extended": _("Survey round extended"),
    "core_task.moved": _("Core task status changed"),
    "vision.adopted": _("Vision adopted"),
    "instrument.moved": _("Instrument status changed"),
    "instrument.decided": _("Governance decision recorded"),
}

# Rows that hold or lead to an answer or a value signal: never an audit target.
ANONYMOUS_MODELS = frozenset(
    {
        "socialkapital.response",
        "socialkapital.answer",
        "socialkapital.responsescore",
        "socialkapital.invitation",
        "socialkapital.invitationlink",
        "socialkapital.accesscode",
        "styring.valuesignal",
        "styring.valuesignalmarker",
    }
)
# Detail keys that would carry an answer or a secret.
FORBIDDEN_DETAILS = frozenset(
    {"answer", "answers", "response", "responses", "signal", "value", "token", "code", "kode"}
)
# Pages where people answer surveys or give value signals without being identified. A denied
# request there is recorded without the person, their address or the token in the path.
ANONYMOUS_PATHS = re.compile(
    r"^/(?:socialkapital/+(?:svar|kode|besvar|tak)/|styring/+\d+/+vaerdi/)"
)
_TOKEN_IN_PATH = re.compile(r"^(/socialkapital/+svar/+|/kalender/+)[^/]+")
MASK = "[skjult]"

# A denied request repeated by the same client on the same path is recorded once a minute, so
# that a script probing a page cannot fill the table.
DENIED_DEDUPE_SECONDS = 60

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def request_actor() -> User | None:
    """The signed-in user of the request being handled, for services that are not told who
    acts; None outside a request (Celery, management commands) or for a visitor."""
    request = _current_request.get()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def target_of(obj: models.Model) -> str:
    """A model instance as an audit target: its model label and primary key."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def _check_anonymity(target: str, details: Mapping[str, Any]) -> None:
    label = target.split(":", 1)[0].lower()
    if label in ANONYMOUS_MODELS:
        raise ValueError(f"Audit events never name {label} rows (anonymity).")
    forbidden = FORBIDDEN_DETAILS & {str(key).lower() for key in details}
    if forbidden:
        raise ValueError(f"Audit details never hold {sorted(forbidden)} (anonymity).")


def record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | str | None = None,
    details: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one audit event in the caller's transaction.

    `target` is a model instance or a text (a path); `request` gives the client address, which is
    kept for denied access only.
    """
    target_text = target_of(target) if isinstance(target, models.Model) else (target or "")
    details = dict(details or {})
    _check_anonymity(target_text, details)
    ip_address = None
    if action == DENIED and request is not None:
        ip_address = client_address(request) or None
    signed_in = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        when=timezone.now(),
        actor=signed_in,
        actor_name=(signed_in.get_full_name() if signed_in else "")[:200],
        action=action[:50],
        target=target_text[:300],
        details=details,
        ip_address=ip_address,
    )


def _denied_fingerprint(request: HttpRequest, user_key: str, path: str) -> str:
    raw = f"{user_key}|{client_address(request)}|{request.method}|{path}"
    return "audit-denied:" + hashlib.sha256(raw.encode()).hexdigest()


def record_denied(request: HttpRequest) -> AuditEvent | None:
    """Record a 403 answer; None when it was recorded for this client less than a minute ago."""
    user = getattr(request, "user", None)
    anonymous_flow = bool(ANONYMOUS_PATHS.match(request.path))
    path = _TOKEN_IN_PATH.sub(rf"\1{MASK}", request.path)
    actor = None if anonymous_flow or user is None or not user.is_authenticated else user
    user_key = str(actor.pk) if actor is not None else "-"
    if not cache.add(_denied_fingerprint(request, user_key, path), 1, DENIED_DEDUPE_SECONDS):
        return None
    return record(
        actor=actor,
        action=DENIED,
        target=path,
        details={"method": request.method},
        request=None if anonymous_flow else request,
    )


class DeniedAccessMiddleware:
    """Records every 403 answer (a refused permission or a failed CSRF check) in the audit log,
    for signed-in people and visitors alike, and makes the request's user known to services
    (`request_actor`).

    404s are not recorded: on public pages they are mostly mistyped or stale links, and where a
    404 hides a private object (access.py), recording it would be noise too. Place it after the
    authentication middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        if response.status_code == 403:
            try:
                with transaction.atomic():
                    record_denied(request)
            except DatabaseError:
                # The refusal stands even when it cannot be logged; never turn a 403 into a 500.
                logger.warning("Could not record denied access to %s", request.path)
        return response


_ADMIN_ACTIONS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_log_entry")
def _mirror_admin_change(
    sender: type[LogEntry], instance: LogEntry, created: bool, **_: Any
) -> None:
    """Mirror a change made in the Django admin (role assignments included). The admin writes
    its LogEntry inside the change's transaction, so this row shares its fate."""
    if not created or instance.content_type is None:
        return
    label = f"{instance.content_type.app_label}.{instance.content_type.model}"
    if label in ANONYMOUS_MODELS or label == AuditEvent._meta.label_lower:
        return
    record(
        actor=instance.user if isinstance(instance.user, User) else None,
        action=_ADMIN_ACTIONS.get(instance.action_flag, "admin.changed"),
        target=f"{label}:{instance.object_id}",
        details={"object": instance.object_repr[:200], "change": instance.get_change_message()},
    )


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def known_actions() -> list[tuple[str, str]]:
    """(code, label) for the audit page's filter."""
    return [(code, str(label)) for code, label in ACTIONS.items()]
