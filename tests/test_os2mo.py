"""Importing the organisation and MED structure from OS2mo: the recorded sample into an empty
database and again, the HR pages (fetch → preview → confirm), changes in OS2mo, every malformed
and partial recorded answer, the nightly sync and its task, and the management command.
Recorded answers only (samples/os2mo, tests/fixtures/os2mo); no network."""

from __future__ import annotations

import copy
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from organisation import importer, services
from organisation.models import (
    AuditEvent,
    ImportBatch,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)
from organisation.os2mo import sync
from organisation.os2mo.client import OS2moClient
from organisation.tasks import sync_os2mo
from tests.factories import UserFactory, assign
from tests.os2mo_support import (
    ASSOCIATION,
    MED,
    PERSON,
    RELATED,
    SAMPLE,
    UNIT,
    find,
    in_english,  # noqa: F401 - an autouse fixture: messages are checked in English
    load_sample,
    recorded,
    with_case,
    write_export,
)

pytestmark = pytest.mark.django_db


def run_sync(directory: Path = SAMPLE) -> ImportBatch:
    return sync.sync(client=recorded(directory))


def snapshot() -> dict[str, Any]:
    """Everything an import may touch, to compare before and after."""
    return {
        "units": list(
            OrgUnit.objects.order_by("pk").values_list(
                "pk", "path", "name", "kind", "external_id", "active"
            )
        ),
        "people": list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "name", "email", "phone", "home_unit", "is_active"
            )
        ),
        "roles": list(RoleAssignment.objects.order_by("pk").values_list("pk", "user", "unit")),
        "committees": list(
            MedCommittee.objects.order_by("pk").values_list(
                "pk", "name", "level", "parent", "active"
            )
        ),
        "covers": list(
            MedCommittee.covers.through.objects.order_by("pk").values_list(
                "medcommittee", "orgunit"
            )
        ),
        "members": list(
            MedMembership.objects.order_by("pk").values_list("committee", "user", "role")
        ),
    }


def unit_of(external_id: str) -> OrgUnit:
    return OrgUnit.objects.get(external_id=external_id)


def person(external_id: str) -> User:
    return User.objects.get(external_id=external_id)


def problems_of(batch: ImportBatch) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for problem in batch.summary.get("problems", []):
        found.setdefault(problem["uuid"], []).append(problem)
    return found


@pytest.fixture
def hr_only(db: None) -> User:
    """HR for the whole municipality in an otherwise empty database."""
    person = UserFactory(username="hr", name="Hanne HR")
    assign(person, RoleAssignment.Role.HR)
    return person


@pytest.fixture
def os2mo_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """OS2mo set up in the settings, its answers recorded in `state.directory` (the sample)."""
    settings.OS2MO_ENABLED = True
    settings.OS2MO_URL = "https://os2mo.fjordby.example"
    settings.OS2MO_CLIENT_SECRET = "s3cret"
    state = SimpleNamespace(directory=SAMPLE)
    monkeypatch.setattr(
        OS2moClient, "from_settings", classmethod(lambda cls, **options: recorded(state.directory))
    )
    return state


# --- The sample -----------------------------------------------------------------------------


