"""Importing the organisation from CSV files: the importer, its services, the HR pages and the
management command."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from organisation import importer, services
from organisation.models import (
    ImportBatch,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)
from tests.factories import UserFactory, add_med_member, assign, unit

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "organisation"

# The `org` fixture's tree as units.csv.
ORG_UNITS = """external_id,name,kind,parent_external_id
K,Testkommune,municipality,
BU,Børn og Unge,directorate,K
DN,Dagtilbud Nord,area,BU
SOL,Børnehuset Solsikken,workplace,DN
MAE,Vuggestuen Mælkebøtten,workplace,DN
SO,Sundhed og Omsorg,directorate,K
HO,Hjemmeplejen Øst,area,SO
G1,Gruppe 1,workplace,HO
"""

EMPLOYEES = """external_id,username,name,email,phone,unit_external_id,leads
P1,anne,Anne Andersen,anne@kommune.example,,DN,DN
P2,bent,Bent Berg,bent@kommune.example,12345678,SOL,
P3,carla,Carla Christensen,,,G1,HO|G1
"""

COMMITTEES = """external_id,name,level,parent_external_id,covers
H,Hoved-MED,main,,K
O,Område-MED Børn og Unge,area,H,BU
"""

MEMBERS = """committee_external_id,employee_external_id,role
H,P1,chair
O,P2,employee_rep
O,P3,amr
"""


def without_line(text: str, start: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(start))


def apply(**files: str) -> services.ImportCheck:
    check = services.import_files_apply(files=files)
    assert check.errors == [], check.errors
    return check


def snapshot() -> dict[str, Any]:
    """Everything an import may touch, to compare before and after."""
    return {
        "units": list(
            OrgUnit.objects.order_by("pk").values_list(
                "pk", "path", "depth", "numchild", "name", "kind", "external_id", "active"
            )
        ),
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk",
                "username",
                "name",
                "email",
                "phone",
                "home_unit",
                "is_active",
                "password",
                "external_id",
            )
        ),
        "roles": list(
            RoleAssignment.objects.order_by("pk").values_list(
                "pk", "user", "role", "unit", "source"
            )
        ),
        "committees": list(
            MedCommittee.objects.order_by("pk").values_list(
                "pk", "name", "level", "parent", "active", "external_id"
            )
        ),
        "covers": list(
            MedCommittee.covers.through.objects.order_by("pk").values_list(
                "medcommittee", "orgunit"
            )
        ),
        "memberships": list(
            MedMembership.objects.order_by("pk").values_list("pk", "committee", "user", "role")
        ),
    }


def parent_of(external_id: str) -> str | None:
    parent = OrgUnit.objects.get_parent(OrgUnit.objects.get(external_id=external_id))
    return parent.external_id if parent else None


def error_lines(check: services.ImportCheck) -> set[tuple[str, int | None]]:
    return {(error.file, error.line) for error in check.errors}


def sample_files() -> dict[str, str]:
    return {
        kind: (SAMPLES / f"{kind}.csv").read_text(encoding="utf-8") for kind in importer.FILE_KINDS
    }


# --- Validation -----------------------------------------------------------------------------


def test_bad_rows_are_reported_with_file_line_and_reason_and_nothing_is_applied(
    org: SimpleNamespace,
) -> None:
    units = ORG_UNITS + (
        "X1,,workplace,DN\n"  # line 10: no name
        "X2,Ukendt,castle,DN\n"  # line 11: unknown kind
        "SOL,Dobbelt,workplace,DN\n"  # line 12: duplicate external id
        "X3,Forældreløs,workplace,NOPE\n"  # line 13: unknown parent
        "X4,Anden kommune,municipality,\n"  # line 14: a second root
    )
    employees = (
        EMPLOYEES + "P4,anne,Anne Igen,anne2@kommune.example,,SOL,\n"  # line 5: duplicate username
        "P5,dorte,Dorte Dam,not-an-address,,SOL,\n"  # line 6: invalid e-mail
        "P6,erik,Erik Eng,,,SOL,NOPE\n"  # line 7: leads an unknown unit
        "P7,finn,Finn Fisk,,,NOWHERE,\n"  # line 8: unknown unit
    )
    before = snapshot()

    check = services.import_files_apply(files={"units": units, "employees": employees})

    assert error_lines(check) == {
        ("units.csv", 10),
        ("units.csv", 11),
        ("units.csv", 12),
        ("units.csv", 13),
        ("units.csv", 14),
        ("employees.csv", 5),
        ("employees.csv", 6),
        ("employees.csv", 7),
        ("employees.csv", 8),
    }
    reasons = {(error.file, error.line): error.message for error in check.errors}
    assert "name" in reasons[("units.csv", 10)]
    assert "castle" in reasons[("units.csv", 11)]
    assert "linje 5" in reasons[("units.csv", 12)]
    assert "NOPE" in reasons[("units.csv", 13)]
    assert "linje 2" in reasons[("units.csv", 14)]
    assert "anne" in reasons[("employees.csv", 5)]
    assert "not-an-address" in reasons[("employees.csv", 6)]
    assert "NOPE" in reasons[("employees.csv", 7)]
    assert "NOWHERE" in reasons[("employees.csv", 8)]
    assert check.plan is None
    assert snapshot() == before


def test_a_cycle_of_parents_is_reported_on_each_unit_in_it(db: None) -> None:
    units = "external_id,name,kind,parent_external_id\nK,Kommune,kommune,\nA,A,area,B\nB,B,area,A\n"
    check = services.import_files_check(files={"units": units})

    assert error_lines(check) == {("units.csv", 3), ("units.csv", 4)}
    assert "A → B → A" in check.errors[0].message or "B → A → B" in check.errors[0].message


def test_a_file_without_root_is_reported(db: None) -> None:
    units = "external_id,name,kind,parent_external_id\nA,A,area,B\nB,B,area,A\n"
    check = services.import_files_check(files={"units": units})

    assert ("units.csv", None) in error_lines(check)


def test_missing_and_unknown_columns_are_reported_on_the_header_line(db: None) -> None:
    check = services.import_files_check(
        files={
            "units": "external_id,name,kind,parent_external_id\nK,K,kommune,\n",
            "employees": "external_id,username,name,e-mail\nP1,p,P,\n",
        }
    )

    assert error_lines(check) == {("employees.csv", 1)}
    messages = " ".join(error.message for error in check.errors)
    assert "unit_external_id" in messages
    assert "e-mail" in messages


def test_a_username_held_by_someone_outside_the_file_is_reported(org: SimpleNamespace) -> None:
    UserFactory(username="anne")  # added by hand, no external id

    check = services.import_files_check(files={"units": ORG_UNITS, "employees": EMPLOYEES})

    assert error_lines(check) == {("employees.csv", 2)}


def test_members_of_unknown_committees_or_employees_are_reported(org: SimpleNamespace) -> None:
    members = MEMBERS + "X,P1,chair\nH,NOBODY,chair\nH,P2,king\n"

    check = services.import_files_check(
        files={
            "units": ORG_UNITS,
            "employees": EMPLOYEES,
            "med_committees": COMMITTEES,
            "med_members": members,
        }
    )

    assert error_lines(check) == {
        ("med_members.csv", 5),
        ("med_members.csv", 6),
        ("med_members.csv", 7),
    }


# --- Formats --------------------------------------------------------------------------------


def test_semicolon_files_with_a_bom_and_danish_words_are_accepted(db: None) -> None:
    units = (
        "\ufeffExternal_ID ; Name ; KIND ; Parent_External_ID\r\n"
        "K;Kommune;Kommune;\r\n"
        "F; Forvaltningen ;forvaltning;K\r\n"
        "O;Området;område;F\r\n"
        "A;Arbejdspladsen;arbejdsplads;O\r\n"
        "T;Teamet;team;A\r\n"
    )
    committees = (
        "external_id;name;level;parent_external_id;covers\nH;Hoved;hoved;;K\nA;Arb;amg;H;A|T\n"
    )
    employees = "external_id;username;name;email;phone;unit_external_id;leads\nP;p;P;;;T;\n"
    members = "committee_external_id;employee_external_id;role\nH;P;næstformand\nA;P;AMR\n"
    raw = ("\ufeff" + committees).encode("utf-8")

    apply(
        units=importer.decode_upload(units.encode("utf-8")),
        med_committees=importer.decode_upload(raw),
        employees=employees,
        med_members=members,
    )

    kinds = dict(OrgUnit.objects.values_list("external_id", "kind"))
    assert kinds == {
        "K": "municipality",
        "F": "directorate",
        "O": "area",
        "A": "workplace",
        "T": "team",
    }
    assert OrgUnit.objects.get(external_id="F").name == "Forvaltningen"
    levels = dict(MedCommittee.objects.values_list("external_id", "level"))
    assert levels == {"H": "main", "A": "work_environment"}
    roles = set(MedMembership.objects.values_list("committee__external_id", "role"))
    assert roles == {("H", "deputy_chair"), ("A", "work_env_rep")}


def test_the_sample_files_import_cleanly_into_an_empty_database(db: None) -> None:
    check = apply(**sample_files())

    assert check.plan is not None
    assert OrgUnit.objects.count() == len(check.plan["units"]["added"]) > 10
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    assert OrgUnit.objects.get_root_nodes().get().external_id == "BK"
    assert User.objects.filter(external_id__isnull=False).count() == 20
    assert RoleAssignment.objects.filter(source="import", role="leader").exists()
    assert MedCommittee.objects.get(external_id="LMED-DT").parent.external_id == "OMED-BU"
    assert MedMembership.objects.count() == 14


# --- Planning and applying ------------------------------------------------------------------


def test_reimporting_the_same_files_gives_an_empty_plan_and_changes_nothing(
    org: SimpleNamespace,
) -> None:
    files = {
        "units": ORG_UNITS,
        "employees": EMPLOYEES,
        "med_committees": COMMITTEES,
        "med_members": MEMBERS,
    }
    first = apply(**files)
    assert first.plan is not None
    assert not importer.plan_is_empty(first.plan)
    before = snapshot()

    second = apply(**files)

    assert second.plan is not None
    assert importer.plan_is_empty(second.plan)
    assert snapshot() == before


def test_reimporting_the_sample_files_changes_nothing(db: None) -> None:
    apply(**sample_files())
    before = snapshot()

    check = apply(**sample_files())

    assert check.plan is not None
    assert importer.plan_is_empty(check.plan)
    assert snapshot() == before


def test_a_moved_unit_takes_its_subtree_along(org: SimpleNamespace) -> None:
    # Dagtilbud Nord (with its two workplaces) moves from Børn og Unge to Sundhed og Omsorg.
    units = ORG_UNITS.replace("DN,Dagtilbud Nord,area,BU", "DN,Dagtilbud Nord,area,SO")

    check = apply(units=units)

    assert check.plan is not None
    assert [item["external_id"] for item in check.plan["units"]["moved"]] == ["DN"]
    health = OrgUnit.objects.get(external_id="SO")
    nord = OrgUnit.objects.get(external_id="DN")
    assert OrgUnit.objects.get_parent(nord) == health
    for child in ("SOL", "MAE"):
        node = OrgUnit.objects.get(external_id=child)
        assert node.path.startswith(nord.path)
        assert node.depth == nord.depth + 1
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    assert OrgUnit.objects.get(external_id="BU").numchild == 0


def test_a_unit_can_move_below_its_former_child(org: SimpleNamespace) -> None:
    # Swap Dagtilbud Nord and Solsikken: the old parent becomes the child.
    units = ORG_UNITS.replace("DN,Dagtilbud Nord,area,BU", "DN,Dagtilbud Nord,area,SOL").replace(
        "SOL,Børnehuset Solsikken,workplace,DN", "SOL,Børnehuset Solsikken,workplace,BU"
    )

    apply(units=units)

    solsikken = OrgUnit.objects.get(external_id="SOL")
    nord = OrgUnit.objects.get(external_id="DN")
    assert OrgUnit.objects.get_parent(solsikken).external_id == "BU"
    assert OrgUnit.objects.get_parent(nord) == solsikken
    assert OrgUnit.objects.get_parent(OrgUnit.objects.get(external_id="MAE")) == nord
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_a_new_root_takes_over_and_the_old_one_is_deactivated(org: SimpleNamespace) -> None:
    units = ORG_UNITS.replace("K,Testkommune,municipality,", "NK,Nykommune,municipality,").replace(
        ",K\n", ",NK\n"
    )

    apply(units=units)

    new_root = OrgUnit.objects.get(external_id="NK")
    assert new_root.depth == 1
    assert parent_of("BU") == "NK"
    assert parent_of("SO") == "NK"
    assert OrgUnit.objects.get(external_id="SOL").path.startswith(new_root.path)
    assert OrgUnit.objects.get(external_id="K").active is False
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_a_unit_can_become_the_root(org: SimpleNamespace) -> None:
    units = (
        "external_id,name,kind,parent_external_id\n"
        "DN,Dagtilbud Nord,municipality,\n"
        "SOL,Børnehuset Solsikken,workplace,DN\n"
    )

    apply(units=units)

    nord = OrgUnit.objects.get(external_id="DN")
    assert nord.depth == 1
    assert OrgUnit.objects.get(external_id="SOL").path.startswith(nord.path)
    assert OrgUnit.objects.get(external_id="MAE").active is False
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_changed_names_and_kinds_are_planned_and_applied(org: SimpleNamespace) -> None:
    units = ORG_UNITS.replace("G1,Gruppe 1,workplace", "G1,Gruppe Et,team")

    check = apply(units=units)

    assert check.plan is not None
    (changed,) = check.plan["units"]["changed"]
    assert {change["field"] for change in changed["changes"]} == {"name", "kind"}
    group = OrgUnit.objects.get(external_id="G1")
    assert (group.name, group.kind, group.path) == ("Gruppe Et", "team", org.group.path)


def test_units_missing_from_the_file_are_deactivated_with_their_people(
    org: SimpleNamespace,
) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES)
    units = without_line(ORG_UNITS, "G1,")
    employees = without_line(EMPLOYEES, "P3,")

    check = apply(units=units, employees=employees)

    assert check.plan is not None
    assert [item["external_id"] for item in check.plan["units"]["deactivated"]] == ["G1"]
    assert [item["external_id"] for item in check.plan["employees"]["deactivated"]] == ["P3"]
    group = OrgUnit.objects.get(external_id="G1")
    assert group.active is False
    assert group.path == org.group.path  # deactivated, never deleted or moved
    carla = User.objects.get(external_id="P3")
    assert carla.is_active is False
    assert not RoleAssignment.objects.filter(user=carla).exists()


def test_people_are_left_alone_when_no_employees_file_is_given(org: SimpleNamespace) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES)

    apply(units=without_line(ORG_UNITS, "G1,"))

    assert User.objects.get(external_id="P3").is_active is True
    assert RoleAssignment.objects.filter(user__external_id="P3").count() == 2


def test_a_deactivated_unit_becomes_active_again_when_it_returns(org: SimpleNamespace) -> None:
    apply(units=without_line(ORG_UNITS, "G1,"))

    check = apply(units=ORG_UNITS)

    assert check.plan is not None
    assert check.plan["units"]["changed"][0]["changes"] == [
        {"field": "active", "old": False, "new": True}
    ]
    assert OrgUnit.objects.get(external_id="G1").active is True


def test_units_and_people_added_by_hand_are_left_alone(
    org: SimpleNamespace, hr: User, leader: User
) -> None:
    by_hand = unit("Projektgruppen", parent=org.nord)
    apply(units=ORG_UNITS, employees=EMPLOYEES)

    by_hand.refresh_from_db()
    assert by_hand.active is True
    assert OrgUnit.objects.get_parent(by_hand).external_id == "DN"
    assert User.objects.get(pk=hr.pk).is_active is True
    assert User.objects.get(pk=leader.pk).is_active is True
    assert RoleAssignment.objects.filter(user=hr, role="hr").exists()


def test_leaders_from_the_import_are_assigned_and_removed_but_manual_ones_kept(
    org: SimpleNamespace,
) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES)
    carla = User.objects.get(external_id="P3")
    anne = User.objects.get(external_id="P1")
    imported = set(
        RoleAssignment.objects.filter(source="import").values_list(
            "user__external_id", "unit__external_id"
        )
    )
    assert imported == {("P1", "DN"), ("P3", "HO"), ("P3", "G1")}
    manual = assign(anne, RoleAssignment.Role.LEADER, org.east)  # by hand, not in the file

    # Carla no longer leads Gruppe 1.
    check = apply(units=ORG_UNITS, employees=EMPLOYEES.replace("HO|G1", "HO"))

    assert check.plan is not None
    assert [(item["employee"], item["unit"]) for item in check.plan["leaders"]["removed"]] == [
        ("P3", "G1")
    ]
    assert set(
        RoleAssignment.objects.filter(user=carla).values_list("unit__external_id", flat=True)
    ) == {"HO"}
    assert RoleAssignment.objects.filter(pk=manual.pk).exists()


def test_a_manual_leader_role_listed_in_the_file_is_not_duplicated(org: SimpleNamespace) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES.replace(",DN,DN", ",DN,"))
    anne = User.objects.get(external_id="P1")
    assign(anne, RoleAssignment.Role.LEADER, org.nord)

    check = apply(units=ORG_UNITS, employees=EMPLOYEES)

    assert check.plan is not None
    assert check.plan["leaders"]["added"] == []
    assert RoleAssignment.objects.get(user=anne).source == "manual"


def test_changed_people_are_updated_including_swapped_usernames(org: SimpleNamespace) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES)
    swapped = EMPLOYEES.replace("P1,anne,", "P1,bent,").replace("P2,bent,", "P2,anne,")
    swapped = swapped.replace(
        "P2,anne,Bent Berg,bent@kommune.example,12345678,SOL",
        "P2,anne,Bent Berg,bent@kommune.example,87654321,MAE",
    )

    check = apply(units=ORG_UNITS, employees=swapped)

    assert check.plan is not None
    assert len(check.plan["employees"]["changed"]) == 2
    assert User.objects.get(external_id="P1").username == "bent"
    bent = User.objects.get(external_id="P2")
    assert (bent.username, bent.phone, bent.home_unit.external_id) == ("anne", "87654321", "MAE")


def test_committees_and_memberships_follow_the_files(org: SimpleNamespace, hr: User) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES, med_committees=COMMITTEES, med_members=MEMBERS)
    hand_made = MedCommittee.objects.create(name="Ad hoc", level="local")
    add_med_member(MedCommittee.objects.get(external_id="O"), hr, "leader_rep")  # by hand

    committees = without_line(COMMITTEES, "O,") + "O2,Område-MED Sundhed,area,H,SO\n"
    members = "committee_external_id,employee_external_id,role\nH,P1,chair\nO2,P3,amr\n"
    apply(units=ORG_UNITS, employees=EMPLOYEES, med_committees=committees, med_members=members)

    old = MedCommittee.objects.get(external_id="O")
    assert old.active is False
    new = MedCommittee.objects.get(external_id="O2")
    assert list(new.covers.values_list("external_id", flat=True)) == ["SO"]
    assert new.parent.external_id == "H"
    assert set(
        MedMembership.objects.values_list("committee__external_id", "user__external_id", "role")
    ) == {
        ("H", "P1", "chair"),
        ("O2", "P3", "work_env_rep"),
        ("O", None, "leader_rep"),  # HR's membership was added by hand and is kept
    }
    assert MedCommittee.objects.get(pk=hand_made.pk).active is True


def test_memberships_are_kept_when_no_members_file_is_given(org: SimpleNamespace) -> None:
    apply(units=ORG_UNITS, employees=EMPLOYEES, med_committees=COMMITTEES, med_members=MEMBERS)

    apply(units=ORG_UNITS, employees=EMPLOYEES, med_committees=COMMITTEES)

    assert MedMembership.objects.count() == 3


def test_a_failure_midway_leaves_nothing_half_applied(
    org: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(section: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(importer.APPLIERS, "committees", fail)
    units = ORG_UNITS.replace("DN,Dagtilbud Nord,area,BU", "DN,Dagtilbud Nord,area,SO")
    before = snapshot()

    with pytest.raises(RuntimeError):
        services.import_files_apply(
            files={"units": units, "employees": EMPLOYEES, "med_committees": COMMITTEES}
        )

    assert snapshot() == before


# --- The HR pages ---------------------------------------------------------------------------


def upload(client: Client, **files: str | bytes) -> Any:
    data = {
        kind: SimpleUploadedFile(
            f"{kind}.csv", content.encode() if isinstance(content, str) else content, "text/csv"
        )
        for kind, content in files.items()
    }
    return client.post(reverse("organisation:import"), data)


def test_hr_sees_the_upload_form(client_for: Any, hr: User) -> None:
    response = client_for(hr).get(reverse("organisation:import"))

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b'name="units"' in response.content


def test_the_hr_page_flow_uploads_previews_and_confirms(client_for: Any, hr: User) -> None:
    client = client_for(hr)
    units = ORG_UNITS.replace("DN,Dagtilbud Nord,area,BU", "DN,Dagtilbud Nord,area,SO")

    response = upload(client, units=units, employees=EMPLOYEES.encode("utf-8-sig"))

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:import_preview", args=[batch.pk])
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.uploaded_by == hr
    assert set(batch.files) == {"units", "employees"}

    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "Anne Andersen" in preview.content.decode()
    assert 'value="confirm"' in preview.content.decode()
    assert parent_of("DN") == "BU"  # not yet

    confirmed = client.post(response["Location"], {"action": "confirm"}, follow=True)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.applied_at is not None
    assert parent_of("DN") == "SO"
    assert User.objects.filter(external_id="P1").exists()
    assert confirmed.redirect_chain == [(response["Location"], 302)]
    assert [message.level_tag for message in confirmed.context["messages"]] == ["success"]
    assert 'value="confirm"' not in confirmed.content.decode()


def test_bad_files_give_a_preview_with_the_row_errors(client_for: Any, hr: User) -> None:
    client = client_for(hr)

    response = upload(client, units=ORG_UNITS + "X,,kastel,K\n")
    batch = ImportBatch.objects.get()
    page = client.get(reverse("organisation:import_preview", args=[batch.pk])).content.decode()

    assert batch.status == ImportBatch.Status.INVALID
    assert '<td class="error-line">10</td>' in page
    assert "units.csv" in page
    assert 'value="confirm"' not in page
    assert OrgUnit.objects.count() == 8
    assert response.status_code == 302


def test_a_file_that_is_not_utf8_is_refused_by_the_form(client_for: Any, hr: User) -> None:
    client = client_for(hr)

    response = upload(client, units=ORG_UNITS.encode("latin-1"))

    assert response.status_code == 200
    assert response.context["form"].errors["units"]
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("persona", ["leader", "employee"])
def test_people_who_are_not_hr_for_the_whole_municipality_get_403(
    client_for: Any, hr: User, persona: str, request: pytest.FixtureRequest
) -> None:
    batch = services.import_batch_create(uploaded_by=hr, files={"units": ORG_UNITS})
    client = client_for(request.getfixturevalue(persona))
    preview_url = reverse("organisation:import_preview", args=[batch.pk])

    assert client.get(reverse("organisation:import")).status_code == 403
    assert upload(client, units=ORG_UNITS).status_code == 403
    assert client.get(preview_url).status_code == 403
    assert client.post(preview_url, {"action": "confirm"}).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_hr_for_a_subtree_only_gets_403(client_for: Any, org: SimpleNamespace) -> None:
    local_hr = UserFactory(username="lokal_hr")
    assign(local_hr, RoleAssignment.Role.HR, org.children)

    assert client_for(local_hr).get(reverse("organisation:import")).status_code == 403


def test_confirming_after_the_organisation_changed_shows_a_new_preview(
    client_for: Any, hr: User, org: SimpleNamespace
) -> None:
    client = client_for(hr)
    upload(client, units=ORG_UNITS.replace("Gruppe 1", "Gruppe Et"))
    batch = ImportBatch.objects.get()
    old_digest = batch.plan_digest
    # Meanwhile someone renames another unit by hand: the import would now rename it back.
    OrgUnit.objects.filter(pk=org.east.pk).update(name="Hjemmeplejen Østerby")

    response = client.post(
        reverse("organisation:import_preview", args=[batch.pk]), {"action": "confirm"}, follow=True
    )

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.plan_digest != old_digest
    assert OrgUnit.objects.get(pk=org.group.pk).name == "Gruppe 1"  # nothing applied
    assert any(message.level_tag == "warning" for message in response.context["messages"])
    assert "Hjemmeplejen Østerby" in response.content.decode()

    client.post(reverse("organisation:import_preview", args=[batch.pk]), {"action": "confirm"})

    assert OrgUnit.objects.get(pk=org.group.pk).name == "Gruppe Et"
    assert OrgUnit.objects.get(pk=org.east.pk).name == "Hjemmeplejen Øst"


def test_an_applied_batch_cannot_be_applied_twice(client_for: Any, hr: User) -> None:
    client = client_for(hr)
    upload(client, units=ORG_UNITS, employees=EMPLOYEES)
    batch = ImportBatch.objects.get()
    url = reverse("organisation:import_preview", args=[batch.pk])
    client.post(url, {"action": "confirm"})
    # Someone deactivates a person by hand; a second application would reactivate them.
    User.objects.filter(external_id="P2").update(is_active=False)

    response = client.post(url, {"action": "confirm"}, follow=True)

    assert User.objects.get(external_id="P2").is_active is False
    assert any(message.level_tag == "error" for message in response.context["messages"])
    assert services.import_batch_apply(batch=batch, applied_by=hr) is (
        services.ApplyOutcome.NOT_PENDING
    )


def test_a_discarded_batch_cannot_be_applied(client_for: Any, hr: User) -> None:
    client = client_for(hr)
    upload(client, units=ORG_UNITS.replace("Gruppe 1", "Gruppe Et"))
    batch = ImportBatch.objects.get()
    url = reverse("organisation:import_preview", args=[batch.pk])

    client.post(url, {"action": "discard"})
    client.post(url, {"action": "confirm"})

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED
    assert OrgUnit.objects.filter(name="Gruppe Et").count() == 0


def test_the_preview_rejects_an_unknown_action(client_for: Any, hr: User) -> None:
    batch = services.import_batch_create(uploaded_by=hr, files={"units": ORG_UNITS})

    response = client_for(hr).post(
        reverse("organisation:import_preview", args=[batch.pk]), {"action": "explode"}
    )

    assert response.status_code == 400


# --- The management command -----------------------------------------------------------------


def write_files(tmp_path: Path, **files: str) -> list[str]:
    arguments = []
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        arguments += [f"--{kind.replace('_', '-')}", str(path)]
    return arguments


def test_the_command_with_dry_run_prints_the_plan_and_changes_nothing(
    org: SimpleNamespace, tmp_path: Path
) -> None:
    before = snapshot()
    out = StringIO()

    call_command(
        "import_organisation",
        *write_files(
            tmp_path, units=ORG_UNITS.replace("Gruppe 1", "Gruppe Et"), employees=EMPLOYEES
        ),
        "--dry-run",
        stdout=out,
    )

    assert "Gruppe Et" in out.getvalue()
    assert snapshot() == before


def test_the_command_applies_the_files(org: SimpleNamespace, tmp_path: Path) -> None:
    call_command(
        "import_organisation",
        *write_files(
            tmp_path,
            units=ORG_UNITS,
            employees=EMPLOYEES,
            med_committees=COMMITTEES,
            med_members=MEMBERS,
        ),
        stdout=StringIO(),
    )

    assert User.objects.filter(external_id__isnull=False).count() == 3
    assert MedMembership.objects.count() == 3


def test_the_command_exits_non_zero_on_a_bad_file_and_changes_nothing(
    org: SimpleNamespace, tmp_path: Path
) -> None:
    before = snapshot()
    err = StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_organisation",
            *write_files(tmp_path, units=ORG_UNITS + "X,Slot,castle,K\n"),
            stdout=StringIO(),
            stderr=err,
        )

    assert "units.csv:10" in err.getvalue()
    assert snapshot() == before


def test_the_command_exits_non_zero_from_the_shell(tmp_path: Path) -> None:
    """`manage.py import_organisation` returns a non-zero exit status on a bad file."""
    (tmp_path / "units.csv").write_text("external_id,name\nK,Kommune\n", encoding="utf-8")
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    result = subprocess.run(
        [
            sys.executable,
            str(manage),
            "import_organisation",
            "--units",
            str(tmp_path / "units.csv"),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DEBUG": "1", "VAR_DIR": str(tmp_path)},
    )

    assert result.returncode != 0
    assert "units.csv:1" in result.stderr
