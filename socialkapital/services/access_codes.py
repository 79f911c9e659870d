"""Single-use access codes for employees without e-mail.

A code is ten characters drawn with `secrets` from an alphabet without the look-alikes 0/O and
1/I/L (31 symbols, about 49.5 bits), printed grouped as "K7QM-4TXP-2C" so it can be read aloud
and typed on a phone. Only `hash_access_code(code)` (a keyed hash) is stored, with the round and
the unit: never with a name. The codes themselves exist only in the response that prints them.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from organisation.models import OrgUnit, User
from socialkapital.models import AccessCode, Invitation, SurveyRound
from socialkapital.services import answering

__all__ = [
    "ACCESS_CODE_ALPHABET",
    "ACCESS_CODE_LENGTH",
    "MAX_CODES_PER_SHEET",
    "access_codes_generate",
    "access_codes_possible",
    "access_codes_suggested_counts",
    "format_access_code",
]

ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCESS_CODE_LENGTH = 10
MAX_CODES_PER_SHEET = 200


def format_access_code(code: str) -> str:
    """Group a code for reading aloud: 4-4-2, e.g. "K7QM-4TXP-2C"."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


def access_codes_possible(survey_round: SurveyRound) -> bool:
    """Codes can be made for a draft or open round, never for a closed one."""
    return survey_round.status != SurveyRound.Status.CLOSED


def access_codes_suggested_counts(*, survey_round: SurveyRound) -> dict[int, int]:
    """Per unit id, how many people invited there have no e-mail address (they need a code)."""
    rows = (
        Invitation.objects.filter(round=survey_round, email="")
        .values("unit")
        .annotate(n=Count("pk"))
        .values_list("unit", "n")
    )
    return dict(rows)


def access_codes_generate(
    *, survey_round: SurveyRound, unit: OrgUnit, count: int, created_by: User
) -> list[str]:
    """Make `count` new single-use codes for the unit, store their hashes, and return the codes
    (ungrouped) for printing, the only time they exist in full. All or nothing."""
    if not 1 <= count <= MAX_CODES_PER_SHEET:
        raise ValidationError(
            {
                "count": _("Choose between 1 and %(maximum)d codes.")
                % {"maximum": MAX_CODES_PER_SHEET}
            }
        )
    if not unit.is_within([survey_round.scope.path]):
        raise ValidationError({"unit": _("The unit is not part of the round.")})
    with transaction.atomic():
        # Lock the round so that it cannot be closed while its codes are being made.
        locked = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
        if not access_codes_possible(locked):
            raise ValidationError(_("The round is closed: no more access codes can be made."))
        codes: dict[str, str] = {}  # hash -> code
        while len(codes) < count:
            code = _new_code()
            codes.setdefault(answering.hash_access_code(code), code)
        # A clash with a stored code is practically impossible (49 bits), but if it happens the
        # clashing code is replaced rather than failing the whole sheet.
        while clashes := set(
            AccessCode.objects.filter(code_hash__in=codes).values_list("code_hash", flat=True)
        ):
            for code_hash in clashes:
                del codes[code_hash]
            while len(codes) < count:
                code = _new_code()
                codes.setdefault(answering.hash_access_code(code), code)
        AccessCode.objects.bulk_create(
            AccessCode(round=locked, unit=unit, code_hash=code_hash, created_by=created_by)
            for code_hash in codes
        )
    return list(codes.values())
