"""The results dashboards: the leader's heatmap on /socialkapital/, a unit's results page, the
organisation overview and the core task hub's social-capital panel."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from kerneopgaver.models import Contribution, CoreTask
from organisation.models import RoleAssignment, User
from organisation.navigation import items_for
from socialkapital import queries
from socialkapital.hub_panel import core_task_results_panel
from socialkapital.services.aggregation import aggregate_round
from tests.factories import UserFactory, add_responses, assign, closed_round

pytestmark = pytest.mark.django_db


def agree(index: int, item: object) -> int:
    """Everyone agrees (reversed items: disagrees): a score of 75 everywhere."""
    return 2 if item.reverse_scored else 4


def strongly_agree(index: int, item: object) -> int:
    return 1 if item.reverse_scored else 5


def neutral(index: int, item: object) -> int:
    return 3


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    cache.clear()


@pytest.fixture
def results(org: SimpleNamespace) -> object:
    """A counted round over the municipality (k = 3): Solsikken 6 responses at 75, Mælkebøtten
    2 (hidden), Dagtilbud Nord's own 4 at 100 (hidden too, to protect Mælkebøtten), Gruppe 1
    5 at 50."""
    survey = closed_round(org.root, k=3, name="Efterår 2025")
    add_responses(survey, org.solsikken, 6, value=agree)
    add_responses(survey, org.maelkeboetten, 2, value=agree)
    add_responses(survey, org.nord, 4, value=strongly_agree)
    add_responses(survey, org.group, 5, value=neutral)
    aggregate_round(round_id=survey.pk)
    survey.refresh_from_db()
    return survey


def heatmap_units(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)" data-depth', html)]


def row_html(html: str, unit_id: int) -> str:
    match = re.search(rf'<tr data-unit="{unit_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for unit {unit_id}"
    return match.group(1)


def index_page(client, **params: str) -> str:
    client.cookies["django_language"] = "en"  # the assertions read the English texts
    response = client.get(reverse("socialkapital:index"), params)
    assert response.status_code == 200
    return response.content.decode()


# --- The heatmap ---------------------------------------------------------------------------


def test_the_leader_sees_the_units_of_their_area_in_tree_order(org, leader, results, client_for):
    html = index_page(client_for(leader))
    assert heatmap_units(html) == [org.nord.pk, org.solsikken.pk, org.maelkeboetten.pk]
    assert re.search(r"<td[^>]*hm-band-\d[^>]*><span class=\"hm-score\"[^>]*>75<", html)


def test_another_leader_does_not_see_them(org, other_leader, results, client_for):
    html = index_page(client_for(other_leader))
    assert heatmap_units(html) == [org.east.pk, org.group.pk]
    assert "Solsikken" not in html
    assert reverse("socialkapital:unit_results", args=[org.nord.pk]) not in html


def test_a_hidden_unit_shows_no_figures_only_that_it_is_hidden(org, hr, results, client_for):
    row = row_html(index_page(client_for(hr)), org.maelkeboetten.pk)
    assert "hidden: fewer than 3 responses" in row
    assert "hm-score" not in row
    assert not re.search(r"(?<!than )\d+ responses", row)
    assert ">75<" not in row  # the unit's mean
    assert not re.search(r"[^\d]2 responses", index_page(client_for(hr)))


def test_each_score_carries_n_and_the_confidence_interval_for_keyboard_and_screen_readers(
    org, hr, results, client_for
):
    row = row_html(index_page(client_for(hr)), org.group.pk)
    assert 'tabindex="0"' in row
    assert "5 responses, 95% confidence interval 50–50" in row


def test_sorting_by_a_column_puts_the_best_first_and_hidden_last(org, hr, results, client_for):
    units = heatmap_units(index_page(client_for(hr), sort="-index"))
    assert units[0] == org.children.pk or units[0] == org.nord.pk  # 83, the highest
    assert units[-1] == org.maelkeboetten.pk
    ascending = heatmap_units(index_page(client_for(hr), sort="index", niveau="4"))
    assert ascending == [org.group.pk, org.solsikken.pk, org.maelkeboetten.pk]


def test_the_level_filter_shows_one_level_of_the_tree(org, hr, results, client_for):
    units = heatmap_units(index_page(client_for(hr), niveau="3"))
    assert units == [org.nord.pk, org.east.pk]


def test_an_unknown_sort_or_level_falls_back_to_the_whole_tree(org, hr, results, client_for):
    units = heatmap_units(index_page(client_for(hr), sort="password", niveau="x"))
    assert len(units) == 8


def test_an_htmx_request_gets_the_heatmap_fragment_only(org, hr, results, client_for):
    response = client_for(hr).get(
        reverse("socialkapital:index"), {"sort": "name"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="heatmap"')
    assert "<html" not in html
    assert 'aria-sort="ascending"' in html
    assert "HX-Request" in response["Vary"]


def test_a_new_aggregation_is_shown_at_once_despite_the_cache(org, leader, results, client_for):
    client = client_for(leader)
    assert ">75<" in row_html(index_page(client), org.solsikken.pk)
    add_responses(results, org.solsikken, 6, value=strongly_agree)
    aggregate_round(round_id=results.pk)
    row = row_html(index_page(client), org.solsikken.pk)
    assert ">88<" in row  # (6 × 75 + 6 × 100) / 12 = 87.5, shown rounded half up


def test_the_rounds_section_is_shown_to_those_who_follow_surveys_only(
    leader, employee, results, client_for
):
    assert 'id="rounds-heading"' in index_page(client_for(leader))
    assert 'id="rounds-heading"' not in index_page(client_for(employee))


def test_an_employee_sees_their_own_workplace(org, employee, results, client_for):
    client = client_for(employee)
    html = index_page(client)
    assert heatmap_units(html) == [org.solsikken.pk]
    assert reverse("socialkapital:unit_results", args=[org.solsikken.pk]) in html
    assert (
        client.get(reverse("socialkapital:unit_results", args=[org.solsikken.pk])).status_code
        == 200
    )
    assert client.get(reverse("socialkapital:unit_results", args=[org.nord.pk])).status_code == 404


def test_someone_without_a_role_or_a_workplace_may_not_browse_results(results, client_for):
    outsider = UserFactory(username="udenfor")
    assert client_for(outsider).get(reverse("socialkapital:index")).status_code == 403


def test_the_menu_shows_social_capital_to_an_employee_but_not_to_an_outsider(org, employee):
    assert "socialkapital:index" in [item.url_name for item in items_for(employee)]
    outsider: User = UserFactory(username="udenfor2")
    assert "socialkapital:index" not in [item.url_name for item in items_for(outsider)]


# --- A unit's page -------------------------------------------------------------------------


def test_a_unit_page_shows_scores_items_children_and_comparisons(org, leader, results, client_for):
    response = client_for(leader).get(reverse("socialkapital:unit_results", args=[org.nord.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.index.score.value == 83
    assert page.index.root.value == 74  # the municipality: (6×75 + 2×75 + 4×100 + 5×50) / 17
    assert page.index.own.hidden  # Nord's own respondents: hidden to protect Mælkebøtten
    assert [child.unit for child in page.children] == [org.solsikken, org.maelkeboetten]
    assert page.children[1].index.hidden
    html = response.content.decode()
    assert reverse("socialkapital:export_unit", args=[org.nord.pk]) in html
    assert 'data-item="' in html
    # Breadcrumbs: the directorate is named but not linked for an area leader.
    assert reverse("socialkapital:unit_results", args=[org.children.pk]) not in html


def test_a_hidden_unit_page_shows_no_figure(org, hr, results, client_for):
    response = client_for(hr).get(
        reverse("socialkapital:unit_results", args=[org.maelkeboetten.pk])
    )
    assert response.status_code == 200
    page = response.context["page"]
    assert page.index.score.hidden
    assert page.responses is None
    assert all(item.score.hidden for line in page.dimensions for item in line.items)
    assert 'data-figure="responses">–<' in response.content.decode()


def test_a_politician_sees_the_overview_but_not_a_workplace_page(
    org, politician, results, client_for
):
    client = client_for(politician)
    overview = client.get(reverse("socialkapital:overview"))
    assert overview.status_code == 200
    assert heatmap_units(overview.content.decode()) == [
        org.root.pk,
        org.children.pk,
        org.nord.pk,
        org.health.pk,
        org.east.pk,
    ]
    assert client.get(reverse("socialkapital:unit_results", args=[org.nord.pk])).status_code == 200
    workplace = reverse("socialkapital:unit_results", args=[org.solsikken.pk])
    assert client.get(workplace).status_code == 404


def test_an_area_leader_may_not_open_the_organisation_overview(leader, results, client_for):
    assert client_for(leader).get(reverse("socialkapital:overview")).status_code == 403


# --- Trends ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "change"), [(strongly_agree, "up"), (lambda i, item: 4 + i % 2, "same")]
)
def test_a_change_is_real_only_when_the_intervals_do_not_overlap(
    org, leader, client_for, second, change
):
    spring = closed_round(org.root, k=3, name="Forår 2025", closes_days_ago=200)
    add_responses(spring, org.solsikken, 6, value=agree)
    aggregate_round(round_id=spring.pk)
    autumn = closed_round(org.root, k=3, name="Efterår 2025")
    add_responses(autumn, org.solsikken, 6, value=second)
    aggregate_round(round_id=autumn.pk)
    response = client_for(leader).get(
        reverse("socialkapital:unit_results", args=[org.solsikken.pk])
    )
    trend = response.context["page"].trend
    assert [point.name for point in trend] == ["Forår 2025", "Efterår 2025"]
    assert trend[0].changes[0] == ""
    assert trend[1].changes[0] == change
    assert f'data-change="{change}"' in response.content.decode()


def test_no_change_is_claimed_against_a_hidden_round() -> None:
    shown = queries.Score(hidden=False, n=5, mean=80, ci_low=78, ci_high=82)
    assert queries.change_between(queries.Score(hidden=True), shown) == ""
    low = queries.Score(hidden=False, n=5, mean=50, ci_low=45, ci_high=55)
    assert queries.change_between(low, shown) == "up"
    assert queries.change_between(shown, low) == "down"


# --- The core task hub -----------------------------------------------------------------------


@pytest.fixture
def core_task(org) -> CoreTask:
    task = CoreTask.objects.create(
        title="Trygge børn",
        purpose="Formål",
        desired_effect="Effekt",
        status=CoreTask.Status.ADOPTED,
        adopted_on=timezone.localdate(),
        council_decision="BR 4/2024",
    )
    Contribution.objects.create(core_task=task, unit=org.nord)
    Contribution.objects.create(core_task=task, unit=org.maelkeboetten)
    return task


def hub_context(user: User, core_task: CoreTask) -> dict | None:
    request = RequestFactory().get("/")
    request.user = user
    return core_task_results_panel(request, core_task)


def test_the_hub_panel_shows_the_contributing_units_social_capital(
    org, leader, results, core_task, client_for
):
    context = hub_context(leader, core_task)
    lines = {line.unit: line for line in context["results"].lines}
    assert lines[org.nord].index.value == 83
    assert lines[org.nord].core_task.value == 83
    assert lines[org.maelkeboetten].index.hidden
    html = client_for(leader).get(reverse("kerneopgaver:hub", args=[core_task.pk])).content.decode()
    assert 'id="social-capital"' in html


def test_the_hub_panel_is_left_out_for_those_who_follow_none_of_the_units(
    other_leader, results, core_task
):
    assert hub_context(other_leader, core_task) is None


def test_the_hub_panel_is_left_out_before_any_results(leader, core_task):
    assert hub_context(leader, core_task) is None


# --- The cached page parts (views.index) ------------------------------------------------------


def test_a_leader_never_gets_the_cached_heatmap_of_another_scope(
    org, leader, other_leader, results, client_for
):
    assert "Solsikken" in index_page(client_for(leader))  # now in the cache for Nord's scope
    html = index_page(client_for(other_leader))
    assert heatmap_units(html) == [org.east.pk, org.group.pk]
    assert "Solsikken" not in html
    fragment = client_for(other_leader).get(
        reverse("socialkapital:index"), headers={"HX-Request": "true"}
    )
    assert "Solsikken" not in fragment.content.decode()


def test_an_employee_never_gets_the_cached_page_of_their_leader(
    org, leader, employee, results, client_for
):
    assert 'id="rounds-heading"' in index_page(client_for(leader))
    html = index_page(client_for(employee))
    assert heatmap_units(html) == [org.solsikken.pk]
    assert 'id="rounds-heading"' not in html


def test_the_htmx_fragment_shows_a_new_aggregation_at_once(org, hr, results, client_for):
    client = client_for(hr)
    client.cookies["django_language"] = "en"
    htmx = {"HX-Request": "true"}
    url = reverse("socialkapital:index")
    assert ">75<" in row_html(client.get(url, headers=htmx).content.decode(), org.solsikken.pk)
    add_responses(results, org.solsikken, 6, value=strongly_agree)
    aggregate_round(round_id=results.pk)
    assert ">88<" in row_html(client.get(url, headers=htmx).content.decode(), org.solsikken.pk)


def test_a_page_is_not_served_from_memory_once_the_shared_cache_dropped_it(
    org, leader, results, client_for
):
    client = client_for(leader)
    assert "Solsikken" in index_page(client)
    type(org.solsikken).objects.filter(pk=org.solsikken.pk).update(name="Børnehuset Mælkevejen")
    cache.clear()
    html = index_page(client)
    assert "Mælkevejen" in html
    assert "Solsikken" not in html


def test_two_leaders_of_the_same_area_each_see_their_own_name(org, leader, results):
    colleague = UserFactory(username="leder-2", name="Lise Ledersen", home_unit=org.nord)
    assign(colleague, RoleAssignment.Role.LEADER, org.nord)
    first, second = Client(), Client()
    first.force_login(leader)
    second.force_login(colleague)
    for _ in range(2):  # the second time both come from memory
        mine, theirs = index_page(first), index_page(second)
        assert "Lars Leder" in mine
        assert "Lise Ledersen" not in mine
        assert "Lise Ledersen" in theirs
        assert "Lars Leder" not in theirs


def test_a_waiting_message_is_shown_on_the_index(org, leader, results, client_for):
    client = client_for(leader)
    index_page(client)  # the page around the content is now kept
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Handlingen er gemt")])
    assert "Handlingen er gemt" in index_page(client)
    assert "Handlingen er gemt" not in index_page(client)  # shown once


def test_every_index_response_carries_a_working_csrf_token(org, leader, results):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    tokens = []
    for _ in range(2):
        html = index_page(client)
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
        assert f'"X-CSRFToken": "{tokens[-1]}"' in html
    assert tokens[0] != tokens[1]  # masked anew for each response
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": tokens[1]})
    assert response.status_code == 302  # signed out: the token was accepted


def test_the_page_around_the_cached_content_is_the_users_own(org, leader, results, client_for):
    html = index_page(client_for(leader))
    assert "Lars Leder" in html  # the signed-in user's name, rendered for this request
    assert html.count('<tr data-unit="') == 3
    assert "<!--" not in html.split('<main id="main"')[1].split("</main>")[0]  # no placeholder
