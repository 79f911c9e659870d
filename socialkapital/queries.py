"""Read models of the socialkapital app: the rounds a user follows and live response rates.

Response rates are counts only (invited, answered, share), which DESIGN.md allows while a round
is open; no answer values are read here. Each read runs a fixed number of queries whatever the
number of units: grouped counts per unit path, then a roll-up over the tree by path prefixes in
Python over the (small) list of units.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from organisation import access
from organisation.access import AnyUser
from organisation.models import OrgUnit, minimal_prefixes, subtree_q
from socialkapital.models import Invitation, Response, SurveyRound

STEPLEN = OrgUnit.steplen


@dataclass(frozen=True)
class Rate:
    """Invited and answered people, and the share in whole per cent (None when nobody was
    invited). `answered` counts responses, by invitation link and by access code alike."""

    invited: int
    answered: int

    @property
    def share(self) -> int | None:
        if not self.invited:
            return None
        return round(100 * self.answered / self.invited)


@dataclass(frozen=True)
class UnitRate:
    """One row of the response-rate table: a unit, its own counts and its subtree's."""

    unit: OrgUnit
    depth: int  # 0 for the user's top units in the round, +1 per level below
    top: bool
    own: Rate
    subtree: Rate

    @property
    def indent(self) -> str:
        """Em spaces for the table's indentation (the CSP forbids inline styles; HTML does not
        collapse these spaces)."""
        return "\u2003" * self.depth


@dataclass(frozen=True)
class RoundRow:
    """A round on the index page with the overall response rate of the user's scope in it."""

    survey_round: SurveyRound
    rate: Rate


def _counts_by_path(queryset: QuerySet) -> Counter[str]:
    """One grouped query: the number of rows per unit path."""
    return Counter(
        {
            row["unit__path"]: row["n"]
            for row in queryset.values("unit__path").annotate(n=Count("pk"))
        }
    )


def _roll_up(counts: Counter[str]) -> Counter[str]:
    """Each path's count added to itself and all its ancestors: subtree totals by path."""
    totals: Counter[str] = Counter()
    for path, n in counts.items():
        for end in range(STEPLEN, len(path) + 1, STEPLEN):
            totals[path[:end]] += n
    return totals


def rounds_for(user: AnyUser) -> QuerySet[SurveyRound]:
    """The rounds the user follows, newest first."""
    return (
        SurveyRound.objects.filter(access.survey_rounds_filter(user))
        .select_related("scope", "questionnaire")
        .order_by("-opens_at", "-pk")
    )


def _rate_units(survey_round: SurveyRound, user: AnyUser) -> list[OrgUnit]:
    """The units of the round's scope whose response rates the user may follow, in tree order."""
    return list(
        access.units_with_response_rates_for(user)
        .filter(path__startswith=survey_round.scope.path)
        .order_by("path")
    )


def response_rates(survey_round: SurveyRound, user: AnyUser) -> list[UnitRate]:
    """Response rates per unit and per subtree for the units of the round the user may follow,
    in tree order under each of the user's top units. Three queries."""
    units = _rate_units(survey_round, user)
    if not units:
        return []
    tops = minimal_prefixes(unit.path for unit in units)
    invited = _counts_by_path(Invitation.objects.filter(round=survey_round))
    answered = _counts_by_path(Response.objects.filter(round=survey_round))
    invited_total, answered_total = _roll_up(invited), _roll_up(answered)
    rows = []
    for unit in units:
        top = next(prefix for prefix in tops if unit.path.startswith(prefix))
        rows.append(
            UnitRate(
                unit=unit,
                depth=(len(unit.path) - len(top)) // STEPLEN,
                top=unit.path == top,
                own=Rate(invited[unit.path], answered[unit.path]),
                subtree=Rate(invited_total[unit.path], answered_total[unit.path]),
            )
        )
    return rows


def response_rate_summary(survey_round: SurveyRound, units: Iterable[OrgUnit]) -> Rate:
    """Invited and answered in the round over the subtrees of `units` (overlaps counted once).
    Two queries; no permission check: pass only units the reader may follow."""
    prefixes = minimal_prefixes(unit.path for unit in units)
    if not prefixes:
        return Rate(0, 0)
    where = subtree_q(prefixes, field="unit__path")
    return Rate(
        invited=Invitation.objects.filter(where, round=survey_round).count(),
        answered=Response.objects.filter(where, round=survey_round).count(),
    )


def index_rows(user: AnyUser) -> list[RoundRow]:
    """The index page's rounds, each with the overall response rate of the user's scope.

    Three queries for any number of rounds: the rounds, then invitations and responses grouped by
    round and unit path, restricted to the user's units and summed in Python."""
    rounds = list(rounds_for(user))
    if not rounds:
        return []
    round_ids = [survey_round.pk for survey_round in rounds]
    # The user's units as a subquery, so the rule stays in organisation/access.py.
    units = access.units_with_response_rates_for(user).order_by().values("pk")

    def grouped(model: type[Invitation] | type[Response]) -> Counter[int]:
        queryset = model.objects.filter(round_id__in=round_ids, unit__in=units)
        return Counter(
            {
                row["round_id"]: row["n"]
                for row in queryset.values("round_id").annotate(n=Count("pk"))
            }
        )

    invited, answered = grouped(Invitation), grouped(Response)
    return [RoundRow(survey_round=r, rate=Rate(invited[r.pk], answered[r.pk])) for r in rounds]
