"""Intensity and review decisions on instruments: tighten, keep, simplify, loosen, remove.

`decision_record` is the one writer: the decide page, the review register and the demo all call
it. A decision is history (never edited; a later one supersedes an earlier), so it stores the
time cost before and after and the employees it concerned when taken: the hours per year it
freed stay what they were. Who applies what after decisions is `styring.queries.applied_to`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation import audit
from organisation.models import OrgUnit, User, minimal_prefixes
from styring.models import MAX_MINUTES_PER_MONTH, Decision, Instrument
from styring.queries import applied_to, employees_in_subtrees, instruments_with_rules

__all__ = ["INTENSITY_KINDS", "REVIEW_KINDS", "decision_record", "kinds_for"]

Kind = Decision.Kind
Source = Decision.Source

# Intensity decisions set how hard an instrument is pressed in an area; a review decides what
# becomes of a candidate in the review register (DESIGN.md, "Governance").
INTENSITY_KINDS: tuple[str, ...] = (Kind.TIGHTEN, Kind.KEEP, Kind.LOOSEN, Kind.REMOVE)
REVIEW_KINDS: tuple[str, ...] = (Kind.KEEP, Kind.SIMPLIFY, Kind.LOOSEN, Kind.REMOVE)
# Kinds that change the time cost, so the new cost must be given.
_NEEDS_MINUTES = (Kind.TIGHTEN, Kind.SIMPLIFY, Kind.LOOSEN)


def kinds_for(source: str) -> tuple[str, ...]:
    return REVIEW_KINDS if source == Source.REVIEW else INTENSITY_KINDS


def _removed_area_paths(instrument: Instrument) -> list[str]:
    """Areas where the latest covering decision removed the instrument (needs the prefetched
    rules of `instruments_with_rules`)."""
    paths = {d.area_path for d in instrument.area_decisions if d.area_path is not None}
    return minimal_prefixes(path for path in paths if applied_to(instrument, path) is None)


def _employees_concerned(instrument: Instrument, area: OrgUnit | None) -> int:
    if area is not None:
        # The area lies inside one applies-to subtree, so area ∩ applies-to is the area.
        return employees_in_subtrees([area.path])
    # A whole-instrument decision does not concern those it was already removed from in an
    # area: their hours were counted as freed by that earlier decision.
    everyone = employees_in_subtrees(instrument.applies_paths)
    removed = _removed_area_paths(instrument)
    return everyone - employees_in_subtrees(removed) if removed else everyone


def _check(
    *,
    instrument: Instrument,
    area: OrgUnit | None,
    kind: str,
    source: str,
    reason: str,
    decision_maker: str,
    decided_on: datetime.date | None,
    review_on: datetime.date | None,
    minutes_after: int | None,
    minutes_before: int,
    removed_in_area: bool,
) -> None:
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if instrument.status == Instrument.Status.RETIRED:
        raise ValidationError(_("A retired instrument can no longer be decided on."))
    if source not in Source.values:
        raise ValidationError(_("Unknown source of the decision."))
    if kind not in kinds_for(source):
        refuse("kind", _("Choose one of the decisions offered."))
    if area is not None and not area.is_within(instrument.applies_paths):
        refuse("area", _("Choose an area where the instrument applies."))
    if area is not None and not area.active:
        refuse("area", _("The area is no longer an active unit."))
    if removed_in_area and kind != Kind.TIGHTEN:
        # Only tightening brings an instrument back where it was removed; anything else would
        # decide on something employees there are no longer asked to do.
        refuse(
            "kind",
            _("The instrument has been removed in this area; only tightening can bring it back."),
        )
    if not reason.strip():
        refuse("reason", _("Give the reason for the decision."))
    if not decision_maker.strip():
        refuse("decision_maker", _("Say who made the decision."))
    today = timezone.localdate()
    if decided_on is None:
        refuse("decided_on", _("Give the date of the decision."))
    elif decided_on > today:
        refuse("decided_on", _("The date of the decision cannot be in the future."))
    if review_on is not None and decided_on is not None and review_on <= decided_on:
        refuse("review_on", _("The next review must come after the decision."))
    if review_on is None and source == Source.REVIEW and kind != Kind.REMOVE:
        # Without a date the instrument would return to the review register at once.
        refuse("review_on", _("Set the date of the next review."))
    if kind in _NEEDS_MINUTES:
        if minutes_after is None:
            refuse("minutes_after", _("Give the time cost after the decision."))
        elif minutes_after < 0 or minutes_after > MAX_MINUTES_PER_MONTH:
            refuse(
                "minutes_after",
                _("The time cost must be between 0 and %(maximum)d minutes per month.")
                % {"maximum": MAX_MINUTES_PER_MONTH},
            )
        elif kind == Kind.TIGHTEN and minutes_after < minutes_before:
            refuse(
                "minutes_after",
                _("Tightening cannot lower the time cost (now %(minutes)d minutes per month).")
                % {"minutes": minutes_before},
            )
        elif kind != Kind.TIGHTEN and minutes_after > minutes_before:
            refuse(
                "minutes_after",
                _(
                    "Loosening or simplifying cannot raise the time cost "
                    "(now %(minutes)d minutes per month)."
                )
                % {"minutes": minutes_before},
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_record(
    *,
    instrument: Instrument,
    area: OrgUnit | None,
    kind: str,
    reason: str,
    decision_maker: str,
    decided_on: datetime.date | None,
    review_on: datetime.date | None,
    minutes_after: int | None,
    author: User | None,
    source: str = Source.INTENSITY,
) -> Decision:
    """Record a decision on `instrument` in `area` (None: wherever it applies).

    The time cost before is what applies in the area now; keep keeps it and remove makes it 0.
    A whole-instrument decision also becomes the instrument's time cost and review date, and a
    whole-instrument removal retires it, in the same transaction."""
    # Lock the row so two decisions taken at once are ordered and each sees the other's cost.
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    (rules,) = instruments_with_rules(Instrument.objects.filter(pk=locked.pk))
    removed_in_area = False
    if area is None:
        minutes_before = locked.minutes_per_month
    elif area.is_within(rules.applies_paths):
        applied = applied_to(rules, area.path)
        removed_in_area = applied is None
        minutes_before = 0 if applied is None else applied.minutes
    else:
        minutes_before = locked.minutes_per_month  # refused below
    _check(
        instrument=rules,  # read after the lock, with its applies-to paths
        area=area,
        kind=kind,
        source=source,
        reason=reason,
        decision_maker=decision_maker,
        decided_on=decided_on,
        review_on=review_on,
        minutes_after=minutes_after,
        minutes_before=minutes_before,
        removed_in_area=removed_in_area,
    )
    if kind == Kind.KEEP:
        minutes_after = minutes_before
    elif kind == Kind.REMOVE:
        minutes_after = 0
    decision = Decision.objects.create(
        instrument=locked,
        area=area,
        kind=kind,
        source=source,
        reason=reason.strip(),
        decided_by=author,
        decision_maker=decision_maker.strip(),
        decided_on=decided_on,
        review_on=review_on,
        minutes_before=minutes_before,
        minutes_after=minutes_after,
        employees=_employees_concerned(rules, area),
    )
    if area is None:
        if kind == Kind.REMOVE:
            from styring.services.instruments import instrument_retire

            instrument_retire(instrument=locked, author=author)
        else:
            locked.minutes_per_month = minutes_after
            fields = ["minutes_per_month", "updated_at"]
            if review_on is not None:
                locked.review_on = review_on
                fields.append("review_on")
            locked.save(update_fields=fields)
    audit.record(
        actor=author,
        action="instrument.decided",
        target=locked,
        details={
            "kind": kind,
            "area": area.name if area is not None else "",
            "decision_maker": decision.decision_maker,
            "minutes_before": minutes_before,
            "minutes_after": minutes_after,
        },
    )
    return decision
