"""Dialogue on core tasks: inputs from inside the town hall and from citizens, moderation of
citizens' inputs, and the outcome every input gets.

Citizens write without signing in, so their inputs wait for HR's moderation and are rate
limited per client address. The address itself is never stored: the cache key is a keyed hash
of it, kept only for the length of the window.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from kerneopgaver.models import CoreTask, CoreTaskChange, DialogueInput
from organisation import access
from organisation.models import User

__all__ = [
    "CITIZEN_INPUTS_PER_WINDOW",
    "CITIZEN_RATE_WINDOW_SECONDS",
    "ConsultationClosed",
    "ConsultationRateLimited",
    "DialogueClosed",
    "InputNotAwaitingModeration",
    "citizen_input_add",
    "citizen_input_moderate",
    "citizen_rate_limited",
    "citizen_spam_discard",
    "dialogue_input_add",
    "dialogue_input_set_outcome",
]

# Enough for a family sharing one address to take part, too few for a flood.
CITIZEN_INPUTS_PER_WINDOW = 5
CITIZEN_RATE_WINDOW_SECONDS = 60 * 60
_RATE_KEY_SALT = "kerneopgaver.consultation.rate"


class DialogueClosed(Exception):
    """The core task is not in dialogue, so it takes no inputs."""


class ConsultationClosed(Exception):
    """The core task is not open for citizens' consultation."""


class ConsultationRateLimited(Exception):
    """Too many citizen inputs from one address within the window."""


class InputNotAwaitingModeration(Exception):
    """Only a citizen's input awaiting moderation can be approved or rejected."""


def _channel_of(user: User) -> str:
    """The channel is the author's role when writing: it tells readers whose voice it is."""
    if access.is_politician(user):
        return DialogueInput.Channel.POLITICIAN
    if access.is_leader(user):
        return DialogueInput.Channel.LEADER
    return DialogueInput.Channel.EMPLOYEE


def dialogue_input_add(*, core_task: CoreTask, author: User, kind: str, text: str) -> DialogueInput:
    """A signed-in input: shown at once, with the author's name and role as its channel."""
    with transaction.atomic():
        # Lock the task so an input cannot slip in while its status is being moved.
        locked = CoreTask.objects.select_for_update().get(pk=core_task.pk)
        if locked.status != CoreTask.Status.IN_DIALOGUE:
            raise DialogueClosed
        return DialogueInput.objects.create(
            core_task=locked,
            author=author,
            channel=_channel_of(author),
            kind=kind,
            text=text,
            moderation=DialogueInput.Moderation.APPROVED,
        )


def _rate_key(client_address: str) -> str:
    digest = salted_hmac(_RATE_KEY_SALT, client_address, algorithm="sha256").hexdigest()
    return f"consultation-rate:{digest}"


def _count_attempt(client_address: str) -> int:
    """Count one submission from the address in a fixed window; returns the count so far."""
    key = _rate_key(client_address)
    # add() starts the window only if none is running; incr() is atomic on Redis and locmem.
    cache.add(key, 0, timeout=CITIZEN_RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:
        # The window expired between add() and incr(): start a new one.
        cache.set(key, 1, timeout=CITIZEN_RATE_WINDOW_SECONDS)
        return 1


def citizen_rate_limited(*, client_address: str) -> bool:
    """Whether the address has used up its inputs for the current window (counts nothing)."""
    return (cache.get(_rate_key(client_address)) or 0) >= CITIZEN_INPUTS_PER_WINDOW


def citizen_input_add(
    *,
    core_task: CoreTask,
    client_address: str,
    author_name: str,
    kind: str,
    text: str,
) -> DialogueInput:
    """A citizen's input on an open consultation, stored to await moderation."""
    if _count_attempt(client_address) > CITIZEN_INPUTS_PER_WINDOW:
        raise ConsultationRateLimited
    with transaction.atomic():
        locked = CoreTask.objects.select_for_update().get(pk=core_task.pk)
        if not CoreTask.objects.open_for_consultation().filter(pk=locked.pk).exists():
            raise ConsultationClosed
        return DialogueInput.objects.create(
            core_task=locked,
            author=None,
            author_name=author_name.strip(),
            channel=DialogueInput.Channel.CITIZEN,
            kind=kind,
            text=text,
            moderation=DialogueInput.Moderation.PENDING,
        )


def citizen_spam_discard(*, client_address: str) -> None:
    """A submission caught by the honeypot: stores nothing, but counts against the address's
    limit, so that a bot gets no more tries than a person."""
    if _count_attempt(client_address) > CITIZEN_INPUTS_PER_WINDOW:
        raise ConsultationRateLimited


def citizen_input_moderate(
    *, dialogue_input: DialogueInput, moderator: User, approve: bool
) -> DialogueInput:
    """Approve (show) or reject (never show) a citizen's input, recording who and when."""
    with transaction.atomic():
        locked = DialogueInput.objects.select_for_update().get(pk=dialogue_input.pk)
        if locked.moderation != DialogueInput.Moderation.PENDING:
            raise InputNotAwaitingModeration
        locked.moderation = (
            DialogueInput.Moderation.APPROVED if approve else DialogueInput.Moderation.REJECTED
        )
        locked.moderated_by = moderator
        locked.moderated_at = timezone.now()
        locked.save(update_fields=["moderation", "moderated_by", "moderated_at"])
        return locked


def dialogue_input_set_outcome(
    *, dialogue_input: DialogueInput, author: User, outcome: str, reason: str
) -> CoreTaskChange:
    """Answer an input (taken in or not, and why), and keep the answer in the task's history."""
    if outcome not in (DialogueInput.Outcome.TAKEN_IN, DialogueInput.Outcome.NOT_TAKEN_IN):
        raise ValueError(f"Not an outcome an input can be given: {outcome!r}")
    reason = reason.strip()
    if not reason:
        raise ValueError("An outcome needs a reason.")
    with transaction.atomic():
        locked = DialogueInput.objects.select_for_update().get(pk=dialogue_input.pk)
        before = {"outcome": locked.outcome, "outcome_reason": locked.outcome_reason}
        locked.outcome = outcome
        locked.outcome_reason = reason
        locked.outcome_by = author
        locked.outcome_at = timezone.now()
        locked.save(update_fields=["outcome", "outcome_reason", "outcome_by", "outcome_at"])
        change = CoreTaskChange.objects.create(
            core_task_id=locked.core_task_id,
            author=author,
            kind=CoreTaskChange.Kind.OUTCOME,
            summary=(
                gettext("Input from %(author)s: %(outcome)s")
                % {"author": locked.display_author, "outcome": locked.get_outcome_display()}
            )[:300],
            changes={
                "outcome": {"from": before["outcome"], "to": locked.outcome},
                "outcome_reason": {"from": before["outcome_reason"], "to": reason},
            },
        )
        change.inputs.add(locked)
        dialogue_input.refresh_from_db()
        return change
