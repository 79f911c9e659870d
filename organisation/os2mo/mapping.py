"""OS2mo's objects → the records of the organisation import, and those records → its CSV files.

OS2mo keeps the line organisation and the MED organisation as trees of organisation units, often
as two separate roots (`OS2MO_LINE_ROOT`, `OS2MO_MED_ROOT`; without them the roots are guessed:
the root whose name, unit type or hierarchy says "MED" is the MED organisation, the other one
the line organisation). UUIDs are the external ids.

- **Units** of the line tree. The root is the municipality; other kinds come from the unit
  type or unit level when its name is one the import knows (Direktion, Forvaltning, Område,
  Arbejdsplads, Team, Institution, ...), otherwise from the depth: 2 directorate, 3 area,
  4 workplace, deeper team.
- **People**: OS2mo's employees with a current engagement in the line organisation. The
  workplace is the unit of the primary engagement (or of the only one; with several and none
  primary, the first by unit UUID). The username is OS2mo's user_key, or the person's UUID when
  the user_key cannot be a username or is shared by several people. The e-mail address is the
  first address of scope EMAIL (an `EmailEmployee` address first). Leader roles come from
  OS2mo's managers of line units. Phone numbers are not read (they are kept as they are).
- **Committees**: the units of the MED tree. The level comes from the unit type when it names
  one (Hoved-MED, Område-MED, Lokal-MED, AMG, ...), otherwise from the depth: the MED root is
  the main committee, then area, then local. A committee covers the line units it is linked to
  by OS2mo's related units.
- **Memberships**: OS2mo's associations of people with MED units; the association type names
  the role (Formand, Næstformand, Medarbejderrepræsentant/TR, AMR/Arbejdsmiljørepræsentant,
  Lederrepræsentant, ...).

Nothing here trusts the shape of what OS2mo sent: an object with a missing or mistyped field,
an unknown parent or reference, or an unknown role becomes a `Problem` naming its UUID and the
reason, and is left out. Objects that depend on one left out are sorted out by `sync.prepare`,
which also keeps objects the database already has as they are instead of dropping them.
"""

from __future__ import annotations

import csv
import io
import re
import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from organisation import importer
from organisation.models import MedCommittee, OrgUnit

# --- Records --------------------------------------------------------------------------------


@dataclass
class Unit:
    external_id: str
    name: str
    kind: str
    parent: str | None


@dataclass
class Person:
    external_id: str
    username: str
    name: str
    email: str
    unit: str | None
    phone: str = ""
    leads: list[str] = field(default_factory=list)


@dataclass
class Committee:
    external_id: str
    name: str
    level: str
    parent: str | None
    covers: list[str] = field(default_factory=list)


# (committee, person, role), all external ids but the role code.
Member = tuple[str, str, str]

UNITS, PEOPLE, COMMITTEES, MEMBERS, OTHER = "units", "people", "committees", "members", "other"


@dataclass
class Organisation:
    """What the import files will say: units, people, committees and memberships."""

    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    committees: dict[str, Committee] = field(default_factory=dict)
    members: set[Member] = field(default_factory=set)
    # Without a MED organisation in OS2mo, committees and memberships are left as they are.
    med: bool = True

    def copy(self) -> Organisation:
        return Organisation(
            units={key: replace(unit) for key, unit in self.units.items()},
            people={
                key: replace(person, leads=list(person.leads))
                for key, person in self.people.items()
            },
            committees={
                key: replace(committee, covers=list(committee.covers))
                for key, committee in self.committees.items()
            },
            members=set(self.members),
            med=self.med,
        )


@dataclass
class Problem:
    """One OS2mo object that is left out (or imported in part), with the reason.

    `kind` and `key` say which record it concerns; `what` is a translated label. `sync.prepare`
    fills in the result at the end: `imported` (in part), `kept` (as the database has it) or
    `left_out`, with `outcome` its translated label.
    """

    kind: str
    key: str
    what: str
    uuid: str
    name: str
    message: str
    result: str = ""
    outcome: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "what": self.what,
            "uuid": self.uuid,
            "name": self.name,
            "message": self.message,
            "result": self.result,
            "outcome": self.outcome,
        }


