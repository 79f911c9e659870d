"""Exports of social-capital results (socialkapital/export_views.py, socialkapital/exports.py).

The municipality of tests/conftest.py answers a round with k = 3: Solsikken 5, Mælkebøtten 2
(too few), Gruppe 1 4. Mælkebøtten is hidden, and so is Solsikken (Dagtilbud Nord minus
Solsikken would give Mælkebøtten away); Dagtilbud Nord shows its 7.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from organisation.models import OrgUnit
from socialkapital.models import Result, SurveyRound
from socialkapital.services.aggregation import aggregate_round
from tests.factories import add_responses, closed_round

pytestmark = pytest.mark.django_db

FIGURES = slice(10, 21)  # Responses (n) .. Answers at 100
SUPPRESSED = 9


@pytest.fixture(autouse=True)
def english(client: Client) -> None:
    """The product speaks Danish by default; these tests read the English msgids."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def survey(org: SimpleNamespace) -> SurveyRound:
    survey_round = closed_round(org.root, k=3, name="Efterår 2025")
    add_responses(survey_round, org.solsikken, 5, value=4)
    add_responses(survey_round, org.maelkeboetten, 2, value=2)
    add_responses(survey_round, org.group, 4, value=5)
    aggregate_round(round_id=survey_round.pk)
    survey_round.refresh_from_db()
    return survey_round


def csv_rows(response: object) -> list[list[str]]:
    content = b"".join(response) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response: object) -> list[list[object]]:
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 2, "the figures and a sheet explaining them"
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def expected_keys(survey: SurveyRound, units: list[object], *, items: bool) -> set[tuple]:
    measures = ["index", "dimension", *(["item"] if items else [])]
    return {
        (row.unit.name, row.cell, row.key.split(":")[-1])
        for row in Result.objects.filter(round=survey, unit__in=units, measure__in=measures)
    }


def heatmap_url(survey: SurveyRound, fmt: str = "csv") -> str:
    return f"{reverse('socialkapital:export_heatmap')}?runde={survey.pk}&format={fmt}"


def unit_url(unit: object, survey: SurveyRound, fmt: str = "csv") -> str:
    url = reverse("socialkapital:export_unit", args=[unit.pk])
    return f"{url}?runde={survey.pk}&format={fmt}"


def test_the_csv_heatmap_export_holds_exactly_the_leaders_units(
    client_for: Client, leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    response = client_for(leader).get(heatmap_url(survey))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "efteraar-2025" in response["Content-Disposition"]
    assert "dagtilbud-nord" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:3] == ["Round", "Unit", "Level"]
    got = {(row[1], row[5], row[7]) for row in rows}
    units = [org.nord, org.solsikken, org.maelkeboetten]
    assert got == expected_keys(survey, units, items=False)
    assert not {"Hjemmeplejen Øst", "Gruppe 1", "Testkommune"} & {row[1] for row in rows}


