"""Answering a survey without signing in: entry by a personal link or an access code, the signed
answering state carried from step to step, and the one atomic submit.

Anonymity (DESIGN.md): nothing is stored on the server until the final submit. Until then the
answers travel in a signed, compressed state in the form (and a same-site cookie mirror, so a
language switch does not lose them). The submit consumes the invitation or code with a
compare-and-set UPDATE and stores a Response holding only its round and unit, in one
transaction: either both happen or neither does.

Tokens and codes are secrets: they are hashed at once, and never put into an exception message,
a log call or a state. Failed entries count against a per-address limit in the cache, whose key
is a keyed hash of the address, so the address itself is never stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from socialkapital.models import (
    DONT_KNOW,
    AccessCode,
    Answer,
    Invitation,
    InvitationLink,
    Item,
    QuestionnaireItem,
    Response,
    SurveyRound,
)
from socialkapital.services.rounds import round_accepts_answers
from socialkapital.services.scoring import score_response

logger = logging.getLogger(__name__)

__all__ = [
    "ANSWER_STATE_MAX_AGE_SECONDS",
    "ENTRY_FAILURES_PER_WINDOW",
    "ENTRY_RATE_WINDOW_SECONDS",
    "MAX_ANSWERS",
    "AlreadyAnswered",
    "Entry",
    "InvalidAnswers",
    "InvalidEntry",
    "RoundClosed",
    "RoundNotOpenYet",
    "answer_state_dumps",
    "answer_state_loads",
    "ensure_round_open",
    "entry_failure_count",
    "entry_rate_limited",
    "hash_access_code",
    "hash_token",
    "normalise_access_code",
    "round_items",
    "secret_already_used",
    "start_with_access_code",
    "start_with_token",
    "submit_response",
]

# Ten mistyped codes from one shared workplace PC are plausible; guessing needs millions.
ENTRY_FAILURES_PER_WINDOW = 10
ENTRY_RATE_WINDOW_SECONDS = 15 * 60
# Long enough to answer in a break and come back; short enough that a forgotten page dies.
ANSWER_STATE_MAX_AGE_SECONDS = 12 * 60 * 60
# A questionnaire has 20-30 items; anything near this is an attack, not a person.
MAX_ANSWERS = 200

_STATE_SALT = "socialkapital.answer-state"
_ACCESS_CODE_SALT = "socialkapital.access-code"
_RATE_KEY_SALT = "socialkapital.entry-rate"
_VIA_LINK = "link"
_VIA_CODE = "code"


class InvalidEntry(Exception):
    """An unknown or tampered token, code or state. Deliberately without detail: every such
    case gets the same page, and the message must never carry the secret."""


class AlreadyAnswered(Exception):
    """The invitation or code has been used."""


class RoundNotOpenYet(Exception):
    def __init__(self, opens_at: datetime | None) -> None:
        super().__init__("The round is not open yet.")
        self.opens_at = opens_at


class RoundClosed(Exception):
    """The round is closed or past its closing time."""


class InvalidAnswers(Exception):
    """The answers do not fit the round's questionnaire; nothing was stored."""


@dataclass(frozen=True)
class Entry:
    """A valid way in: the round and the unit the answers will count for."""

    round: SurveyRound
    unit_id: int
    via: str
    secret_hash: str

    def initial_state(self) -> dict[str, Any]:
        return {
            "round": self.round.pk,
            "unit": self.unit_id,
            "via": self.via,
            "secret_hash": self.secret_hash,
            "answers": {},
            "step": 0,  # the first page, which explains anonymity
        }


