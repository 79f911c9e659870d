"""Rounds, questionnaires and live response rates (the signed-in side of /socialkapital/).

Thin: ask `organisation.access`, call `socialkapital.services` or read from
`socialkapital.queries`, render. Answering (no sign-in) lives in answer_views.py, invitations
and access codes in invitation_views.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from organisation import access, principal, versions
from organisation.access import AnyUser
from organisation.forms import add_service_errors
from socialkapital import queries, services
from socialkapital.forms import ComposeForm, RoundForm, RoundStatusForm
from socialkapital.models import Dimension, Questionnaire, SurveyRound
from socialkapital.questionnaire import dimension_rank


def _get_round_or_404(request: HttpRequest, pk: int) -> SurveyRound:
    """The round, or 404 both when it does not exist and when the user may not follow it."""
    survey_round = (
        SurveyRound.objects.select_related("scope", "questionnaire").filter(pk=pk).first()
    )
    if survey_round is None or not access.can_view_round(request.user, survey_round):
        raise Http404("No such round")
    return survey_round


# --- Index -----------------------------------------------------------------------------------

# The index is the busiest results page (DESIGN.md, "Performance targets"). What it shows below
# the menu depends only on what the user may see (their results scope), the rounds and their
# results versions, the organisation (names and places of units), and the round, sort, level and
# language asked for. It is rendered once per such combination, without the request (so nothing
# about who the user is can get into it), and then served from memory or the shared cache. A
# request reads two versions from the cache (rounds, organisation: organisation/versions.py) and
# the user's scope (kept in memory under the organisation version) before it asks, so a new
# aggregation, a renamed unit or a changed role is shown as soon as it commits.
PAGE_CACHE_SECONDS = 10 * 60
# Response rates of an open round move with each answer (counts only, DESIGN.md allows them
# live): a page showing one is kept this long.
LIVE_RATES_CACHE_SECONDS = 30


@dataclass(frozen=True)
class _IndexRequest:
    """What the index is asked for, checked: a round with results (else the newest the user
    may see), a sort and a level from their fixed sets. Only these go into a cache key, so a
    made-up parameter can neither reach another page nor fill the cache."""

    state: queries.RoundsState
    units_version: str | None
    runde: str
    sort: str
    level: int | None

    @classmethod
    def parse(cls, request: HttpRequest) -> _IndexRequest:
        current = versions.read(queries.ROUNDS_VERSION, principal.UNITS_VERSION)
        state = queries.rounds_state(current)
        runde = request.GET.get("runde", "")
        return cls(
            state=state,
            units_version=current[principal.UNITS_VERSION],
            runde=runde if runde in state.with_results else "",
            sort=queries.valid_sort(request.GET.get("sort")),
            level=queries.valid_level(request.GET.get("niveau")),
        )

    def key(self, prefix: str, user: AnyUser) -> str | None:
        """The part's cache key; None when the cache is unreachable (nothing is kept then)."""
        if self.units_version is None:
            return None
        parts = (
            queries.results_scope_key(user),
            self.state.digest,
            self.units_version,
            self.runde,
            self.sort,
            self.level,
            get_language(),
        )
        return f"{prefix}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"


class _LocalCopies:
    """The last few page parts this process served, each until it expires. A part is several
    hundred kB: fetching and unpickling it from the shared cache was the largest cost of a warm
    request. Its key names every version it was rendered from, so a copy is never out of date
    before it expires (only live response rates age, and those parts expire in seconds)."""

    def __init__(self, size: int) -> None:
        self._copies: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # gunicorn's threads share the process

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._copies.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            self._copies.move_to_end(key)
            return found[1]

    def put(self, key: str, timeout: int, html: bytes) -> None:
        with self._lock:
            self._copies[key] = (time.monotonic() + timeout, html)
            self._copies.move_to_end(key)
            while len(self._copies) > self._size:
                self._copies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()


_local_copies = _LocalCopies(size=16)
versions.on_change(principal.UNITS_VERSION, _local_copies.clear)


