"""Effect indicators: status computation, who may create, edit and enter values, the value form,
history, the hub-page panel and its warning, and the query count of `indicators_with_status`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kerneopgaver import services
from kerneopgaver.indicator_views import indicators_panel
from kerneopgaver.indicators import (
    indicator_status,
    indicators_with_status,
    parse_decimal,
    parse_period,
)
from kerneopgaver.models import CoreTask, CoreTaskChange, EffectIndicator, IndicatorValue
from kerneopgaver.panels import hub_panels
from organisation.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = EffectIndicator.Status
UP = EffectIndicator.Direction.UP
DOWN = EffectIndicator.Direction.DOWN


def make_core_task(
    *, status: str = CoreTask.Status.ADOPTED, owner: User | None = None, title: str = "Trivsel"
) -> CoreTask:
    return CoreTask.objects.create(
        title=title,
        purpose="Børn trives",
        desired_effect="Flere børn trives i dagtilbud",
        status=status,
        adopted_on=date(2024, 1, 15) if status == CoreTask.Status.ADOPTED else None,
        administrative_owner=owner,
    )


def make_indicator(core_task: CoreTask, **fields: Any) -> EffectIndicator:
    values = {
        "name": "Andel børn der trives",
        "kind": EffectIndicator.Kind.POPULATION,
        "data_source": "Trivselsmåling",
        "unit_label": "%",
        "baseline_value": Decimal("60"),
        "baseline_period": date(2020, 12, 31),
        "direction": UP,
        "target_value": Decimal("80"),
        "target_date": date(2030, 12, 31),
    }
    values.update(fields)
    return EffectIndicator.objects.create(core_task=core_task, **values)


def add_value(indicator: EffectIndicator, period: date, value: str, story: str = "") -> None:
    IndicatorValue.objects.create(
        indicator=indicator, period=period, value=Decimal(value), story=story
    )


def latest(value: str, period: date = date(2025, 12, 31)) -> IndicatorValue:
    return IndicatorValue(period=period, value=Decimal(value))


@pytest.fixture
def owner(org: Any) -> User:
    return UserFactory(username="ejer", name="Eva Ejer", home_unit=org.root)


@pytest.fixture
def core_task(owner: User) -> CoreTask:
    return make_core_task(owner=owner)


@pytest.fixture
def indicator(core_task: CoreTask) -> EffectIndicator:
    return make_indicator(core_task)


# --- Status ---------------------------------------------------------------------------------
# Baseline 60 at the end of 2020, target 80 at the end of 2030 (up) or 40 (down): halfway, at
# the end of 2025, the straight line is at 70 (up) or 50 (down).


def status_of(direction: str, value: str | None, **fields: Any) -> str:
    values = {
        "name": "x",
        "direction": direction,
        "baseline_value": Decimal("60"),
        "baseline_period": date(2020, 12, 31),
        "target_value": Decimal("80") if direction == UP else Decimal("40"),
        "target_date": date(2030, 12, 31),
    }
    values.update(fields)
    indicator = EffectIndicator(**values)
    return indicator_status(indicator, None if value is None else latest(value))


@pytest.mark.parametrize("direction", [UP, DOWN])
def test_an_indicator_without_values_has_no_values_yet(direction: str) -> None:
    assert status_of(direction, None) == Status.NO_VALUES


@pytest.mark.parametrize("direction", [UP, DOWN])
def test_an_indicator_without_a_target_has_no_target(direction: str) -> None:
    assert status_of(direction, "65", target_value=None) == Status.NO_TARGET


@pytest.mark.parametrize(
    ("direction", "value"), [(UP, "80"), (UP, "85"), (DOWN, "40"), (DOWN, "35")]
)
def test_a_reached_target_is_on_track(direction: str, value: str) -> None:
    assert status_of(direction, value) == Status.ON_TRACK


@pytest.mark.parametrize(
    ("direction", "value"), [(UP, "70"), (UP, "72"), (DOWN, "50"), (DOWN, "45")]
)
def test_a_value_on_or_better_than_the_line_from_baseline_to_target_is_on_track(
    direction: str, value: str
) -> None:
    assert status_of(direction, value) == Status.ON_TRACK


@pytest.mark.parametrize(
    ("direction", "value"), [(UP, "69"), (UP, "55"), (DOWN, "51"), (DOWN, "65")]
)
def test_a_value_behind_the_line_from_baseline_to_target_is_off_track(
    direction: str, value: str
) -> None:
    assert status_of(direction, value) == Status.OFF_TRACK


@pytest.mark.parametrize(("direction", "value"), [(UP, "79"), (DOWN, "41")])
def test_without_a_target_date_an_unreached_target_is_off_track(direction: str, value: str) -> None:
    assert status_of(direction, value, target_date=None) == Status.OFF_TRACK


def test_indicators_with_status_gives_the_latest_value_of_each_indicator(
    core_task: CoreTask,
) -> None:
    first = make_indicator(core_task, name="A")
    add_value(first, date(2023, 12, 31), "61")
    add_value(first, date(2025, 12, 31), "75")
    add_value(first, date(2024, 12, 31), "62")
    empty = make_indicator(core_task, name="B")
    other_task = make_core_task(title="Sundhed")
    summaries = indicators_with_status([core_task.pk, other_task.pk])
    by_name = {summary.indicator.name: summary for summary in summaries[core_task.pk]}
    assert by_name["A"].latest.value == Decimal("75")
    assert by_name["A"].status == Status.ON_TRACK
    assert by_name["B"].latest is None
    assert by_name["B"].status == Status.NO_VALUES
    assert summaries[other_task.pk] == []
    assert empty.pk == by_name["B"].indicator.pk


def _queries_for(core_task: CoreTask, count: int) -> int:
    for number in range(count):
        indicator = make_indicator(core_task, name=f"Indikator {number}")
        add_value(indicator, date(2023, 12, 31), "61")
        add_value(indicator, date(2024, 12, 31), "63")
    with CaptureQueriesContext(connection) as queries:
        summaries = indicators_with_status([core_task.pk])
        assert all(summary.latest is not None for summary in summaries[core_task.pk])
    return len(queries)


def test_indicators_with_status_needs_the_same_queries_for_two_and_six_indicators(
    owner: User,
) -> None:
    two = _queries_for(make_core_task(owner=owner, title="To"), 2)
    six = _queries_for(make_core_task(owner=owner, title="Seks"), 6)
    assert two == six == 2


# --- Reading numbers and periods ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,5", "12.5"), ("12.5", "12.5"), ("1.234,5", "1234.5"), ("-3", "-3"), (" 7 ", "7")],
)
def test_numbers_are_read_with_a_decimal_comma_or_point(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("31-03-2024", date(2024, 3, 31)),
        ("2024", date(2024, 12, 31)),
        ("2024-Q2", date(2024, 6, 30)),
        ("2024-q1", date(2024, 3, 31)),
        ("2024-02", date(2024, 2, 29)),
    ],
)
def test_periods_are_read_as_their_last_day(text: str, expected: date) -> None:
    assert parse_period(text) == expected


# --- Pages and permissions ------------------------------------------------------------------


def test_anonymous_visitors_see_the_indicator_of_an_adopted_core_task(
    client: Any, indicator: EffectIndicator
) -> None:
    response = client.get(reverse("kerneopgaver:indicator", args=[indicator.pk]))
    assert response.status_code == 200
    assert indicator.name in response.content.decode()


def test_anonymous_visitors_get_404_for_the_indicator_of_a_draft(client: Any, owner: User) -> None:
    draft = make_indicator(make_core_task(status=CoreTask.Status.DRAFT, owner=owner))
    assert client.get(reverse("kerneopgaver:indicator", args=[draft.pk])).status_code == 404


def test_the_owner_sees_the_indicator_of_their_draft(client_for: Any, owner: User) -> None:
    draft = make_indicator(make_core_task(status=CoreTask.Status.DRAFT, owner=owner))
    response = client_for(owner).get(reverse("kerneopgaver:indicator", args=[draft.pk]))
    assert response.status_code == 200


def test_a_leader_gets_404_when_adding_an_indicator_to_a_draft_they_cannot_see(
    client_for: Any, leader: User, owner: User
) -> None:
    draft = make_core_task(status=CoreTask.Status.DRAFT, owner=owner)
    response = client_for(leader).get(reverse("kerneopgaver:indicator_create", args=[draft.pk]))
    assert response.status_code == 404


def _indicator_post(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Fravær",
        "description": "",
        "kind": "unit_measure",
        "measure_type": "how_well",
        "unit": "",
        "data_source": "Lønsystemet",
        "unit_label": "dage",
        "baseline_value": "12,5",
        "baseline_period": "2022",
        "direction": "down",
        "target_value": "9",
        "target_date": "2027",
    }
    data.update(overrides)
    return data


def test_hr_adds_an_indicator_and_the_history_records_who(
    client_for: Any, hr: User, core_task: CoreTask
) -> None:
    response = client_for(hr).post(
        reverse("kerneopgaver:indicator_create", args=[core_task.pk]), _indicator_post()
    )
    created = EffectIndicator.objects.get(name="Fravær")
    assert response.status_code == 302
    assert response["Location"] == reverse("kerneopgaver:indicator", args=[created.pk])
    assert created.baseline_value == Decimal("12.5")
    assert created.baseline_period == date(2022, 12, 31)
    change = CoreTaskChange.objects.get(core_task=core_task)
    assert change.kind == CoreTaskChange.Kind.INDICATOR
    assert change.author == hr
    assert change.changes["name"] == {"from": None, "to": "Fravær"}


def test_the_owner_adds_an_indicator(client_for: Any, owner: User, core_task: CoreTask) -> None:
    client_for(owner).post(
        reverse("kerneopgaver:indicator_create", args=[core_task.pk]), _indicator_post()
    )
    assert core_task.indicators.filter(name="Fravær").exists()


@pytest.mark.parametrize("persona", ["politician", "leader", "employee"])
def test_others_cannot_add_an_indicator(
    client_for: Any, request: Any, persona: str, core_task: CoreTask
) -> None:
    user = request.getfixturevalue(persona)
    url = reverse("kerneopgaver:indicator_create", args=[core_task.pk])
    assert client_for(user).get(url).status_code == 403
    assert client_for(user).post(url, _indicator_post()).status_code == 403
    assert not core_task.indicators.exists()


def test_a_unit_measure_without_a_type_is_refused_next_to_the_field(
    client_for: Any, hr: User, core_task: CoreTask
) -> None:
    response = client_for(hr).post(
        reverse("kerneopgaver:indicator_create", args=[core_task.pk]),
        _indicator_post(measure_type=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["measure_type"]
    assert not core_task.indicators.exists()


def test_a_population_indicator_drops_a_measure_type(
    client_for: Any, hr: User, core_task: CoreTask
) -> None:
    client_for(hr).post(
        reverse("kerneopgaver:indicator_create", args=[core_task.pk]),
        _indicator_post(kind="population"),
    )
    assert core_task.indicators.get().measure_type == ""


def test_editing_an_indicator_records_what_changed(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    url = reverse("kerneopgaver:indicator_edit", args=[indicator.pk])
    assert client_for(owner).get(url).status_code == 200
    data = _indicator_post(
        name=indicator.name, kind="population", measure_type="", direction="up", target_value="85"
    )
    response = client_for(owner).post(url, data)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("85")
    change = CoreTaskChange.objects.get(core_task=indicator.core_task)
    assert change.author == owner
    assert change.changes["target_value"] == {"from": "80", "to": "85"}


def test_a_politician_cannot_edit_an_indicator(
    client_for: Any, politician: User, indicator: EffectIndicator
) -> None:
    url = reverse("kerneopgaver:indicator_edit", args=[indicator.pk])
    assert client_for(politician).get(url).status_code == 403


# --- Values by hand -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["hr", "owner"])
def test_hr_and_the_owner_add_a_value(
    client_for: Any, request: Any, persona: str, indicator: EffectIndicator
) -> None:
    user = request.getfixturevalue(persona)
    response = client_for(user).post(
        reverse("kerneopgaver:indicator_value_add", args=[indicator.pk]),
        {"period": "2023", "value": "64,5", "story": "Ny indsats i vuggestuerne"},
    )
    assert response.status_code == 302
    value = indicator.values.get()
    assert (value.period, value.value, value.story) == (
        date(2023, 12, 31),
        Decimal("64.5"),
        "Ny indsats i vuggestuerne",
    )
    assert value.entered_by == user
    assert CoreTaskChange.objects.get(core_task=indicator.core_task).author == user


@pytest.mark.parametrize("persona", ["politician", "leader"])
def test_a_politician_or_leader_cannot_add_a_value(
    client_for: Any, request: Any, persona: str, indicator: EffectIndicator
) -> None:
    user = request.getfixturevalue(persona)
    response = client_for(user).post(
        reverse("kerneopgaver:indicator_value_add", args=[indicator.pk]),
        {"period": "2023", "value": "64"},
    )
    assert response.status_code == 403
    assert not indicator.values.exists()


def test_anonymous_visitors_are_sent_to_sign_in_before_adding_a_value(
    client: Any, indicator: EffectIndicator
) -> None:
    url = reverse("kerneopgaver:indicator_value_add", args=[indicator.pk])
    assert client.post(url, {"period": "2023", "value": "64"}).status_code == 302
    assert not indicator.values.exists()


def test_a_value_for_a_period_that_has_one_updates_it_and_says_so(
    client_for: Any, hr: User, indicator: EffectIndicator
) -> None:
    add_value(indicator, date(2023, 12, 31), "61")
    client = client_for(hr)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("kerneopgaver:indicator_value_add", args=[indicator.pk]),
        {"period": "31-12-2023", "value": "66"},
        follow=True,
    )
    assert indicator.values.get().value == Decimal("66")
    assert "already had a value; it was updated" in response.content.decode()


def test_a_future_period_is_refused_next_to_the_field(
    client_for: Any, hr: User, indicator: EffectIndicator
) -> None:
    tomorrow = date.today() + timedelta(days=2)
    response = client_for(hr).post(
        reverse("kerneopgaver:indicator_value_add", args=[indicator.pk]),
        {"period": tomorrow.isoformat(), "value": "64"},
    )
    assert response.status_code == 200
    assert response.context["value_form"].errors["period"]
    assert "form-error-message" in response.content.decode()
    assert not indicator.values.exists()


def test_a_value_that_is_not_a_number_is_refused_next_to_the_field(
    client_for: Any, hr: User, indicator: EffectIndicator
) -> None:
    response = client_for(hr).post(
        reverse("kerneopgaver:indicator_value_add", args=[indicator.pk]),
        {"period": "2023", "value": "mange"},
    )
    assert response.status_code == 200
    assert response.context["value_form"].errors["value"]
    assert not indicator.values.exists()


def test_the_service_refuses_a_future_period_too(hr: User, indicator: EffectIndicator) -> None:
    with translation.override("en"), pytest.raises(ValueError, match="not ended"):
        services.indicator_value_set(
            indicator=indicator,
            author=hr,
            period=date.today() + timedelta(days=40),
            value=Decimal(1),
            story="",
        )
    assert not indicator.values.exists()


def test_an_htmx_value_post_returns_only_the_values_section(
    client_for: Any, hr: User, indicator: EffectIndicator
) -> None:
    response = client_for(hr).post(
        reverse("kerneopgaver:indicator_value_add", args=[indicator.pk]),
        {"period": "2023", "value": "64"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="values"')
    assert "<svg" in content
    assert indicator.values.count() == 1


def test_the_value_form_is_shown_only_to_those_who_may_add_values(
    client_for: Any, politician: User, hr: User, indicator: EffectIndicator
) -> None:
    url = reverse("kerneopgaver:indicator", args=[indicator.pk])
    add_url = reverse("kerneopgaver:indicator_value_add", args=[indicator.pk])
    assert add_url not in client_for(politician).get(url).content.decode()
    assert add_url in client_for(hr).get(url).content.decode()


# --- The hub-page panel ---------------------------------------------------------------------


def _panel(user: User, core_task: CoreTask) -> dict[str, Any]:
    request = RequestFactory().get("/")
    request.user = user
    return indicators_panel(request, core_task)


def test_the_panel_is_registered_on_the_hub_page() -> None:
    assert "indicators" in [panel.name for panel in hub_panels.panels()]


def test_the_panel_shows_each_indicator_with_status_latest_value_and_chart(
    owner: User, core_task: CoreTask
) -> None:
    indicator = make_indicator(core_task, name="Trivsel i dagtilbud")
    add_value(indicator, date(2023, 12, 31), "62")
    add_value(indicator, date(2024, 12, 31), "71,5".replace(",", "."))
    request = RequestFactory().get("/")
    request.user = owner
    html = "".join(hub_panels.render(request, core_task))
    assert "Trivsel i dagtilbud" in html
    assert 'role="img"' in html
    assert "indicator-status-on_track" in html
    assert reverse("kerneopgaver:indicator_create", args=[core_task.pk]) in html


def test_the_panel_offers_adding_only_to_those_who_may(
    politician: User, owner: User, core_task: CoreTask
) -> None:
    assert _panel(owner, core_task)["can_manage"] is True
    assert _panel(politician, core_task)["can_manage"] is False


def test_the_panel_warns_when_a_core_task_has_more_than_five_indicators(
    owner: User, core_task: CoreTask
) -> None:
    for number in range(5):
        make_indicator(core_task, name=f"Indikator {number}")
    assert _panel(owner, core_task)["too_many"] is False
    make_indicator(core_task, name="Indikator 6")
    context = _panel(owner, core_task)
    assert context["too_many"] is True
    request = RequestFactory().get("/")
    request.user = owner
    assert "alert-warning" in "".join(hub_panels.render(request, core_task))


def test_the_create_form_warns_before_a_sixth_indicator_but_still_allows_it(
    client_for: Any, owner: User, core_task: CoreTask
) -> None:
    url = reverse("kerneopgaver:indicator_create", args=[core_task.pk])
    for number in range(4):
        make_indicator(core_task, name=f"Indikator {number}")
    assert "alert-warning" not in client_for(owner).get(url).content.decode()
    make_indicator(core_task, name="Indikator 5")
    assert "alert-warning" in client_for(owner).get(url).content.decode()
    assert client_for(owner).post(url, _indicator_post()).status_code == 302
    assert core_task.indicators.count() == 6