# --- Hashing ----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """The stored form of an invitation link's token: SHA-256 hex. The token has at least 128
    random bits, so a plain hash cannot be reversed by guessing."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_access_code(code: str) -> str:
    """Codes are typed from paper: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]+", "", code).upper()


def hash_access_code(code: str) -> str:
    """The stored form of an access code: a keyed hash (codes are short, so a plain hash could
    be reversed by trying every code; the key is the SECRET_KEY)."""
    return salted_hmac(
        _ACCESS_CODE_SALT, normalise_access_code(code), algorithm="sha256"
    ).hexdigest()


# --- Rate limit of failed entries -------------------------------------------------------------


def _rate_key(client_address: str) -> str:
    digest = salted_hmac(_RATE_KEY_SALT, client_address, algorithm="sha256").hexdigest()
    return f"survey-entry-failures:{digest}"


def entry_rate_limited(*, client_address: str) -> bool:
    """Whether the address has used up its failed attempts for the window (counts nothing)."""
    return entry_failure_count(client_address=client_address) >= ENTRY_FAILURES_PER_WINDOW


# The cache (Redis) being down must not stop anyone from answering: the limit then counts
# nothing until it is back. Guessing a code or token needs millions of tries, far more than an
# outage's minutes allow, while a survey that cannot be answered loses real answers.
_CACHE_ERRORS = (RedisError, OSError)


def entry_failure_count(*, client_address: str) -> int:
    try:
        return cache.get(_rate_key(client_address)) or 0
    except _CACHE_ERRORS as error:
        logger.warning("entry rate limit not checked, cache unavailable (%s)", type(error).__name__)
        return 0


def _count_failure(client_address: str) -> None:
    key = _rate_key(client_address)
    try:
        # add() starts the window only if none is running; incr() is atomic on Redis and locmem.
        cache.add(key, 0, timeout=ENTRY_RATE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            # The window expired between add() and incr(): start a new one.
            cache.set(key, 1, timeout=ENTRY_RATE_WINDOW_SECONDS)
    except _CACHE_ERRORS as error:
        logger.warning("entry failure not counted, cache unavailable (%s)", type(error).__name__)


def _invalid(client_address: str) -> InvalidEntry:
    _count_failure(client_address)
    return InvalidEntry()


# --- Round state ------------------------------------------------------------------------------


def ensure_round_open(survey_round: SurveyRound, now: datetime | None = None) -> None:
    """Raise the friendly refusal that fits, using the round's own fields."""
    now = now or timezone.now()
    if survey_round.status == SurveyRound.Status.CLOSED or survey_round.closes_at <= now:
        raise RoundClosed
    if survey_round.status == SurveyRound.Status.DRAFT or survey_round.opens_at > now:
        opens_at = survey_round.opens_at if survey_round.opens_at > now else None
        raise RoundNotOpenYet(opens_at)
    if not round_accepts_answers(survey_round, now=now):
        raise RoundClosed


# --- Entry ------------------------------------------------------------------------------------


