"""Giving a value signal (værdisignal): an employee's anonymous answer on one instrument, once
per quarter (DESIGN.md, "Anonymity").

Two rows are written in one transaction, and nothing links them:
- a `ValueSignalMarker` holding only a keyed hash of user, instrument and period (and the
  period, so markers of old periods can be deleted). Its unique digest is what refuses a second
  answer, also when two answers arrive at the same moment: the database lets exactly one insert
  through, whatever the isolation level. The key is derived from SECRET_KEY with a salt of its
  own, so the digest cannot be recomputed from a user id without the server's secret;
- the `ValueSignal` itself: instrument, the employee's home unit, period and the three answers,
  under a random UUID, with no person and no time.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from organisation import access
from organisation.models import User
from styring import periods
from styring.models import Answer, DuplicateAnswer, Instrument, ValueSignal, ValueSignalMarker

__all__ = ["has_given", "marker_digest", "signal_give"]

# The salt of the marker's key: a digest made for another purpose with the same SECRET_KEY can
# never equal a marker.
MARKER_SALT = "styring.value_signal_marker.v1"


def marker_digest(user_id: int, instrument_id: int, period: str) -> str:
    """The keyed hash (HMAC-SHA256) of user, instrument and period: 64 hex characters."""
    value = f"{user_id}:{instrument_id}:{period}"
    return salted_hmac(MARKER_SALT, value, algorithm="sha256").hexdigest()


def has_given(user: User, instrument: Instrument, period: str) -> bool:
    """Whether `user` has given a value signal on `instrument` in `period`."""
    digest = marker_digest(user.pk, instrument.pk, period)
    return ValueSignalMarker.objects.filter(digest=digest).exists()


def _applies_to_home_unit(user: User, instrument: Instrument) -> bool:
    # Imported here: styring.queries.signals imports this module for `marker_digest`.
    from styring.queries.signals import applies_to_user

    return applies_to_user(user, instrument)


def _check_answers(helps: str, uses: str, duplicate: str) -> None:
    errors: dict[str, str] = {}
    message = _("Choose one of the answers shown.")
    if helps not in Answer.values:
        errors["helps"] = message
    if uses not in Answer.values:
        errors["uses"] = message
    if duplicate not in DuplicateAnswer.values:
        errors["duplicate"] = message
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def signal_give(
    *,
    user: User,
    instrument: Instrument,
    helps: str,
    uses: str,
    duplicate: str,
    period: str | None = None,
) -> None:
    """Store `user`'s value signal on `instrument` for `period` (the current quarter unless
    given). Refused with a ValidationError when an answer is not one of the choices, the
    instrument does not apply to the user's workplace, or the user has answered already."""
    if period is None:
        period = periods.current_period()
    else:
        try:
            periods.parse(period)
        except ValueError:
            raise ValidationError(
                _("Not a quarter: %(period)s."), params={"period": period}
            ) from None
    _check_answers(helps, uses, duplicate)
    applies = _applies_to_home_unit(user, instrument)
    if not access.can_give_value_signal(user, instrument, applies):
        raise ValidationError(
            _(
                "This instrument does not apply to your workplace, so you cannot give it a "
                "value signal."
            ),
            code="does_not_apply",
        )
    try:
        # A savepoint: the losing insert of two simultaneous answers fails here, and the whole
        # transaction (the signal included) is rolled back by the ValidationError.
        with transaction.atomic():
            ValueSignalMarker.objects.create(
                digest=marker_digest(user.pk, instrument.pk, period), period=period
            )
    except IntegrityError:
        raise ValidationError(
            _("You have already given a value signal on this instrument this quarter."),
            code="already_answered",
        ) from None
    ValueSignal.objects.create(
        instrument=instrument,
        unit_id=user.home_unit_id,
        period=period,
        helps=helps,
        uses=uses,
        duplicate=duplicate,
    )
