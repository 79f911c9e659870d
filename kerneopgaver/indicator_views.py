"""Effect indicators: create and edit, the indicator page with its chart and values, entering
and importing values, and the indicators panel on the core task's hub page.

Thin views: permissions from `organisation/access.py`, writes in `services/indicators.py`, reads
in `kerneopgaver/indicators.py`. An indicator is as visible as its core task: public when the
task is adopted, a 404 where the task itself may not be seen.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from kerneopgaver import services
from kerneopgaver.indicator_forms import IndicatorForm, ValueForm, ValuesImportForm
from kerneopgaver.indicators import (
    RECOMMENDED_MAXIMUM,
    IndicatorSummary,
    indicator_overviews,
    indicator_status,
    parse_values_csv,
    trend_chart,
)
from kerneopgaver.models import CoreTask, EffectIndicator
from kerneopgaver.panels import Panel, hub_panels
from organisation import access


def _core_task_or_404(request: HttpRequest, pk: int) -> CoreTask:
    core_task = CoreTask.objects.filter(pk=pk).first()
    if core_task is None or not access.can_view_core_task(request.user, core_task):
        raise Http404("No such core task")
    return core_task


def _indicator_or_404(request: HttpRequest, pk: int) -> EffectIndicator:
    indicator = EffectIndicator.objects.select_related("core_task", "unit").filter(pk=pk).first()
    if indicator is None or not access.can_view_core_task(request.user, indicator.core_task):
        raise Http404("No such indicator")
    return indicator


def _detail_context(
    request: HttpRequest, indicator: EffectIndicator, value_form: ValueForm | None = None
) -> dict[str, Any]:
    values = list(indicator.values.order_by("period"))
    latest = values[-1] if values else None
    can_manage = access.can_manage_indicators(request.user, indicator.core_task)
    if can_manage and value_form is None:
        value_form = ValueForm()
    return {
        "indicator": indicator,
        "core_task": indicator.core_task,
        "values": values,
        "summary": IndicatorSummary(indicator, latest, indicator_status(indicator, latest)),
        "chart": trend_chart(indicator, values),
        "can_manage": can_manage,
        "value_form": value_form if can_manage else None,
    }


@require_http_methods(["GET", "HEAD"])
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator_or_404(request, pk)
    return render(
        request, "kerneopgaver/indicator_detail.html", _detail_context(request, indicator)
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, pk: int) -> HttpResponse:
    core_task = _core_task_or_404(request, pk)
    access.require(access.can_manage_indicators(request.user, core_task))
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        indicator = services.indicator_create(
            core_task=core_task, author=request.user, fields=form.cleaned_data
        )
        messages.success(request, _("The indicator “%(name)s” was added.") % {"name": indicator})
        return redirect("kerneopgaver:indicator", indicator.pk)
    count = core_task.indicators.count()
    return render(
        request,
        "kerneopgaver/indicator_form.html",
        {
            "form": form,
            "core_task": core_task,
            "indicator": None,
            "indicator_count": count,
            # Warn before the one that makes it more than the recommended number.
            "too_many": count >= RECOMMENDED_MAXIMUM,
            "recommended_maximum": RECOMMENDED_MAXIMUM,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator_or_404(request, pk)
    access.require(access.can_manage_indicators(request.user, indicator.core_task))
    form = IndicatorForm(request.POST or None, instance=EffectIndicator.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = services.indicator_update(
            indicator=indicator, author=request.user, fields=form.cleaned_data
        )
        if changes:
            messages.success(request, _("The indicator was saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("kerneopgaver:indicator", indicator.pk)
    return render(
        request,
        "kerneopgaver/indicator_form.html",
        {"form": form, "core_task": indicator.core_task, "indicator": indicator},
    )


@login_required
@require_http_methods(["GET", "POST"])
def value_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter one period's value. A period that already has a value is updated, and the message
    says so. Without JavaScript the indicator page is shown again with the errors; with htmx only
    its values section is swapped."""
    indicator = _indicator_or_404(request, pk)
    access.require(access.can_manage_indicators(request.user, indicator.core_task))
    form = ValueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        outcome = services.indicator_value_set(
            indicator=indicator,
            author=request.user,
            period=period,
            value=form.cleaned_data["value"],
            story=form.cleaned_data["story"],
        )
        texts = {
            "added": _("The value for %(period)s was added."),
            "updated": _("The period %(period)s already had a value; it was updated."),
            "unchanged": _("The value for %(period)s was already recorded; nothing changed."),
        }
        messages.success(request, texts[outcome] % {"period": period.isoformat()})
        if not request.htmx:
            return redirect(reverse("kerneopgaver:indicator", args=[indicator.pk]) + "#values")
        form = ValueForm()
    template = "kerneopgaver/indicator_detail.html"
    if request.htmx:
        template += "#values"
    return render(request, template, _detail_context(request, indicator, form))


@login_required
@require_http_methods(["GET", "POST"])
def values_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a CSV of values; with any bad row nothing is applied and every error is listed with
    its line; otherwise the values are applied in one transaction and the changes reported."""
    indicator = _indicator_or_404(request, pk)
    access.require(access.can_manage_indicators(request.user, indicator.core_task))
    form = ValuesImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        parsed = parse_values_csv(form.cleaned_data["file"], file_name=form.file_name)
        errors = parsed.errors
        if not errors:
            result = services.indicator_values_import(
                indicator=indicator,
                author=request.user,
                rows=parsed.rows,
                with_story=parsed.with_story,
            )
            if result.changed_anything:
                messages.success(
                    request,
                    _(
                        "The file was imported: %(added)s added, %(updated)s updated, "
                        "%(unchanged)s unchanged."
                    )
                    % {
                        "added": _count_values(len(result.added)),
                        "updated": _count_values(len(result.updated)),
                        "unchanged": _count_values(len(result.unchanged)),
                    },
                )
            else:
                messages.info(
                    request,
                    _("Every value in the file was already recorded; nothing was changed."),
                )
            return redirect(reverse("kerneopgaver:indicator", args=[indicator.pk]) + "#values")
    return render(
        request,
        "kerneopgaver/indicator_import.html",
        {"indicator": indicator, "core_task": indicator.core_task, "form": form, "errors": errors},
    )


def _count_values(count: int) -> str:
    return ngettext("%(count)s value", "%(count)s values", count) % {"count": count}


# --- The hub page's panel -------------------------------------------------------------------


def indicators_panel(request: HttpRequest, core_task: CoreTask) -> dict[str, Any]:
    """The indicators of a core task with status, latest value and a small chart each."""
    overviews = indicator_overviews(core_task.pk)
    return {
        "overviews": overviews,
        "can_manage": access.can_manage_indicators(request.user, core_task),
        "too_many": len(overviews) > RECOMMENDED_MAXIMUM,
        "recommended_maximum": RECOMMENDED_MAXIMUM,
    }


hub_panels.register(
    Panel("indicators", "kerneopgaver/panels/indicators.html", indicators_panel, order=20)
)