def test_the_sample_imports_into_an_empty_database() -> None:
    batch = run_sync()

    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.source == ImportBatch.Source.OS2MO
    assert batch.uploaded_by is None
    assert batch.summary["problem_count"] == 0
    # Units: the line organisation only, with OS2mo's UUIDs as external ids.
    assert OrgUnit.objects.count() == 16
    root = unit_of(UNIT["kommune"])
    assert (root.name, root.kind, root.depth) == ("Fjordby Kommune", "municipality", 1)
    assert unit_of(UNIT["born_og_unge"]).kind == "directorate"  # unit type Forvaltning
    assert unit_of(UNIT["vej_og_park"]).kind == "area"  # unit type Afdeling: by depth
    assert unit_of(UNIT["maagen"]).kind == "workplace"  # unit type Daginstitution
    assert OrgUnit.objects.get_parent(unit_of(UNIT["hjemmeplejen_nord"])).name == "Hjemmepleje"
    # People with their workplace: 30 employed, the one who left is not imported.
    assert User.objects.filter(external_id__isnull=False).count() == 30
    assert not User.objects.filter(external_id=PERSON["jens"]).exists()
    karen = person(PERSON["karen"])
    assert (karen.username, karen.email) == ("kaho", "kaho@fjordby.example")
    assert karen.home_unit == root
    assert person(PERSON["emil"]).home_unit == unit_of(UNIT["hjemmeplejen_syd"])  # primary
    assert person(PERSON["anja"]).home_unit.name == "Vuggestuen Søstjernen"  # the only one
    assert karen.phone == ""  # OS2mo's phone numbers are not read
    assert RoleAssignment.objects.filter(
        user=karen, unit=root, role="leader", source="import"
    ).exists()
    assert RoleAssignment.objects.filter(role="leader").count() == 16
    # Committees cover the line units they are linked to.
    hoved = MedCommittee.objects.get(external_id=MED["hoved"])
    assert (hoved.level, hoved.parent) == ("main", None)
    assert list(hoved.covers.all()) == [root]
    area = MedCommittee.objects.get(external_id=MED["omraade_bu"])
    assert (area.level, area.parent) == ("area", hoved)
    local = MedCommittee.objects.get(external_id=MED["lokal_hjemmepleje"])
    assert local.level == "local"
    assert {unit.name for unit in local.covers.all()} == {"Hjemmeplejen Nord", "Hjemmeplejen Syd"}
    assert MedCommittee.objects.count() == 6
    # Memberships with their roles; the project association in the line organisation is none.
    assert MedMembership.objects.count() == 27
    assert MedMembership.objects.get(committee=hoved, user=karen).role == "chair"
    roles = set(MedMembership.objects.values_list("role", flat=True))
    assert roles == {"chair", "deputy_chair", "leader_rep", "employee_rep", "work_env_rep"}
    assert not MedMembership.objects.filter(user__external_id=PERSON["allan"]).exists()
    event = AuditEvent.objects.get(action="organisation.os2mo_synced")
    assert event.details["units"]["added"] == 16


def test_a_second_import_of_the_same_export_changes_nothing() -> None:
    run_sync()
    before = snapshot()

    again = run_sync()

    assert again.status == ImportBatch.Status.APPLIED
    assert importer.plan_is_empty(again.summary["plan"])
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="organisation.os2mo_synced").count() == 1


def test_phone_numbers_people_already_have_are_kept() -> None:
    run_sync()
    User.objects.filter(external_id=PERSON["karen"]).update(phone="70001001")

    again = run_sync()

    assert importer.plan_is_empty(again.summary["plan"])
    assert person(PERSON["karen"]).phone == "70001001"


# --- The HR pages ---------------------------------------------------------------------------


def test_hr_fetches_previews_and_confirms_on_the_pages(
    client: Client, hr_only: User, os2mo_settings: SimpleNamespace
) -> None:
    client.force_login(hr_only)
    page = client.get(reverse("organisation:os2mo"))
    assert page.status_code == 200
    assert 'id="os2mo-fetch"' in page.content.decode()

    response = client.post(reverse("organisation:os2mo"))

    batch = ImportBatch.objects.get()
    preview_url = reverse("organisation:import_preview", args=[batch.pk])
    assert response["Location"] == preview_url
    assert (batch.source, batch.status, batch.uploaded_by) == ("os2mo", "previewed", hr_only)
    assert OrgUnit.objects.count() == 0  # nothing before the confirmation
    preview = client.get(preview_url).content.decode()
    assert "OS2mo" in preview
    assert "Fjordby Kommune" in preview
    assert "Karen Holm" in preview
    assert 'value="confirm"' in preview

    client.post(preview_url, {"action": "confirm"})

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert OrgUnit.objects.count() == 16
    assert MedMembership.objects.count() == 27
    event = AuditEvent.objects.get(action="organisation.imported")
    assert (event.actor, event.details["source"]) == (hr_only, "os2mo")


def test_the_preview_lists_what_os2mo_got_wrong(
    client: Client, hr_only: User, os2mo_settings: SimpleNamespace, tmp_path: Path
) -> None:
    os2mo_settings.directory = with_case(tmp_path, "unknown_role")
    client.force_login(hr_only)

    response = client.post(reverse("organisation:os2mo"), follow=True)

    page = response.content.decode()
    assert ASSOCIATION["suppleant"] in page
    assert "suppleant" in page
    assert 'value="confirm"' in page  # the valid rest can still be confirmed


def test_a_failed_fetch_shows_the_reason_and_changes_nothing(
    client: Client, hr_only: User, os2mo_settings: SimpleNamespace, tmp_path: Path
) -> None:
    os2mo_settings.directory = with_case(tmp_path, "http_500")
    client.force_login(hr_only)

    response = client.post(reverse("organisation:os2mo"), follow=True)

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    assert "HTTP 500" in batch.summary["errors"][0]["message"]
    assert "HTTP 500" in response.content.decode()
    assert 'value="confirm"' not in response.content.decode()
    assert OrgUnit.objects.count() == 0


