"""The socialkapital part of the demo municipality Egekilde Kommune: survey rounds and answers.

Registered as an extension of the organisation demo (`organisation/demo.py`) when this module is
imported from `SocialkapitalConfig.ready()`, so `manage.py seed_demo` builds it on top of the
municipality, also in a demo database built before the surveys existed.

It builds, with the default questionnaire of the data migration, three closed rounds for the
whole municipality in the past three half-years and one round that is open now, all with k = 5
agreed by the Hoved-MED. The answers are synthetic: every unit has a latent level per dimension
that it shares in part with the units above it, and a trend from round to round, so levels differ
plausibly between units and some units improve while others decline. Answers are drawn around
that level, with a few "don't know"; reverse-scored items are flipped so they agree with it.

Everything is drawn from `random.Random(seed)`, except the access codes of the open round: those
come from `secrets`, are hashed at once and are never printed, so that nobody (not even someone
who knows the seed) can answer the demo's round with them. HR can generate codes in the UI.
Dates follow the calendar: the rounds are named after the half-years before today.

Like every response, a demo response holds only its round and unit: the people who "answered"
(invitations with `answered_on`) are drawn separately from the answers, per unit.
"""

from __future__ import annotations

import logging
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from organisation import demo as organisation_demo
from organisation.models import OrgUnit, User
from socialkapital.models import (
    DONT_KNOW,
    AccessCode,
    Action,
    Answer,
    DeliveryFailure,
    Dimension,
    Invitation,
    InvitationLink,
    Item,
    Questionnaire,
    Response,
    ResponseScore,
    Result,
    ResultsDialogue,
    SurveyRound,
)

logger = logging.getLogger(__name__)

EXTENSION_NAME = "social-capital surveys"
QUESTIONNAIRE_NAME = "Social kapital – standard"
QUESTIONNAIRE_VERSION = 1
# How the demo recognises its own rounds (`exists`): rounds HR creates in the demo say something
# else about who agreed k.
AGREED_BY = "Hoved-MED, Egekilde Kommune"
MIN_GROUP_SIZE = 5
BATCH_SIZE = 5000
CLOSED_ROUNDS = 3
ROUND_WEEKS = 3
OPEN_ROUND_STARTED_DAYS_AGO = 7
# The open round has run for a week: about a third has answered so far.
OPEN_ROUND_ANSWERED_SHARE = 0.35
ACCESS_CODE_WORKPLACES = 2
ACCESS_CODE_USED_SHARE = 0.3
# The alphabet of printed codes: no 0/O, 1/I/L that are misread when typed from a slip.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
DONT_KNOW_SHARE = 0.04

# The municipality's level per dimension on the 1–5 scale: collaboration within the team is
# usually the strongest, across teams and with management the weakest.
BASE_LEVEL: dict[str, float] = {
    Dimension.VERTICAL_TRUST: 3.55,
    Dimension.HORIZONTAL_TRUST: 3.9,
    Dimension.JUSTICE: 3.35,
    Dimension.BONDING: 4.0,
    Dimension.BRIDGING: 3.15,
    Dimension.LINKING: 3.4,
    Dimension.CORE_TASK: 3.6,
}
# How much a unit differs from its parent, by the unit's kind: workplaces differ most.
LEVEL_SPREAD: dict[str, float] = {
    OrgUnit.Kind.MUNICIPALITY: 0.0,
    OrgUnit.Kind.DIRECTORATE: 0.12,
    OrgUnit.Kind.AREA: 0.18,
    OrgUnit.Kind.WORKPLACE: 0.3,
    OrgUnit.Kind.TEAM: 0.15,
}
TREND_SPREAD: dict[str, float] = {
    OrgUnit.Kind.MUNICIPALITY: 0.0,
    OrgUnit.Kind.DIRECTORATE: 0.04,
    OrgUnit.Kind.AREA: 0.08,
    OrgUnit.Kind.WORKPLACE: 0.18,
    OrgUnit.Kind.TEAM: 0.06,
}
MUNICIPALITY_TREND = 0.04  # per round: the municipality improves slowly overall
RESPONDENT_SPREAD = 0.45  # how much one person's view differs from their unit's
ANSWER_NOISE = 0.7  # how much one answer differs from the person's view