def start_with_token(*, token: str, client_address: str) -> Entry:
    """The entry for a personal link's token, or a refusal. The caller checks the rate limit
    first; an unknown token counts as a failure."""
    if not token or len(token) > 200:
        raise _invalid(client_address)
    link = (
        InvitationLink.objects.select_related("invitation__round")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise _invalid(client_address)
    invitation = link.invitation
    if invitation.answered_on is not None:
        raise AlreadyAnswered
    ensure_round_open(invitation.round)
    return Entry(
        round=invitation.round,
        unit_id=invitation.unit_id,
        via=_VIA_LINK,
        secret_hash=link.token_hash,
    )


def start_with_access_code(*, code: str, client_address: str) -> Entry:
    """The entry for a typed access code, or a refusal (an unknown code counts as a failure)."""
    normalised = normalise_access_code(code)
    if not normalised or len(normalised) > 64:
        raise _invalid(client_address)
    access_code = (
        AccessCode.objects.select_related("round")
        .filter(code_hash=hash_access_code(normalised))
        .first()
    )
    if access_code is None:
        raise _invalid(client_address)
    if access_code.used:
        raise AlreadyAnswered
    ensure_round_open(access_code.round)
    return Entry(
        round=access_code.round,
        unit_id=access_code.unit_id,
        via=_VIA_CODE,
        secret_hash=access_code.code_hash,
    )


# --- The signed answering state ---------------------------------------------------------------


def answer_state_dumps(state: dict[str, Any]) -> str:
    return signing.dumps(state, salt=_STATE_SALT, compress=True)


def answer_state_loads(value: str, *, client_address: str) -> dict[str, Any]:
    """The state from a form or cookie; a tampered, expired or malformed one is InvalidEntry
    and counts as a failure, as a guessed token would."""
    try:
        state = signing.loads(value, salt=_STATE_SALT, max_age=ANSWER_STATE_MAX_AGE_SECONDS)
    except (signing.BadSignature, ValueError):
        raise _invalid(client_address) from None
    if (
        not isinstance(state, dict)
        or not isinstance(state.get("round"), int)
        or not isinstance(state.get("unit"), int)
        or state.get("via") not in (_VIA_LINK, _VIA_CODE)
        or not isinstance(state.get("secret_hash"), str)
        or not isinstance(state.get("answers"), dict)
    ):
        raise _invalid(client_address)
    return state


def round_items(survey_round: SurveyRound) -> list[Item]:
    """The round's items in questionnaire order."""
    return list(
        Item.objects.filter(entries__questionnaire_id=survey_round.questionnaire_id).order_by(
            "entries__position"
        )
    )


@lru_cache(maxsize=64)
def _questionnaire_item_ids(questionnaire_id: int) -> frozenset[int]:
    """The item ids of a questionnaire version, read once per process: a version that a round
    has opened with is never changed (a new version is made instead), so it can be kept."""
    return frozenset(
        QuestionnaireItem.objects.filter(questionnaire_id=questionnaire_id).values_list(
            "item_id", flat=True
        )
    )


def secret_already_used(*, state: dict[str, Any]) -> bool:
    """Whether the state's invitation or code has been used meanwhile (when resuming)."""
    if state["via"] == _VIA_LINK:
        return Invitation.objects.filter(
            links__token_hash=state["secret_hash"], answered_on__isnull=False
        ).exists()
    return AccessCode.objects.filter(code_hash=state["secret_hash"], used=True).exists()


# --- Submit -----------------------------------------------------------------------------------


def _clean_answers(raw: object, item_ids: set[int]) -> dict[int, int]:
    if not isinstance(raw, dict):
        raise InvalidAnswers("The answers are not readable.")
    if len(raw) > MAX_ANSWERS:
        raise InvalidAnswers("Too many answers.")
    answers: dict[int, int] = {}
    for key, value in raw.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            raise InvalidAnswers("An answer is for an unknown statement.") from None
        if item_id not in item_ids or item_id in answers:
            raise InvalidAnswers("An answer is for an unknown statement.")
        # bool is an int in Python; a JSON true is not an answer on the scale.
        if isinstance(value, bool) or not isinstance(value, int) or not DONT_KNOW <= value <= 5:
            raise InvalidAnswers("An answer is outside the scale.")
        answers[item_id] = value
    if set(answers) != item_ids:
        raise InvalidAnswers("Not every statement has an answer.")
    return answers


def submit_response(*, state: dict[str, Any]) -> Response:
    """Store one anonymous response from a verified state, consuming its invitation or code.

    One transaction: validate, check the round, consume with a compare-and-set UPDATE (exactly
    one concurrent submit can win it), then create the Response and its Answers. Any refusal
    raises before or rolls back everything, so nothing is half-stored.
    """
    now = timezone.now()
    with transaction.atomic():
        survey_round = SurveyRound.objects.filter(pk=state.get("round")).first()
        if survey_round is None:
            raise InvalidEntry
        if survey_round.status == SurveyRound.Status.DRAFT:
            item_ids = {item.pk for item in round_items(survey_round)}  # may still change
        else:
            item_ids = set(_questionnaire_item_ids(survey_round.questionnaire_id))
        answers = _clean_answers(state.get("answers"), item_ids)
        unit_id = state.get("unit")
        ensure_round_open(survey_round, now)
        # One compare-and-set UPDATE consumes the invitation or code only if it belongs to this
        # round and unit and is unused: of any number of concurrent submits, exactly one wins.
        secret_hash = state.get("secret_hash", "")
        if state.get("via") == _VIA_LINK:
            # Every condition on the invitation itself must stand in the UPDATE's own WHERE
            # (not inside a subquery): PostgreSQL re-checks only those against the row a
            # concurrent submit has just changed, and a re-check is what refuses the loser.
            link = InvitationLink.objects.filter(token_hash=secret_hash).values("invitation_id")
            consumed = Invitation.objects.filter(
                pk__in=Subquery(link),
                answered_on__isnull=True,
                round_id=survey_round.pk,
                unit_id=unit_id,
            ).update(answered_on=timezone.localdate(now))
            secret = Invitation.objects.filter(pk__in=Subquery(link))
        elif state.get("via") == _VIA_CODE:
            unused = AccessCode.objects.filter(code_hash=secret_hash, used=False)
            consumed = unused.filter(round_id=survey_round.pk, unit_id=unit_id).update(used=True)
            secret = AccessCode.objects.filter(code_hash=secret_hash)
        else:
            raise InvalidEntry
        if consumed != 1:
            # Only on this rare path: tell which refusal it is.
            found = secret.values("round_id", "unit_id").first()
            if found is None:
                raise InvalidEntry
            if found["round_id"] != survey_round.pk or found["unit_id"] != unit_id:
                raise InvalidAnswers("The round or unit does not match the invitation or code.")
            raise AlreadyAnswered
        response = Response.objects.create(round_id=survey_round.pk, unit_id=unit_id)
        Answer.objects.bulk_create(
            Answer(
                response=response,
                round_id=survey_round.pk,
                unit_id=unit_id,
                item_id=item_id,
                value=value,
            )
            for item_id, value in answers.items()
        )
        score_response(round_id=survey_round.pk, response_id=response.pk)
    return response