def test_the_xlsx_unit_export_holds_the_subtree_with_every_statement(
    client_for: Client, leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    response = client_for(leader).get(unit_url(org.nord, survey, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, *rows = xlsx_rows(response)
    assert header[SUPPRESSED] == "Suppressed"
    got = {(row[1], row[5], row[7]) for row in rows}
    units = [org.nord, org.solsikken, org.maelkeboetten]
    assert got == expected_keys(survey, units, items=True)
    nord_index = next(row for row in rows if row[1] == "Dagtilbud Nord" and row[7] == "index")
    assert nord_index[10] == 7, "numbers are numbers"
    assert isinstance(nord_index[11], float)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_hidden_units_rows_have_no_figures_at_all(
    client_for: Client,
    leader: object,
    org: SimpleNamespace,
    survey: SurveyRound,
    fmt: str,
) -> None:
    response = client_for(leader).get(unit_url(org.nord, survey, fmt))
    _header, *rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    hidden = [row for row in rows if row[1] == "Vuggestuen Mælkebøtten"]
    assert hidden, "the hidden unit is listed, so nobody mistakes it for no responses"
    for row in hidden:
        assert row[SUPPRESSED] == "yes"
        assert all(value in ("", None) for value in row[FIGURES]), row
    shown = [row for row in rows if row[1] == "Dagtilbud Nord"]
    assert all(row[SUPPRESSED] == "no" for row in shown)


def test_the_csv_uses_semicolons_and_decimal_commas_for_danish_excel(
    client_for: Client, leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    response = client_for(leader).get(unit_url(org.nord, survey))
    content = response.content.decode("utf-8-sig")
    assert content.splitlines()[0].count(";") == 20
    _header, *rows = csv_rows(response)
    nord_index = next(row for row in rows if row[1] == "Dagtilbud Nord" and row[7] == "index")
    assert nord_index[10] == "7"
    assert "," in nord_index[11]
    assert "." not in nord_index[11]


def test_another_leader_gets_404_for_a_unit_outside_their_area(
    client_for: Client, other_leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    assert client_for(other_leader).get(unit_url(org.nord, survey)).status_code == 404


def test_another_leaders_heatmap_export_holds_only_their_own_units(
    client_for: Client, other_leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    _header, *rows = csv_rows(client_for(other_leader).get(heatmap_url(survey)))
    assert {row[1] for row in rows} == {"Hjemmeplejen Øst", "Gruppe 1"}


def test_a_round_that_does_not_reach_the_users_units_is_404(
    client_for: Client, leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    elsewhere = closed_round(org.health, k=3, name="Sundhed", closes_days_ago=5)
    add_responses(elsewhere, org.group, 4)
    aggregate_round(round_id=elsewhere.pk)
    client = client_for(leader)
    assert client.get(heatmap_url(elsewhere)).status_code == 404
    assert client.get(unit_url(org.nord, elsewhere)).status_code == 404


def test_a_round_without_results_is_404(
    client_for: Client, leader: object, org: SimpleNamespace
) -> None:
    not_aggregated = closed_round(org.root, k=3)
    assert client_for(leader).get(heatmap_url(not_aggregated)).status_code == 404


def test_without_a_round_the_newest_round_with_results_is_exported(
    client_for: Client, leader: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    url = f"{reverse('socialkapital:export_unit', args=[org.nord.pk])}?format=csv"
    response = client_for(leader).get(url)
    assert response.status_code == 200
    _header, *rows = csv_rows(response)
    assert {row[0] for row in rows} == {"Efterår 2025"}


@pytest.mark.parametrize("query", ["format=pdf", "format=csv&runde=abc", "format=csv&niveau=x"])
def test_a_bad_parameter_is_a_400_with_a_message(
    client_for: Client, leader: object, survey: SurveyRound, query: str
) -> None:
    response = client_for(leader).get(f"{reverse('socialkapital:export_heatmap')}?{query}")
    assert response.status_code == 400
    assert response.content


def test_the_level_keeps_the_units_down_to_that_level(
    client_for: Client, hr: object, survey: SurveyRound
) -> None:
    response = client_for(hr).get(heatmap_url(survey) + "&niveau=2")
    _header, *rows = csv_rows(response)
    assert {row[1] for row in rows} == {"Testkommune", "Børn og Unge", "Sundhed og Omsorg"}


def test_the_xlsx_has_a_bold_frozen_header_and_an_about_sheet(
    client_for: Client, hr: object, survey: SurveyRound
) -> None:
    response = client_for(hr).get(heatmap_url(survey, "xlsx"))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, about = workbook.worksheets
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    about_text = " ".join(str(cell.value) for row in about.iter_rows() for cell in row)
    assert "fewer than 3 responses" in about_text


def test_an_employee_exports_only_their_own_workplace(
    client_for: Client, employee: object, org: SimpleNamespace, survey: SurveyRound
) -> None:
    _header, *rows = csv_rows(client_for(employee).get(heatmap_url(survey)))
    assert {row[1] for row in rows} == {"Børnehuset Solsikken"}
    assert all(row[SUPPRESSED] == "yes" for row in rows)


def test_an_anonymous_visitor_is_sent_to_sign_in(
    client: Client, org: SimpleNamespace, survey: SurveyRound
) -> None:
    for url in (heatmap_url(survey), unit_url(org.nord, survey)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_without_any_unit_is_refused_the_export_page(
    client_for: Client, org: SimpleNamespace, survey: SurveyRound
) -> None:
    from tests.factories import UserFactory

    nobody = UserFactory(username="ingen", name="Ingen Rolle")
    assert client_for(nobody).get(heatmap_url(survey)).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_unit_name_is_never_exported_as_a_formula(
    client_for: Client, hr: object, org: SimpleNamespace, survey: SurveyRound, fmt: str
) -> None:
    OrgUnit.objects.filter(pk=org.group.pk).update(name='=HYPERLINK("http://x.example")')
    response = client_for(hr).get(unit_url(org.east, survey, fmt))
    _header, *rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    names = {row[1] for row in rows}
    assert '\'=HYPERLINK("http://x.example")' in names


def test_the_export_runs_the_same_number_of_queries_for_more_units(
    client_for: Client, hr: object, org: SimpleNamespace
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import unit

    def queries_for_export() -> int:
        survey_round = closed_round(org.root, k=3)
        for workplace in OrgUnit.objects.filter(depth=4):
            add_responses(survey_round, workplace, 3)
        aggregate_round(round_id=survey_round.pk)
        client = client_for(hr)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(heatmap_url(survey_round, "xlsx")).status_code == 200
        return len(captured)

    before = queries_for_export()
    for number in range(5):
        unit(f"Ny enhed {number}", parent=org.east)
    assert queries_for_export() == before


def test_a_round_number_beyond_any_round_is_404(
    client_for: Client, leader: object, survey: SurveyRound
) -> None:
    url = f"{reverse('socialkapital:export_heatmap')}?runde={'9' * 30}&format=csv"
    assert client_for(leader).get(url).status_code == 404
