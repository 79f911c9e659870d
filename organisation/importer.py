"""Importing the organisation from CSV files: parsing, validation, planning and applying.

The files are the source of truth for everything that carries an external id: units, people,
MED committees, their memberships and the leader roles that came from an import. An import runs
in three steps, each usable on its own:

1. `parse_files` reads and validates the CSV texts. Every bad row becomes a `RowError` with its
   file, line and reason; an import with any error is never planned or applied.
2. `build_plan` compares the parsed files with the database and returns a plan: a plain,
   JSON-serialisable dict of what will be added, changed, moved, deactivated and removed. It is
   shown to HR, stored with the upload, and its `plan_digest` lets the confirmation detect that
   the organisation changed since the preview.
3. `apply_plan` carries the plan out in one transaction.

Nothing is ever deleted except memberships and import-sourced leader roles: units, people and
committees that disappear from the files are deactivated. Rows without an external id were
added by hand and are left alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# decode_upload and RowError are part of this module's interface (forms, command, services).
from organisation import csvfiles, principal
from organisation.csvfiles import RowError, decode_upload  # noqa: F401
from organisation.models import MedCommittee, MedMembership, OrgUnit, RoleAssignment, User

UNITS = "units"
EMPLOYEES = "employees"
MED_COMMITTEES = "med_committees"
MED_MEMBERS = "med_members"
FILE_KINDS = (UNITS, EMPLOYEES, MED_COMMITTEES, MED_MEMBERS)
FILE_NAMES = {kind: f"{kind}.csv" for kind in FILE_KINDS}
FILE_LABELS = {
    UNITS: gettext_lazy("Units"),
    EMPLOYEES: gettext_lazy("Employees"),
    MED_COMMITTEES: gettext_lazy("MED committees"),
    MED_MEMBERS: gettext_lazy("MED members"),
}

# (required columns, optional columns) per file. Unknown columns are an error rather than
# ignored: a misspelt optional header would otherwise silently blank that field for everyone.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    UNITS: (("external_id", "name", "kind", "parent_external_id"), ()),
    EMPLOYEES: (
        ("external_id", "username", "name", "unit_external_id"),
        ("email", "phone", "leads"),
    ),
    MED_COMMITTEES: (("external_id", "name", "level"), ("parent_external_id", "covers")),
    MED_MEMBERS: (("committee_external_id", "employee_external_id", "role"), ()),
}

UNIT_KINDS = {
    "municipality": OrgUnit.Kind.MUNICIPALITY,
    "kommune": OrgUnit.Kind.MUNICIPALITY,
    "directorate": OrgUnit.Kind.DIRECTORATE,
    "direktion": OrgUnit.Kind.DIRECTORATE,
    # A "forvaltning" is the administration a director heads, so it sits at directorate level.
    "forvaltning": OrgUnit.Kind.DIRECTORATE,
    "area": OrgUnit.Kind.AREA,
    "område": OrgUnit.Kind.AREA,
    "workplace": OrgUnit.Kind.WORKPLACE,
    "arbejdsplads": OrgUnit.Kind.WORKPLACE,
    "team": OrgUnit.Kind.TEAM,
}
COMMITTEE_LEVELS = {
    "main": MedCommittee.Level.MAIN,
    "hoved": MedCommittee.Level.MAIN,
    "hovedmed": MedCommittee.Level.MAIN,
    "hoved-med": MedCommittee.Level.MAIN,
    "area": MedCommittee.Level.AREA,
    "område": MedCommittee.Level.AREA,
    "områdemed": MedCommittee.Level.AREA,
    "område-med": MedCommittee.Level.AREA,
    "local": MedCommittee.Level.LOCAL,
    "lokal": MedCommittee.Level.LOCAL,
    "lokalmed": MedCommittee.Level.LOCAL,
    "lokal-med": MedCommittee.Level.LOCAL,
    "work_environment": MedCommittee.Level.WORK_ENVIRONMENT,
    "amg": MedCommittee.Level.WORK_ENVIRONMENT,
    "arbejdsmiljøgruppe": MedCommittee.Level.WORK_ENVIRONMENT,
}
MEMBER_ROLES = {
    "chair": MedMembership.Role.CHAIR,
    "formand": MedMembership.Role.CHAIR,
    "deputy_chair": MedMembership.Role.DEPUTY_CHAIR,
    "næstformand": MedMembership.Role.DEPUTY_CHAIR,
    "leader_rep": MedMembership.Role.LEADER_REPRESENTATIVE,
    "lederrepræsentant": MedMembership.Role.LEADER_REPRESENTATIVE,
    "employee_rep": MedMembership.Role.EMPLOYEE_REPRESENTATIVE,
    "tr": MedMembership.Role.EMPLOYEE_REPRESENTATIVE,
    "medarbejderrepræsentant": MedMembership.Role.EMPLOYEE_REPRESENTATIVE,
    "work_env_rep": MedMembership.Role.WORK_ENVIRONMENT_REPRESENTATIVE,
    "amr": MedMembership.Role.WORK_ENVIRONMENT_REPRESENTATIVE,
    "arbejdsmiljørepræsentant": MedMembership.Role.WORK_ENVIRONMENT_REPRESENTATIVE,
}

MAX_LENGTHS = {
    "external_id": 100,
    "name": 200,
    "username": 150,
    "email": 254,
    "phone": 40,
}

_username_validator = UnicodeUsernameValidator()


@dataclass
class UnitRow:
    line: int
    external_id: str
    name: str
    kind: str
    parent: str | None


@dataclass
class EmployeeRow:
    line: int
    external_id: str
    username: str
    name: str
    email: str
    phone: str
    unit: str | None
    leads: list[str]


@dataclass
class CommitteeRow:
    line: int
    external_id: str
    name: str
    level: str
    parent: str | None
    covers: list[str]


@dataclass
class MemberRow:
    line: int
    committee: str
    employee: str
    role: str


@dataclass
class ParsedImport:
    """The validated content of the files; a file kind absent from `given` was not uploaded."""

    given: frozenset[str] = frozenset()
    units: dict[str, UnitRow] = field(default_factory=dict)
    employees: dict[str, EmployeeRow] = field(default_factory=dict)
    committees: dict[str, CommitteeRow] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# --- Reading CSV ----------------------------------------------------------------------------


def _split_list(value: str) -> list[str]:
    """A `|`-separated list of external ids, without blanks or repeats, in file order."""
    items = (item.strip() for item in value.split("|"))
    return list(dict.fromkeys(item for item in items if item))


def read_rows(kind: str, text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows of one CSV text as (line number, column → stripped value)."""
    required, optional = COLUMNS[kind]
    return csvfiles.read_rows(
        text, file_name=FILE_NAMES[kind], required=required, optional=optional
    )


