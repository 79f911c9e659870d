"""Answering a survey without signing in: /svar/<token>/, /kode/, /besvar/ and /tak/.

Thin views: the rules (entry, rate limit, signed state, the atomic submit) live in
`socialkapital.services.answering`. No permission rule applies: the token, the code or the
signed state is the permission, and every unknown or tampered one gets the same 404 page.

Nothing about the answers is kept on the server before the submit, nor in a cookie: the signed
state travels in a hidden field of the page's form. A short-lived cookie carries only the
answer-less state of the first page, for the one redirect that takes the token out of the
address bar. The language switch on a step submits the step's own form (see
base_answer.html), so the answers travel along. Every page here is `never_cache`, so a shared
PC's browser keeps no copy of someone's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect, reselect, reswap, retarget

from organisation.http import client_address
from socialkapital import services
from socialkapital.answer_forms import AccessCodeForm, StepForm, item_field_name
from socialkapital.models import Dimension, Item, SurveyRound
from socialkapital.questionnaire import DIMENSION_ORDER, SCALE

STATE_COOKIE = "socialkapital_answer"
STATE_COOKIE_PATH = "/socialkapital/besvar/"
# The cookie only bridges the redirect from the entry to the first page; it holds no answers.
STATE_COOKIE_MAX_AGE = 30 * 60
TEMPLATE_DIR = "socialkapital/answer"


@dataclass(frozen=True)
class Step:
    number: int
    dimension: str
    title: str
    items: list[Item]


def _client_address(request: HttpRequest) -> str:
    return client_address(request)


def _steps(survey_round: SurveyRound) -> list[Step]:
    """One step per dimension that has items, in DIMENSION_ORDER; items in questionnaire
    order within a step."""
    by_dimension: dict[str, list[Item]] = {}
    for item in services.round_items(survey_round):
        by_dimension.setdefault(item.dimension, []).append(item)
    ordered = [d for d in DIMENSION_ORDER if d in by_dimension]
    ordered += [d for d in by_dimension if d not in ordered]
    labels = dict(Dimension.choices)
    return [
        Step(number=n, dimension=d, title=str(labels.get(d, d)), items=by_dimension[d])
        for n, d in enumerate(ordered, start=1)
    ]


# --- Friendly pages ------------------------------------------------------------------------


def _page(
    request: HttpRequest, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    response = render(request, f"{TEMPLATE_DIR}/{name}.html", context or {}, status=status)
    return response


def _invalid_page(request: HttpRequest) -> HttpResponse:
    """The one page for every unknown or tampered token, code or state (no way to probe)."""
    return _page(request, "invalid", status=404)


def _too_many_page(request: HttpRequest) -> HttpResponse:
    return _page(request, "too_many", status=429)


def _refusal_page(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, services.AlreadyAnswered):
        return _page(request, "already_answered", status=409)
    if isinstance(error, services.RoundNotOpenYet):
        return _page(request, "not_open", {"opens_at": error.opens_at}, status=403)
    if isinstance(error, services.RoundClosed):
        return _page(request, "closed", status=410)
    return _invalid_page(request)


_REFUSALS = (
    services.InvalidEntry,
    services.AlreadyAnswered,
    services.RoundNotOpenYet,
    services.RoundClosed,
)


def _start_page(request: HttpRequest, entry: services.Entry) -> HttpResponse:
    """Leave the entry address at once: the state goes into the cookie and the first page is
    /besvar/, so the token is not in the address bar, in the page's links (the language switch
    and sign-in link carry the current path) or in a Referer."""
    state_value = services.answer_state_dumps(entry.initial_state())
    return _with_state_cookie(redirect("socialkapital:answer"), state_value)


# --- Entry -------------------------------------------------------------------------------------


@never_cache
@require_safe
def start_with_token(request: HttpRequest, token: str) -> HttpResponse:
    address = _client_address(request)
    if services.entry_rate_limited(client_address=address):
        return _too_many_page(request)
    try:
        entry = services.start_with_token(token=token, client_address=address)
    except _REFUSALS as error:
        return _refusal_page(request, error)
    return _start_page(request, entry)


@never_cache
@require_http_methods(["GET", "POST"])
def start_with_code(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # A printed slip's QR code carries the code in ?kode=; it only fills in the field.
        initial = {"kode": request.GET.get("kode", "")[:40]}
        return _page(request, "start_code", {"form": AccessCodeForm(initial=initial)})
    address = _client_address(request)
    if services.entry_rate_limited(client_address=address):
        return _too_many_page(request)
    form = AccessCodeForm(request.POST)
    if not form.is_valid():
        return _page(request, "start_code", {"form": form}, status=400)
    try:
        entry = services.start_with_access_code(
            code=form.cleaned_data["kode"], client_address=address
        )
    except _REFUSALS as error:
        return _refusal_page(request, error)
    return _start_page(request, entry)


# --- The steps ---------------------------------------------------------------------------------


def _with_state_cookie(response: HttpResponse, state_value: str) -> HttpResponse:
    response.set_cookie(
        STATE_COOKIE,
        state_value,
        max_age=STATE_COOKIE_MAX_AGE,
        path=STATE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


def _without_state_cookie(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH, samesite="Strict")
    return response


def _render_step(
    request: HttpRequest,
    survey_round: SurveyRound,
    steps: list[Step],
    state: dict[str, Any],
    *,
    form: StepForm | None = None,
    submit_error: str = "",
    status: int = 200,
    full_page: bool = False,
) -> HttpResponse:
    """The current step (or the review after the last one), in the active language."""
    total = len(steps) + 1
    number = min(max(int(state.get("step", 0)), 0), total)
    state["step"] = number
    state_value = services.answer_state_dumps(state)
    answers = {int(key): value for key, value in state["answers"].items()}
    context: dict[str, Any] = {
        "survey_round": survey_round,
        "state": state_value,
        "step_number": number,
        "step_total": total,
    }
    if number == 0:
        context["step_count"] = len(steps)
        template = f"{TEMPLATE_DIR}/start.html"
    elif number == total:
        labels = dict(SCALE)
        context["review"] = [
            {
                "step": step,
                "answers": [
                    {"item": item, "label": labels.get(answers.get(item.pk))} for item in step.items
                ],
            }
            for step in steps
        ]
        context["submit_error"] = submit_error
        template = f"{TEMPLATE_DIR}/review.html"
    else:
        step = steps[number - 1]
        if form is None:
            initial = {
                item_field_name(item): str(answers[item.pk])
                for item in step.items
                if item.pk in answers
            }
            form = StepForm(items=step.items, initial=initial)
        context.update({"step": step, "form": form, "is_first": number == 1})
        template = f"{TEMPLATE_DIR}/step.html"
    if request.htmx and not full_page:
        template += "#answer-step"
    response = render(request, template, context, status=status)
    if number == 0:
        return _with_state_cookie(response, state_value)
    # From the first statement on, the answers live only in the page's form.
    return _without_state_cookie(response)


def _load_state(request: HttpRequest, value: str) -> tuple[dict[str, Any], SurveyRound]:
    state = services.answer_state_loads(value, client_address=_client_address(request))
    survey_round = SurveyRound.objects.filter(pk=state["round"]).first()
    if survey_round is None:
        raise services.InvalidEntry
    services.ensure_round_open(survey_round)
    if services.secret_already_used(state=state):
        raise services.AlreadyAnswered
    return state, survey_round


def _htmx_safe_refusal(request: HttpRequest, error: Exception) -> HttpResponse:
    # htmx swaps only successful responses: send it to the same refusal by a full GET, which
    # reads the mirrored state from the cookie and shows the fitting page.
    if request.htmx:
        return HttpResponseClientRedirect(reverse("socialkapital:answer"))
    return _without_state_cookie(_refusal_page(request, error))


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Reached by the redirect from the entry (or a reload of the first page): the cookie
        # holds the first page's state, without answers.
        value = request.COOKIES.get(STATE_COOKIE)
        if not value:
            return _invalid_page(request)
        try:
            state, survey_round = _load_state(request, value)
        except _REFUSALS as error:
            return _without_state_cookie(_refusal_page(request, error))
        return _render_step(request, survey_round, _steps(survey_round), state)

    if "submit" in request.POST:
        return _submit(request)
    try:
        state, survey_round = _load_state(request, request.POST.get("state", ""))
    except _REFUSALS as error:
        return _htmx_safe_refusal(request, error)
    steps = _steps(survey_round)
    total = len(steps) + 1
    current = min(max(int(state.get("step", 0)), 0), total)

    if request.POST.get("language") in dict(settings.LANGUAGES):
        return _switch_language(request, survey_round, steps, state, current, total)

    if "goto" in request.POST:
        # "Change" on the review page: back to that step, nothing validated.
        try:
            state["step"] = int(request.POST["goto"])
        except ValueError:
            state["step"] = current
        return _render_step(request, survey_round, steps, state)

    if current == total and request.POST.get("nav") == "back":
        state["step"] = current - 1
        return _render_step(request, survey_round, steps, state)

    if current == 0:
        # "Start" on the first page.
        state["step"] = 1
        return _render_step(request, survey_round, steps, state)

    if current < total and request.POST.get("nav") in ("next", "back"):
        step = steps[current - 1]
        form = StepForm(request.POST, items=step.items)
        # Answers given on this step are kept whichever way the person goes.
        state["answers"].update({str(k): v for k, v in form.given_answers().items()})
        if request.POST["nav"] == "back":
            state["step"] = current - 1
        elif form.is_valid():
            state["step"] = current + 1
        else:
            return _render_step(request, survey_round, steps, state, form=form)
        return _render_step(request, survey_round, steps, state)

    # Anything unexpected: show the current step again.
    return _render_step(request, survey_round, steps, state)


def _submit(request: HttpRequest) -> HttpResponse:
    """The busiest request of a survey: verify the signed state and hand it to the service,
    which checks everything else in its one transaction; the page is built only on refusal."""
    try:
        state = services.answer_state_loads(
            request.POST.get("state", ""), client_address=_client_address(request)
        )
        services.submit_response(state=state)
    except services.InvalidAnswers:
        try:
            state, survey_round = _load_state(request, request.POST.get("state", ""))
        except _REFUSALS as error:
            return _htmx_safe_refusal(request, error)
        return _render_step(
            request,
            survey_round,
            _steps(survey_round),
            state,
            submit_error=str(_("Some statements have no answer. Nothing has been saved.")),
            status=400,
        )
    except _REFUSALS as error:
        return _htmx_safe_refusal(request, error)
    return _without_state_cookie(redirect("socialkapital:thanks"))


def _switch_language(
    request: HttpRequest,
    survey_round: SurveyRound,
    steps: list[Step],
    state: dict[str, Any],
    current: int,
    total: int,
) -> HttpResponse:
    """The language switch submitted the step's form: keep what was answered on this step, and
    show the same step again in the chosen language, header included."""
    if 0 < current < total:
        form = StepForm(request.POST, items=steps[current - 1].items)
        state["answers"].update({str(k): v for k, v in form.given_answers().items()})
    language = request.POST["language"]
    translation.activate(language)
    request.LANGUAGE_CODE = language
    response = _render_step(request, survey_round, steps, state, full_page=True)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    if request.htmx:
        # The header's switch changes language too: swap the whole page, not only the step.
        reselect(response, "body")
        retarget(response, "body")
        reswap(response, "innerHTML")
    return response


@never_cache
@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    return _without_state_cookie(_page(request, "thanks"))
