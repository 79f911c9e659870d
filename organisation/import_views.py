"""HR's organisation import: upload the CSV files, preview what will change, confirm or discard.

Thin views: the rules are in `importer.py`, the writes in `services.py`, the permission in
`access.can_import_organisation`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from organisation import access, importer, services
from organisation.forms import ImportUploadForm
from organisation.models import ImportBatch

RECENT_BATCHES = 10


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    access.require(access.can_import_organisation(request.user))
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            batch = services.import_batch_create(uploaded_by=request.user, files=form.texts())
            return redirect("organisation:import_preview", pk=batch.pk)
    else:
        form = ImportUploadForm()
    recent = ImportBatch.objects.select_related("uploaded_by")[:RECENT_BATCHES]
    return render(request, "organisation/import_upload.html", {"form": form, "recent": recent})


_OUTCOME_MESSAGES = {
    services.ApplyOutcome.APPLIED: (
        messages.SUCCESS,
        gettext_lazy("The organisation import has been applied."),
    ),
    services.ApplyOutcome.PLAN_CHANGED: (
        messages.WARNING,
        gettext_lazy(
            "The organisation changed after the preview, so nothing was applied. Check the new "
            "preview below and confirm again."
        ),
    ),
    services.ApplyOutcome.INVALID: (
        messages.ERROR,
        gettext_lazy(
            "The files are no longer valid against the current organisation, so nothing was "
            "applied. See the errors below."
        ),
    ),
    services.ApplyOutcome.NOT_PENDING: (
        messages.ERROR,
        gettext_lazy(
            "This import has already been applied or discarded and cannot be applied again."
        ),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(access.can_import_organisation(request.user))
    batch = get_object_or_404(ImportBatch.objects.select_related("uploaded_by"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            outcome = services.import_batch_apply(batch=batch, applied_by=request.user)
            level, text = _OUTCOME_MESSAGES[outcome]
            messages.add_message(request, level, text)
        elif action == "discard":
            if services.import_batch_discard(batch=batch):
                messages.success(request, _("The import has been discarded."))
            else:
                messages.error(request, _("This import can no longer be discarded."))
        else:
            return HttpResponseBadRequest()
        return redirect("organisation:import_preview", pk=batch.pk)

    plan = batch.summary.get("plan")
    context = {
        "batch": batch,
        "errors": batch.summary.get("errors", []),
        "plan": importer.present_plan(plan) if plan else None,
        "count_rows": [
            # Every action gets a cell; None marks one that does not apply to the section.
            {
                "label": importer.SECTION_LABELS[section],
                **{action: counts.get(action) for action in importer.ACTION_LABELS},
            }
            for section, counts in importer.plan_counts(plan or {}).items()
        ],
        "plan_is_empty": importer.plan_is_empty(plan) if plan else False,
        "file_names": [importer.FILE_NAMES[kind] for kind in batch.files],
        "pending": batch.status == ImportBatch.Status.PREVIEWED,
    }
    return render(request, "organisation/import_preview.html", context)
