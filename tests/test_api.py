"""The open-data API (kerneopgaver/api.py, socialkapital/api.py, styring/api.py and the shared
organisation/api.py): what each endpoint serves, to whom, and how keys and limits work.

The municipality of tests/conftest.py. Public endpoints: an adopted core task "Trygge børn" with
an indicator and two values, a draft "Kladde" (with an indicator) it depends on, one in
dialogue; an adopted vision and a newer draft. Results: a round over the whole municipality
with k = 3, Solsikken 5, Mælkebøtten 2 (too few) and Gruppe 1 4 responses: Mælkebøtten is
hidden, and so is Solsikken (Dagtilbud Nord minus Solsikken would give Mælkebøtten away).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from kerneopgaver.models import Contribution, CoreTask, EffectIndicator, IndicatorValue, Vision
from organisation import api_tokens
from organisation.models import ApiToken, User
from socialkapital import exports
from socialkapital.models import SurveyRound
from socialkapital.services.aggregation import aggregate_round
from styring.models import Instrument, Justification, SignalAggregation, SignalResult
from tests.factories import UserFactory, add_responses, closed_round

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FIGURES = ("n", "mean", "sd", "ci_low", "ci_high", "favourable_percent", "distribution")


@pytest.fixture(autouse=True)
def fresh_limits() -> None:
    """Rate limits count in the cache: every test starts from none."""
    cache.clear()


def key_for(user: User, **kwargs: object) -> str:
    return api_tokens.api_token_create(user=user, name="Test", **kwargs).secret


def get(path: str, key: str | None = None, **params: object) -> object:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client().get(path, params, headers=headers)


def ok(path: str, key: str | None = None, **params: object) -> dict:
    response = get(path, key, **params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- Public: vision and core tasks ------------------------------------------------------------


@pytest.fixture
def tasks(org: SimpleNamespace, leader: User) -> SimpleNamespace:
    adopted = CoreTask.objects.create(
        title="Trygge børn",
        purpose="Børn skal være trygge",
        desired_effect="Flere trygge børn",
        citizen_contribution="Forældrene deltager",
        status=CoreTask.Status.ADOPTED,
        adopted_on=TODAY,
        council_decision="BY 12/2025",
    )
    draft = CoreTask.objects.create(
        title="Kladde", purpose="Hemmeligt formål", desired_effect="Udkast", status="draft"
    )
    dialogue = CoreTask.objects.create(
        title="I dialog", purpose="Formål", desired_effect="Effekt", status="in_dialogue"
    )
    adopted.depends_on.add(draft)
    Contribution.objects.create(core_task=adopted, unit=org.nord, how="Vi lytter")
    indicator = EffectIndicator.objects.create(
        core_task=adopted,
        name="Trivsel",
        kind="unit_measure",
        measure_type="better_off",
        unit=org.nord,
        data_source="Trivselsmålingen",
        unit_label="%",
        baseline_value="60.5",
        baseline_period=datetime.date(2023, 12, 31),
        direction="up",
        target_value=80,
        target_date=datetime.date(2027, 12, 31),
    )
    IndicatorValue.objects.create(indicator=indicator, period=datetime.date(2024, 12, 31), value=70)
    IndicatorValue.objects.create(
        indicator=indicator, period=datetime.date(2023, 12, 31), value=61, story="Start"
    )
    EffectIndicator.objects.create(
        core_task=draft,
        name="Hemmelig indikator",
        kind="population",
        data_source="Intern",
        baseline_value=1,
        baseline_period=TODAY,
        direction="down",
    )
    Vision.objects.create(
        version=1, title="Sammen", narrative="Fortællingen", adopted_on=TODAY, council_decision="V1"
    )
    Vision.objects.create(version=2, title="Ny vision", narrative="Hemmeligt udkast")
    return SimpleNamespace(adopted=adopted, draft=draft, dialogue=dialogue, indicator=indicator)


def test_the_vision_is_the_adopted_version_and_never_the_draft(tasks: SimpleNamespace) -> None:
    vision = ok(reverse("api:vision"))
    assert (vision["version"], vision["title"], vision["narrative"]) == (
        1,
        "Sammen",
        "Fortællingen",
    )
    versions = ok(reverse("api:vision_versions"))
    assert [v["version"] for v in versions["results"]] == [1]


def test_without_an_adopted_vision_the_answer_is_a_json_404(db: None) -> None:
    Vision.objects.create(version=1, title="Udkast", narrative="Kladde")
    response = get(reverse("api:vision"))
    assert response.status_code == 404
    assert response.json()["detail"]
    assert b"Kladde" not in response.content


def test_the_core_tasks_are_the_adopted_ones_with_their_indicators(tasks: SimpleNamespace) -> None:
    page = ok(reverse("api:core_tasks"))
    assert page["count"] == 1
    (task,) = page["results"]
    assert task["title"] == "Trygge børn"
    assert task["desired_effect"] == "Flere trygge børn"
    assert task["citizen_contribution"] == "Forældrene deltager"
    (indicator,) = task["indicators"]
    assert indicator["baseline_value"] == 60.5
    assert (indicator["direction"], indicator["target_value"]) == ("up", 80)
    assert indicator["latest_value"] == {"period": "2024-12-31", "value": 70.0, "story": ""}
    assert indicator["status"] == "on_track"
    assert indicator["measured_unit"]["name"] == "Dagtilbud Nord"
    assert "values" not in indicator, "the list leaves the values to the detail"


def test_a_core_task_gives_its_values_over_time_and_no_draft_it_depends_on(
    tasks: SimpleNamespace,
) -> None:
    task = ok(reverse("api:core_task", args=[tasks.adopted.pk]))
    (indicator,) = task["indicators"]
    assert [(v["period"], v["value"], v["story"]) for v in indicator["values"]] == [
        ("2023-12-31", 61.0, "Start"),
        ("2024-12-31", 70.0, ""),
    ]
    assert task["depends_on"] == [], "the draft it depends on is not open data"
    assert task["contributions"] == [
        {"unit": {"id": tasks.adopted.contributions.get().unit_id, "name": "Dagtilbud Nord"},
         "how": "Vi lytter"}
    ]  # fmt: skip


@pytest.mark.parametrize("which", ["draft", "dialogue"])
def test_a_core_task_that_is_not_adopted_is_not_found_even_with_an_hr_key(
    tasks: SimpleNamespace, hr: User, which: str
) -> None:
    pk = getattr(tasks, which).pk
    for key in (None, key_for(hr)):
        response = get(reverse("api:core_task", args=[pk]), key)
        assert response.status_code == 404
        assert b"Hemmelig" not in response.content


def test_an_hr_key_sees_no_more_of_the_public_part_than_a_visitor(
    tasks: SimpleNamespace, hr: User
) -> None:
    key = key_for(hr)
    for name in ("vision", "vision_versions", "core_tasks"):
        assert ok(reverse(f"api:{name}"), key) == ok(reverse(f"api:{name}"))
    everything = b"".join(
        get(reverse(f"api:{name}"), key).content
        for name in ("vision", "vision_versions", "core_tasks")
    )
    assert b"Hemmelig" not in everything
    assert b"Kladde" not in everything


def test_an_unknown_api_address_is_a_json_404(db: None) -> None:
    for path in ("/api/v1/nothing/", "/api/v1/core-tasks/-1/", "/api/v2/"):
        response = get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"]


def test_an_address_without_its_final_slash_is_sent_on_to_it(tasks: SimpleNamespace) -> None:
    response = get("/api/v1/core-tasks", page=2)
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/core-tasks/?page=2"


def test_the_api_root_leads_to_the_documentation(db: None) -> None:
    response = get("/api/")
    assert response.status_code == 302
    assert response["Location"] == reverse("api:docs")


# --- Keys -------------------------------------------------------------------------------------

KEY_ROUTES = ["result_rounds", "governance_overview", "instruments"]


@pytest.mark.parametrize("route", KEY_ROUTES)
def test_without_a_key_results_and_governance_are_401_with_a_hint(db: None, route: str) -> None:
    response = get(reverse(f"api:{route}"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "/organisation/api-noegler/" in response.json()["detail"]


@pytest.mark.parametrize("route", KEY_ROUTES)
def test_a_browser_signed_in_to_the_pages_is_a_visitor_to_the_api(
    client_for, hr: User, route: str
) -> None:
    assert client_for(hr).get(reverse(f"api:{route}")).status_code == 401


def test_open_data_may_be_read_by_a_page_on_another_site_but_keys_may_not(
    tasks: SimpleNamespace, hr: User
) -> None:
    origin = {"Origin": "https://avis.example"}
    for address in (reverse("api:core_tasks"), reverse("api:vision"), reverse("api:schema")):
        response = Client().get(address, headers=origin)
        assert response.status_code == 200, address
        assert response["Access-Control-Allow-Origin"] == "*", address
    keyed = get(reverse("api:instruments"), key_for(hr))
    assert "Access-Control-Allow-Origin" not in keyed
    preflight = Client().options(
        reverse("api:instruments"),
        headers={**origin, "Access-Control-Request-Headers": "authorization"},
    )
    assert "Access-Control-Allow-Headers" not in preflight
    assert "Access-Control-Allow-Origin" not in preflight


def test_answers_to_a_key_are_kept_by_no_cache(hr: User) -> None:
    response = get(reverse("api:instruments"), key_for(hr))
    assert response["Cache-Control"] == "private, no-store"


def test_a_key_is_accepted_as_bearer_and_as_token(hr: User) -> None:
    key = key_for(hr)
    for scheme in ("Bearer", "bearer", "Token"):
        response = Client().get(
            reverse("api:instruments"), headers={"Authorization": f"{scheme} {key}"}
        )
        assert response.status_code == 200, scheme


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("revoked", "revoked"),
        ("expired", "expired"),
        ("unknown", "Unknown API key"),
        ("inactive", "no longer has access"),
        ("malformed", "nothing else after it"),
    ],
)
def test_a_key_that_no_longer_works_is_401_saying_why(hr: User, state: str, message: str) -> None:
    key = key_for(hr)
    token = ApiToken.objects.get(user=hr)
    header = f"Bearer {key}"
    if state == "revoked":
        api_tokens.api_token_revoke(token=token, actor=hr)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    elif state == "unknown":
        header = "Bearer ko_" + "x" * 43
    elif state == "inactive":
        User.objects.filter(pk=hr.pk).update(is_active=False)
    else:
        header = f"Bearer {key} extra"
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get(reverse("api:instruments"), headers={"Authorization": header})
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_a_key_valid_until_today_works_all_day(hr: User) -> None:
    key = key_for(hr, expires_on=TODAY)
    assert get(reverse("api:instruments"), key).status_code == 200


def test_last_use_is_noted_at_most_once_a_minute(hr: User) -> None:
    key = key_for(hr)
    token = ApiToken.objects.get(user=hr)
    assert token.last_used_at is None
    get(reverse("api:instruments"), key)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    get(reverse("api:instruments"), key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    get(reverse("api:instruments"), key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_a_key_follows_its_owners_roles_at_each_request(
    org: SimpleNamespace, survey: SurveyRound
) -> None:
    person = UserFactory(username="skifter", home_unit=org.east)
    from organisation.models import RoleAssignment
    from tests.factories import assign

    role = assign(person, RoleAssignment.Role.LEADER, org.nord)
    key = key_for(person)
    units = ok(reverse("api:result_units", args=[survey.pk]), key)
    assert "Dagtilbud Nord" in {unit["name"] for unit in units["results"]}
    role.delete()
    units = ok(reverse("api:result_units", args=[survey.pk]), key)
    assert "Dagtilbud Nord" not in {unit["name"] for unit in units["results"]}


# --- Results ----------------------------------------------------------------------------------


@pytest.fixture
def survey(org: SimpleNamespace) -> SurveyRound:
    survey_round = closed_round(org.root, k=3, name="Efterår 2025")
    add_responses(survey_round, org.solsikken, 5, value=4)
    add_responses(survey_round, org.maelkeboetten, 2, value=2)
    add_responses(survey_round, org.group, 4, value=5)
    aggregate_round(round_id=survey_round.pk)
    survey_round.refresh_from_db()
    return survey_round


def unit_names(survey: SurveyRound, key: str, **params: object) -> list[str]:
    page = ok(reverse("api:result_units", args=[survey.pk]), key, page_size=200, **params)
    return [unit["name"] for unit in page["results"]]


def test_a_leaders_key_sees_the_units_of_her_subtree_only(
    leader: User, survey: SurveyRound
) -> None:
    assert unit_names(survey, key_for(leader)) == [
        "Dagtilbud Nord",
        "Børnehuset Solsikken",
        "Vuggestuen Mælkebøtten",
    ]


def test_an_employees_key_sees_her_workplace_only(employee: User, survey: SurveyRound) -> None:
    assert unit_names(survey, key_for(employee)) == ["Børnehuset Solsikken"]


def test_a_politicians_key_sees_the_organisation_down_to_its_areas(
    politician: User, survey: SurveyRound
) -> None:
    assert unit_names(survey, key_for(politician)) == [
        "Testkommune",
        "Børn og Unge",
        "Dagtilbud Nord",
        "Sundhed og Omsorg",
        "Hjemmeplejen Øst",
    ]


def test_the_rounds_are_those_with_results_the_key_may_see(
    org: SimpleNamespace, leader: User, other_leader: User, survey: SurveyRound
) -> None:
    east = closed_round(org.east, k=3, name="Øst 2025")
    add_responses(east, org.group, 4)
    aggregate_round(round_id=east.pk)
    key = key_for(leader)
    page = ok(reverse("api:result_rounds"), key)
    assert [r["name"] for r in page["results"]] == ["Efterår 2025"]
    assert page["results"][0]["min_group_size"] == 3
    assert get(reverse("api:result_round", args=[east.pk]), key).status_code == 404
    assert get(reverse("api:result_units", args=[east.pk]), key).status_code == 404
    assert ok(reverse("api:result_round", args=[east.pk]), key_for(other_leader))["name"] == (
        "Øst 2025"
    )


def test_a_person_without_any_results_to_see_gets_403(org: SimpleNamespace) -> None:
    nobody = UserFactory(username="ingen")
    response = get(reverse("api:result_rounds"), key_for(nobody))
    assert response.status_code == 403
    assert response.json()["detail"]


def test_a_suppressed_row_carries_the_flag_and_no_figure_at_all(
    hr: User, org: SimpleNamespace, survey: SurveyRound
) -> None:
    page = ok(reverse("api:result_units", args=[survey.pk]), key_for(hr), items="true")
    by_unit = {unit["name"]: unit for unit in page["results"]}
    hidden = by_unit["Vuggestuen Mælkebøtten"]["results"]
    assert hidden, "the unit is listed, with its rows"
    for row in hidden:
        assert row["suppressed"] is True
        assert all(row[figure] is None for figure in FIGURES), row
    shown = by_unit["Dagtilbud Nord"]["results"][0]
    assert (shown["cell"], shown["measure"], shown["suppressed"], shown["n"]) == (
        "subtree",
        "index",
        False,
        7,
    )
    assert len(shown["distribution"]) == 5
    assert by_unit["Vuggestuen Mælkebøtten"]["placement"] == (
        "Testkommune / Børn og Unge / Dagtilbud Nord / Vuggestuen Mælkebøtten"
    )
    assert by_unit["Vuggestuen Mælkebøtten"]["parent"]["name"] == "Dagtilbud Nord"


def test_the_api_shows_the_same_rows_and_figures_as_the_export(
    leader: User, survey: SurveyRound
) -> None:
    page = ok(reverse("api:result_units", args=[survey.pk]), key_for(leader), items="true")
    api_rows = [
        (unit["name"], row["cell"], row["code"], row["suppressed"], *(row[f] for f in FIGURES))
        for unit in page["results"]
        for row in unit["results"]
    ]
    units = exports.visible_round_units(leader, survey)
    export_rows = [
        (
            row.unit_name, row.cell, row.code, row.suppressed,
            row.n, row.mean, row.sd, row.ci_low, row.ci_high, row.favourable_percent,
            None if row.suppressed else list(row.distribution),
        )
        for row in exports.export_rows(survey, units, items=True)
    ]  # fmt: skip
    assert api_rows == export_rows


def test_statements_only_when_asked_for(hr: User, survey: SurveyRound) -> None:
    key = key_for(hr)
    without = ok(reverse("api:result_units", args=[survey.pk]), key)["results"][0]["results"]
    assert {row["measure"] for row in without} == {"index", "dimension"}
    with_items = ok(reverse("api:result_units", args=[survey.pk]), key, items="true")
    assert "item" in {row["measure"] for row in with_items["results"][0]["results"]}


def test_the_unit_parameter_narrows_to_a_visible_subtree(
    leader: User, org: SimpleNamespace, survey: SurveyRound
) -> None:
    key = key_for(leader)
    assert unit_names(survey, key, unit=org.solsikken.pk) == ["Børnehuset Solsikken"]
    for outside in (org.group.pk, org.root.pk, 10**12):
        response = get(reverse("api:result_units", args=[survey.pk]), key, unit=outside)
        assert response.status_code == 404, outside


@pytest.mark.parametrize("params", [{"unit": "x"}, {"items": "maybe"}, {"unit": 2**64}])
def test_a_bad_parameter_is_a_400_naming_it(hr: User, survey: SurveyRound, params: dict) -> None:
    response = get(reverse("api:result_units", args=[survey.pk]), key_for(hr), **params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_results_pages_are_paginated(hr: User, survey: SurveyRound) -> None:
    key = key_for(hr)
    first = ok(reverse("api:result_units", args=[survey.pk]), key, page_size=2)
    assert first["count"] == 8  # every unit with responses in its subtree
    assert len(first["results"]) == 2
    assert first["next"]
    assert get(reverse("api:result_units", args=[survey.pk]), key, page=99).status_code == 404


# --- Governance -------------------------------------------------------------------------------


@pytest.fixture
def governance(org: SimpleNamespace, tasks: SimpleNamespace) -> SimpleNamespace:
    """A (Dagtilbud Nord) justified by the adopted task and the draft; B (everyone) by the
    adopted one, with a visible value-signal figure (6 of 8 say it helps); C (Hjemmeplejen Øst)
    without a justification, with a hidden one; D (Gruppe 1) justified by the draft only."""

    def instrument(title: str, owner: object, *justified_by: CoreTask, **fields: object) -> object:
        made = Instrument.objects.create(
            title=title,
            kind=fields.pop("kind", Instrument.Kind.DOCUMENTATION),
            origin=Instrument.Origin.COUNCIL,
            owner_unit=owner,
            minutes_per_month=30,
            status=Instrument.Status.ACTIVE,
            **fields,
        )
        made.applies_to.add(owner)
        for core_task in justified_by:
            Justification.objects.create(instrument=made, core_task=core_task, how="Sådan")
        return made

    a = instrument("A", org.nord, tasks.adopted, tasks.draft)
    b = instrument("B", org.root, tasks.adopted, kind=Instrument.Kind.GOAL)
    c = instrument("C", org.east)
    d = instrument("D", org.group, tasks.draft)
    SignalAggregation.objects.create(
        period="2025-Q1", k=5, signals=11, fingerprint="x", computed_at=timezone.now()
    )
    SignalResult.objects.create(
        period="2025-Q1", instrument=b, unit=org.root, cell="subtree", hidden=False, n=8,
        helps=[4, 2, 2, 0], uses=[8, 0, 0, 0], duplicate=[0, 8, 0],
    )  # fmt: skip
    SignalResult.objects.create(
        period="2025-Q1", instrument=c, unit=org.root, cell="subtree", hidden=True
    )
    return SimpleNamespace(a=a, b=b, c=c, d=d)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("politician", 200),
        ("med_member", 200),
        ("hr", 200),
        ("leader", 403),
        ("employee", 403),
    ],
)
def test_the_governance_overview_answers_each_role_as_the_page(
    request: pytest.FixtureRequest, governance: SimpleNamespace, persona: str, status: int
) -> None:
    user = request.getfixturevalue(persona)
    response = get(reverse("api:governance_overview"), key_for(user))
    assert response.status_code == status
    page = Client()
    page.force_login(user)
    assert page.get(reverse("styring:overview")).status_code == status
    if status == 403:
        assert response.json()["detail"]


def test_the_overview_shows_only_value_signals_that_may_be_shown(
    politician: User, governance: SimpleNamespace, tasks: SimpleNamespace
) -> None:
    overview = ok(reverse("api:governance_overview"), key_for(politician))
    lines = {line["label"]: line for line in overview["by_core_task"]}
    adopted = lines["Trygge børn"]
    assert adopted["core_task"] == {"id": tasks.adopted.pk, "title": "Trygge børn"}
    assert adopted["instruments"] == 2
    assert adopted["value_signals"] == {"instruments": 1, "n": 8, "helpful_share": 75}
    assert "Kladde" not in lines, "a draft core task is not a line for a politician"
    unjustified = next(line for line in overview["by_core_task"] if line["core_task"] is None)
    assert unjustified["instruments"] == 1  # C
    assert unjustified["value_signals"] is None, "C's figure is hidden: no figure at all"
    assert overview["total"]["value_signals"] == {"instruments": 1, "n": 8, "helpful_share": 75}
    assert set(overview["total"]["decisions"]) == {
        "tighten",
        "keep",
        "simplify",
        "loosen",
        "remove",
    }
    assert [line["label"] for line in overview["by_area"]] == ["Børn og Unge", "Sundhed og Omsorg"]


def test_the_register_lists_every_instrument_with_the_justifications_one_may_see(
    employee: User, governance: SimpleNamespace
) -> None:
    page = ok(reverse("api:instruments"), key_for(employee))
    rows = {row["title"]: row for row in page["results"]}
    assert list(rows) == ["A", "B", "C", "D"]
    assert [j["core_task"]["title"] for j in rows["A"]["justifications"]] == ["Trygge børn"]
    assert rows["C"]["justified"] is False
    assert rows["D"]["justified"] is True
    assert rows["D"]["justifications"] == [], "justified by a draft the employee may not see"
    assert rows["A"]["owner_unit"]["name"] == "Dagtilbud Nord"


def test_the_register_takes_the_pages_filters(
    hr: User, governance: SimpleNamespace, org: SimpleNamespace
) -> None:
    key = key_for(hr)
    assert [r["title"] for r in ok(reverse("api:instruments"), key, kind="goal")["results"]] == [
        "B"
    ]
    applying = ok(reverse("api:instruments"), key, unit=org.solsikken.pk)["results"]
    assert [r["title"] for r in applying] == ["A", "B"]
    response = get(reverse("api:instruments"), key, kind="nonsense")
    assert response.status_code == 400
    assert "kind" in response.json()


# --- Rate limits ------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings: object) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "3/minute", "token": "2/minute"},
    }


def test_above_the_anonymous_rate_the_answer_is_429_with_retry_after(
    low_rates: None, tasks: SimpleNamespace
) -> None:
    for _ in range(3):
        assert get(reverse("api:core_tasks")).status_code == 200
    response = get(reverse("api:core_tasks"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"]


def test_each_key_has_its_own_limit(low_rates: None, hr: User, politician: User) -> None:
    first, second = key_for(hr), key_for(politician)
    for _ in range(2):
        assert get(reverse("api:instruments"), first).status_code == 200
    assert get(reverse("api:instruments"), first).status_code == 429
    assert get(reverse("api:instruments"), second).status_code == 200
    assert get(reverse("api:core_tasks")).status_code == 200, "visitors count apart"


def test_requests_without_a_key_count_against_the_address_even_when_refused(
    low_rates: None, db: None
) -> None:
    for _ in range(3):
        assert get(reverse("api:instruments"), "ko_guess").status_code == 401
    assert get(reverse("api:instruments"), "ko_guess").status_code == 429


def test_the_limits_let_requests_through_when_the_cache_is_down(
    low_rates: None, tasks: SimpleNamespace
) -> None:
    with mock.patch.object(cache, "get", side_effect=RedisConnectionError("down")):
        for _ in range(5):
            assert get(reverse("api:core_tasks")).status_code == 200


# --- The documentation and the schema ---------------------------------------------------------


def test_the_documentation_page_lists_every_endpoint_and_the_limits(
    client: Client, settings: object
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "60/minute", "token": "1000/hour"},
    }
    client.cookies["django_language"] = "en"
    html = client.get(reverse("api:docs")).content.decode()
    for path in (
        "/api/v1/core-tasks/",
        "/api/v1/core-tasks/{id}/",
        "/api/v1/vision/",
        "/api/v1/results/rounds/{id}/units/",
        "/api/v1/governance/overview/",
        "/api/v1/governance/instruments/",
    ):
        assert f"<code>{path}</code>" in html, path
    assert "60 requests per minute" in html
    assert "1000 requests per hour" in html
    assert reverse("api:schema") in html
    assert "<script>" not in html  # nothing inline, for the CSP


def test_the_schema_is_openapi_3_with_a_bearer_scheme(client: Client) -> None:
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    public = schema["paths"]["/api/v1/core-tasks/"]["get"]["security"]
    assert {} in public, "open to everyone"
    private = schema["paths"]["/api/v1/results/rounds/"]["get"]["security"]
    assert {} not in private
