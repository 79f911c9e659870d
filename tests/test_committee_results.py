"""A MED committee's social-capital results: the panel on its page (/med/<pk>/) and the print
for its meeting (/socialkapital/med/<pk>/).

`area_committee` (conftest) covers Dagtilbud Nord. A round with k = 3: Solsikken 5 responses,
Mælkebøtten 2; both are hidden (Nord minus Solsikken would give Mælkebøtten away), and Nord
shows its 7. Gruppe 1, outside the committee, has 4.
"""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from organisation.models import MedCommittee
from socialkapital.models import Action, ResultsDialogue, SurveyRound
from socialkapital.services.aggregation import aggregate_round
from tests.factories import MedCommitteeFactory, UserFactory, add_med_member, add_responses
from tests.factories import closed_round as make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client: Client) -> None:
    """The product speaks Danish by default; these tests read the English msgids."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def survey(org: SimpleNamespace) -> SurveyRound:
    survey_round = make_round(org.root, k=3, name="Efterår 2025")
    add_responses(survey_round, org.solsikken, 5, value=4)
    add_responses(survey_round, org.maelkeboetten, 2, value=2)
    add_responses(survey_round, org.group, 4, value=5)
    aggregate_round(round_id=survey_round.pk)
    survey_round.refresh_from_db()
    return survey_round


@pytest.fixture
def outsider(org: SimpleNamespace) -> object:
    """A member of another committee (covering Hjemmeplejen Øst)."""
    committee = MedCommitteeFactory(name="Lokal-MED Øst")
    committee.covers.add(org.east)
    person = UserFactory(username="med_oest", name="Olga Øst", home_unit=org.group)
    add_med_member(committee, person)
    return person


def committee_url(committee: MedCommittee, **query: object) -> str:
    url = reverse("med:committee", args=[committee.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def print_url(committee: MedCommittee, **query: object) -> str:
    url = reverse("socialkapital:committee_print", args=[committee.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def unit_row(html: str, unit: object) -> str:
    match = re.search(rf'<tr data-unit="{unit.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {unit}"
    return match.group(1)


def cells(row_html: str) -> list[str]:
    """The text of a row's data cells (the unit's name is the row header)."""
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)
    ]


# --- The panel on the committee page ------------------------------------------------------------


def test_the_committee_page_shows_the_covered_units_results(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    response = client_for(med_member).get(committee_url(area_committee))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="committee-results"' in html
    for unit in (org.nord, org.solsikken, org.maelkeboetten):
        assert f'data-unit="{unit.pk}"' in html
        assert reverse("socialkapital:unit_results", args=[unit.pk]) in html
    assert f'data-unit="{org.group.pk}"' not in html
    nord = cells(unit_row(html, org.nord))
    assert len(nord) == 8
    assert all(re.fullmatch(r"\d+", cell) for cell in nord)
    assert reverse("socialkapital:committee_print", args=[area_committee.pk]) in html
    assert reverse("socialkapital:export_unit", args=[org.nord.pk]) in html


def test_hidden_units_show_no_numbers_on_the_committee_page(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    html = client_for(med_member).get(committee_url(area_committee)).content.decode()
    for unit in (org.solsikken, org.maelkeboetten):
        row = cells(unit_row(html, unit))
        assert row == ["hidden"] * 8


def test_a_member_of_another_committee_cannot_open_the_committee_page(
    client_for: Client, outsider: object, area_committee: MedCommittee, survey: SurveyRound
) -> None:
    assert client_for(outsider).get(committee_url(area_committee)).status_code == 404


def test_the_panel_is_left_out_when_no_round_has_results(
    client_for: Client, med_member: object, area_committee: MedCommittee
) -> None:
    html = client_for(med_member).get(committee_url(area_committee)).content.decode()
    assert 'id="committee-results"' not in html


def test_the_panel_shows_the_round_chosen_in_the_address(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    older = make_round(org.root, k=3, name="Forår 2024", closes_days_ago=500)
    add_responses(older, org.solsikken, 4)
    aggregate_round(round_id=older.pk)
    client = client_for(med_member)
    newest = client.get(committee_url(area_committee)).content.decode()
    assert f'data-round="{survey.pk}"' in newest
    chosen = client.get(committee_url(area_committee, runde=older.pk)).content.decode()
    assert f'data-round="{older.pk}"' in chosen
    assert f'data-unit="{org.maelkeboetten.pk}"' not in chosen, "no responses there in 2024"


# --- The print for the meeting -------------------------------------------------------------------


def test_the_print_renders_for_a_member_with_the_round_and_units(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    response = client_for(med_member).get(print_url(area_committee, runde=survey.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Efterår 2025" in html
    assert area_committee.name in html
    assert "results_print.css" in html
    for unit in (org.nord, org.solsikken, org.maelkeboetten):
        assert f'data-unit="{unit.pk}"' in html
    assert f'data-unit="{org.group.pk}"' not in html
    assert cells(unit_row(html, org.nord))[0] == "7"
    assert "Highest and lowest statements" in html
    assert "Notes from the meeting" in html


def test_hidden_units_show_no_numbers_in_the_print(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    html = client_for(med_member).get(print_url(area_committee)).content.decode()
    for unit in (org.solsikken, org.maelkeboetten):
        row = cells(unit_row(html, unit))
        assert row == ["hidden"] * 9, "responses, index and seven dimensions"


def test_the_print_lists_the_committees_meetings_and_actions(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    earlier = make_round(org.root, k=3, name="Forår 2024", closes_days_ago=500)
    ResultsDialogue.objects.create(
        round=survey, committee=area_committee, held_on=date(2025, 11, 3), themes="Arbejdspres"
    )
    Action.objects.create(
        round=survey, committee=area_committee, title="Fælles planlægning", due_on=date(2026, 3, 1)
    )
    Action.objects.create(
        round=earlier, committee=area_committee, title="Bedre overlap", due_on=date(2025, 1, 1)
    )
    Action.objects.create(
        round=earlier,
        committee=area_committee,
        title="Afsluttet indsats",
        due_on=date(2024, 9, 1),
        status=Action.Status.DONE,
    )
    Action.objects.create(
        round=survey, unit=org.nord, title="Enhedens egen indsats", due_on=date(2026, 3, 1)
    )
    html = client_for(med_member).get(print_url(area_committee)).content.decode()
    assert "Arbejdspres" in html
    assert "Fælles planlægning" in html
    assert "Bedre overlap" in html, "open actions from earlier rounds are followed up"
    assert "Afsluttet indsats" not in html
    assert "Enhedens egen indsats" not in html, "the unit's own actions are not the committee's"


def test_a_member_of_another_committee_gets_404_for_the_print(
    client_for: Client, outsider: object, area_committee: MedCommittee, survey: SurveyRound
) -> None:
    assert client_for(outsider).get(print_url(area_committee)).status_code == 404


def test_a_round_that_does_not_cover_the_committee_is_404_in_the_print(
    client_for: Client,
    med_member: object,
    area_committee: MedCommittee,
    org: SimpleNamespace,
    survey: SurveyRound,
) -> None:
    elsewhere = make_round(org.health, k=3, name="Sundhed")
    add_responses(elsewhere, org.group, 4)
    aggregate_round(round_id=elsewhere.pk)
    response = client_for(med_member).get(print_url(area_committee, runde=elsewhere.pk))
    assert response.status_code == 404


def test_the_print_says_so_when_there_are_no_results_yet(
    client_for: Client, med_member: object, area_committee: MedCommittee
) -> None:
    response = client_for(med_member).get(print_url(area_committee))
    assert response.status_code == 200
    assert "There is no round with results" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_print(
    client: Client, area_committee: MedCommittee
) -> None:
    response = client.get(print_url(area_committee))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_panel_of_a_committee_covering_everything_links_to_the_full_view(
    client_for: Client, org: SimpleNamespace, survey: SurveyRound
) -> None:
    main = MedCommitteeFactory(name="Hoved-MED", level=MedCommittee.Level.MAIN)
    main.covers.add(org.root)
    member = UserFactory(username="hoved_med", name="Hans Hoved", home_unit=org.root)
    add_med_member(main, member)
    html = client_for(member).get(committee_url(main)).content.decode()
    assert f'data-unit="{org.nord.pk}"' in html, "two levels below the covered unit"
    assert f'data-unit="{org.solsikken.pk}"' not in html, "three levels below is too deep"
    assert f"{reverse('socialkapital:index')}?runde={survey.pk}" in html
