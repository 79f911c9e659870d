"""HR's CSV import of an existing list of instruments: upload, see every error or a preview,
confirm. Thin views: the rules are in `styring/services/importing.py`, the permission in
`access.can_import_instruments`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from organisation import access
from styring.import_forms import ImportConfirmForm, ImportUploadForm, sign_file
from styring.services import importing

TEMPLATE_FILE_NAME = "styringsredskaber-skabelon.csv"


def _column_help() -> list[dict[str, str]]:
    """The columns as the page explains them."""
    notes = {
        "title": _("Required. With the owning unit, it finds an instrument registered before."),
        "description": _("What employees are asked to do."),
        "kind": _("Required: goal, process, documentation or report (Danish words work too)."),
        "origin": _(
            "Required: law, executive order, KL agreement, council, administration or local."
        ),
        "legal_basis": _("The law, executive order or agreement, e.g. “Serviceloven § 136”."),
        "mandatory": _("ja or nej; empty means nej."),
        "owner_unit": _("Required: the owning unit's external id or name."),
        "applies_to": _(
            "External ids (or names) of the units it applies to, separated by |; empty means "
            "the owning unit."
        ),
        "minutes_per_month": _("Estimated minutes per employee per month; empty means 0."),
        "review_on": _("Review date, 2026-03-31 or 31-03-2026."),
        "status": _(
            "proposed, active, under review or retired (Danish words work too); empty means "
            "proposed."
        ),
        "core_tasks": _("Titles of the core tasks it serves, separated by |."),
        "justification": _("How it serves the core tasks' desired effect."),
    }
    return [
        {"column": column, "danish": importing.DANISH_HEADERS[column], "note": notes[column]}
        for column in importing.COLUMNS
    ]


@login_required
@require_http_methods(["GET", "POST"])
def import_instruments(request: HttpRequest) -> HttpResponse:
    access.require(access.can_import_instruments(request.user))
    upload_form = ImportUploadForm()
    context: dict[str, Any] = {"plan": None, "confirm_form": None}
    if request.method == "POST" and "payload" in request.POST:
        confirm_form = ImportConfirmForm(request.POST, user=request.user)
        if not confirm_form.is_valid():
            for error in confirm_form.errors.get("payload", []):
                messages.error(request, error)
            return redirect("styring:import")
        plan = importing.instruments_import(
            author=request.user, text=confirm_form.text, file_name=confirm_form.file_name
        )
        if plan.applied:
            messages.success(
                request,
                _(
                    "The instruments were imported: %(created)s created, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {"created": plan.created, "updated": plan.updated, "unchanged": plan.unchanged},
            )
            return redirect("styring:register")
        context["plan"] = plan  # the register changed since the preview: show why
    elif request.method == "POST":
        upload_form = ImportUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            text = upload_form.cleaned_data["file"]
            plan = importing.plan_import(text, user=request.user, file_name=upload_form.file_name)
            context["plan"] = plan
            if not plan.problems:
                context["confirm_form"] = ImportConfirmForm(
                    initial={
                        "payload": sign_file(
                            user=request.user, text=text, file_name=upload_form.file_name
                        )
                    },
                    user=request.user,
                )
    context.update(
        form=upload_form,
        columns=_column_help(),
        max_rows=importing.MAX_ROWS,
        max_kb=importing.MAX_FILE_BYTES // 1024,
    )
    return render(request, "styring/import.html", context)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    access.require(access.can_import_instruments(request.user))
    response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILE_NAME}"'
    return response