@dataclass
class Mapped:
    """The outcome of mapping one OS2mo export."""

    organisation: Organisation
    problems: list[Problem] = field(default_factory=list)
    # Records left out because of a problem: kind → external ids.
    left_out: dict[str, set[str]] = field(
        default_factory=lambda: {UNITS: set(), PEOPLE: set(), COMMITTEES: set()}
    )
    # People in OS2mo without a current engagement, not referred to by anything (uuid → name):
    # people who left. They are not imported; `sync` reports those who still have an account.
    not_employed: dict[str, str] = field(default_factory=dict)
    # Errors that stop the whole import (no line root, ...).
    errors: list[str] = field(default_factory=list)


def what_label(kind: str) -> str:
    return {
        UNITS: _("Unit"),
        PEOPLE: _("Person"),
        COMMITTEES: _("MED unit"),
        MEMBERS: _("MED membership"),
    }.get(kind, _("OS2mo object"))


# --- Reading OS2mo's objects defensively ----------------------------------------------------


class Malformed(Exception):
    """A field of an OS2mo object is missing or has the wrong type."""


def _uuid(value: Any, field_name: str) -> str:
    if not isinstance(value, str):
        raise Malformed(_("the field %(field)s is not a UUID") % {"field": field_name})
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        raise Malformed(
            _("the field %(field)s is not a UUID: %(value)s")
            % {"field": field_name, "value": value[:60]}
        ) from None


def _text(value: Any, field_name: str, *, required: bool = True) -> str:
    """Text with its whitespace (and line breaks) collapsed; "" when absent and not required."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Malformed(_("the field %(field)s is missing or not text") % {"field": field_name})
    return " ".join(value.split())


def _dict(value: Any, field_name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(_("the field %(field)s is not an object") % {"field": field_name})
    return value


def _list(value: Any, field_name: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(_("the field %(field)s is not a list") % {"field": field_name})
    return value


def _ref(value: Any, field_name: str) -> str | None:
    """A reference to another object: `{uuid}`, or (as OS2mo gives many) a list of at most one."""
    if value is None:
        return None
    if isinstance(value, list):
        if not value:
            return None
        if len(value) > 1:
            raise Malformed(
                _("the field %(field)s refers to more than one object") % {"field": field_name}
            )
        value = value[0]
    return _uuid(_dict(value, field_name).get("uuid"), f"{field_name}.uuid")


def _class_names(value: Any, field_name: str) -> list[str]:
    """The user_key and name of a class (unit type, association type, ...), normalised."""
    if value is None:
        return []
    found = _dict(value, field_name)
    names = []
    for key in ("name", "user_key"):
        if found.get(key) is not None:
            names.append(_normalise(_text(found[key], f"{field_name}.{key}")))
    return names


def _normalise(name: str) -> str:
    """Lower case, a parenthesised note dropped, spaces between words as hyphens: "Område MED
    (gl.)" → "område-med"."""
    name = re.sub(r"\s*\(.*\)\s*$", "", name).casefold().strip()
    return re.sub(r"\s+", "-", name)


@dataclass
class _Object:
    uuid: str
    current: dict[str, Any] | None


def _objects(
    raw: Iterable[Any], what: str, problems: list[Problem], kind: str = OTHER
) -> list[_Object]:
    """The currently valid objects of one list, each with a UUID; bad ones reported."""
    found: list[_Object] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        try:
            container = _dict(item, "objects[]")
            key = _uuid(container.get("uuid"), "uuid")
            current = container.get("current")
            if current is not None:
                _dict(current, "current")
        except Malformed as exc:
            problems.append(
                Problem(
                    kind,
                    "",
                    what,
                    "–",
                    "",
                    _("Object %(n)s: %(reason)s.") % {"n": position, "reason": exc},
                )
            )
            continue
        # Keyset paging may hand an object over twice near a page boundary: once is enough.
        if key in seen:
            continue
        seen.add(key)
        if current is not None:  # None: not valid today (ended or not yet begun)
            found.append(_Object(key, current))
    return found


