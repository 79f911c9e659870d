"""Mapping OS2mo's objects to the organisation import: roots, kinds and levels, roles, people's
usernames and e-mail addresses, and objects that cannot be read. No network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from organisation.models import ImportBatch, MedCommittee
from organisation.os2mo import mapping, sync
from tests.os2mo_support import (
    MED,
    PERSON,
    UNIT,
    find,
    in_english,  # noqa: F401 - an autouse fixture: messages are checked in English
    load_sample,
    recorded,
    write_export,
)


def org_unit(uuid: str, name: Any, parent: str | None, unit_type: str | None = None) -> dict:
    return {
        "uuid": uuid,
        "current": {
            "uuid": uuid,
            "user_key": str(name),
            "name": name,
            "parent": {"uuid": parent} if parent else None,
            "unit_type": {"user_key": unit_type, "name": unit_type} if unit_type else None,
            "org_unit_level": None,
            "org_unit_hierarchy_model": None,
        },
    }


def uuid(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def tree(*units: dict) -> dict[str, list[Any]]:
    return {
        "org_units": list(units),
        "employees": [],
        "associations": [],
        "related_units": [],
        "managers": [],
    }


def problems_by_uuid(mapped: mapping.Mapped) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in mapped.problems:
        found.setdefault(problem.uuid, []).append(problem.message)
    return found


def test_the_roots_are_found_by_their_med_names() -> None:
    mapped = mapping.map_export(load_sample())

    assert mapped.errors == []
    assert mapped.organisation.units[UNIT["kommune"]].parent is None
    assert mapped.organisation.committees[MED["hoved"]].level == "main"
    assert UNIT["kommune"] not in mapped.organisation.committees


def test_two_candidate_line_roots_ask_for_the_setting() -> None:
    export = tree(
        org_unit(uuid(1), "Fjordby Kommune", None),
        org_unit(uuid(2), "Projekter", None),
    )

    mapped = mapping.map_export(export)

    assert len(mapped.errors) == 1
    assert "OS2MO_LINE_ROOT" in mapped.errors[0]
    assert mapped.organisation.units == {}


def test_two_med_roots_ask_for_the_setting() -> None:
    export = tree(
        org_unit(uuid(1), "Fjordby Kommune", None),
        org_unit(uuid(2), "Hoved-MED", None),
        org_unit(uuid(3), "MED gammel", None),
    )

    assert "OS2MO_MED_ROOT" in mapping.map_export(export).errors[0]


@pytest.mark.parametrize("root", ["not-a-uuid", uuid(9)])
def test_a_configured_root_that_is_not_in_os2mo_stops_the_import(root: str) -> None:
    export = tree(org_unit(uuid(1), "Fjordby Kommune", None))

    mapped = mapping.map_export(export, line_root=root)

    assert "OS2MO_LINE_ROOT" in mapped.errors[0]


def test_kinds_come_from_known_unit_types_or_else_from_the_depth() -> None:
    export = tree(
        org_unit(uuid(1), "Fjordby Kommune", None, "Afdeling"),
        org_unit(uuid(2), "Direktionen", uuid(1), "Afdeling"),
        org_unit(uuid(3), "Kultur", uuid(2), "Afdeling"),
        org_unit(uuid(4), "Biblioteket", uuid(3), "Afdeling"),
        org_unit(uuid(5), "Børnebiblioteket", uuid(4), "Afdeling"),
        org_unit(uuid(6), "Skolen", uuid(2), "Skole"),
        org_unit(uuid(7), "Team Nord", uuid(2), "Team"),
    )

    units = mapping.map_export(export).organisation.units

    kinds = {units[key].name: units[key].kind for key in units}
    assert kinds == {
        "Fjordby Kommune": "municipality",
        "Direktionen": "directorate",
        "Kultur": "area",
        "Biblioteket": "workplace",
        "Børnebiblioteket": "team",
        "Skolen": "workplace",
        "Team Nord": "team",
    }


def test_committee_levels_come_from_known_unit_types_or_else_from_the_depth() -> None:
    export = tree(
        org_unit(uuid(1), "Fjordby Kommune", None),
        org_unit(uuid(2), "Hoved-MED", None, "MED-udvalg"),
        org_unit(uuid(3), "Udvalg for Kultur", uuid(2), "MED-udvalg"),
        org_unit(uuid(4), "Udvalg for Biblioteket", uuid(3), "MED-udvalg"),
        org_unit(uuid(5), "AMG Biblioteket", uuid(4), "Arbejdsmiljøgruppe"),
        org_unit(uuid(6), "Lokaludvalg Musikskolen", uuid(2), "Lokal MED"),
    )

    committees = mapping.map_export(export).organisation.committees

    levels = {committee.name: committee.level for committee in committees.values()}
    assert levels == {
        "Hoved-MED": "main",
        "Udvalg for Kultur": "area",
        "Udvalg for Biblioteket": "local",
        "AMG Biblioteket": "work_environment",
        "Lokaludvalg Musikskolen": "local",
    }


def test_a_cycle_of_parents_is_reported_and_left_out() -> None:
    export = tree(
        org_unit(uuid(1), "Fjordby Kommune", None),
        org_unit(uuid(2), "A", uuid(3)),
        org_unit(uuid(3), "B", uuid(2)),
        org_unit(uuid(4), "Under A", uuid(2)),
    )

    mapped = mapping.map_export(export, line_root=uuid(1))

    problems = problems_by_uuid(mapped)
    assert "cycle" in problems[uuid(2)][0]
    assert "cycle" in problems[uuid(3)][0]
    assert uuid(2) in problems[uuid(4)][0]
    assert set(mapped.organisation.units) == {uuid(1)}
    assert mapped.left_out["units"] == {uuid(2), uuid(3), uuid(4)}


def test_units_of_other_trees_and_closed_units_are_ignored_without_a_problem() -> None:
    export = tree(
        org_unit(uuid(1), "Fjordby Kommune", None),
        org_unit(uuid(2), "Hoved-MED", None),
        org_unit(uuid(3), "Eksterne", None),
        org_unit(uuid(4), "Leverandør", uuid(3)),
        {"uuid": uuid(5), "current": None},
    )

    mapped = mapping.map_export(export, line_root=uuid(1), med_root=uuid(2))

    assert mapped.problems == []
    assert set(mapped.organisation.units) == {uuid(1)}


@pytest.mark.parametrize(
    "item",
    [
        "a string",
        {"current": {}},
        {"uuid": 7, "current": {}},
        {"uuid": "not-a-uuid", "current": {}},
        {"uuid": uuid(8), "current": ["a list"]},
    ],
    ids=["not-an-object", "no-uuid", "uuid-a-number", "uuid-not-a-uuid", "current-a-list"],
)
def test_an_object_that_cannot_be_read_is_reported_by_its_position(item: Any) -> None:
    export = tree(org_unit(uuid(1), "Fjordby Kommune", None), item)

    mapped = mapping.map_export(export)

    (problem,) = mapped.problems
    assert problem.message.startswith("Object 2:")
    assert list(mapped.organisation.units) == [uuid(1)]


def test_a_list_missing_from_the_export_stops_the_import() -> None:
    export = tree(org_unit(uuid(1), "Fjordby Kommune", None))
    del export["employees"]

    assert "employees" in mapping.map_export(export).errors[0]


@pytest.mark.parametrize(
    ("type_name", "role"),
    [
        ("Formand", "chair"),
        ("Næstformand", "deputy_chair"),
        ("Lederrepræsentant", "leader_rep"),
        ("Ledelsesrepræsentant", "leader_rep"),
        ("Medarbejderrepræsentant", "employee_rep"),
        ("Tillidsrepræsentant", "employee_rep"),
        ("TR", "employee_rep"),
        ("AMR", "work_env_rep"),
        ("Arbejdsmiljørepræsentant", "work_env_rep"),
        ("Arbejdsmiljørepræsentant (AMR)", "work_env_rep"),
    ],
)
def test_os2mos_usual_association_types_are_med_roles(type_name: str, role: str) -> None:
    export = load_sample()
    association = export["associations"][0]["current"]
    association["association_type"] = {"user_key": type_name, "name": type_name}
    committee = association["org_unit"][0]["uuid"]
    member = association["person"][0]["uuid"]

    members = mapping.map_export(export).organisation.members

    assert (committee, member, role) in members


def test_a_user_key_that_cannot_be_a_username_gives_the_uuid_and_a_problem() -> None:
    export = load_sample()
    find(export["employees"], PERSON["karen"])["current"]["user_key"] = "Karen Holm"

    mapped = mapping.map_export(export)

    assert mapped.organisation.people[PERSON["karen"]].username == PERSON["karen"]
    assert "Karen Holm" in problems_by_uuid(mapped)[PERSON["karen"]][0]


def test_an_invalid_email_address_is_left_out_and_reported() -> None:
    export = load_sample()
    karen = find(export["employees"], PERSON["karen"])["current"]
    karen["addresses"][0]["value"] = "kaho at fjordby"

    mapped = mapping.map_export(export)

    assert mapped.organisation.people[PERSON["karen"]].email == ""
    assert "kaho at fjordby" in problems_by_uuid(mapped)[PERSON["karen"]][0]


def test_an_engagement_outside_the_line_organisation_is_no_workplace() -> None:
    export = load_sample()
    karen = find(export["employees"], PERSON["karen"])["current"]
    karen["engagements"] = [
        {"uuid": uuid(1), "is_primary": True, "org_unit": [{"uuid": MED["hoved"]}]}
    ]

    mapped = mapping.map_export(export)

    assert PERSON["karen"] not in mapped.organisation.people
    assert PERSON["karen"] in mapped.left_out["people"]
    assert MED["hoved"] in problems_by_uuid(mapped)[PERSON["karen"]][0]


def test_the_files_are_the_same_for_the_same_organisation() -> None:
    first = mapping.map_export(load_sample()).organisation
    export = load_sample()
    for objects in export.values():
        objects.reverse()
    second = mapping.map_export(export).organisation

    assert mapping.to_files(first)[0] == mapping.to_files(second)[0]


@pytest.mark.django_db
def test_without_a_med_organisation_committees_are_left_as_they_are(tmp_path: Path) -> None:
    kept = MedCommittee.objects.create(name="Hoved-MED", level="main", external_id="HMED")
    export = load_sample()
    med = set(MED.values()) | {
        "18a9aa0a-1967-5e4c-8830-1bbd0ecbd94b",  # Område-MED Sundhed og Omsorg
    }
    export["org_units"] = [
        item
        for item in export["org_units"]
        if item["uuid"] not in med
        and (item["current"] or {}).get("parent", {}) != {"uuid": MED["hoved"]}
    ]

    batch = sync.sync(client=recorded(write_export(tmp_path / "line-only", export)))

    assert batch.status == ImportBatch.Status.APPLIED
    assert "committees" not in batch.summary["plan"]
    kept.refresh_from_db()
    assert kept.active
