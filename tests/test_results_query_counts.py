"""The dashboards issue a number of queries that does not grow with the number of units
(DESIGN.md, "Performance targets"): the same count for a small and a larger tree, with a cold
cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisation.models import OrgUnit, RoleAssignment
from socialkapital.services.aggregation import aggregate_round
from tests.factories import UserFactory, add_responses, assign, closed_round, unit

pytestmark = pytest.mark.django_db


def municipality(name: str, workplaces: int) -> tuple[Client, OrgUnit]:
    """A municipality with one directorate, one area and `workplaces` workplaces with three
    responses each, counted; and a client signed in as its top leader."""
    root = unit(name, kind=OrgUnit.Kind.MUNICIPALITY)
    directorate = unit(f"{name} direktørområde", parent=root, kind=OrgUnit.Kind.DIRECTORATE)
    area = unit(f"{name} område", parent=directorate, kind=OrgUnit.Kind.AREA)
    survey = closed_round(root, k=3, name=f"Runde {name}")
    for number in range(workplaces):
        workplace = unit(f"{name} arbejdsplads {number}", parent=area)
        add_responses(survey, workplace, 3, value=lambda i, item, n=number: 1 + (i + n) % 5)
    aggregate_round(round_id=survey.pk)
    top = UserFactory(username=f"direktør-{name}")
    assign(top, RoleAssignment.Role.LEADER, root)
    client = Client()
    client.force_login(top)
    area.refresh_from_db()
    return client, area


def queries_for(client: Client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_dashboards_issue_as_many_queries_for_40_workplaces_as_for_5() -> None:
    small, small_area = municipality("Lilleby", 5)
    large, large_area = municipality("Storeby", 40)
    index = reverse("socialkapital:index")
    overview = reverse("socialkapital:overview")
    assert queries_for(small, index) == queries_for(large, index)
    assert queries_for(small, index + "?sort=-index") == queries_for(large, index + "?sort=-index")
    assert queries_for(small, overview) == queries_for(large, overview)
    small_unit = reverse("socialkapital:unit_results", args=[small_area.pk])
    large_unit = reverse("socialkapital:unit_results", args=[large_area.pk])
    assert queries_for(small, small_unit) == queries_for(large, large_unit)


def heatmap_reads(captured: CaptureQueriesContext) -> int:
    prefix = 'SELECT "socialkapital_result"."unit_id" AS "unit_id", "organisation_orgunit"."name"'
    return sum(query["sql"].startswith(prefix) for query in captured)


def test_the_heatmap_is_read_in_one_query_and_then_comes_from_the_cache() -> None:
    client, _area = municipality("Mellemby", 8)
    index = reverse("socialkapital:index")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(index).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(index).status_code == 200
    assert (heatmap_reads(cold), heatmap_reads(warm)) == (1, 0)


def test_a_second_leader_of_the_same_area_gets_the_page_from_the_cache() -> None:
    first, _area = municipality("Tvillingby", 6)
    index = reverse("socialkapital:index")
    cache.clear()
    assert first.get(index).status_code == 200
    root = OrgUnit.objects.get(name="Tvillingby")
    colleague = UserFactory(username="direktør-2-Tvillingby")
    assign(colleague, RoleAssignment.Role.LEADER, root)
    second = Client()
    second.force_login(colleague)
    with CaptureQueriesContext(connection) as captured:
        assert second.get(index).status_code == 200
    assert heatmap_reads(captured) == 0


def test_a_made_up_round_parameter_does_not_render_the_page_again() -> None:
    client, _area = municipality("Gætteby", 4)
    index = reverse("socialkapital:index")
    cache.clear()
    assert client.get(index).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        for wanted in ("999999", "abc", "-1"):
            assert client.get(index, {"runde": wanted}).status_code == 200
    assert heatmap_reads(captured) == 0