# --- Names the import knows -----------------------------------------------------------------

KIND_NAMES: dict[str, str] = {
    **{_normalise(name): kind for name, kind in importer.UNIT_KINDS.items()},
    "direktørområde": OrgUnit.Kind.DIRECTORATE,
    "fagområde": OrgUnit.Kind.AREA,
    "institution": OrgUnit.Kind.WORKPLACE,
    "skole": OrgUnit.Kind.WORKPLACE,
    "daginstitution": OrgUnit.Kind.WORKPLACE,
}
KIND_BY_DEPTH = {
    1: OrgUnit.Kind.MUNICIPALITY,
    2: OrgUnit.Kind.DIRECTORATE,
    3: OrgUnit.Kind.AREA,
    4: OrgUnit.Kind.WORKPLACE,
}
LEVEL_NAMES: dict[str, str] = {
    **{_normalise(name): level for name, level in importer.COMMITTEE_LEVELS.items()},
    "hovedudvalg": MedCommittee.Level.MAIN,
    "områdeudvalg": MedCommittee.Level.AREA,
    "lokaludvalg": MedCommittee.Level.LOCAL,
    "arbejdsmiljøudvalg": MedCommittee.Level.WORK_ENVIRONMENT,
}
LEVEL_BY_DEPTH = {1: MedCommittee.Level.MAIN, 2: MedCommittee.Level.AREA}
ROLE_NAMES: dict[str, str] = {
    **{_normalise(name): role for name, role in importer.MEMBER_ROLES.items()},
    "tillidsrepræsentant": "employee_rep",
    "fællestillidsrepræsentant": "employee_rep",
    "ftr": "employee_rep",
    "medarbejdervalgt": "employee_rep",
    "ledelsesrepræsentant": "leader_rep",
    "ledelsesrepresentant": "leader_rep",
    "leder": "leader_rep",
    "arbejdsmiljørepræsentant-(amr)": "work_env_rep",
}

_MED_WORD = re.compile(r"(?<![a-zæøå])med(?![a-zæøå])")
_username_validator = UnicodeUsernameValidator()


def _first_known(names: Iterable[str], known: dict[str, str]) -> str | None:
    return next((known[name] for name in names if name in known), None)


# --- Mapping --------------------------------------------------------------------------------


@dataclass
class _RawUnit:
    uuid: str
    name: str
    parent: str | None
    types: list[str]
    hierarchy: list[str]


