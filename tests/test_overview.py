"""The overview of core tasks, its filters, the printable version and the public front page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kerneopgaver.models import CoreTask, EffectIndicator, IndicatorValue
from organisation.models import User

pytestmark = pytest.mark.django_db

Status = CoreTask.Status
TODAY = timezone.localdate()


def make_task(title: str, status: str = Status.ADOPTED, **fields) -> CoreTask:
    if status == Status.ADOPTED:
        fields.setdefault("adopted_on", TODAY)
    fields.setdefault("purpose", f"Formål med {title}")
    fields.setdefault("desired_effect", f"Effekt af {title}")
    return CoreTask.objects.create(title=title, status=status, **fields)


def add_indicator(task: CoreTask, name: str, *, target: int | None, latest: int | None) -> None:
    indicator = EffectIndicator.objects.create(
        core_task=task,
        name=name,
        kind=EffectIndicator.Kind.POPULATION,
        data_source="Danmarks Statistik",
        baseline_value=50,
        baseline_period=TODAY - datetime.timedelta(days=730),
        direction=EffectIndicator.Direction.UP,
        target_value=target,
    )
    if latest is not None:
        IndicatorValue.objects.create(indicator=indicator, period=TODAY, value=latest)


@pytest.fixture
def tasks(org) -> dict[str, CoreTask]:
    return {
        "adopted": make_task("Trygge børn", political_owner="Børneudvalget"),
        "dialogue": make_task(
            "Sund aldring", status=Status.IN_DIALOGUE, political_owner="Sundhedsudvalget"
        ),
        "draft": make_task("Hemmelig kladde", status=Status.DRAFT),
    }


def titles(response) -> list[str]:
    return [row.core_task.title for row in response.context["rows"]]


def test_anonymous_visitors_see_only_adopted_core_tasks(client, tasks) -> None:
    response = client.get("/kerneopgaver/")
    assert response.status_code == 200
    assert titles(response) == ["Trygge børn"]
    front = client.get("/").content.decode()
    assert "Trygge børn" in front
    assert "Sund aldring" not in front
    assert "Hemmelig kladde" not in front


def test_a_politician_sees_adopted_and_in_dialogue_but_not_drafts(
    client_for, politician: User, tasks
) -> None:
    assert titles(client_for(politician).get("/kerneopgaver/")) == ["Sund aldring", "Trygge børn"]


def test_hr_sees_every_core_task_and_a_link_to_create_one(client_for, hr: User, tasks) -> None:
    response = client_for(hr).get("/kerneopgaver/")
    assert len(titles(response)) == 3
    assert 'href="/kerneopgaver/ny/"' in response.content.decode()


def test_a_politician_gets_no_link_to_create_a_core_task(
    client_for, politician: User, tasks
) -> None:
    response = client_for(politician).get("/kerneopgaver/")
    assert 'href="/kerneopgaver/ny/"' not in response.content.decode()


def test_the_overview_filters_by_status_owner_and_words(
    client_for, politician: User, tasks
) -> None:
    client = client_for(politician)
    assert titles(client.get("/kerneopgaver/", {"status": "in_dialogue"})) == ["Sund aldring"]
    assert titles(client.get("/kerneopgaver/", {"political_owner": "Børneudvalget"})) == [
        "Trygge børn"
    ]
    assert titles(client.get("/kerneopgaver/", {"q": "effekt aldring"})) == ["Sund aldring"]
    assert titles(client.get("/kerneopgaver/", {"q": "findes ikke"})) == []


def test_a_filter_for_a_status_the_user_cannot_see_shows_nothing_hidden(client, tasks) -> None:
    assert titles(client.get("/kerneopgaver/", {"status": "draft"})) == ["Trygge børn"]


def test_an_htmx_request_gets_only_the_results(client_for, politician: User, tasks) -> None:
    response = client_for(politician).get(
        "/kerneopgaver/", {"status": "adopted"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results"')
    assert "Trygge børn" in page
    assert "Sund aldring" not in page


def test_the_overview_counts_indicators_by_status(client, tasks) -> None:
    task = tasks["adopted"]
    add_indicator(task, "Trivsel", target=60, latest=70)
    add_indicator(task, "Fravær", target=60, latest=40)
    add_indicator(task, "Læsning", target=None, latest=55)
    add_indicator(task, "Sprog", target=60, latest=None)
    row = client.get("/kerneopgaver/").context["rows"][0]
    counts = {status: count for status, _label, count in row.indicators.counts}
    assert row.indicators.total == 4
    assert counts == {"on_track": 1, "off_track": 1, "no_target": 1, "no_values": 1}


def test_the_print_version_lists_each_core_task_with_purpose_effect_and_indicators(
    client, tasks
) -> None:
    add_indicator(tasks["adopted"], "Trivsel", target=60, latest=70)
    response = client.get("/kerneopgaver/print/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Formål med Trygge børn" in page
    assert "Effekt af Trygge børn" in page
    assert "Trivsel" in page
    assert "Hemmelig kladde" not in page
    assert 'media="print"' in page