@dataclass
class _Plan:
    """Per round: its row, who answered (invitation index → date) and the responses per unit."""

    round: SurveyRound
    invitations: list[Invitation]
    responses_per_unit: dict[int, int]


def demo_root() -> OrgUnit | None:
    return OrgUnit.objects.filter(external_id=organisation_demo.ROOT_EXTERNAL_ID).first()


def exists() -> bool:
    """The demo's rounds are there (any of them counts: kept, not rebuilt)."""
    root = demo_root()
    if root is None:
        return False
    return SurveyRound.objects.filter(
        scope__path__startswith=root.path, min_group_size_agreed_by=AGREED_BY
    ).exists()


def delete() -> None:
    """Remove the survey data of the demo municipality: every round scoped inside it, also those
    HR made while trying the demo (their units would otherwise block deleting the demo), with
    their invitations, codes, responses and answers. The questionnaire stays: it belongs to the
    data migration. Nothing happens without the demo municipality."""
    root = demo_root()
    if root is None:
        return
    rounds = SurveyRound.objects.filter(scope__path__startswith=root.path)
    with transaction.atomic():
        # Children first, each one DELETE statement, instead of letting the ORM collect
        # a hundred thousand answers in memory for the cascade.
        Action.objects.filter(round__in=rounds).delete()
        ResultsDialogue.objects.filter(round__in=rounds).delete()
        Result.objects.filter(round__in=rounds).delete()
        ResponseScore.objects.filter(round__in=rounds).delete()
        Answer.objects.filter(round__in=rounds).delete()
        Response.objects.filter(round__in=rounds).delete()
        InvitationLink.objects.filter(invitation__round__in=rounds).delete()
        DeliveryFailure.objects.filter(invitation__round__in=rounds).delete()
        Invitation.objects.filter(round__in=rounds).delete()
        AccessCode.objects.filter(round__in=rounds).delete()
        rounds.delete()


def build(*, seed: int) -> str:
    """Build the demo's rounds, invitations, responses and access codes."""
    from socialkapital.services.aggregation import aggregate_round
    from socialkapital.services.scoring import ensure_round_scored

    with transaction.atomic():
        builder = _Builder(seed=seed, now=timezone.now())
        summary = builder.build()
        login_invitations = builder.login_invitation_ids
        # The results of the closed rounds, as the task would compute them when they closed.
        hidden = 0
        for round_id in builder.all_round_ids:
            ensure_round_scored(round_id=round_id)  # as each submit would have done
        for round_id in builder.closed_round_ids:
            aggregate_round(round_id=round_id)
            hidden = Result.objects.filter(
                round_id=round_id, key="index", cell=Result.Cell.SUBTREE, hidden=True
            ).count()
        summary += f" Results of the closed rounds ({hidden} units below k in the latest)."
        summary += " " + _build_dialogue(seed=seed)
    if login_invitations:
        transaction.on_commit(lambda: _send_login_invitations(login_invitations))
    return summary


organisation_demo.register_extension(EXTENSION_NAME, build=build, delete=delete, exists=exists)


def _build_dialogue(*, seed: int) -> str:
    """Dialogue and actions about the results (socialkapital/dialogue_demo.py)."""
    from socialkapital.dialogue_demo import build_dialogue_demo

    return build_dialogue_demo(seed=seed)


def _send_login_invitations(invitation_ids: Sequence[int]) -> None:
    """E-mail the demo logins their invitation to the open round, so that `make demo` shows
    `medarbejder`'s personal link in the console. The task makes the token; the demo cannot
    (it would have to store or print it). Only the logins: not a thousand e-mails."""
    try:
        from socialkapital.tasks.invitations import send_invitation
    except ImportError:
        return  # the invitations are built before the e-mails exist: nothing to send
    for invitation_id in invitation_ids:
        try:
            send_invitation.delay(invitation_id)
        except Exception as error:  # the demo is built; a missing e-mail must not undo it
            # The class only: a message could quote what the e-mail held.
            logger.warning(
                "Could not send the demo invitation %s (%s).", invitation_id, type(error).__name__
            )