class _Mapper:
    def __init__(self, export: dict[str, Any], line_root: str | None, med_root: str | None):
        self.export = export
        self.line_root_setting = line_root
        self.med_root_setting = med_root
        self.result = Mapped(organisation=Organisation())
        self.org = self.result.organisation
        self.problems = self.result.problems
        self.units: dict[str, _RawUnit] = {}
        self.bad_units: dict[str, str] = {}  # uuid → name (or "")
        # uuid → ("line" | "med", depth) for units in one of the two trees.
        self.placed: dict[str, tuple[str, int]] = {}
        self.people_names: dict[str, str] = {}
        self.employees_seen: set[str] = set()
        self.referenced: set[str] = set()

    def problem(self, kind: str, key: str, uuid: str, name: str, message: str) -> None:
        self.problems.append(Problem(kind, key, what_label(kind), uuid, name, message))

    def leave_out(self, kind: str, key: str, name: str, message: str) -> None:
        self.problem(kind, key, key, name, message)
        self.result.left_out[kind].add(key)

    def list_of(self, name: str) -> list[Any]:
        value = self.export.get(name)
        if not isinstance(value, list):
            self.result.errors.append(_("OS2mo's export has no list of %(name)s.") % {"name": name})
            return []
        return value

    def run(self) -> Mapped:
        self.read_units()
        if not self.find_roots():
            return self.result
        self.place_units()
        self.build_units()
        self.build_committees()
        self.read_related_units()
        self.read_people()
        self.read_managers()
        self.read_associations()
        self.settle_people()
        return self.result

    # --- Units ------------------------------------------------------------------------------

    def read_units(self) -> None:
        for item in _objects(self.list_of("org_units"), what_label(UNITS), self.problems, UNITS):
            current = item.current or {}
            try:
                name = _text(current.get("name"), "name")
                parent = _ref(current.get("parent"), "parent")
                types = _class_names(current.get("unit_type"), "unit_type") + _class_names(
                    current.get("org_unit_level"), "org_unit_level"
                )
                hierarchy = _class_names(
                    current.get("org_unit_hierarchy_model"), "org_unit_hierarchy_model"
                )
            except Malformed as exc:
                name = current.get("name") if isinstance(current.get("name"), str) else ""
                self.bad_units[item.uuid] = name
                self.leave_out(
                    UNITS,
                    item.uuid,
                    name,
                    _("It cannot be read: %(reason)s.") % {"reason": exc},
                )
                continue
            self.units[item.uuid] = _RawUnit(item.uuid, name, parent, types, hierarchy)

    def _looks_like_med(self, unit: _RawUnit) -> bool:
        words = [unit.name.casefold(), *unit.types, *unit.hierarchy]
        return any(_MED_WORD.search(word) for word in words)

    def _root_setting(self, value: str | None, setting: str) -> str | None:
        if not value:
            return None
        try:
            root = str(uuidlib.UUID(value))
        except ValueError:
            self.result.errors.append(
                _("%(setting)s is not a UUID: %(value)s") % {"setting": setting, "value": value}
            )
            return None
        if root in self.bad_units:
            self.result.errors.append(
                _("The unit %(uuid)s (%(setting)s) cannot be read, so nothing can be imported.")
                % {"uuid": root, "setting": setting}
            )
        elif root not in self.units:
            self.result.errors.append(
                _("The unit %(uuid)s (%(setting)s) is not in OS2mo's export.")
                % {"uuid": root, "setting": setting}
            )
        return root

    def find_roots(self) -> bool:
        self.line_root = self._root_setting(self.line_root_setting, "OS2MO_LINE_ROOT")
        self.med_root = self._root_setting(self.med_root_setting, "OS2MO_MED_ROOT")
        if self.result.errors:
            return False
        roots = [unit for unit in self.units.values() if unit.parent is None]
        if self.med_root is None:
            med = [unit.uuid for unit in roots if self._looks_like_med(unit)]
            if len(med) > 1:
                self.result.errors.append(
                    _("OS2mo has several MED roots (%(roots)s); set OS2MO_MED_ROOT.")
                    % {"roots": ", ".join(sorted(med))}
                )
                return False
            self.med_root = med[0] if med else None
        if self.line_root is None:
            line = [unit.uuid for unit in roots if unit.uuid != self.med_root]
            line = [key for key in line if not self._looks_like_med(self.units[key])]
            if len(line) != 1:
                self.result.errors.append(
                    _(
                        "Cannot tell which unit is the root of the line organisation (OS2mo "
                        "has %(count)s candidates); set OS2MO_LINE_ROOT."
                    )
                    % {"count": len(line)}
                )
                return False
            self.line_root = line[0]
        if self.med_root == self.line_root:
            self.result.errors.append(_("OS2MO_MED_ROOT and OS2MO_LINE_ROOT are the same unit."))
            return False
        self.org.med = self.med_root is not None
        return True

    def place_units(self) -> None:
        """Which tree each unit is in and at what depth; units that cannot be placed because
        their parent is missing, unreadable or on a cycle are left out and reported."""
        roots = {
            key: tree for key, tree in ((self.med_root, "med"), (self.line_root, "line")) if key
        }
        unplaceable: dict[str, str] = {}  # uuid → reason (translated)
        for start in self.units:
            trail: list[str] = []
            node: str | None = start
            outcome: tuple[str, int] | None = None
            reason: str | None = None
            while True:
                if node in self.placed:
                    outcome = self.placed[node]
                    break
                if node in unplaceable:
                    reason = _("The unit above it, %(uuid)s, was left out.") % {"uuid": node}
                    break
                if node in roots:
                    outcome = (roots[node], 1)
                    self.placed[node] = outcome
                    break
                if node in trail:
                    cycle = trail[trail.index(node) :]
                    for member in cycle:
                        unplaceable[member] = _(
                            "The unit is part of a cycle of parents: %(cycle)s."
                        ) % {"cycle": " → ".join([*cycle, node])}
                    trail = trail[: trail.index(node)]
                    reason = _("The unit above it, %(uuid)s, was left out.") % {"uuid": node}
                    break
                if node in self.bad_units:
                    reason = _("The unit above it, %(uuid)s, was left out.") % {"uuid": node}
                    break
                if node not in self.units:
                    reason = _("Its parent %(uuid)s is not in OS2mo's export.") % {"uuid": node}
                    break
                trail.append(node)
                node = self.units[node].parent
                if node is None:
                    break  # a root of another tree: not imported, not a problem
            for position, key in enumerate(reversed(trail), start=1):
                if outcome is not None:
                    self.placed[key] = (outcome[0], outcome[1] + position)
                elif reason is not None:
                    unplaceable.setdefault(key, reason)
                    # Deeper units name the unit just above them.
                    reason = _("The unit above it, %(uuid)s, was left out.") % {"uuid": key}
        for key, why in unplaceable.items():
            self.leave_out(UNITS, key, self.units[key].name, why)

    def build_units(self) -> None:
        for key, (tree, depth) in self.placed.items():
            if tree != "line":
                continue
            unit = self.units[key]
            if key == self.line_root:
                kind, parent = OrgUnit.Kind.MUNICIPALITY, None
            else:
                kind = _first_known(unit.types, KIND_NAMES) or KIND_BY_DEPTH.get(
                    depth, OrgUnit.Kind.TEAM
                )
                parent = unit.parent
            self.org.units[key] = Unit(key, unit.name, str(kind), parent)

    def build_committees(self) -> None:
        for key, (tree, depth) in self.placed.items():
            if tree != "med":
                continue
            unit = self.units[key]
            level = _first_known(unit.types, LEVEL_NAMES) or LEVEL_BY_DEPTH.get(
                depth, MedCommittee.Level.LOCAL
            )
            parent = None if key == self.med_root else unit.parent
            self.org.committees[key] = Committee(key, unit.name, str(level), parent)

    def tree_of(self, key: str) -> str | None:
        placed = self.placed.get(key)
        return placed[0] if placed else None

    def known_unit(self, key: str) -> bool:
        return key in self.units or key in self.bad_units

    def unit_label(self, key: str | None) -> str:
        if key is None:
            return ""
        name = self.units[key].name if key in self.units else self.bad_units.get(key, "")
        return f"{name} ({key})" if name else key

    # --- Links between MED units and line units --------------------------------------------

    def read_related_units(self) -> None:
        covers: dict[str, set[str]] = {}
        what = _("Link between units")
        for item in self.readable(self.list_of("related_units"), what):
            try:
                pair = [
                    _ref(unit, "org_units[]")
                    for unit in _list(item.current.get("org_units"), "org_units")
                ]
                if len(pair) != 2 or None in pair:
                    raise Malformed(_("it does not link exactly two units"))
            except Malformed as exc:
                self.unreadable(what, item, exc)
                continue
            first, second = pair[0] or "", pair[1] or ""
            unknown = [key for key in (first, second) if not self.known_unit(key)]
            if unknown:
                label = f"{self.unit_label(first)} – {self.unit_label(second)}"
                self.unknown_unit(what, item, label, unknown[0])
                continue
            for committee, unit in ((first, second), (second, first)):
                # A left-out line unit may be kept as it was, so its links are kept too.
                line_side = self.tree_of(unit) == "line" or unit in self.result.left_out[UNITS]
                if self.tree_of(committee) == "med" and line_side:
                    covers.setdefault(committee, set()).add(unit)
        for key, units in covers.items():
            if key in self.org.committees:
                self.org.committees[key].covers = sorted(units)

    # --- People -----------------------------------------------------------------------------

    def read_people(self) -> None:
        usable_units = set(self.org.units) | self.result.left_out[UNITS]
        for item in _objects(self.list_of("employees"), what_label(PEOPLE), self.problems, PEOPLE):
            current = item.current or {}
            self.employees_seen.add(item.uuid)
            raw_name = current.get("name")
            label = raw_name if isinstance(raw_name, str) else ""
            try:
                name = _text(raw_name, "name", required=False) or " ".join(
                    part
                    for part in (
                        _text(current.get("given_name"), "given_name", required=False),
                        _text(current.get("surname"), "surname", required=False),
                    )
                    if part
                )
                if not name:
                    raise Malformed(
                        _("the field %(field)s is missing or not text") % {"field": "name"}
                    )
                user_key = _text(current.get("user_key"), "user_key", required=False)
                email = self.email_of(_list(current.get("addresses") or [], "addresses"))
                engagements = [
                    self.engagement(entry)
                    for entry in _list(current.get("engagements") or [], "engagements")
                ]
            except Malformed as exc:
                self.leave_out(
                    PEOPLE,
                    item.uuid,
                    label,
                    _("It cannot be read: %(reason)s.") % {"reason": exc},
                )
                continue
            self.people_names[item.uuid] = name
            if not engagements:
                self.result.not_employed[item.uuid] = name
                continue
            in_line = sorted(
                (not primary, unit) for primary, unit in engagements if unit in usable_units
            )
            if not in_line:
                units = ", ".join(sorted({self.unit_label(unit) for _p, unit in engagements}))
                self.leave_out(
                    PEOPLE,
                    item.uuid,
                    name,
                    _("Every engagement is in a unit outside the line organisation (%(units)s).")
                    % {"units": units},
                )
                continue
            username = self.username_of(item.uuid, name, user_key)
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    self.problem(
                        PEOPLE,
                        item.uuid,
                        item.uuid,
                        name,
                        _(
                            "The e-mail address %(email)s is not valid; the person is imported "
                            "without one."
                        )
                        % {"email": email[:100]},
                    )
                    email = ""
            self.org.people[item.uuid] = Person(item.uuid, username, name, email, in_line[0][1])

    def engagement(self, entry: Any) -> tuple[bool, str]:
        engagement = _dict(entry, "engagements[]")
        primary = engagement.get("is_primary")
        if primary is not None and not isinstance(primary, bool):
            raise Malformed(_("the field %(field)s is not true or false") % {"field": "is_primary"})
        unit = _ref(engagement.get("org_unit"), "engagements[].org_unit")
        if unit is None:
            raise Malformed(_("an engagement has no unit"))
        return bool(primary), unit

    def email_of(self, addresses: list[Any]) -> str:
        found: list[tuple[int, str]] = []
        for entry in addresses:
            address = _dict(entry, "addresses[]")
            kind = _dict(address.get("address_type") or {}, "addresses[].address_type")
            scope = str(kind.get("scope") or "").upper()
            user_key = str(kind.get("user_key") or "")
            value = address.get("value")
            if isinstance(value, str) and (scope == "EMAIL" or "email" in user_key.casefold()):
                found.append((0 if user_key == "EmailEmployee" else 1, value.strip()))
        return min(found)[1] if found else ""

    def username_of(self, key: str, name: str, user_key: str) -> str:
        if not user_key:
            return key
        try:
            _username_validator(user_key)
        except ValidationError:
            valid = False
        else:
            valid = len(user_key) <= importer.MAX_LENGTHS["username"]
        if valid:
            return user_key
        self.problem(
            PEOPLE,
            key,
            key,
            name,
            _(
                "The user_key “%(user_key)s” cannot be a username (letters, digits and @ . + - _ "
                "only); the person's OS2mo UUID is the username instead."
            )
            % {"user_key": user_key[:60]},
        )
        return key

    def settle_people(self) -> None:
        """Usernames shared by several people become their UUIDs; people without engagement
        that MED memberships or manager roles refer to are reported."""
        by_username: dict[str, list[Person]] = {}
        for person in self.org.people.values():
            by_username.setdefault(person.username.casefold(), []).append(person)
        for shared in by_username.values():
            if len(shared) < 2:
                continue
            for person in shared:
                others = ", ".join(
                    sorted(other.external_id for other in shared if other is not person)
                )
                self.problem(
                    PEOPLE,
                    person.external_id,
                    person.external_id,
                    person.name,
                    _(
                        "The user_key “%(user_key)s” is also the user_key of %(others)s; the "
                        "person's OS2mo UUID is the username instead."
                    )
                    % {"user_key": person.username, "others": others},
                )
                person.username = person.external_id
        for key in sorted(self.referenced & set(self.result.not_employed)):
            name = self.result.not_employed.pop(key)
            self.leave_out(
                PEOPLE,
                key,
                name,
                _(
                    "The person has no current engagement in the line organisation, but a MED "
                    "membership or manager role in OS2mo still refers to them."
                ),
            )

    # --- Links of people and units: manager roles and MED memberships ---------------------

    def other(self, what: str, item: _Object, name: str, message: str) -> None:
        """Report an OS2mo object that is not itself a record (a link, a role)."""
        self.problems.append(Problem(OTHER, "", what, item.uuid, name, message))

    def readable(self, raw: list[Any], what: str) -> Iterable[_Object]:
        for item in _objects(raw, what, self.problems):
            yield _Object(item.uuid, item.current or {})

    def unreadable(self, what: str, item: _Object, reason: Malformed) -> None:
        self.other(what, item, "", _("It cannot be read: %(reason)s.") % {"reason": reason})

    def unknown_unit(self, what: str, item: _Object, label: str, unit: str | None) -> None:
        self.other(
            what,
            item,
            label,
            _("It refers to the unit %(uuid)s, which is not in OS2mo's export; left out.")
            % {"uuid": unit or "–"},
        )

    def links(self, raw: list[Any], what: str) -> Iterable[tuple[_Object, str, str | None, str]]:
        """(object, unit, person, label) of each readable link of a person with a unit that
        OS2mo's export has; the others are reported."""
        for item in self.readable(raw, what):
            try:
                assert item.current is not None
                unit = _ref(item.current.get("org_unit"), "org_unit")
                person = _ref(item.current.get("person"), "person")
            except Malformed as exc:
                self.unreadable(what, item, exc)
                continue
            label = self.unit_label(unit)
            if unit is None or not self.known_unit(unit):
                self.unknown_unit(what, item, label, unit)
                continue
            if person is not None and person in self.people_names:
                label = f"{self.people_names[person]} – {label}"
            yield item, unit, person, label

    def person_ref(self, key: str | None, what: str, item: _Object, label: str) -> bool:
        """Whether `key` is a person who may be imported; reports an unknown one."""
        if key is None:
            return False
        if key not in self.employees_seen:
            self.other(
                what,
                item,
                label,
                _("The person %(uuid)s is not in OS2mo's export; left out.") % {"uuid": key},
            )
            return False
        self.referenced.add(key)
        return True

    def read_managers(self) -> None:
        what = _("Manager role")
        leads: dict[str, set[str]] = {}
        for item, unit, person, label in self.links(self.list_of("managers"), what):
            if self.tree_of(unit) != "med" and self.person_ref(person, what, item, label):
                assert person is not None
                leads.setdefault(person, set()).add(unit)
        for key, units in leads.items():
            if key in self.org.people:
                self.org.people[key].leads = sorted(units)

    def read_associations(self) -> None:
        what = what_label(MEMBERS)
        for item, unit, person, label in self.links(self.list_of("associations"), what):
            if self.tree_of(unit) != "med":
                continue  # associations in the line organisation are not MED memberships
            assert item.current is not None
            try:
                role_names = _class_names(item.current.get("association_type"), "association_type")
            except Malformed as exc:
                self.unreadable(what, item, exc)
                continue
            role = _first_known(role_names, ROLE_NAMES)
            if role is None:
                self.other(
                    what,
                    item,
                    label,
                    _(
                        "The association type “%(type)s” is not a MED role the import knows "
                        "(Formand, Næstformand, Lederrepræsentant, Medarbejderrepræsentant, TR, "
                        "AMR); left out."
                    )
                    % {"type": role_names[0] if role_names else "–"},
                )
            elif self.person_ref(person, what, item, label):
                assert person is not None
                self.org.members.add((unit, person, role))


