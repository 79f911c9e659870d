"""HR's OS2mo page: fetch the organisation from OS2mo into a preview, and see the latest OS2mo
imports and scheduled syncs with what they left out.

Thin: reading and mapping are in `organisation.os2mo`, the permission is
`access.can_import_organisation` (as for the CSV import, which the preview and confirmation
share).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from organisation import access
from organisation.models import ImportBatch
from organisation.os2mo import sync

RECENT_BATCHES = 20
# The settings an administrator sets to connect OS2mo, shown when it is not set up.
SETTINGS = (
    ("OS2MO_URL", gettext_lazy("OS2mo's address, e.g. https://os2mo.kommune.dk (required).")),
    (
        "OS2MO_CLIENT_ID",
        gettext_lazy("The Keycloak client (service account) with read access to OS2mo."),
    ),
    ("OS2MO_CLIENT_SECRET", gettext_lazy("That client's secret (required).")),
    (
        "OS2MO_AUTH_URL",
        gettext_lazy("Keycloak's address, when it is not OS2MO_URL followed by /auth."),
    ),
    ("OS2MO_AUTH_REALM", gettext_lazy("The Keycloak realm (usually mo).")),
    ("OS2MO_LINE_ROOT", gettext_lazy("The UUID of the line organisation's root unit.")),
    ("OS2MO_MED_ROOT", gettext_lazy("The UUID of the MED organisation's root unit.")),
    ("OS2MO_TIMEOUT_SECONDS", gettext_lazy("How long to wait for an answer (30 seconds).")),
)


@login_required
@require_http_methods(["GET", "POST"])
def os2mo_import(request: HttpRequest) -> HttpResponse:
    access.require(access.can_import_organisation(request.user))
    if request.method == "POST":
        if not settings.OS2MO_ENABLED:
            messages.error(request, _("OS2mo is not set up, so nothing can be fetched."))
            return redirect("organisation:os2mo")
        batch = sync.fetch_and_preview(uploaded_by=request.user)
        return redirect("organisation:import_preview", pk=batch.pk)

    batches = list(
        ImportBatch.objects.filter(source=ImportBatch.Source.OS2MO).select_related("uploaded_by")[
            :RECENT_BATCHES
        ]
    )
    rows = [
        {
            "batch": batch,
            "changes": sum(
                sum(actions.values()) for actions in batch.summary.get("counts", {}).values()
            ),
            "problems": batch.summary.get("problem_count", 0),
            "errors": batch.summary.get("errors", []),
        }
        for batch in batches
    ]
    context = {
        "enabled": settings.OS2MO_ENABLED,
        "connection": {
            "url": settings.OS2MO_URL,
            "version": settings.OS2MO_GRAPHQL_VERSION,
            "line_root": settings.OS2MO_LINE_ROOT,
            "med_root": settings.OS2MO_MED_ROOT,
        },
        "settings_names": SETTINGS,
        "rows": rows,
        "latest": batches[0] if batches else None,
    }
    return render(request, "organisation/os2mo.html", context)
