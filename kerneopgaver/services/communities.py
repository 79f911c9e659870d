"""Leadership communities: the notes and links members share, and the core tasks in focus."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction

from kerneopgaver.models import CommunityNote, CoreTask
from organisation.models import LeadershipCommunity, User

__all__ = [
    "UnsafeLink",
    "community_core_task_link",
    "community_core_task_unlink",
    "community_note_add",
]


class UnsafeLink(ValueError):
    """A shared link must be a web address (http or https), never javascript: or the like."""


def community_note_add(
    *, community: LeadershipCommunity, author: User, text: str, link: str = ""
) -> CommunityNote:
    link = link.strip()
    # The form checks this too; the service repeats it because a link is rendered as an href.
    if link and urlsplit(link).scheme.lower() not in ("http", "https"):
        raise UnsafeLink(link)
    with transaction.atomic():
        return CommunityNote.objects.create(
            community=community, author=author, text=text.strip(), link=link
        )


def community_core_task_link(*, community: LeadershipCommunity, core_task: CoreTask) -> None:
    """Put a core task in the community's focus (linking twice changes nothing)."""
    with transaction.atomic():
        core_task.leadership_communities.add(community)


def community_core_task_unlink(*, community: LeadershipCommunity, core_task: CoreTask) -> None:
    with transaction.atomic():
        core_task.leadership_communities.remove(community)