def test_the_page_explains_the_settings_when_os2mo_is_not_set_up(
    client: Client, hr_only: User, settings: Any
) -> None:
    settings.OS2MO_ENABLED = False
    earlier = run_sync()
    client.force_login(hr_only)

    page = client.get(reverse("organisation:os2mo")).content.decode()
    posted = client.post(reverse("organisation:os2mo"), follow=True)

    for name in ("OS2MO_URL", "OS2MO_CLIENT_ID", "OS2MO_CLIENT_SECRET", "OS2MO_MED_ROOT"):
        assert name in page
    assert reverse("organisation:import_preview", args=[earlier.pk]) in page
    assert 'id="os2mo-fetch"' not in page
    assert [message.level_tag for message in posted.context["messages"]] == ["error"]
    assert ImportBatch.objects.count() == 1


def test_the_page_lists_the_latest_syncs_and_their_problems(
    client: Client, hr_only: User, tmp_path: Path
) -> None:
    run_sync()
    latest = run_sync(with_case(tmp_path, "unknown_unit_association"))
    client.force_login(hr_only)

    page = client.get(reverse("organisation:os2mo")).content.decode()

    assert reverse("organisation:import_preview", args=[latest.pk]) in page
    assert ASSOCIATION["ghost_amr"] in page
    assert UNIT["ghost"] in page


@pytest.mark.parametrize("persona", ["leader", "employee", "med_member"])
def test_only_hr_for_the_whole_municipality_may_fetch(
    client: Client, os2mo_settings: SimpleNamespace, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("organisation:os2mo")).status_code == 403
    assert client.post(reverse("organisation:os2mo")).status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_upload_page_links_to_the_os2mo_page(client: Client, hr_only: User) -> None:
    client.force_login(hr_only)

    page = client.get(reverse("organisation:import")).content.decode()

    assert reverse("organisation:os2mo") in page


# --- Changes in OS2mo -----------------------------------------------------------------------


def test_a_changed_os2mo_previews_exactly_those_changes(hr_only: User, tmp_path: Path) -> None:
    run_sync()
    export = load_sample()
    find(export["org_units"], UNIT["driftsgaarden"])["current"]["name"] = "Driftsgården Nord"
    ida = find(export["employees"], PERSON["ida"])["current"]
    ida["engagements"][0]["org_unit"] = [{"uuid": UNIT["fjordby_skole"]}]
    export["associations"].remove(find(export["associations"], ASSOCIATION["line_tr"]))

    batch = sync.fetch_and_preview(
        uploaded_by=hr_only, client=recorded(write_export(tmp_path / "changed", export))
    )

    plan = batch.summary["plan"]
    assert importer.plan_counts(plan) == {
        "units": {"added": 0, "changed": 1, "moved": 0, "deactivated": 0},
        "employees": {"added": 0, "changed": 1, "deactivated": 0},
        "leaders": {"added": 0, "removed": 0},
        "committees": {"added": 0, "changed": 0, "deactivated": 0},
        "memberships": {"added": 0, "removed": 1},
    }
    assert plan["units"]["changed"][0]["changes"] == [
        {"field": "name", "old": "Driftsgården", "new": "Driftsgården Nord"}
    ]
    (moved,) = plan["employees"]["changed"]
    assert moved["external_id"] == PERSON["ida"]
    assert [change["field"] for change in moved["changes"]] == ["home_unit"]
    (removed,) = plan["memberships"]["removed"]
    assert (removed["committee"], removed["employee"], removed["role"]) == (
        MED["lokal_skole"],
        PERSON["line"],
        "employee_rep",
    )
    assert batch.summary["problem_count"] == 0


def test_a_person_who_left_is_deactivated_and_reported(tmp_path: Path) -> None:
    run_sync()
    export = load_sample()
    find(export["employees"], PERSON["allan"])["current"]["engagements"] = []

    batch = run_sync(write_export(tmp_path / "left", export))

    assert person(PERSON["allan"]).is_active is False
    (problem,) = problems_of(batch)[PERSON["allan"]]
    assert "no current engagement" in problem["message"]
    assert batch.summary["plan"]["employees"]["deactivated"][0]["external_id"] == PERSON["allan"]