def _cached_part(key: str | None, render_part: Callable[[], tuple[bytes, int]]) -> bytes:
    """A page part from memory or the shared cache, or rendered by `render_part` (which returns
    it and how long it may be kept) and stored in both. Without a key (the cache unreachable)
    it is rendered for this request only."""
    if key is None:
        return render_part()[0]
    html = _local_copies.get(key)
    if html is not None:
        return html
    try:
        found = cache.get(key)
    except Exception:
        return render_part()[0]
    if found is not None:
        html, expires = found
        remaining = int(expires - time.time())
        if remaining > 0:
            _local_copies.put(key, remaining, html)
            return html
    html, timeout = render_part()
    with contextlib.suppress(Exception):
        cache.set(key, (html, time.time() + timeout), timeout)
    _local_copies.put(key, timeout, html)
    return html


def _heatmap_html(user: AnyUser, asked: _IndexRequest) -> bytes:
    """The heatmap region (also the htmx response to sorting and filtering), as UTF-8, or
    nothing when the user has no round with results."""

    def render_part() -> tuple[bytes, int]:
        heatmap_round = queries.pick_round(queries.results_rounds_for(user), asked.runde)
        if heatmap_round is None:
            return b"", PAGE_CACHE_SECONDS
        heatmap = queries.heatmap(user, heatmap_round, sort=asked.sort, level=asked.level)
        html = render_to_string("socialkapital/index.html#heatmap", {"heatmap": heatmap})
        return html.encode(), PAGE_CACHE_SECONDS

    return _cached_part(asked.key("sk-heatmap", user), render_part)


def _index_content(user: AnyUser, asked: _IndexRequest) -> bytes:
    """Everything the index shows below the menu, as UTF-8."""

    def render_part() -> tuple[bytes, int]:
        rounds = queries.results_rounds_for(user)
        heatmap_round = queries.pick_round(rounds, asked.runde)
        browse_surveys = access.can_browse_surveys(user)
        survey_rounds = list(queries.rounds_for(user)) if browse_surveys else []
        heatmap_html = _heatmap_html(user, asked).decode()
        context = {
            "results_rounds": rounds,
            "heatmap_round": heatmap_round,
            "heatmap_html": mark_safe(heatmap_html),  # noqa: S308 -- rendered above
            "home": queries.home_unit_summary(user, heatmap_round),
            "can_browse_surveys": browse_surveys,
            "can_view_overview": access.can_view_results_overview(user),
            "rows": queries.index_rows(user, survey_rounds) if browse_surveys else [],
            "can_manage": access.can_manage_surveys(user),
        }
        html = render_to_string("socialkapital/index.html#content", context)
        live = any(r.status == SurveyRound.Status.OPEN for r in survey_rounds)
        return html.encode(), LIVE_RATES_CACHE_SECONDS if live else PAGE_CACHE_SECONDS

    return _cached_part(asked.key("sk-index", user), render_part)


# The page around the index's content (menu, user name, language switch, CSRF token) is kept
# per user, organisation version, language and address, with stand-ins for what must be new on
# every response: the content (hundreds of kB, inserted as bytes) and the CSRF token (Django
# masks it anew for each response). The stand-ins are random per process, so nothing a user
# typed can match them.
_CONTENT_STAND_IN = f"<!--{secrets.token_hex(16)}-->"
_CSRF_STAND_IN = f"csrf{secrets.token_hex(16)}"
_frames = _LocalCopies(size=512)
versions.on_change(principal.VERSION, _frames.clear)
FRAME_SECONDS = 10 * 60


def _has_messages(request: HttpRequest) -> bool:
    """Whether a message waits to be shown (then the page is rendered whole). Asked without
    reading them, which would mark them shown."""
    return len(messages.get_messages(request)) > 0


