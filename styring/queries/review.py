"""The review register (styringsrydning): candidates for review with the reasons they are
candidates, and the hours per year that decisions have freed so far.

A candidate is an instrument that is not retired and has at least one reason: no
justification (and not a legal duty with a reference), not mandatory and judged unhelpful by
employees, past its review date, a high time cost, or double registration reported. An
instrument that a review decided on with a next review still ahead is left alone until then.
Value-signal figures come from `styring.queries.signals.instrument_summaries`, which returns
only figures that passed the anonymity rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from organisation import access
from organisation.access import AnyUser
from styring.models import Decision, Instrument

# Thresholds on the instrument-wide value signals (shares of the answers that took a side).
UNHELPFUL_SHARE = 0.5
DUPLICATE_SHARE = 0.3


@dataclass(frozen=True)
class Reason:
    code: str  # unjustified, unhelpful, past_review, high_cost, duplicate
    label: str


@dataclass
class Candidate:
    instrument: Instrument
    reasons: list[Reason] = field(default_factory=list)
    summary: Any = None  # SignalSummary when a visible instrument-wide figure exists
    can_decide: bool = False

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


@dataclass(frozen=True)
class HoursFreed:
    """Hours per year: freed by loosening, simplifying and removing; added by tightening."""

    freed: float
    added: float

    @property
    def net(self) -> float:
        return self.freed - self.added


def _summaries(ids: Iterable[int]) -> Mapping[int, Any]:
    from styring.queries.signals import instrument_summaries

    return instrument_summaries(list(ids))


def _percent(share: float) -> int:
    return round(share * 100)


def reasons_for(
    instrument: Instrument, summary: Any, *, justified: bool, today: datetime.date
) -> list[Reason]:
    """Why `instrument` is a candidate (empty: it is not)."""
    reasons = []
    if not justified and not instrument.is_legal_duty_with_reference:
        reasons.append(Reason("unjustified", _("No justification by a core task")))
    unhelpful = summary is not None and summary.unhelpful_share >= UNHELPFUL_SHARE
    if unhelpful and not instrument.mandatory:
        reasons.append(
            Reason(
                "unhelpful",
                _(
                    "Not mandatory, and %(share)d %% of the employees who answered "
                    "(n = %(n)d) say it does not help them"
                )
                % {"share": _percent(summary.unhelpful_share), "n": summary.n},
            )
        )
    if instrument.review_on is not None and instrument.review_on < today:
        reasons.append(
            Reason(
                "past_review",
                _("Past its review date (%(date)s)")
                % {"date": date_format(instrument.review_on, "SHORT_DATE_FORMAT")},
            )
        )
    if instrument.minutes_per_month >= settings.GOVERNANCE_HIGH_COST_MINUTES:
        reasons.append(
            Reason(
                "high_cost",
                _("High time cost: %(minutes)d minutes per employee per month")
                % {"minutes": instrument.minutes_per_month},
            )
        )
    if summary is not None and summary.duplicate_share >= DUPLICATE_SHARE:
        reasons.append(
            Reason(
                "duplicate",
                _(
                    "%(share)d %% of the employees who answered (n = %(n)d) register the same "
                    "elsewhere"
                )
                % {"share": _percent(summary.duplicate_share), "n": summary.n},
            )
        )
    return reasons


def _reviewed_until_later(today: datetime.date) -> Q:
    """Instruments a review decided on whose next review is still ahead."""
    reviewed = Decision.objects.filter(source=Decision.Source.REVIEW, review_on__gt=today)
    return Q(pk__in=reviewed.values("instrument_id"))


def review_candidates(user: AnyUser, *, decidable_only: bool = False) -> list[Candidate]:
    """The candidates, most reasons first; `can_decide` says whether `user` may decide on each.
    A fixed number of queries, whatever the number of instruments."""
    today = timezone.localdate()
    instruments = Instrument.objects.exclude(status=Instrument.Status.RETIRED).exclude(
        _reviewed_until_later(today)
    )
    if decidable_only:
        instruments = instruments.filter(access.instruments_editable_filter(user))
    rows = list(instruments.select_related("owner_unit").prefetch_related("justifications"))
    summaries = _summaries(row.pk for row in rows)
    candidates = []
    for instrument in rows:
        reasons = reasons_for(
            instrument,
            summaries.get(instrument.pk),
            justified=bool(instrument.justifications.all()),
            today=today,
        )
        if reasons:
            candidates.append(
                Candidate(
                    instrument,
                    reasons,
                    summaries.get(instrument.pk),
                    access.can_decide_on_instrument(user, instrument),
                )
            )
    candidates.sort(key=lambda c: (-len(c.reasons), c.instrument.title.casefold(), c.instrument.pk))
    return candidates


def candidate_for(instrument: Instrument) -> Candidate:
    """One instrument as the review register sees it (its reasons may be empty)."""
    today = timezone.localdate()
    summary = _summaries([instrument.pk]).get(instrument.pk)
    reasons = reasons_for(
        instrument, summary, justified=instrument.justifications.exists(), today=today
    )
    if Instrument.objects.filter(_reviewed_until_later(today), pk=instrument.pk).exists():
        reasons = []
    return Candidate(instrument, reasons, summary)


def hours_freed(decisions: Any = None) -> HoursFreed:
    """The hours per year freed and added by the decisions so far (all of them, or those of
    the `decisions` queryset), in one query: the sum of `Decision.hours_per_year_freed`."""
    saved = (F("minutes_before") - F("minutes_after")) * F("employees")
    added = (F("minutes_after") - F("minutes_before")) * F("employees")
    zero = Value(0)
    totals = (decisions if decisions is not None else Decision.objects.all()).aggregate(
        saved=Sum(
            Case(
                When(minutes_before__gt=F("minutes_after"), then=saved),
                default=zero,
                output_field=IntegerField(),
            )
        ),
        added=Sum(
            Case(
                When(minutes_after__gt=F("minutes_before"), then=added),
                default=zero,
                output_field=IntegerField(),
            )
        ),
    )
    # Minutes per month × employees → hours per year: × 12 / 60.
    return HoursFreed(
        freed=(totals["saved"] or 0) * 12 / 60, added=(totals["added"] or 0) * 12 / 60
    )


def recent_decisions(limit: int = 20) -> list[Decision]:
    """The decisions taken, newest first."""
    return list(
        Decision.objects.select_related("instrument", "area").order_by("-decided_on", "-pk")[:limit]
    )
