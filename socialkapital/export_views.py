"""Exports (CSV, XLSX) of results, and the print of a MED committee's results for its meeting.

All of them read `Result` rows through socialkapital/exports.py, so they show exactly what the
dashboards show: a suppressed row is exported without any figure. Who may see which unit comes
from organisation/access.py. A round the user has no unit in, or that does not cover the unit
asked for, is a 404, like a unit they may not see.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from organisation import access
from organisation.models import OrgUnit, minimal_prefixes
from socialkapital import exports
from socialkapital.models import Action, ResultsDialogue, SurveyRound

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class BadParameter(Exception):
    """A query parameter that is not what the page takes: answered with 400 and the message."""


def _format(request: HttpRequest) -> str:
    value = request.GET.get("format", "csv")
    if value not in exports.FORMATS:
        raise BadParameter(_("Unknown format. Choose csv or xlsx."))
    return value


def _round(rounds: QuerySet[SurveyRound], request: HttpRequest) -> SurveyRound:
    try:
        survey_round = exports.pick_round(rounds, request.GET.get("runde"))
    except ValueError:
        raise BadParameter(_("The round must be given by its number.")) from None
    if survey_round is None:
        raise Http404("No such round with results")
    return survey_round


def _level(request: HttpRequest) -> int | None:
    raw = request.GET.get("niveau", "")
    if raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise BadParameter(_("The level must be a whole number from 1 (the municipality)."))
    return int(raw)


def _file(
    rows: list[exports.ExportRow], survey_round: SurveyRound, name: str, fmt: str
) -> HttpResponse:
    content = exports.build_xlsx(rows, survey_round) if fmt == "xlsx" else exports.build_csv(rows)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(survey_round, name, fmt)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _bad_request(error: BadParameter) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


@login_required
def export_heatmap(request: HttpRequest) -> HttpResponse:
    """/socialkapital/eksport/?runde=&format=csv|xlsx[&niveau=N] (csv when no format, the newest
    round the user has results in when no round): the index and dimensions of
    every unit in the round whose results the user may see; `niveau` keeps the units down to
    level N of the organisation (1 = the municipality)."""
    access.require(access.can_browse_results(request.user))
    try:
        fmt = _format(request)
        level = _level(request)
        survey_round = _round(exports.rounds_for_user(request.user), request)
    except BadParameter as error:
        return _bad_request(error)
    units = exports.visible_round_units(request.user, survey_round)
    if level is not None:
        units = units.filter(depth__lte=level)
    rows = exports.export_rows(survey_round, units, items=False)
    tops = minimal_prefixes(units.values_list("path", flat=True))
    name = survey_round.scope.name
    if len(tops) == 1:
        name = OrgUnit.objects.filter(path=tops[0]).values_list("name", flat=True).first() or name
    return _file(rows, survey_round, name, fmt)


@login_required
def export_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """/socialkapital/resultater/<unit>/eksport/?runde=&format=: the unit and the units below
    it that the user may see, with the index, the dimensions and every statement."""
    unit = access.get_results_unit_or_404(request.user, pk)
    try:
        fmt = _format(request)
        rounds = exports.rounds_covering([unit.path])
        survey_round = _round(rounds, request)
    except BadParameter as error:
        return _bad_request(error)
    units = OrgUnit.objects.filter(
        access.results_units_filter(request.user), path__startswith=unit.path
    )
    rows = exports.export_rows(survey_round, units, items=True)
    return _file(rows, survey_round, unit.name, fmt)


@login_required
def committee_print(request: HttpRequest, pk: int) -> HttpResponse:
    """/socialkapital/med/<committee>/?runde=: the committee's results, meeting records and
    actions of a round on A4, for the MED meeting."""
    committee = access.get_committee_or_404(request.user, pk)
    if not access.can_view_committee_results(request.user, committee):
        raise Http404("No such committee")
    rounds = exports.rounds_covering(exports.committee_paths(committee))
    try:
        survey_round = exports.pick_round(rounds, request.GET.get("runde"))
    except ValueError:
        return _bad_request(BadParameter(_("The round must be given by its number.")))
    if survey_round is None and request.GET.get("runde"):
        raise Http404("No such round with results")
    context: dict[str, object] = {
        "committee": committee,
        "survey_round": survey_round,
        "rounds": list(rounds),
        "covers": list(committee.covers.order_by("path")),
    }
    if survey_round is not None:
        units = exports.committee_units(request.user, committee)
        covered = [
            cover for cover in context["covers"] if access.can_view_results(request.user, cover)
        ]
        context.update(
            heatmap=exports.heatmap(survey_round, units),
            extremes=exports.item_extremes(survey_round, covered),
        )
        if access.can_view_dialogue(request.user, unit=None, committee=committee):
            context.update(
                dialogues=ResultsDialogue.objects.filter(committee=committee, round=survey_round),
                actions=Action.objects.filter(committee=committee, round=survey_round)
                .select_related("owner", "core_task")
                .order_by("due_on", "pk"),
                earlier_actions=Action.objects.open()
                .filter(committee=committee, round__closes_at__lt=survey_round.closes_at)
                .select_related("owner", "round")
                .order_by("due_on", "pk"),
                show_dialogue=True,
            )
    return render(request, "socialkapital/print/committee_results.html", context)