def test_a_unit_removed_from_os2mo_is_deactivated(tmp_path: Path) -> None:
    run_sync()
    export = load_sample()
    export["org_units"].remove(find(export["org_units"], UNIT["maagen"]))
    for item in export["employees"]:
        for engagement in item["current"]["engagements"]:
            if engagement["org_unit"] == [{"uuid": UNIT["maagen"]}]:
                engagement["org_unit"] = [{"uuid": UNIT["dagtilbud"]}]
    export["managers"] = [
        item
        for item in export["managers"]
        if item["current"]["org_unit"][0]["uuid"] != UNIT["maagen"]
    ]

    batch = run_sync(write_export(tmp_path / "closed", export))

    assert batch.summary["problem_count"] == 0
    assert unit_of(UNIT["maagen"]).active is False
    assert person(PERSON["rasmus"]).home_unit == unit_of(UNIT["dagtilbud"])


# --- Malformed and partial answers ----------------------------------------------------------

READ_FAILURES = {
    "graphql_errors": "Cannot query field 'association_type'",
    "http_500": "HTTP 500",
    "not_json": "not JSON",
    "truncated_paging": "incomplete",
    "missing_page": "HTTP 404",
}


@pytest.mark.parametrize(("case", "reason"), READ_FAILURES.items())
def test_a_failed_read_stores_nothing_and_reports_why(
    tmp_path: Path, case: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    batch = run_sync(with_case(tmp_path, case))

    assert batch.status == ImportBatch.Status.INVALID
    assert batch.uploaded_by is None
    (error,) = batch.summary["errors"]
    assert reason in error["message"]
    assert OrgUnit.objects.count() == 0
    assert User.objects.count() == 0
    assert "reading OS2mo failed" in caplog.text


def test_a_failed_read_leaves_an_imported_organisation_as_it_is(tmp_path: Path) -> None:
    run_sync()
    before = snapshot()

    batch = run_sync(with_case(tmp_path, "truncated_paging"))

    assert batch.status == ImportBatch.Status.INVALID
    assert snapshot() == before


def test_a_unit_with_a_missing_parent_is_reported_and_the_rest_imported(tmp_path: Path) -> None:
    batch = run_sync(with_case(tmp_path, "missing_parent"))

    problems = problems_of(batch)
    assert UNIT["ghost"] in problems[UNIT["skovboernehaven"]][0]["message"]
    assert UNIT["skovboernehaven"] in problems[UNIT["udegruppen"]][0]["message"]
    assert problems[UNIT["udegruppen"]][0]["result"] == "left_out"
    assert batch.status == ImportBatch.Status.APPLIED
    assert OrgUnit.objects.count() == 16
    assert not OrgUnit.objects.filter(name__startswith="Skovbørnehaven").exists()


def test_objects_of_the_wrong_type_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    batch = run_sync(with_case(tmp_path, "wrong_types"))

    problems = problems_of(batch)
    assert "name" in problems[UNIT["driftsgaarden"]][0]["message"]
    assert "engagements" in problems[PERSON["heidi"]][0]["message"]
    assert "person" in problems[ASSOCIATION["line_tr"]][0]["message"]
    assert "two units" in problems[RELATED["hjemmepleje_syd"]][0]["message"]
    # Driftsgården is new, so it is not added, and nor are the people who work there.
    assert batch.status == ImportBatch.Status.APPLIED
    assert not OrgUnit.objects.filter(external_id=UNIT["driftsgaarden"]).exists()
    assert User.objects.filter(external_id__isnull=False).count() == 27
    local = MedCommittee.objects.get(external_id=MED["lokal_hjemmepleje"])
    assert [unit.name for unit in local.covers.all()] == ["Hjemmeplejen Nord"]
    assert (
        not MedMembership.objects.filter(user__external_id=PERSON["line"])
        .filter(committee__external_id=MED["lokal_skole"], role="employee_rep")
        .exists()
    )
    assert OrgUnit.objects.count() == 15


def test_bad_objects_the_database_has_are_kept_as_they_were(tmp_path: Path) -> None:
    run_sync()
    before = snapshot()

    batch = run_sync(with_case(tmp_path, "wrong_types"))

    problems = problems_of(batch)
    assert problems[UNIT["driftsgaarden"]][0]["result"] == "kept"
    assert problems[PERSON["heidi"]][0]["result"] == "kept"
    assert unit_of(UNIT["driftsgaarden"]).name == "Driftsgården"
    assert person(PERSON["heidi"]).is_active
    # The bad membership and link are left out of OS2mo's side; everything else is unchanged.
    after = snapshot()
    assert after["units"] == before["units"]
    assert after["people"] == before["people"]
    assert len(after["members"]) == len(before["members"]) - 1
    assert len(after["covers"]) == len(before["covers"]) - 1


def test_an_employee_without_engagement_is_reported_with_their_membership(
    tmp_path: Path,
) -> None:
    batch = run_sync(with_case(tmp_path, "employee_without_engagement"))

    (problem,) = problems_of(batch)[PERSON["line"]]
    assert "no current engagement" in problem["message"]
    assert not User.objects.filter(external_id=PERSON["line"]).exists()
    assert MedMembership.objects.count() == 26
    assert batch.status == ImportBatch.Status.APPLIED


def test_a_member_without_engagement_who_has_an_account_keeps_it_until_os2mo_is_fixed(
    tmp_path: Path,
) -> None:
    run_sync()
    before = snapshot()

    batch = run_sync(with_case(tmp_path, "employee_without_engagement"))

    (problem,) = problems_of(batch)[PERSON["line"]]
    assert problem["result"] == "kept"
    assert importer.plan_is_empty(batch.summary["plan"])
    assert snapshot() == before


def test_an_association_with_an_unknown_unit_is_reported(tmp_path: Path) -> None:
    batch = run_sync(with_case(tmp_path, "unknown_unit_association"))

    (problem,) = problems_of(batch)[ASSOCIATION["ghost_amr"]]
    assert UNIT["ghost"] in problem["message"]
    assert MedMembership.objects.count() == 27


def test_a_user_key_shared_by_two_people_gives_both_their_uuid_as_username(
    tmp_path: Path,
) -> None:
    batch = run_sync(with_case(tmp_path, "duplicate_user_key"))

    problems = problems_of(batch)
    for key in (PERSON["rasmus"], PERSON["ida"]):
        assert "raju" in problems[key][0]["message"]
        assert problems[key][0]["result"] == "imported"
        assert person(key).username == key
    assert User.objects.filter(external_id__isnull=False).count() == 30


def test_an_association_type_that_is_no_med_role_is_reported(tmp_path: Path) -> None:
    batch = run_sync(with_case(tmp_path, "unknown_role"))

    (problem,) = problems_of(batch)[ASSOCIATION["suppleant"]]
    assert "suppleant" in problem["message"]
    assert problem["name"].startswith("Rasmus Juhl")
    assert MedMembership.objects.count() == 27


def test_a_username_held_by_someone_added_by_hand_keeps_that_person_out(tmp_path: Path) -> None:
    UserFactory(username="kaho", name="Karen fra før")

    batch = run_sync()

    (problem,) = problems_of(batch)[PERSON["karen"]]
    assert "kaho" in problem["message"]
    assert not User.objects.filter(external_id=PERSON["karen"]).exists()
    # Her place as chair of Hoved-MED goes with her; the rest is imported.
    assert MedMembership.objects.count() == 27 - 1
    assert not MedMembership.objects.filter(
        role="chair", committee__external_id=MED["hoved"]
    ).exists()
    assert batch.status == ImportBatch.Status.APPLIED


def test_nothing_is_half_saved_when_applying_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(section: dict[str, Any]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setitem(importer.APPLIERS, "committees", fail)

    batch = run_sync()

    assert batch.status == ImportBatch.Status.INVALID
    assert "disk full" in batch.summary["errors"][0]["message"]
    assert OrgUnit.objects.count() == 0
    assert User.objects.count() == 0
    assert not AuditEvent.objects.filter(action="organisation.os2mo_synced").exists()


def test_a_confirmation_after_a_change_keeps_the_reported_problems(
    hr_only: User, tmp_path: Path
) -> None:
    batch = sync.fetch_and_preview(
        uploaded_by=hr_only, client=recorded(with_case(tmp_path, "unknown_role"))
    )
    run_sync()  # the nightly sync gets there first

    outcome = services.import_batch_apply(batch=batch, applied_by=hr_only)

    batch.refresh_from_db()
    assert outcome is services.ApplyOutcome.PLAN_CHANGED
    assert ASSOCIATION["suppleant"] in problems_of(batch)
    assert importer.plan_is_empty(batch.summary["plan"])


# --- The scheduled sync ---------------------------------------------------------------------


def test_the_beat_task_applies_os2mo(os2mo_settings: SimpleNamespace) -> None:
    result = sync_os2mo.delay().get()

    batch = ImportBatch.objects.get()
    assert result == {"batch": batch.pk, "status": "applied", "problems": 0}
    assert OrgUnit.objects.count() == 16


def test_the_beat_task_does_nothing_without_os2mo(settings: Any) -> None:
    settings.OS2MO_ENABLED = False

    assert sync_os2mo.delay().get() == {"skipped": True}
    assert not ImportBatch.objects.exists()


# --- The management command -----------------------------------------------------------------


def test_the_command_imports_the_recorded_sample_and_then_has_nothing_to_do() -> None:
    out = StringIO()
    call_command("import_os2mo", "--recorded", str(SAMPLE), "--dry-run", stdout=out)
    assert OrgUnit.objects.count() == 0
    assert "16" in out.getvalue()

    call_command("import_os2mo", "--recorded", str(SAMPLE), stdout=StringIO())
    assert OrgUnit.objects.count() == 16
    assert MedMembership.objects.count() == 27

    again = StringIO()
    call_command("import_os2mo", "--recorded", str(SAMPLE), stdout=again)
    assert "OS2mo" in again.getvalue()
    assert importer.plan_is_empty(ImportBatch.objects.first().summary["plan"])


def test_the_command_prints_problems_and_applies_the_rest(tmp_path: Path) -> None:
    err = StringIO()

    call_command(
        "import_os2mo",
        "--recorded",
        str(with_case(tmp_path, "unknown_role")),
        stdout=StringIO(),
        stderr=err,
    )

    assert ASSOCIATION["suppleant"] in err.getvalue()
    assert OrgUnit.objects.count() == 16


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_command_fails_when_os2mo_cannot_be_read(tmp_path: Path, dry_run: bool) -> None:
    err = StringIO()
    arguments = ["--recorded", str(with_case(tmp_path, "http_500"))] + (
        ["--dry-run"] if dry_run else []
    )

    with pytest.raises(CommandError):
        call_command("import_os2mo", *arguments, stdout=StringIO(), stderr=err)

    assert "HTTP 500" in err.getvalue() or dry_run
    assert OrgUnit.objects.count() == 0


def test_the_command_fails_when_the_line_root_is_not_in_os2mo() -> None:
    err = StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_os2mo",
            "--recorded",
            str(SAMPLE),
            "--line-root",
            UNIT["ghost"],
            stdout=StringIO(),
            stderr=err,
        )

    assert UNIT["ghost"] in err.getvalue()
    assert OrgUnit.objects.count() == 0


def test_the_command_needs_os2mo_to_be_set_up_without_a_recording(settings: Any) -> None:
    settings.OS2MO_ENABLED = False

    with pytest.raises(CommandError, match="OS2MO_URL"):
        call_command("import_os2mo", stdout=StringIO())


def test_configured_roots_may_be_given_instead_of_guessed() -> None:
    export_roots = {"line_root": UNIT["kommune"], "med_root": MED["hoved"]}

    batch = sync.sync(client=recorded(SAMPLE), **export_roots)

    assert batch.status == ImportBatch.Status.APPLIED
    assert OrgUnit.objects.count() == 16


def test_a_med_root_inside_the_line_tree_is_kept_out_of_the_units(tmp_path: Path) -> None:
    export = load_sample()
    hoved = find(export["org_units"], MED["hoved"])["current"]
    hoved["parent"] = {"uuid": UNIT["kommune"]}

    batch = sync.sync(
        client=recorded(write_export(tmp_path / "inside", copy.deepcopy(export))),
        line_root=UNIT["kommune"],
        med_root=MED["hoved"],
    )

    assert batch.status == ImportBatch.Status.APPLIED
    assert OrgUnit.objects.count() == 16
    assert MedCommittee.objects.get(external_id=MED["hoved"]).parent is None


def test_hr_waiting_on_the_page_gets_a_reading_limited_in_time(
    hr_only: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OS2MO_ENABLED = True
    asked: list[dict[str, Any]] = []

    def from_settings(cls: type, **options: Any) -> OS2moClient:
        asked.append(options)
        return recorded(SAMPLE)

    monkeypatch.setattr(OS2moClient, "from_settings", classmethod(from_settings))
    sync.fetch_and_preview(uploaded_by=hr_only)
    sync.sync()
    assert asked == [{"within_seconds": sync.INTERACTIVE_SECONDS}, {}]
    assert sync.INTERACTIVE_SECONDS < 60  # config/gunicorn.py's timeout
