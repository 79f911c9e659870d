"""Leadership communities: leaders who work together across units on the core tasks in their
focus, sharing notes and links. Visible to their members and HR only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kerneopgaver import services
from kerneopgaver.dialogue_forms import CommunityCoreTaskForm, CommunityNoteForm
from kerneopgaver.models import CoreTask
from organisation import access
from organisation.access import AnyUser
from organisation.models import LeadershipCommunity

DETAIL_TEMPLATE = "kerneopgaver/community_detail.html"


def _community_or_404(user: AnyUser, pk: int) -> LeadershipCommunity:
    """The community, or 404 both when it does not exist and when the user is not let in:
    who works together on what is the members' own business."""
    community = LeadershipCommunity.objects.filter(pk=pk).first()
    if community is None or not access.can_view_community(user, community):
        raise Http404("No such leadership community")
    return community


def _visible_core_tasks(user: AnyUser) -> QuerySet[CoreTask]:
    return CoreTask.objects.filter(access.core_task_filter(user))


@login_required
@require_http_methods(["GET"])
def community_list(request: HttpRequest) -> HttpResponse:
    access.require(access.can_browse_communities(request.user))
    # Filter through a subquery: filtering on members and counting members in one query would
    # count only the matching member.
    visible = LeadershipCommunity.objects.filter(access.communities_filter(request.user))
    communities = (
        LeadershipCommunity.objects.filter(pk__in=visible.values("pk"))
        .annotate(
            member_count=Count("members", distinct=True),
            core_task_count=Count("core_tasks", distinct=True),
        )
        .order_by("-active", "name")
    )
    return render(request, "kerneopgaver/community_list.html", {"communities": communities})


def _detail_context(
    request: HttpRequest, community: LeadershipCommunity, *, note_form: CommunityNoteForm | None
) -> dict[str, Any]:
    visible = _visible_core_tasks(request.user)
    focus = visible.filter(leadership_communities=community).order_by("title")
    can_contribute = access.can_contribute_to_community(request.user, community)
    return {
        "community": community,
        "members": community.members.order_by("name", "username"),
        "units": community.units.order_by("path"),
        "core_tasks": focus,
        "available_core_tasks": visible.exclude(leadership_communities=community).order_by("title")
        if can_contribute
        else CoreTask.objects.none(),
        "notes": community.notes.select_related("author"),
        "note_form": note_form or (CommunityNoteForm() if can_contribute else None),
        "can_contribute": can_contribute,
    }


@login_required
@require_http_methods(["GET", "POST"])
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The community's page; a POST shares a note."""
    community = _community_or_404(request.user, pk)
    note_form = None
    note_saved = False
    if request.method == "POST":
        access.require(access.can_contribute_to_community(request.user, community))
        note_form = CommunityNoteForm(request.POST)
        if note_form.is_valid():
            try:
                services.community_note_add(
                    community=community,
                    author=request.user,
                    text=note_form.cleaned_data["text"],
                    link=note_form.cleaned_data["link"],
                )
            except services.UnsafeLink:
                note_form.add_error("link", _("The link must be a web address (http or https)."))
            else:
                if not request.htmx:
                    messages.success(request, _("Your note is shared with the community."))
                    return redirect(reverse("kerneopgaver:community", args=[pk]) + "#notes")
                note_form, note_saved = None, True  # a fresh, empty form under the new note
    template = DETAIL_TEMPLATE + "#notes" if request.htmx else DETAIL_TEMPLATE
    context = _detail_context(request, community, note_form=note_form)
    return render(request, template, {**context, "note_saved": note_saved})


@login_required
@require_POST
def community_core_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a core task to the community's focus, or unlink it."""
    community = _community_or_404(request.user, pk)
    access.require(access.can_contribute_to_community(request.user, community))
    form = CommunityCoreTaskForm(request.POST, core_tasks=_visible_core_tasks(request.user))
    back = reverse("kerneopgaver:community", args=[pk]) + "#focus"
    if not form.is_valid():
        messages.error(request, _("Choose a core task. Nothing was changed."))
        return redirect(back)
    core_task = form.cleaned_data["core_task"]
    if form.cleaned_data["action"] == CommunityCoreTaskForm.LINK:
        services.community_core_task_link(community=community, core_task=core_task)
        messages.success(
            request,
            _("%(title)s is now in the community's focus.") % {"title": core_task.title},
        )
    else:
        services.community_core_task_unlink(community=community, core_task=core_task)
        messages.success(
            request,
            _("%(title)s is no longer in the community's focus.") % {"title": core_task.title},
        )
    return redirect(back)