def _frame(request: HttpRequest, template: str) -> tuple[bytes, bytes]:
    """The page before and after the content, with the CSRF stand-in, from memory or rendered."""
    organisation_version = versions.read(principal.VERSION)[principal.VERSION]
    key = None
    if organisation_version is not None and not _has_messages(request):
        key = repr(
            (
                template,
                request.user.pk,
                organisation_version,
                get_language(),
                request.get_full_path(),
            )
        )
        found = _frames.get(key)
        if found is not None:
            before, _, after = found.partition(_CONTENT_STAND_IN.encode())
            return before, after
    context = {"content_html": mark_safe(_CONTENT_STAND_IN), "csrf_token": _CSRF_STAND_IN}  # noqa: S308
    html = render_to_string(template, context, request=request).encode()
    if key is not None:
        _frames.put(key, FRAME_SECONDS, html)
    before, _, after = html.partition(_CONTENT_STAND_IN.encode())
    return before, after


def _page_around(request: HttpRequest, template: str, content: bytes) -> HttpResponse:
    """The page (menu, user, CSRF token) around cached content. The content is several hundred
    kB: it goes in as bytes, not through the template engine and a second encoding."""
    before, after = _frame(request, template)
    token = get_token(request).encode()
    return HttpResponse(
        b"".join(
            (
                before.replace(_CSRF_STAND_IN.encode(), token),
                content,
                after.replace(_CSRF_STAND_IN.encode(), token),
            )
        )
    )


@login_required
@require_safe
@vary_on_headers("HX-Request")
def index(request: HttpRequest) -> HttpResponse:
    """Results: the heatmap of the units the user may follow (sortable, filterable by level),
    the user's own workplace, and, for those who follow surveys, the rounds with response rates."""
    access.require(access.can_browse_results(request.user))
    asked = _IndexRequest.parse(request)
    if request.htmx:
        heatmap_html = _heatmap_html(request.user, asked)
        if heatmap_html:
            return HttpResponse(heatmap_html)
    content = _index_content(request.user, asked)
    return _page_around(request, "socialkapital/index.html", content)


# --- Rounds ----------------------------------------------------------------------------------


