"""Front page and organisation pages. Thin: ask `access`, read from `queries`, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organisation import access, queries
from organisation.panels import committee_panels, unit_panels


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    access.require(access.can_browse_organisation(request.user))
    return render(
        request, "organisation/unit_list.html", {"roots": queries.unit_roots_for(request.user)}
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_or_404(request.user, pk)
    page = queries.unit_page(request.user, unit)
    template = "organisation/unit_detail.html"
    if request.htmx:
        template += "#children"
    panels = [] if request.htmx else unit_panels.render(request, unit)
    return render(request, template, {"page": page, "panels": panels})


@login_required
def committee_list(request: HttpRequest) -> HttpResponse:
    access.require(access.can_browse_med(request.user))
    committees = queries.committees_with_coverage(access.committees_visible_to(request.user))
    return render(request, "organisation/committee_list.html", {"committees": committees})


@login_required
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    committee = access.get_committee_or_404(request.user, pk)
    return render(
        request,
        "organisation/committee_detail.html",
        {
            "committee": committee,
            "panels": committee_panels.render(request, committee),
            "members": queries.committee_members(committee),
            "covers": committee.covers.order_by("path"),
            "children": committee.children.active().order_by("name"),
        },
    )