# --- Validation -----------------------------------------------------------------------------


class _FileChecker:
    """Collects errors for one file, with small helpers for the checks every file shares."""

    def __init__(self, kind: str, errors: list[RowError]) -> None:
        self.file_name = FILE_NAMES[kind]
        self.errors = errors

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(RowError(self.file_name, line, message))

    def required(self, line: int, row: dict[str, str], columns: Iterable[str]) -> bool:
        ok = True
        for column in columns:
            if not row.get(column):
                self.error(line, _("The required field “%(field)s” is empty.") % {"field": column})
                ok = False
        return ok

    def lengths(self, line: int, row: dict[str, str]) -> bool:
        ok = True
        for column, limit in MAX_LENGTHS.items():
            if len(row.get(column, "")) > limit:
                self.error(
                    line,
                    _("The field “%(field)s” is longer than %(limit)s characters.")
                    % {"field": column, "limit": limit},
                )
                ok = False
        return ok

    def choice(self, line: int, value: str, choices: dict[str, str], message: str) -> str | None:
        """The code value for `value` (any accepted spelling), or None after reporting it."""
        found = choices.get(value.lower())
        if found is None:
            self.error(line, message % {"value": value, "choices": ", ".join(choices)})
        return found

    def unique(self, line: int, key: str, first_lines: dict[str, int], message: str) -> bool:
        """Record `key` as seen; report and return False when it was seen before."""
        if key in first_lines:
            self.error(line, message % {"value": key, "first_line": first_lines[key]})
            return False
        first_lines[key] = line
        return True


def _find_cycles(parents: dict[str, str | None]) -> dict[str, list[str]]:
    """Every key that lies on a cycle of parents, mapped to that cycle (in parent order)."""
    on_cycle: dict[str, list[str]] = {}
    settled: set[str] = set()
    for start in parents:
        trail: list[str] = []
        position: dict[str, int] = {}
        node: str | None = start
        while node is not None and node in parents and node not in settled:
            if node in position:
                cycle = trail[position[node] :]
                for member in cycle:
                    on_cycle[member] = cycle
                break
            position[node] = len(trail)
            trail.append(node)
            node = parents[node]
        settled.update(trail)
    return on_cycle