def _round_page(
    request: HttpRequest, survey_round: SurveyRound, status_form: RoundStatusForm | None = None
) -> dict[str, Any]:
    can_manage = access.can_manage_round(request.user, survey_round)
    actions: list[str] = []
    if can_manage:
        actions = [
            action
            for action, statuses in services.ROUND_ACTIONS.items()
            if survey_round.status in statuses
        ]
        if survey_round.status == SurveyRound.Status.CLOSED and not services.can_reopen(
            survey_round
        ):
            actions.remove("extend")
    # Access codes: HR in scope, or a leader of a unit inside the round (the codes page decides
    # per unit).
    can_print_codes = survey_round.status != SurveyRound.Status.CLOSED and (
        can_manage
        or access.units_led_by(request.user)
        .filter(path__startswith=survey_round.scope.path)
        .exists()
    )
    return {
        "survey_round": survey_round,
        "can_print_codes": can_print_codes,
        "rates": queries.response_rates(survey_round, request.user),
        "can_manage": can_manage,
        "actions": actions,
        "status_form": status_form or RoundStatusForm(),
        "accepts_answers": services.round_accepts_answers(survey_round),
    }


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    access.require(access.can_manage_surveys(request.user))
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            survey_round = services.round_create(author=request.user, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The round has been created as a draft."))
            return redirect("socialkapital:round", pk=survey_round.pk)
    return render(request, "socialkapital/round_form.html", {"form": form, "survey_round": None})


@login_required
@require_safe
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's settings, status actions and live response rates (htmx refreshes the rates)."""
    survey_round = _get_round_or_404(request, pk)
    template = "socialkapital/round_detail.html"
    if request.htmx:
        template += "#rates"
    return render(request, template, _round_page(request, survey_round))


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey_round = _get_round_or_404(request, pk)
    access.require(access.can_manage_round(request.user, survey_round))
    if survey_round.status == SurveyRound.Status.CLOSED:
        messages.error(request, _("A closed round can no longer be changed."))
        return redirect("socialkapital:round", pk=survey_round.pk)
    form = RoundForm(request.POST or None, user=request.user, survey_round=survey_round)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(survey_round=survey_round, values=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The round has been saved."))
            return redirect("socialkapital:round", pk=survey_round.pk)
    return render(
        request, "socialkapital/round_form.html", {"form": form, "survey_round": survey_round}
    )


@login_required
@require_POST
def round_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Open, close or extend the round. A refusal is shown on the round's page."""
    survey_round = _get_round_or_404(request, pk)
    access.require(access.can_manage_round(request.user, survey_round))
    form = RoundStatusForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action == "open":
                services.round_open(survey_round=survey_round)
                done = _("The round is open. The invitations are being sent.")
            elif action == "close":
                services.round_close(survey_round=survey_round)
                done = _("The round is closed. No more answers are accepted.")
            else:
                services.round_extend(
                    survey_round=survey_round, closes_at=form.cleaned_data["closes_at"]
                )
                done = _("The round has been extended.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("socialkapital:round", pk=survey_round.pk)
    survey_round.refresh_from_db()
    messages.error(request, _("The round's status was not changed."))
    return render(
        request,
        "socialkapital/round_detail.html",
        _round_page(request, survey_round, status_form=form),
        status=400,
    )


# --- Questionnaires --------------------------------------------------------------------------


@login_required
@require_safe
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    access.require(access.can_browse_surveys(request.user))
    used = SurveyRound.objects.filter(questionnaire=OuterRef("pk")).exclude(
        status=SurveyRound.Status.DRAFT
    )
    questionnaires = Questionnaire.objects.annotate(
        item_count=Count("entries"), used=Exists(used)
    ).order_by("name", "-version")
    return render(
        request,
        "socialkapital/questionnaire_list.html",
        {
            "questionnaires": questionnaires,
            "can_manage": access.can_manage_surveys(request.user),
        },
    )


@login_required
@require_safe
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The items by dimension, in Danish and English, with their reverse flags."""
    access.require(access.can_browse_surveys(request.user))
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    entries = sorted(
        questionnaire.entries.select_related("item"),
        key=lambda entry: (dimension_rank(entry.item.dimension), entry.position),
    )
    labels = dict(Dimension.choices)
    groups: dict[str, list[Any]] = {}
    for entry in entries:
        groups.setdefault(entry.item.dimension, []).append(entry)
    return render(
        request,
        "socialkapital/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "groups": [(labels.get(key, key), rows) for key, rows in groups.items()],
            "item_count": len(entries),
            "used": services.questionnaire_is_used(questionnaire),
            "can_manage": access.can_manage_surveys(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_create(request: HttpRequest) -> HttpResponse:
    """Compose a questionnaire from the item bank."""
    access.require(access.can_manage_surveys(request.user))
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_item = form.new_item()
        try:
            questionnaire = services.questionnaire_create(
                author=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                items=form.ordered_items(),
                new_items=[new_item] if new_item else [],
            )
        except ValidationError as error:
            add_service_errors(form, error, prefix="new_")
        else:
            messages.success(request, _("The questionnaire has been created."))
            return redirect("socialkapital:questionnaire", pk=questionnaire.pk)
    return render(request, "socialkapital/questionnaire_form.html", {"form": form, "source": None})


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a version to the next version number, with items added, removed or reordered."""
    access.require(access.can_manage_surveys(request.user))
    source = get_object_or_404(Questionnaire, pk=pk)
    form = ComposeForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        new_item = form.new_item()
        try:
            questionnaire = services.questionnaire_new_version(
                questionnaire=source,
                author=request.user,
                items=form.ordered_items(),
                new_items=[new_item] if new_item else [],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error, prefix="new_")
        else:
            messages.success(
                request,
                _("Version %(version)d has been created.") % {"version": questionnaire.version},
            )
            return redirect("socialkapital:questionnaire", pk=questionnaire.pk)
    return render(
        request, "socialkapital/questionnaire_form.html", {"form": form, "source": source}
    )
