"""Personal API keys for the open-data API: make, revoke, list, and recognise a key.

A key is a random secret shown once, when it is made; only its SHA-256 digest is stored, so a
copy of the database gives nobody a working key. The key carries no scope of its own: each
request sees what the key's user may see at that moment (organisation/access.py), so a role
taken away is taken from the key too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation import access, audit
from organisation.models import ApiToken, User

# Every secret starts like this, so that a key pasted into the wrong place (a chat, a
# repository) is recognisable by people and by secret scanners.
SECRET_START = "ko_"  # noqa: S105 (a fixed start, not a secret)
# The beginning of the secret kept in clear text, to tell keys apart in the list:
# the start and 8 of the random characters (48 of its 256 bits).
PREFIX_LENGTH = len(SECRET_START) + 8
# last_used_at is written at most this often per key: a busy client must not write on every
# request.
TOUCH_INTERVAL = timedelta(minutes=1)
# More keys than this, active at once, is a sign of keys being made instead of kept.
MAX_ACTIVE_KEYS = 20
# A key can be made to expire on a day at most this far ahead (or never).
MAX_EXPIRY_DAYS = 3 * 366


class Status:
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def digest_of(secret: str) -> str:
    """The stored form of a secret. The secret has 256 random bits, so a plain hash cannot be
    reversed by guessing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def status_of(token: ApiToken, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if token.revoked_at is not None:
        return Status.REVOKED
    if token.expires_at is not None and token.expires_at <= now:
        return Status.EXPIRED
    return Status.ACTIVE


def active_filter(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own keys, newest first: what the key page lists."""
    return ApiToken.objects.filter(access.api_tokens_filter(user)).order_by("-created_at", "-pk")


def token_for_secret(secret: str) -> ApiToken | None:
    """The key with this secret (active or not), with its user; None when there is none."""
    return ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()


def expiry_moment(day: date) -> datetime:
    """A key "valid until" a day works through that whole day, local time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def check_expiry(day: date | None, today: date | None = None) -> None:
    """Raise ValidationError (on the field "expires_on") unless `day` is today or later and
    within MAX_EXPIRY_DAYS."""
    if day is None:
        return
    today = today or timezone.localdate()
    if day < today:
        raise ValidationError({"expires_on": _("The expiry date has passed. Choose a later day.")})
    if day > today + timedelta(days=MAX_EXPIRY_DAYS):
        raise ValidationError(
            {
                "expires_on": _("A key can expire at most %(years)s years ahead.")
                % {"years": MAX_EXPIRY_DAYS // 366}
            }
        )


@dataclass(frozen=True)
class NewKey:
    """A key just made, with its secret: the only time the secret exists outside the caller."""

    token: ApiToken
    secret: str


def api_token_create(*, user: User, name: str, expires_on: date | None = None) -> NewKey:
    """Make a key for `user` (who must be signed in and active). Raises ValidationError with a
    message per field when the name is empty, the expiry date is not allowed, or the user
    already has MAX_ACTIVE_KEYS active keys."""
    if not access.can_manage_api_tokens(user):
        raise ValidationError(_("Only people who are signed in can make API keys."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the key a name, e.g. what it is used for.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long.")})
    check_expiry(expires_on)
    with transaction.atomic():
        # One key at a time per user, so that two requests cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(user=user).filter(active_filter()).count() >= MAX_ACTIVE_KEYS:
            raise ValidationError(
                _("You already have %(count)s active keys. Revoke one you no longer use first.")
                % {"count": MAX_ACTIVE_KEYS}
            )
        secret = SECRET_START + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            digest=digest_of(secret),
            expires_at=expiry_moment(expires_on) if expires_on else None,
        )
        audit.record(
            actor=user,
            action="api_token.created",
            target=token,
            details={
                "name": name,
                "prefix": token.prefix,
                "expires": expires_on.isoformat() if expires_on else None,
            },
        )
    return NewKey(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken, actor: User) -> bool:
    """Revoke the key; True when it was active until now, False when it already was revoked.
    The caller has checked that `actor` may (access.get_api_token_or_404)."""
    with transaction.atomic():
        now = timezone.now()
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if changed:
            token.revoked_at = now
            audit.record(
                actor=actor,
                action="api_token.revoked",
                target=token,
                details={"name": token.name, "prefix": token.prefix},
            )
    return bool(changed)


def api_token_touch(*, token: ApiToken) -> None:
    """Note that the key was used now, unless that was noted less than TOUCH_INTERVAL ago. A
    compare-and-set, so concurrent requests write once."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now