def _check_units(
    rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> dict[str, UnitRow]:
    check = _FileChecker(UNITS, errors)
    units: dict[str, UnitRow] = {}
    first_lines: dict[str, int] = {}
    for line, row in rows:
        if not check.required(line, row, ("external_id", "name", "kind")) or not check.lengths(
            line, row
        ):
            continue
        kind = check.choice(
            line,
            row["kind"],
            UNIT_KINDS,
            _("The kind “%(value)s” is unknown; use one of: %(choices)s."),
        )
        duplicate_message = _(
            "The external id %(value)s is used more than once (first on line %(first_line)s)."
        )
        if not check.unique(line, row["external_id"], first_lines, duplicate_message) or not kind:
            continue
        units[row["external_id"]] = UnitRow(
            line=line,
            external_id=row["external_id"],
            name=row["name"],
            kind=kind,
            parent=row.get("parent_external_id") or None,
        )

    if not rows:
        check.error(None, _("The file has no units."))
        return units
    # Rows are counted as roots even when invalid otherwise, so that a root with a bad kind
    # gives one error, not a second one saying that the root is missing.
    roots = [
        (line, row.get("external_id", ""))
        for line, row in rows
        if not row.get("parent_external_id")
    ]
    for line, ext in roots[1:]:
        check.error(
            line,
            _(
                "The unit %(unit)s has no parent, but the unit on line %(first_line)s is already "
                "the root; exactly one unit may be without a parent."
            )
            % {"unit": ext, "first_line": roots[0][0]},
        )
    if not roots:
        check.error(
            None,
            _(
                "No unit is without a parent; exactly one unit, the municipality, must have an "
                "empty parent_external_id."
            ),
        )
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units and unit.parent not in first_lines:
            check.error(
                unit.line,
                _("The parent %(parent)s is not a unit in units.csv.") % {"parent": unit.parent},
            )
    cycles = _find_cycles({ext: unit.parent for ext, unit in units.items()})
    for ext, cycle in cycles.items():
        check.error(
            units[ext].line,
            _("The unit %(unit)s is part of a cycle of parents: %(cycle)s.")
            % {"unit": ext, "cycle": " → ".join([*cycle, cycle[0]])},
        )
    return units


def _check_employees(
    rows: list[tuple[int, dict[str, str]]], unit_ids: set[str], errors: list[RowError]
) -> dict[str, EmployeeRow]:
    check = _FileChecker(EMPLOYEES, errors)
    employees: dict[str, EmployeeRow] = {}
    first_lines: dict[str, int] = {}
    username_lines: dict[str, int] = {}
    for line, row in rows:
        if not check.required(line, row, ("external_id", "username", "name")) or not check.lengths(
            line, row
        ):
            continue
        ok = check.unique(
            line,
            row["external_id"],
            first_lines,
            _("The external id %(value)s is used more than once (first on line %(first_line)s)."),
        )
        username = row["username"]
        try:
            _username_validator(username)
        except ValidationError:
            check.error(
                line,
                _("The username %(username)s is not valid; use letters, digits and @ . + - _ only.")
                % {"username": username},
            )
            ok = False
        # Usernames differing only in case would confuse sign-in, so they count as duplicates.
        if username.casefold() in username_lines:
            check.error(
                line,
                _(
                    "The username %(username)s is used more than once (first on line "
                    "%(first_line)s)."
                )
                % {"username": username, "first_line": username_lines[username.casefold()]},
            )
            ok = False
        else:
            username_lines[username.casefold()] = line
        email = row.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                check.error(
                    line, _("The e-mail address %(email)s is not valid.") % {"email": email}
                )
                ok = False
        unit = row.get("unit_external_id") or None
        if unit is not None and unit not in unit_ids:
            check.error(line, _("The unit %(unit)s is not a unit in units.csv.") % {"unit": unit})
            ok = False
        leads = _split_list(row.get("leads", ""))
        for led in leads:
            if led not in unit_ids:
                check.error(
                    line,
                    _(
                        "The person is listed as leader of %(unit)s, which is not a unit in "
                        "units.csv."
                    )
                    % {"unit": led},
                )
                ok = False
        if ok:
            employees[row["external_id"]] = EmployeeRow(
                line=line,
                external_id=row["external_id"],
                username=username,
                name=row["name"],
                email=email,
                phone=row.get("phone", ""),
                unit=unit,
                leads=leads,
            )
    _check_usernames_free(check, employees)
    return employees


def _check_usernames_free(check: _FileChecker, employees: dict[str, EmployeeRow]) -> None:
    """A username in the file may not belong to someone in the database who is not in the file
    (a person added by hand, or one this import deactivates): the import would clash with them."""
    by_username = {employee.username: employee for employee in employees.values()}
    holders = User.objects.filter(username__in=by_username).values_list("username", "external_id")
    for username, external_id in holders:
        if external_id is None or external_id not in employees:
            check.error(
                by_username[username].line,
                _(
                    "The username %(username)s already belongs to another user who is not in "
                    "this file."
                )
                % {"username": username},
            )


def _check_committees(
    rows: list[tuple[int, dict[str, str]]], unit_ids: set[str], errors: list[RowError]
) -> dict[str, CommitteeRow]:
    check = _FileChecker(MED_COMMITTEES, errors)
    committees: dict[str, CommitteeRow] = {}
    first_lines: dict[str, int] = {}
    for line, row in rows:
        if not check.required(line, row, ("external_id", "name", "level")) or not check.lengths(
            line, row
        ):
            continue
        level = check.choice(
            line,
            row["level"],
            COMMITTEE_LEVELS,
            _("The level “%(value)s” is unknown; use one of: %(choices)s."),
        )
        unique = check.unique(
            line,
            row["external_id"],
            first_lines,
            _("The external id %(value)s is used more than once (first on line %(first_line)s)."),
        )
        covers = _split_list(row.get("covers", ""))
        unknown = [unit for unit in covers if unit not in unit_ids]
        for unit in unknown:
            check.error(
                line,
                _("The committee covers %(unit)s, which is not a unit in units.csv.")
                % {"unit": unit},
            )
        if level and unique and not unknown:
            committees[row["external_id"]] = CommitteeRow(
                line=line,
                external_id=row["external_id"],
                name=row["name"],
                level=level,
                parent=row.get("parent_external_id") or None,
                covers=covers,
            )
    for committee in committees.values():
        if committee.parent is not None and committee.parent not in first_lines:
            check.error(
                committee.line,
                _("The parent committee %(parent)s is not a committee in med_committees.csv.")
                % {"parent": committee.parent},
            )
    cycles = _find_cycles({ext: committee.parent for ext, committee in committees.items()})
    for ext, cycle in cycles.items():
        check.error(
            committees[ext].line,
            _("The committee %(committee)s is part of a cycle of parent committees: %(cycle)s.")
            % {"committee": ext, "cycle": " → ".join([*cycle, cycle[0]])},
        )
    return committees


def _check_members(
    rows: list[tuple[int, dict[str, str]]],
    committee_ids: set[str],
    employee_ids: set[str],
    errors: list[RowError],
) -> list[MemberRow]:
    check = _FileChecker(MED_MEMBERS, errors)
    members: list[MemberRow] = []
    first_lines: dict[str, int] = {}
    for line, row in rows:
        if not check.required(line, row, ("committee_external_id", "employee_external_id", "role")):
            continue
        role = check.choice(
            line,
            row["role"],
            MEMBER_ROLES,
            _("The role “%(value)s” is unknown; use one of: %(choices)s."),
        )
        committee, employee = row["committee_external_id"], row["employee_external_id"]
        ok = role is not None
        if committee not in committee_ids:
            check.error(
                line, _("The committee %(committee)s is unknown.") % {"committee": committee}
            )
            ok = False
        if employee not in employee_ids:
            check.error(line, _("The employee %(employee)s is unknown.") % {"employee": employee})
            ok = False
        if not ok:
            continue
        key = f"{committee} / {employee} / {role}"
        if check.unique(
            line,
            key,
            first_lines,
            _(
                "The same person is listed twice with the same role in the same committee (first "
                "on line %(first_line)s)."
            ),
        ):
            members.append(MemberRow(line=line, committee=committee, employee=employee, role=role))
    return members


def parse_files(files: dict[str, str]) -> ParsedImport:
    """Read and validate the CSV texts (file kind → text). units.csv is required.

    Memberships may refer to committees and employees from the database when their own files
    are not part of this import.
    """
    parsed = ParsedImport(given=frozenset(kind for kind in FILE_KINDS if files.get(kind)))
    errors = parsed.errors
    if UNITS not in parsed.given:
        errors.append(RowError(FILE_NAMES[UNITS], None, _("units.csv is required.")))
        return parsed
    rows = {}
    for kind in parsed.given:
        rows[kind], read_errors = read_rows(kind, files[kind])
        errors.extend(read_errors)

    parsed.units = _check_units(rows[UNITS], errors)
    # Checking references against the units as written (not only the valid ones) avoids a
    # second, misleading error for a row that points at a unit that merely had a bad kind.
    unit_ids = set(parsed.units) | {row.get("external_id", "") for _line, row in rows[UNITS]}
    if EMPLOYEES in parsed.given:
        parsed.employees = _check_employees(rows[EMPLOYEES], unit_ids, errors)
    if MED_COMMITTEES in parsed.given:
        parsed.committees = _check_committees(rows[MED_COMMITTEES], unit_ids, errors)
    if MED_MEMBERS in parsed.given:
        if MED_COMMITTEES in parsed.given:
            committee_ids = {row.get("external_id", "") for _line, row in rows[MED_COMMITTEES]}
        else:
            committee_ids = set(
                MedCommittee.objects.filter(external_id__isnull=False).values_list(
                    "external_id", flat=True
                )
            )
        if EMPLOYEES in parsed.given:
            employee_ids = {row.get("external_id", "") for _line, row in rows[EMPLOYEES]}
        else:
            employee_ids = set(
                User.objects.filter(external_id__isnull=False).values_list("external_id", flat=True)
            )
        parsed.members = _check_members(rows[MED_MEMBERS], committee_ids, employee_ids, errors)
    errors.sort(
        key=lambda error: (FILE_KINDS.index(error.file.removesuffix(".csv")), error.line or 0)
    )
    return parsed


# --- Planning -------------------------------------------------------------------------------


def _depths(units: dict[str, UnitRow]) -> dict[str, int]:
    """Each unit's depth in the file's tree (the root is 1)."""
    depths: dict[str, int] = {}

    def depth(ext: str) -> int:
        if ext not in depths:
            parent = units[ext].parent
            depths[ext] = 1 if parent is None else depth(parent) + 1
        return depths[ext]

    for ext in units:
        depth(ext)
    return depths


def _change(field_name: str, old: Any, new: Any) -> dict[str, Any]:
    return {"field": field_name, "old": old, "new": new}


def _label(names: dict[str, str], ext: str | None) -> str:
    """How a unit or committee is shown in the plan: its name and external id."""
    if ext is None:
        return ""
    return f"{names.get(ext, ext)} ({ext})"


def _plan_units(parsed: ParsedImport, plan: dict[str, Any]) -> dict[str, str]:
    """Fill in plan["units"]; return every unit's display name by external id (file wins)."""
    existing = {
        row["path"]: row
        for row in OrgUnit.objects.values("pk", "path", "external_id", "name", "kind", "active")
    }
    by_ext = {row["external_id"]: row for row in existing.values() if row["external_id"]}
    names = {ext: row["name"] for ext, row in by_ext.items()}
    names.update({ext: unit.name for ext, unit in parsed.units.items()})
    depths = _depths(parsed.units)
    section: dict[str, list[dict[str, Any]]] = {
        "added": [],
        "changed": [],
        "moved": [],
        "deactivated": [],
    }
    # Top-down, so that every parent exists and sits in its final place before its children.
    for ext in sorted(parsed.units, key=lambda ext: (depths[ext], parsed.units[ext].line)):
        unit = parsed.units[ext]
        current = by_ext.get(ext)
        if current is None:
            section["added"].append(
                {
                    "external_id": ext,
                    "name": unit.name,
                    "kind": unit.kind,
                    "parent": unit.parent,
                    "parent_label": _label(names, unit.parent),
                    "depth": depths[ext],
                }
            )
            continue
        parent_row = existing.get(current["path"][: -OrgUnit.steplen])
        old_parent = parent_row["external_id"] if parent_row else None
        if old_parent != unit.parent or (parent_row is not None and unit.parent is None):
            section["moved"].append(
                {
                    "external_id": ext,
                    "name": unit.name,
                    "parent": unit.parent,
                    "old_parent_label": parent_row["name"]
                    if parent_row and not old_parent
                    else _label(names, old_parent),
                    "parent_label": _label(names, unit.parent),
                    "depth": depths[ext],
                }
            )
        changes = []
        if current["name"] != unit.name:
            changes.append(_change("name", current["name"], unit.name))
        if current["kind"] != unit.kind:
            changes.append(_change("kind", current["kind"], unit.kind))
        if not current["active"]:
            changes.append(_change("active", False, True))
        if changes:
            section["changed"].append({"external_id": ext, "name": unit.name, "changes": changes})
    for ext, row in sorted(by_ext.items(), key=lambda item: item[1]["path"]):
        if ext not in parsed.units and row["active"]:
            section["deactivated"].append({"external_id": ext, "name": row["name"]})
    plan["units"] = section
    return names


def _plan_employees(parsed: ParsedImport, plan: dict[str, Any], unit_names: dict[str, str]) -> None:
    existing = {
        row["external_id"]: row
        for row in User.objects.filter(external_id__isnull=False).values(
            "external_id",
            "username",
            "name",
            "email",
            "phone",
            "is_active",
            "home_unit__external_id",
            "home_unit__name",
        )
    }
    section: dict[str, list[dict[str, Any]]] = {"added": [], "changed": [], "deactivated": []}
    for ext, employee in sorted(parsed.employees.items(), key=lambda item: item[1].line):
        values = {
            "username": employee.username,
            "name": employee.name,
            "email": employee.email,
            "phone": employee.phone,
            "home_unit": employee.unit,
        }
        current = existing.get(ext)
        if current is None:
            section["added"].append(
                {
                    "external_id": ext,
                    **values,
                    "home_unit_label": _label(unit_names, employee.unit),
                }
            )
            continue
        changes = []
        for name in ("username", "name", "email", "phone"):
            if current[name] != values[name]:
                changes.append(_change(name, current[name], values[name]))
        if current["home_unit__external_id"] != employee.unit or (
            employee.unit is None and current["home_unit__name"] is not None
        ):
            old = (
                _label(unit_names, current["home_unit__external_id"])
                if current["home_unit__external_id"]
                else current["home_unit__name"] or ""
            )
            changes.append(_change("home_unit", old, _label(unit_names, employee.unit)))
        if not current["is_active"]:
            changes.append(_change("is_active", False, True))
        if changes:
            section["changed"].append(
                {"external_id": ext, "name": employee.name, "set": values, "changes": changes}
            )
    for ext, row in sorted(existing.items()):
        if ext not in parsed.employees and row["is_active"]:
            section["deactivated"].append(
                {"external_id": ext, "name": row["name"], "username": row["username"]}
            )
    plan["employees"] = section

    # Leader roles: the file decides the imported ones; roles assigned by hand are never touched.
    leaders = RoleAssignment.objects.filter(
        role=RoleAssignment.Role.LEADER,
        user__external_id__isnull=False,
        unit__external_id__isnull=False,
    ).values_list("user__external_id", "unit__external_id", "source")
    imported = {(user, unit) for user, unit, source in leaders if source == "import"}
    any_source = {(user, unit) for user, unit, _source in leaders}
    wanted = {(ext, unit) for ext, employee in parsed.employees.items() for unit in employee.leads}
    names = {ext: employee.name for ext, employee in parsed.employees.items()}
    names.update({ext: row["name"] for ext, row in existing.items() if ext not in names})

    def describe(pair: tuple[str, str]) -> dict[str, str]:
        return {
            "employee": pair[0],
            "employee_label": f"{names.get(pair[0], pair[0])} ({pair[0]})",
            "unit": pair[1],
            "unit_label": _label(unit_names, pair[1]),
        }

    plan["leaders"] = {
        "added": [describe(pair) for pair in sorted(wanted - any_source)],
        "removed": [describe(pair) for pair in sorted(imported - wanted)],
    }


def _plan_committees(
    parsed: ParsedImport, plan: dict[str, Any], unit_names: dict[str, str]
) -> dict[str, str]:
    existing = {
        row["external_id"]: row
        for row in MedCommittee.objects.filter(external_id__isnull=False).values(
            "external_id", "name", "level", "active", "parent__external_id", "parent__name"
        )
    }
    covers: dict[str, set[str]] = {}
    for committee, unit in MedCommittee.covers.through.objects.filter(
        medcommittee__external_id__isnull=False, orgunit__external_id__isnull=False
    ).values_list("medcommittee__external_id", "orgunit__external_id"):
        covers.setdefault(committee, set()).add(unit)
    names = {ext: row["name"] for ext, row in existing.items()}
    names.update({ext: committee.name for ext, committee in parsed.committees.items()})
    if MED_COMMITTEES not in parsed.given:
        return names

    section: dict[str, list[dict[str, Any]]] = {"added": [], "changed": [], "deactivated": []}
    for ext, committee in sorted(parsed.committees.items(), key=lambda item: item[1].line):
        wanted_covers = sorted(committee.covers)
        current = existing.get(ext)
        values = {
            "name": committee.name,
            "level": committee.level,
            "parent": committee.parent,
            "covers": wanted_covers,
        }
        if current is None:
            section["added"].append(
                {
                    "external_id": ext,
                    **values,
                    "parent_label": _label(names, committee.parent),
                    "covers_labels": [_label(unit_names, unit) for unit in wanted_covers],
                }
            )
            continue
        changes = []
        for name in ("name", "level"):
            if current[name] != values[name]:
                changes.append(_change(name, current[name], values[name]))
        if current["parent__external_id"] != committee.parent or (
            committee.parent is None and current["parent__name"] is not None
        ):
            old = (
                _label(names, current["parent__external_id"])
                if current["parent__external_id"]
                else current["parent__name"] or ""
            )
            changes.append(_change("parent", old, _label(names, committee.parent)))
        old_covers = sorted(covers.get(ext, set()))
        if old_covers != wanted_covers:
            changes.append(
                _change(
                    "covers",
                    [_label(unit_names, unit) for unit in old_covers],
                    [_label(unit_names, unit) for unit in wanted_covers],
                )
            )
        if not current["active"]:
            changes.append(_change("active", False, True))
        if changes:
            section["changed"].append(
                {"external_id": ext, "name": committee.name, "set": values, "changes": changes}
            )
    for ext, row in sorted(existing.items()):
        if ext not in parsed.committees and row["active"]:
            section["deactivated"].append({"external_id": ext, "name": row["name"]})
    plan["committees"] = section
    return names


def _plan_members(
    parsed: ParsedImport, plan: dict[str, Any], committee_names: dict[str, str]
) -> None:
    existing = set(
        MedMembership.objects.filter(
            committee__external_id__isnull=False, user__external_id__isnull=False
        ).values_list("committee__external_id", "user__external_id", "role")
    )
    wanted = {(member.committee, member.employee, member.role) for member in parsed.members}
    people = dict(User.objects.filter(external_id__isnull=False).values_list("external_id", "name"))
    people.update({ext: employee.name for ext, employee in parsed.employees.items()})

    def describe(triple: tuple[str, str, str]) -> dict[str, str]:
        committee, employee, role = triple
        return {
            "committee": committee,
            "committee_label": _label(committee_names, committee),
            "employee": employee,
            "employee_label": _label(people, employee),
            "role": role,
        }

    plan["memberships"] = {
        "added": [describe(triple) for triple in sorted(wanted - existing)],
        "removed": [describe(triple) for triple in sorted(existing - wanted)],
    }


def build_plan(parsed: ParsedImport) -> dict[str, Any]:
    """What applying the parsed files would do to the database, as a JSON-serialisable dict.

    Sections for files that were not given are absent: their objects stay as they are.
    """
    if parsed.errors:
        raise ValueError("An import with errors cannot be planned.")
    plan: dict[str, Any] = {"files": sorted(parsed.given, key=FILE_KINDS.index)}
    unit_names = _plan_units(parsed, plan)
    if EMPLOYEES in parsed.given:
        _plan_employees(parsed, plan, unit_names)
    committee_names = _plan_committees(parsed, plan, unit_names)
    if MED_MEMBERS in parsed.given:
        _plan_members(parsed, plan, committee_names)
    return plan


def plan_digest(plan: dict[str, Any]) -> str:
    """A fingerprint of the plan: equal digests mean the same changes against the same data."""
    canonical = json.dumps(plan, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


SECTIONS = ("units", "employees", "leaders", "committees", "memberships")
ACTION_LABELS = {
    "added": gettext_lazy("added"),
    "changed": gettext_lazy("changed"),
    "moved": gettext_lazy("moved"),
    "deactivated": gettext_lazy("deactivated"),
    "removed": gettext_lazy("removed"),
}
SECTION_LABELS = {
    "units": gettext_lazy("Units"),
    "employees": gettext_lazy("People"),
    "leaders": gettext_lazy("Leader roles"),
    "committees": gettext_lazy("MED committees"),
    "memberships": gettext_lazy("MED memberships"),
}


def plan_counts(plan: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Section → action → number of objects, for the sections the plan has."""
    return {
        section: {action: len(items) for action, items in plan[section].items()}
        for section in SECTIONS
        if section in plan
    }


def plan_is_empty(plan: dict[str, Any]) -> bool:
    return not any(sum(actions.values()) for actions in plan_counts(plan).values())


# --- Applying -------------------------------------------------------------------------------


def _unit_pks() -> dict[str, int]:
    return dict(OrgUnit.objects.filter(external_id__isnull=False).values_list("external_id", "pk"))


def _apply_units(section: dict[str, list[dict[str, Any]]]) -> None:
    pks = _unit_pks()
    added = [("add", item) for item in section["added"]]
    moved = [("move", item) for item in section["moved"]]
    # Top-down: a unit's new parent is in place (and so is not inside the unit) when it moves.
    for action, item in sorted(added + moved, key=lambda step: step[1]["depth"]):
        # Treebeard rewrites paths on every add and move, so nodes are always fetched afresh.
        if action == "add":
            fields = {
                "name": item["name"],
                "kind": item["kind"],
                "external_id": item["external_id"],
            }
            if item["parent"] is None:
                node = OrgUnit.objects.add_root(create_kwargs=fields)
            else:
                parent = OrgUnit.objects.get(pk=pks[item["parent"]])
                node = OrgUnit.objects.add_child(parent, create_kwargs=fields)
            pks[item["external_id"]] = node.pk
        else:
            node = OrgUnit.objects.get(pk=pks[item["external_id"]])
            if item["parent"] is None:
                OrgUnit.objects.move(node, OrgUnit.objects.get_last_root_node(), "last-sibling")
            else:
                target = OrgUnit.objects.get(pk=pks[item["parent"]])
                OrgUnit.objects.move(node, target, "last-child")
    for item in section["changed"]:
        # update(), not save(): a node loaded earlier may carry a path that a move changed.
        values = {change["field"]: change["new"] for change in item["changes"]}
        OrgUnit.objects.filter(pk=pks[item["external_id"]]).update(**values)
    deactivated = [item["external_id"] for item in section["deactivated"]]
    OrgUnit.objects.filter(external_id__in=deactivated).update(active=False)


def _apply_employees(section: dict[str, list[dict[str, Any]]]) -> None:
    units = _unit_pks()
    new_people = []
    for item in section["added"]:
        person = User(
            external_id=item["external_id"],
            username=item["username"],
            name=item["name"],
            email=item["email"],
            phone=item["phone"],
            home_unit_id=units.get(item["home_unit"]) if item["home_unit"] else None,
        )
        # People sign in through the municipality's single sign-on or a password reset.
        person.set_unusable_password()
        new_people.append(person)
    changed = {item["external_id"]: item for item in section["changed"]}
    people = {person.external_id: person for person in User.objects.filter(external_id__in=changed)}
    renamed = [
        people[ext]
        for ext, item in changed.items()
        if people[ext].username != item["set"]["username"]
    ]
    # Two people may swap usernames; parking the old ones first keeps the unique index happy.
    for person in renamed:
        person.username = f"~import~{person.pk}"
        person.save(update_fields=["username"])
    for ext, item in changed.items():
        person = people[ext]
        values = item["set"]
        person.username = values["username"]
        person.name = values["name"]
        person.email = values["email"]
        person.phone = values["phone"]
        person.home_unit_id = units.get(values["home_unit"]) if values["home_unit"] else None
        person.is_active = True
        person.save(update_fields=["username", "name", "email", "phone", "home_unit", "is_active"])
    User.objects.bulk_create(new_people)
    deactivated = [item["external_id"] for item in section["deactivated"]]
    User.objects.filter(external_id__in=deactivated).update(is_active=False)


def _apply_leaders(section: dict[str, list[dict[str, str]]]) -> None:
    if section["removed"]:
        pairs = (
            Q(user__external_id=item["employee"], unit__external_id=item["unit"])
            for item in section["removed"]
        )
        query = Q()
        for pair in pairs:
            query |= pair
        RoleAssignment.objects.filter(
            query, role=RoleAssignment.Role.LEADER, source=RoleAssignment.Source.IMPORT
        ).delete()
    users = dict(User.objects.filter(external_id__isnull=False).values_list("external_id", "pk"))
    units = _unit_pks()
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                user_id=users[item["employee"]],
                unit_id=units[item["unit"]],
                role=RoleAssignment.Role.LEADER,
                source=RoleAssignment.Source.IMPORT,
            )
            for item in section["added"]
        ]
    )


def _apply_committees(section: dict[str, list[dict[str, Any]]]) -> None:
    units = _unit_pks()
    for item in section["added"]:
        MedCommittee.objects.create(
            external_id=item["external_id"], name=item["name"], level=item["level"]
        )
    committees = {
        committee.external_id: committee
        for committee in MedCommittee.objects.filter(external_id__isnull=False)
    }
    Covers = MedCommittee.covers.through
    for item in [*section["added"], *section["changed"]]:
        values = item.get("set", item)
        committee = committees[item["external_id"]]
        committee.name = values["name"]
        committee.level = values["level"]
        committee.parent = committees[values["parent"]] if values["parent"] else None
        committee.active = True
        committee.save(update_fields=["name", "level", "parent", "active"])
        # Only covered units with an external id are the import's; others were added by hand.
        Covers.objects.filter(medcommittee=committee, orgunit__external_id__isnull=False).exclude(
            orgunit__external_id__in=values["covers"]
        ).delete()
        committee.covers.add(*(units[unit] for unit in values["covers"]))
    deactivated = [item["external_id"] for item in section["deactivated"]]
    MedCommittee.objects.filter(external_id__in=deactivated).update(active=False)


def _apply_memberships(section: dict[str, list[dict[str, str]]]) -> None:
    for item in section["removed"]:
        MedMembership.objects.filter(
            committee__external_id=item["committee"],
            user__external_id=item["employee"],
            role=item["role"],
        ).delete()
    committees = dict(
        MedCommittee.objects.filter(external_id__isnull=False).values_list("external_id", "pk")
    )
    users = dict(User.objects.filter(external_id__isnull=False).values_list("external_id", "pk"))
    MedMembership.objects.bulk_create(
        [
            MedMembership(
                committee_id=committees[item["committee"]],
                user_id=users[item["employee"]],
                role=item["role"],
            )
            for item in section["added"]
        ]
    )


APPLIERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "units": _apply_units,
    "employees": _apply_employees,
    "leaders": _apply_leaders,
    "committees": _apply_committees,
    "memberships": _apply_memberships,
}


def apply_plan(plan: dict[str, Any]) -> None:
    """Carry out a plan made by `build_plan` against the same database state, all or nothing."""
    with transaction.atomic():
        for section in SECTIONS:
            if section in plan:
                APPLIERS[section](plan[section])
        # Bulk writes and tree moves send no signals: say so for the cached users and scopes.
        principal.changed()


# --- Presenting -----------------------------------------------------------------------------

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "active": gettext_lazy("Active"),
    "is_active": gettext_lazy("Active"),
    "username": gettext_lazy("Username"),
    "email": gettext_lazy("E-mail address"),
    "phone": gettext_lazy("Phone"),
    "home_unit": gettext_lazy("Unit"),
    "level": gettext_lazy("Level"),
    "parent": gettext_lazy("Parent committee"),
    "covers": gettext_lazy("Covers units"),
}


def _display(field_name: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(value) or str(_("none"))
    if field_name == "kind" and value in OrgUnit.Kind.values:
        return str(OrgUnit.Kind(value).label)
    if field_name == "level" and value in MedCommittee.Level.values:
        return str(MedCommittee.Level(value).label)
    return str(value) if value not in (None, "") else str(_("none"))


def present_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """A copy of the plan with labels in the active language, for the preview and the command."""
    shown = json.loads(json.dumps(plan))
    for section in SECTIONS:
        for items in shown.get(section, {}).values():
            for item in items:
                if "kind" in item:
                    item["kind_label"] = _display("kind", item["kind"])
                if "level" in item:
                    item["level_label"] = _display("level", item["level"])
                if "role" in item and item["role"] in MedMembership.Role.values:
                    item["role_label"] = str(MedMembership.Role(item["role"]).label)
                for change in item.get("changes", []):
                    change["label"] = str(FIELD_LABELS.get(change["field"], change["field"]))
                    change["old_label"] = _display(change["field"], change["old"])
                    change["new_label"] = _display(change["field"], change["new"])
    return shown