def map_export(
    export: dict[str, Any], *, line_root: str | None = None, med_root: str | None = None
) -> Mapped:
    """Map OS2mo's lists (`org_units`, `employees`, `associations`, `related_units`,
    `managers`) to the import's records. Never raises on bad data: see `Mapped.problems`."""
    return _Mapper(export, line_root, med_root).run()


# --- The CSV files --------------------------------------------------------------------------

FileLines = dict[tuple[str, int], tuple[str, Any]]
_FILE_KINDS = {
    UNITS: importer.UNITS,
    PEOPLE: importer.EMPLOYEES,
    COMMITTEES: importer.MED_COMMITTEES,
    MEMBERS: importer.MED_MEMBERS,
}


def _depths(units: dict[str, Unit]) -> dict[str, int]:
    """Each unit's depth, guarding against cycles and missing parents (the importer reports
    those; here they only must not loop)."""
    depths: dict[str, int] = {}
    for start in units:
        trail: list[str] = []
        node: str | None = start
        while node is not None and node in units and node not in depths and node not in trail:
            trail.append(node)
            node = units[node].parent
        base = depths.get(node, 0) if node is not None else 0
        for position, key in enumerate(reversed(trail), start=1):
            depths[key] = base + position
    return depths


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # One record a line, so that a reported line number finds the record again.
        writer.writerow([" ".join(value.split()) if value else "" for value in row])
    return out.getvalue()