# --- Dates ------------------------------------------------------------------------------------


def half_year_name(index: int) -> str:
    """Half-years counted from year 0: even is spring (forår), odd is autumn (efterår)."""
    year, half = divmod(index, 2)
    return f"Social kapital {'forår' if half == 0 else 'efterår'} {year}"


def closed_round_dates(index: int) -> tuple[datetime, datetime]:
    """A closed round runs three weeks from the first Monday of March or of October."""
    year, half = divmod(index, 2)
    first = date(year, 3 if half == 0 else 10, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return _at(monday, 8), _at(monday + timedelta(weeks=ROUND_WEEKS), 16)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


# --- Building ---------------------------------------------------------------------------------


class _Builder:
    def __init__(self, *, seed: int, now: datetime) -> None:
        # A seed of its own, so adding rows to the other extensions does not change the answers.
        self.rng = random.Random(f"socialkapital-{seed}")
        self.now = now
        self.today = timezone.localdate(now)
        root = demo_root()
        if root is None:
            raise organisation_demo.DemoError("The demo municipality does not exist.")
        self.root = root
        self.questionnaire = Questionnaire.objects.filter(
            name=QUESTIONNAIRE_NAME, version=QUESTIONNAIRE_VERSION
        ).first()
        if self.questionnaire is None:
            raise organisation_demo.DemoError(
                f"The questionnaire {QUESTIONNAIRE_NAME!r} version {QUESTIONNAIRE_VERSION} is "
                "missing; run `manage.py migrate` first."
            )
        self.items: list[Item] = [
            entry.item
            for entry in self.questionnaire.entries.select_related("item").order_by("position")
        ]
        self.units: dict[int, OrgUnit] = {
            unit.pk: unit
            for unit in OrgUnit.objects.filter(path__startswith=root.path, active=True).order_by(
                "path"
            )
        }
        # Everyone with a unit in the demo, in a fixed order so the seed decides who answers.
        self.people: list[User] = list(
            User.objects.filter(is_active=True, home_unit__in=self.units.keys())
            .order_by("external_id", "pk")
            .only("pk", "email", "username", "home_unit_id")
        )
        self.workplace_of: dict[int, int] = {}
        self.levels: dict[int, dict[str, float]] = {}
        self.trends: dict[int, float] = {}
        self.rates: dict[int, float] = {}
        self.login_invitation_ids: list[int] = []
        self.closed_round_ids: list[int] = []
        self.all_round_ids: list[int] = []
        self.counts = {"responses": 0, "answers": 0, "invitations": 0, "codes": 0}

    def build(self) -> str:
        self.plan_units()
        current = self.today.year * 2 + (0 if self.today.month <= 6 else 1)
        for number, index in enumerate(range(current - CLOSED_ROUNDS, current)):
            self.build_closed_round(index, number)
        open_round = self.build_open_round(current, CLOSED_ROUNDS)
        return (
            f"{CLOSED_ROUNDS} closed rounds and the open round {open_round.name!r}: "
            f"{self.counts['invitations']} invitations, {self.counts['responses']} responses "
            f"with {self.counts['answers']} answers, {self.counts['codes']} access codes."
        )

    # --- Latent levels ----------------------------------------------------------------------

    def plan_units(self) -> None:
        """Each unit's level per dimension and trend per round: its parent's plus a deviation
        that is largest for workplaces, so teams of one workplace resemble each other."""
        by_path = {unit.path: unit for unit in self.units.values()}
        for unit in self.units.values():  # in path order: parents before children
            parent = by_path.get(unit.path[: -OrgUnit.steplen])
            spread = LEVEL_SPREAD.get(unit.kind, 0.15)
            if parent is None or parent.pk not in self.levels:
                self.levels[unit.pk] = dict(BASE_LEVEL)
                self.trends[unit.pk] = MUNICIPALITY_TREND
                self.rates[unit.pk] = 0.72
            else:
                common = self.rng.gauss(0, spread)  # a good workplace is good on most things
                self.levels[unit.pk] = {
                    dimension: level + common + self.rng.gauss(0, spread / 2)
                    for dimension, level in self.levels[parent.pk].items()
                }
                self.trends[unit.pk] = self.trends[parent.pk] + self.rng.gauss(
                    0, TREND_SPREAD.get(unit.kind, 0.06)
                )
                self.rates[unit.pk] = (
                    self.rng.uniform(0.6, 0.85)
                    if unit.kind == OrgUnit.Kind.WORKPLACE
                    else self.rates[parent.pk]
                )
            if unit.kind == OrgUnit.Kind.WORKPLACE:
                self.workplace_of[unit.pk] = unit.pk
            elif parent is not None and parent.pk in self.workplace_of:
                self.workplace_of[unit.pk] = self.workplace_of[parent.pk]

    def level(self, unit_id: int, dimension: str, round_number: int) -> float:
        # Centred on the middle round, so the oldest and newest rounds differ most.
        return self.levels[unit_id].get(dimension, 3.5) + self.trends[unit_id] * (
            round_number - (CLOSED_ROUNDS - 1) / 2
        )

    # --- Rounds -----------------------------------------------------------------------------

    def new_round(
        self, name: str, opens_at: datetime, closes_at: datetime, *, closed: bool
    ) -> SurveyRound:
        survey = SurveyRound.objects.create(
            name=name,
            questionnaire=self.questionnaire,
            scope=self.root,
            opens_at=opens_at,
            closes_at=closes_at,
            min_group_size=MIN_GROUP_SIZE,
            min_group_size_agreed_by=AGREED_BY,
            status=SurveyRound.Status.CLOSED if closed else SurveyRound.Status.OPEN,
            opened_at=opens_at,
            closed_at=closes_at if closed else None,
        )
        self.all_round_ids.append(survey.pk)
        return survey

    def invitations(self, survey: SurveyRound, *, sent_at: datetime) -> list[Invitation]:
        return [
            Invitation(
                round=survey,
                user_id=person.pk,
                unit_id=person.home_unit_id,
                email=person.email,
                sent_at=sent_at if person.email else None,
            )
            for person in self.people
        ]

    def build_closed_round(self, index: int, number: int) -> SurveyRound:
        opens_at, closes_at = closed_round_dates(index)
        survey = self.new_round(half_year_name(index), opens_at, closes_at, closed=True)
        invitations = self.invitations(survey, sent_at=opens_at)
        days = _days(timezone.localdate(opens_at), timezone.localdate(closes_at))
        # Per unit, a share of its people answered; the rate of a workplace varies a little
        # from round to round.
        by_unit: dict[int, list[Invitation]] = {}
        for invitation in invitations:
            by_unit.setdefault(invitation.unit_id, []).append(invitation)
        responses: dict[int, int] = {}
        for unit_id, unit_invitations in by_unit.items():
            rate = min(0.95, max(0.4, self.rates[unit_id] + self.rng.gauss(0, 0.05)))
            # Rounded at random, not to the nearest: in units of one or two people rounding
            # to the nearest would make nearly everyone answer.
            answered = int(rate * len(unit_invitations) + self.rng.random())
            for invitation in self.rng.sample(unit_invitations, answered):
                # Most answer in the first days after the invitation and after reminders.
                invitation.answered_on = days[min(len(days) - 1, int(self.rng.expovariate(0.2)))]
            responses[unit_id] = answered
        self.save(_Plan(survey, invitations, responses), round_number=number)
        self.closed_round_ids.append(survey.pk)
        return survey

    def build_open_round(self, index: int, number: int) -> SurveyRound:
        opens_at = _at(self.today - timedelta(days=OPEN_ROUND_STARTED_DAYS_AGO), 8)
        closes_at = _at(self.today + timedelta(weeks=ROUND_WEEKS), 16)
        survey = self.new_round(half_year_name(index), opens_at, closes_at, closed=False)
        invitations = self.invitations(survey, sent_at=opens_at)
        days = _days(timezone.localdate(opens_at), self.today)
        login_ids = {
            person.pk
            for person in self.people
            if person.username in organisation_demo.DEMO_USERNAMES
        }
        responses: dict[int, int] = {}
        for invitation in invitations:
            if invitation.user_id in login_ids:
                # The demo logins have not answered (they are to try it) and get their e-mail
                # from the invitations task after the build, which sets `sent_at` itself.
                invitation.sent_at = None
            elif invitation.email and self.rng.random() < OPEN_ROUND_ANSWERED_SHARE:
                invitation.answered_on = self.rng.choice(days)
                responses[invitation.unit_id] = responses.get(invitation.unit_id, 0) + 1
        self.save(_Plan(survey, invitations, responses), round_number=number)
        self.login_invitation_ids = [
            invitation.pk
            for invitation in invitations
            if invitation.user_id in login_ids and invitation.email
        ]
        self.build_access_codes(survey, invitations, number)
        return survey

    def build_access_codes(
        self, survey: SurveyRound, invitations: list[Invitation], number: int
    ) -> None:
        """Codes for the people without e-mail in the two workplaces with most of them; some
        already used, each use a response at the workplace (the unit a code belongs to)."""
        from socialkapital.services.answering import hash_access_code

        without_email: dict[int, int] = {}
        for invitation in invitations:
            workplace = self.workplace_of.get(invitation.unit_id)
            if workplace is not None and not invitation.email:
                without_email[workplace] = without_email.get(workplace, 0) + 1
        chosen = sorted(without_email, key=lambda unit_id: (-without_email[unit_id], unit_id))
        codes: list[AccessCode] = []
        responses: dict[int, int] = {}
        for workplace in chosen[:ACCESS_CODE_WORKPLACES]:
            for _ in range(without_email[workplace]):
                used = self.rng.random() < ACCESS_CODE_USED_SHARE
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                codes.append(
                    AccessCode(
                        round=survey, unit_id=workplace, code_hash=hash_access_code(code), used=used
                    )
                )
                if used:
                    responses[workplace] = responses.get(workplace, 0) + 1
        AccessCode.objects.bulk_create(codes, batch_size=BATCH_SIZE)
        self.counts["codes"] += len(codes)
        self.save_responses(survey, responses, round_number=number)

    # --- Rows -------------------------------------------------------------------------------

    def save(self, plan: _Plan, *, round_number: int) -> None:
        Invitation.objects.bulk_create(plan.invitations, batch_size=BATCH_SIZE)
        self.counts["invitations"] += len(plan.invitations)
        self.save_responses(plan.round, plan.responses_per_unit, round_number=round_number)

    def save_responses(
        self, survey: SurveyRound, per_unit: dict[int, int], *, round_number: int
    ) -> None:
        """Responses and their answers, drawn per unit from its latent levels; nothing ties a
        response to one of the invitations marked as answered."""
        responses: list[Response] = []
        answers: list[Answer] = []
        for unit_id in sorted(per_unit):
            levels = {
                item.pk: self.level(unit_id, item.dimension, round_number) for item in self.items
            }
            for _ in range(per_unit[unit_id]):
                response = Response(
                    id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                    round=survey,
                    unit_id=unit_id,
                )
                responses.append(response)
                view = self.rng.gauss(0, RESPONDENT_SPREAD)
                # Ids rather than instances: setting a relation costs more than the row.
                answers += [
                    Answer(
                        response_id=response.pk,
                        round_id=survey.pk,
                        unit_id=unit_id,
                        item_id=item.pk,
                        value=self.answer(levels[item.pk] + view, item.reverse_scored),
                    )
                    for item in self.items
                ]
        Response.objects.bulk_create(responses, batch_size=BATCH_SIZE)
        Answer.objects.bulk_create(answers, batch_size=BATCH_SIZE)
        self.counts["responses"] += len(responses)
        self.counts["answers"] += len(answers)

    def answer(self, level: float, reverse_scored: bool) -> int:
        if self.rng.random() < DONT_KNOW_SHARE:
            return DONT_KNOW
        value = min(5, max(1, round(level + self.rng.gauss(0, ANSWER_NOISE))))
        # Agreeing with a reverse-scored statement is a sign of low social capital.
        return 6 - value if reverse_scored else value
