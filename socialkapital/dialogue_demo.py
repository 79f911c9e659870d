"""Demo data for the dialogue about results: meetings and actions in Egekilde Kommune.

`build_dialogue_demo(seed=...)` is called by the socialkapital demo after the closed rounds'
results are aggregated. For the unit the `leder` login leads and for the område-MED the `med`
login sits in, it records a meeting about each of the two latest closed demo rounds and a few
actions: after the older round one done and one still in progress past its due date (overdue,
so it is followed up on the newer round's pages), after the newer round open ones due later.

The rows are created directly, not through the services: the demo's dates lie in the past
(actions done months ago), and no e-mail may go out, so every action is marked as already
notified. Owners are drawn from `action_owner_candidates`, so they are people the services
would accept. Everything is drawn from `random.Random(f"dialogue-{seed}")`.

Nothing to delete separately: meetings and actions cascade with their rounds, which the
socialkapital demo's `delete()` removes. Building twice does nothing the second time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kerneopgaver.models import CoreTask
from organisation.models import MedCommittee, OrgUnit, RoleAssignment, User
from socialkapital import demo as socialkapital_demo
from socialkapital.models import Action, ResultsDialogue, SurveyRound
from socialkapital.services.dialogue import LIVE_CORE_TASK_STATUSES, action_owner_candidates

ROUNDS = 2
LEADER_LOGIN = "leder"
MED_LOGIN = "med"

UNIT_THEMES = (
    "Vi gennemgik resultaterne for arbejdspladsen. Samarbejdet i teamet står stærkt, mens "
    "retfærdighed i fordelingen af opgaver og samarbejdet på tværs af teams scorer lavere. "
    "Vi talte om, hvad der ligger bag, og hvad vi selv kan gøre.",
    "Vi fulgte op på handlingerne fra sidste måling og så på udviklingen siden da. Tilliden "
    "mellem ledelse og medarbejdere er steget; samarbejdet med ledelsen om prioriteringer er "
    "stadig et tema.",
)
COMMITTEE_THEMES = (
    "Udvalget drøftede målingen for området som helhed og de arbejdspladser, hvor resultaterne "
    "skiller sig ud. Fokus på samarbejde på tværs og på fair fordeling af opgaver.",
    "Opfølgning på områdets handlinger og de nye resultater. Udvalget aftalte at dele gode "
    "erfaringer mellem arbejdspladserne.",
)
# (title, description, dimension) to draw from; the dimension ties the action to the results.
ACTION_IDEAS = (
    (
        "Fast punkt om opgavefordeling på personalemøder",
        "Hver måned ser vi på, hvordan opgaverne er fordelt, og om nogen har for meget.",
        "justice",
    ),
    (
        "Skyggedage hos et naboteam",
        "To medarbejdere pr. kvartal følger et andet team en dag og fortæller om det bagefter.",
        "bridging",
    ),
    (
        "Ledelsen deler prioriteringer og begrundelser",
        "Lederen fortæller på hvert personalemøde, hvad der er prioriteret og hvorfor.",
        "linking",
    ),
    (
        "Kollegial sparring om svære borgerforløb",
        "Fast sparring hver anden uge, så ingen står alene med de svære sager.",
        "horizontal_trust",
    ),
    (
        "Fælles drøftelse af kerneopgaven",
        "En temadag om, hvad vi er til for, og hvad borgerne selv bidrager med.",
        "core_task",
    ),
    (
        "Tydelige aftaler om tilbagemeldinger",
        "Ledelsen svarer på forslag fra medarbejderne inden for to uger.",
        "vertical_trust",
    ),
)


def _demo_rounds() -> list[SurveyRound]:
    """The two latest closed demo rounds, preferring those with results; oldest first."""
    root = socialkapital_demo.demo_root()
    if root is None:
        return []
    closed = SurveyRound.objects.filter(
        scope__path__startswith=root.path,
        status=SurveyRound.Status.CLOSED,
        min_group_size_agreed_by=socialkapital_demo.AGREED_BY,
    ).order_by("-closes_at", "-pk")
    rounds = list(closed.filter(results_version__gt=0)[:ROUNDS]) or list(closed[:ROUNDS])
    return rounds[::-1]


def _login_unit() -> tuple[User | None, OrgUnit | None]:
    leader = User.objects.filter(username=LEADER_LOGIN, is_active=True).first()
    if leader is None:
        return None, None
    assignment = (
        RoleAssignment.objects.filter(user=leader, role=RoleAssignment.Role.LEADER)
        .select_related("unit")
        .order_by("unit__path")
        .first()
    )
    return leader, assignment.unit if assignment else None


def _login_committee() -> tuple[User | None, MedCommittee | None]:
    member = User.objects.filter(username=MED_LOGIN, is_active=True).first()
    if member is None:
        return None, None
    committee = (
        MedCommittee.objects.filter(memberships__user=member, active=True)
        .order_by("level", "pk")
        .first()
    )
    return member, committee


class _Builder:
    def __init__(self, *, seed: int) -> None:
        self.rng = random.Random(f"dialogue-{seed}")
        self.today = timezone.localdate()
        self.core_tasks = list(
            CoreTask.objects.filter(status__in=LIVE_CORE_TASK_STATUSES).order_by("pk")
        )
        self.ideas = list(ACTION_IDEAS)
        self.rng.shuffle(self.ideas)
        self.counts = {"dialogues": 0, "actions": 0}

    def build(self, rounds: list[SurveyRound]) -> None:
        leader, unit = _login_unit()
        if unit is not None:
            owners = list(action_owner_candidates(unit=unit))
            self.build_for(rounds, owners, login=leader, unit=unit, themes=UNIT_THEMES)
        member, committee = _login_committee()
        if committee is not None:
            owners = list(action_owner_candidates(committee=committee))
            self.build_for(
                rounds, owners, login=member, committee=committee, themes=COMMITTEE_THEMES
            )

    def build_for(
        self,
        rounds: list[SurveyRound],
        owners: list[User],
        *,
        login: User | None,
        themes: tuple[str, ...],
        unit: OrgUnit | None = None,
        committee: MedCommittee | None = None,
    ) -> None:
        if not owners:
            return
        latest = len(rounds) - 1
        for number, survey_round in enumerate(rounds):
            closed_on = timezone.localdate(survey_round.closed_at or survey_round.closes_at)
            held_on = min(closed_on + timedelta(days=self.rng.randint(10, 30)), self.today)
            dialogue = ResultsDialogue.objects.create(
                round=survey_round,
                unit=unit,
                committee=committee,
                held_on=held_on,
                themes=themes[min(number, len(themes) - 1)],
                created_by=login,
            )
            self.counts["dialogues"] += 1
            if number < latest:
                # The older round: one done, one still in progress and overdue.
                self.action(dialogue, owners, login, status=Action.Status.DONE, days=(60, 120))
                self.action(
                    dialogue, owners, login, status=Action.Status.IN_PROGRESS, days=(60, 120)
                )
            else:
                self.action(dialogue, owners, login, status=Action.Status.PLANNED, future=True)
                self.action(dialogue, owners, login, status=Action.Status.IN_PROGRESS, future=True)

    def action(
        self,
        dialogue: ResultsDialogue,
        owners: list[User],
        login: User | None,
        *,
        status: str,
        days: tuple[int, int] = (60, 120),
        future: bool = False,
    ) -> None:
        title, description, dimension = self.ideas[self.counts["actions"] % len(self.ideas)]
        due_on = dialogue.held_on + timedelta(days=self.rng.randint(*days))
        if future:
            due_on = max(due_on, self.today + timedelta(days=self.rng.randint(30, 120)))
        elif status != Action.Status.DONE:
            # Overdue: past its due date, and the date is before today whatever today is.
            due_on = min(due_on, self.today - timedelta(days=self.rng.randint(7, 30)))
            due_on = max(due_on, dialogue.held_on)
        completed_on: date | None = None
        if status == Action.Status.DONE:
            completed_on = min(due_on - timedelta(days=self.rng.randint(0, 20)), self.today)
            completed_on = max(completed_on, dialogue.held_on)
        # The login owns the first action of each meeting, so the demo shows "your actions".
        owner = login if login in owners and self.counts["actions"] % 2 == 0 else None
        owner = owner or self.rng.choice(owners)
        core_task = (
            self.rng.choice(self.core_tasks)
            if self.core_tasks and self.rng.random() < 0.5
            else None
        )
        Action.objects.create(
            round_id=dialogue.round_id,
            dialogue=dialogue,
            unit=dialogue.unit,
            committee=dialogue.committee,
            title=title,
            description=description,
            dimension=dimension,
            core_task=core_task,
            owner=owner,
            due_on=due_on,
            status=status,
            completed_on=completed_on,
            # Never e-mailed: the demo's owners were "told" at the meeting.
            owner_notified_at=timezone.now(),
            created_by=login,
        )
        self.counts["actions"] += 1


def build_dialogue_demo(*, seed: int) -> str:
    """Record the demo's meetings and actions; nothing when they exist or the rounds do not."""
    rounds = _demo_rounds()
    if not rounds:
        return "no closed demo rounds: no meetings or actions"
    if ResultsDialogue.objects.filter(round__in=rounds).exists():
        return "meetings and actions kept"
    builder = _Builder(seed=seed)
    with transaction.atomic():
        builder.build(rounds)
    return f"{builder.counts['dialogues']} meetings with {builder.counts['actions']} actions"