def to_files(org: Organisation) -> tuple[dict[str, str], FileLines]:
    """The four CSV texts, and which record each data line holds ((file name, line) → (kind,
    key)). Rows are in a stable order, so the same organisation gives the same files."""
    lines: FileLines = {}
    depths = _depths(org.units)
    units = sorted(org.units.values(), key=lambda u: (depths[u.external_id], u.name, u.external_id))
    people = sorted(org.people.values(), key=lambda p: (p.name, p.external_id))
    committee_depths = _depths(
        {key: Unit(key, c.name, "", c.parent) for key, c in org.committees.items()}
    )
    committees = sorted(
        org.committees.values(),
        key=lambda c: (committee_depths[c.external_id], c.name, c.external_id),
    )
    members = sorted(org.members)
    if not org.med:
        committees, members = [], []
    for kind, records in (
        (UNITS, [unit.external_id for unit in units]),
        (PEOPLE, [person.external_id for person in people]),
        (COMMITTEES, [committee.external_id for committee in committees]),
        (MEMBERS, members),
    ):
        file_name = importer.FILE_NAMES[_FILE_KINDS[kind]]
        for line, key in enumerate(records, start=2):
            lines[(file_name, line)] = (kind, key)
    files = {
        importer.UNITS: _csv(
            ["external_id", "name", "kind", "parent_external_id"],
            [[u.external_id, u.name, u.kind, u.parent or ""] for u in units],
        ),
        importer.EMPLOYEES: _csv(
            ["external_id", "username", "name", "email", "phone", "unit_external_id", "leads"],
            [
                [
                    p.external_id,
                    p.username,
                    p.name,
                    p.email,
                    p.phone,
                    p.unit or "",
                    "|".join(p.leads),
                ]
                for p in people
            ],
        ),
        importer.MED_COMMITTEES: _csv(
            ["external_id", "name", "level", "parent_external_id", "covers"],
            [
                [c.external_id, c.name, c.level, c.parent or "", "|".join(c.covers)]
                for c in committees
            ],
        ),
        importer.MED_MEMBERS: _csv(
            ["committee_external_id", "employee_external_id", "role"],
            [list(member) for member in members],
        ),
    }
    if not org.med:
        del files[importer.MED_COMMITTEES], files[importer.MED_MEMBERS]
    return files, lines
