"""The kerneopgaver part of `manage.py seed_demo`: vision, core tasks and what follows them.

Other engineers build the pages at the same time, so these tests look at the database only.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from pytest_django.fixtures import Settings

from kerneopgaver import demo as kerneopgaver_demo
from kerneopgaver.models import (
    CommunityNote,
    Contribution,
    CoreTask,
    CoreTaskChange,
    DialogueInput,
    EffectIndicator,
    IndicatorValue,
    Vision,
)
from organisation import demo
from organisation.models import LeadershipCommunity, OrgUnit, User

pytestmark = pytest.mark.django_db

EMPLOYEES = 200


@pytest.fixture(autouse=True)
def debug(settings: Settings) -> None:
    # The demo logins exist only with DEBUG; several tests are about what they see.
    settings.DEBUG = True


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", employees=EMPLOYEES, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Vision,
            CoreTask,
            CoreTaskChange,
            Contribution,
            EffectIndicator,
            IndicatorValue,
            DialogueInput,
            CommunityNote,
        )
    }


def delete_kerneopgaver_rows() -> None:
    """What a demo database built before the core tasks existed looks like (governance, which
    is justified by core tasks, came later still)."""
    from styring.models import Instrument

    Instrument.objects.all().delete()
    CommunityNote.objects.all().delete()
    CoreTask.objects.all().delete()
    Vision.objects.all().delete()


# --- Vision -----------------------------------------------------------------------------------


def test_the_current_vision_is_adopted_with_a_council_decision() -> None:
    seed()
    current = Vision.objects.current()
    assert current is not None
    assert current.adopted_on.year == 2025
    assert current.council_decision.startswith("Byrådet")
    assert len(current.narrative) > 300


def test_an_earlier_adopted_version_of_the_vision_stays() -> None:
    seed()
    versions = list(Vision.objects.adopted())
    assert len(versions) == 2
    assert versions[1].adopted_on < versions[0].adopted_on
    assert versions[1].version < versions[0].version
    assert all(version.council_decision for version in versions)


# --- Core tasks -------------------------------------------------------------------------------


def test_it_builds_five_core_tasks_with_substantial_definitions() -> None:
    seed()
    tasks = list(CoreTask.objects.all())
    assert len(tasks) == 5
    for task in tasks:
        assert len(task.purpose) > 150, task
        assert len(task.desired_effect) > 150, task
        assert task.citizen_contribution, task
        assert task.partners, task
        assert task.political_owner.endswith("udvalget"), task
        assert task.administrative_owner is not None, task


def test_four_core_tasks_are_adopted_with_a_date_and_a_council_decision() -> None:
    seed()
    adopted = CoreTask.objects.adopted()
    assert adopted.count() == 4
    for task in adopted:
        assert task.adopted_on <= timezone.localdate()
        assert task.council_decision.startswith("Byrådet")
        assert not task.citizen_consultation


def test_one_core_task_is_in_dialogue_and_open_for_citizens_consultation() -> None:
    seed()
    task = CoreTask.objects.get(status=CoreTask.Status.IN_DIALOGUE)
    assert list(CoreTask.objects.open_for_consultation()) == [task]
    assert task.adopted_on is None
    assert task.council_decision == ""


def test_administrative_owners_are_directors_of_the_demo() -> None:
    seed()
    root = OrgUnit.objects.get(external_id=demo.ROOT_EXTERNAL_ID)
    for task in CoreTask.objects.select_related("administrative_owner"):
        led = task.administrative_owner.role_assignments.get(role="leader").unit
        assert led.depth <= root.depth + 1, task


def test_core_tasks_depend_on_each_other() -> None:
    seed()
    with_dependencies = CoreTask.objects.annotate(n=Count("depends_on")).filter(n__gt=0)
    assert with_dependencies.count() >= 3
    assert CoreTask.objects.filter(dependents__isnull=False).distinct().count() >= 2
    for task in CoreTask.objects.all():
        assert task not in task.depends_on.all()


def test_several_units_contribute_to_each_core_task_each_saying_how() -> None:
    seed()
    for task in CoreTask.objects.all():
        contributions = list(task.contributions.select_related("unit"))
        assert len(contributions) >= 3, task
        assert all(contribution.how for contribution in contributions), task
        assert all(contribution.updated_by_id for contribution in contributions), task


# --- Indicators -------------------------------------------------------------------------------


def test_each_core_task_has_three_to_five_indicators_with_twelve_values() -> None:
    seed()
    for task in CoreTask.objects.all():
        indicators = list(task.indicators.annotate(n=Count("values")))
        assert 3 <= len(indicators) <= 5, task
        assert all(indicator.n == 12 for indicator in indicators), task


def test_no_indicator_value_lies_in_the_future_and_the_last_is_a_recent_quarter() -> None:
    seed()
    today = timezone.localdate()
    periods = sorted(set(IndicatorValue.objects.values_list("period", flat=True)))
    assert len(periods) == 12
    assert periods[-1] < today
    assert (today - periods[-1]).days <= 92
    assert all(period.month in {3, 6, 9, 12} for period in periods)
    assert not IndicatorValue.objects.filter(period__gt=today).exists()
    assert not EffectIndicator.objects.filter(baseline_period__gte=periods[0]).exists()


def test_indicators_mix_population_indicators_and_the_three_kinds_of_unit_measures() -> None:
    seed()
    assert EffectIndicator.objects.filter(kind=EffectIndicator.Kind.POPULATION).exists()
    measure_types = set(
        EffectIndicator.objects.filter(kind=EffectIndicator.Kind.UNIT_MEASURE).values_list(
            "measure_type", flat=True
        )
    )
    assert measure_types == set(EffectIndicator.MeasureType.values)
    assert not EffectIndicator.objects.filter(
        kind=EffectIndicator.Kind.UNIT_MEASURE, unit__isnull=True
    ).exists()
    sources = set(EffectIndicator.objects.values_list("data_source", flat=True))
    assert {"Danmarks Statistik", "Den nationale trivselsmåling", "Jobindsats.dk"} <= sources


def test_most_indicators_have_a_target_and_some_are_on_track_and_some_off() -> None:
    seed()
    indicators = list(EffectIndicator.objects.all())
    with_target = [indicator for indicator in indicators if indicator.target_value is not None]
    assert len(with_target) > len(indicators) / 2
    assert all(indicator.target_date.year in {2027, 2028} for indicator in with_target)
    on_track = 0
    for indicator in with_target:
        latest = indicator.values.order_by("-period").first().value
        better = (
            latest >= indicator.target_value
            if indicator.direction == EffectIndicator.Direction.UP
            else latest <= indicator.target_value
        )
        on_track += better
    assert 0 < on_track < len(with_target)


def test_some_periods_tell_the_story_behind_the_curve() -> None:
    seed()
    assert IndicatorValue.objects.exclude(story="").count() >= 5


# --- Dialogue and history ---------------------------------------------------------------------


def test_inputs_on_adopted_core_tasks_all_have_an_outcome_with_a_reason() -> None:
    seed()
    inputs = DialogueInput.objects.filter(core_task__status=CoreTask.Status.ADOPTED)
    assert inputs.count() >= 8
    assert not inputs.filter(outcome=DialogueInput.Outcome.OPEN).exists()
    assert not inputs.filter(outcome_reason="").exists()
    assert inputs.filter(outcome=DialogueInput.Outcome.TAKEN_IN).exists()
    assert inputs.filter(outcome=DialogueInput.Outcome.NOT_TAKEN_IN).exists()
    channels = set(inputs.values_list("channel", flat=True))
    assert channels == {"employee", "leader", "politician"}
    assert not inputs.filter(author__isnull=True).exists()


def test_the_task_in_dialogue_has_open_inputs_and_approved_and_pending_citizen_inputs() -> None:
    seed()
    task = CoreTask.objects.get(status=CoreTask.Status.IN_DIALOGUE)
    signed_in = task.inputs.exclude(channel=DialogueInput.Channel.CITIZEN)
    assert signed_in.filter(outcome=DialogueInput.Outcome.OPEN).count() >= 3
    citizens = task.inputs.filter(channel=DialogueInput.Channel.CITIZEN, author__isnull=True)
    approved = citizens.shown()
    assert approved.count() == 2
    assert sorted(bool(row.author_name) for row in approved) == [False, True]
    assert all(row.moderated_by_id and row.moderated_at for row in approved)
    assert citizens.awaiting_moderation().count() == 2


def test_dialogue_inputs_were_received_in_the_past() -> None:
    seed()
    assert not DialogueInput.objects.filter(created_at__gt=timezone.now()).exists()


def test_the_history_tells_how_each_adopted_task_came_about() -> None:
    seed()
    for task in CoreTask.objects.adopted():
        changes = list(task.changes.order_by("created_at"))
        assert changes[0].kind == CoreTaskChange.Kind.CREATED
        assert changes[-1].kind == CoreTaskChange.Kind.STATUS
        assert changes[-1].changes["status"] == {"from": "in_dialogue", "to": "adopted"}
        assert all(change.author_id for change in changes)
        edit = task.changes.get(kind=CoreTaskChange.Kind.EDITED)
        assert edit.changes["desired_effect"]["to"] == task.desired_effect
        assert edit.changes["desired_effect"]["from"] != task.desired_effect
        assert edit.inputs.exists()
        assert not edit.inputs.exclude(outcome=DialogueInput.Outcome.TAKEN_IN).exists()
        assert changes[0].created_at.date() < task.adopted_on


def test_the_history_of_the_task_in_dialogue_shows_it_was_sent_into_dialogue() -> None:
    seed()
    task = CoreTask.objects.get(status=CoreTask.Status.IN_DIALOGUE)
    move = task.changes.get(kind=CoreTaskChange.Kind.STATUS)
    assert move.changes["status"] == {"from": "draft", "to": "in_dialogue"}
    assert move.author == task.administrative_owner


# --- The demo logins --------------------------------------------------------------------------


def test_the_leader_login_leads_a_contributing_area_and_owns_no_core_task() -> None:
    seed()
    leader = User.objects.get(username="leder")
    assert Contribution.objects.filter(unit=leader.home_unit).exists()
    assert not CoreTask.objects.filter(administrative_owner=leader).exists()


def test_the_employee_logins_workplace_contributes_to_a_core_task() -> None:
    seed()
    employee = User.objects.get(username="medarbejder")
    workplace = employee.home_unit
    if workplace.kind == OrgUnit.Kind.TEAM:
        workplace = OrgUnit.objects.get(path=workplace.path[: -OrgUnit.steplen])
    assert workplace.kind == OrgUnit.Kind.WORKPLACE
    assert Contribution.objects.filter(unit=workplace).exclude(how="").exists()


def test_the_politician_login_has_inputs_on_adopted_core_tasks() -> None:
    seed()
    politician = User.objects.get(username="politiker")
    assert DialogueInput.objects.filter(author=politician, channel="politician").exists()


def test_the_leadership_community_follows_two_core_tasks_and_shares_notes_with_links() -> None:
    seed()
    community = LeadershipCommunity.objects.get(name=demo.COMMUNITY_NAME)
    assert community.core_tasks.count() == 2
    notes = list(community.notes.all())
    assert len(notes) >= 2
    assert all(note.author in community.members.all() for note in notes)
    links = [note.link for note in notes if note.link]
    assert links
    assert all(link.startswith("https://example.org/") for link in links)


# --- Running seed_demo again ------------------------------------------------------------------


def test_the_command_says_it_built_the_core_tasks() -> None:
    output = seed()
    assert f"Built the demo's {kerneopgaver_demo.EXTENSION_NAME}" in output


def test_a_second_run_keeps_the_core_tasks_and_says_so() -> None:
    seed()
    before = counts()
    ids = set(CoreTask.objects.values_list("pk", flat=True))
    output = seed()
    assert "kept them unchanged" in output
    assert counts() == before
    assert set(CoreTask.objects.values_list("pk", flat=True)) == ids


def test_reset_rebuilds_the_core_tasks_with_the_same_counts() -> None:
    seed()
    before = counts()
    old_ids = set(CoreTask.objects.values_list("pk", flat=True))
    seed(reset=True)
    assert counts() == before
    assert not old_ids & set(CoreTask.objects.values_list("pk", flat=True))


def test_the_same_seed_gives_the_same_indicator_values() -> None:
    seed()
    first = list(IndicatorValue.objects.values_list("indicator__name", "period", "value"))
    seed(reset=True)
    again = list(IndicatorValue.objects.values_list("indicator__name", "period", "value"))
    assert first == again


def test_an_older_demo_without_core_tasks_gets_them_on_the_next_run() -> None:
    seed()
    expected = counts()
    delete_kerneopgaver_rows()
    units = OrgUnit.objects.count()
    output = seed()
    assert "already exists" in output  # the municipality itself is kept
    assert f"Built the demo's {kerneopgaver_demo.EXTENSION_NAME}" in output
    assert OrgUnit.objects.count() == units
    assert counts() == expected


def test_reset_deletes_core_tasks_owned_by_the_demos_people() -> None:
    seed()
    owner = CoreTask.objects.first().administrative_owner
    CoreTask.objects.create(
        title="En kerneopgave skrevet i demoen",
        purpose="Formål",
        desired_effect="Effekt",
        administrative_owner=owner,
    )
    seed(reset=True)
    assert not CoreTask.objects.filter(title="En kerneopgave skrevet i demoen").exists()
    assert CoreTask.objects.count() == 5


def test_deleting_the_extension_without_the_demo_municipality_touches_nothing() -> None:
    task = CoreTask.objects.create(
        title=kerneopgaver_demo.TASK_TITLES[0], purpose="Formål", desired_effect="Effekt"
    )
    kerneopgaver_demo.delete()
    assert CoreTask.objects.filter(pk=task.pk).exists()


def test_the_kerneopgaver_extension_is_registered_with_the_organisation_demo() -> None:
    names = [extension.name for extension in demo.registered_extensions()]
    assert kerneopgaver_demo.EXTENSION_NAME in names


def test_without_the_demo_logins_the_core_tasks_are_built_all_the_same(
    settings: Settings,
) -> None:
    settings.DEBUG = False
    seed()
    assert CoreTask.objects.count() == 5
    assert DialogueInput.objects.filter(channel="politician", author__isnull=True).exists()
    assert not User.objects.filter(username__in=demo.DEMO_USERNAMES).exists()
