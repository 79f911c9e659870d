"""The demo municipality: a fictional "Egekilde Kommune" with no real people in it.

`manage.py seed_demo` calls `build_demo`; the same builder gives the benchmarks their 45,000
employees, so it writes with `bulk_create` and computes treebeard's materialised paths itself
instead of calling `add_child` once per unit (which would cost several queries per unit).

Everything is drawn from `random.Random(seed)`, so one seed always gives the same municipality.
Everything the demo owns carries an external id starting with `EXTERNAL_ID_PREFIX`, which is how
`delete_demo` finds it again without touching anything else in the database.

Apps above `organisation` add their own demo data (core tasks, governance, ...) as extensions:
this app imports none of them, so they call `register_extension` when imported (from their
`AppConfig.ready()`), and `seed_demo` builds each registered extension whose data is missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError, Q

from organisation import principal
from organisation.models import (
    ImportBatch,
    LeadershipCommunity,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)

MUNICIPALITY_NAME = "Egekilde Kommune"
EXTERNAL_ID_PREFIX = "egekilde-"
ROOT_EXTERNAL_ID = f"{EXTERNAL_ID_PREFIX}kommune"
EMAIL_DOMAIN = "egekilde.example"  # .example is reserved: no mail can ever reach a real person
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the demo logins, DEBUG only
SHARE_WITHOUT_EMAIL = 0.3  # many municipal employees (care, kitchens, roads) have no work e-mail
BATCH_SIZE = 2000

MIN_DEPTH, MAX_DEPTH = 5, 6


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    sees: str


# Shown by `manage.py demo_logins`; the builder gives each of them exactly this role.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "leder",
        "Lise Leder",
        "leader of an area",
        "the area and its workplaces, their people and MED committees",
    ),
    DemoLogin(
        "medarbejder",
        "Mette Medarbejder",
        "employee",
        "her own workplace",
    ),
    DemoLogin(
        "med",
        "Mads MED",
        "employee representative (TR) in an area MED committee",
        "the committee and the directorate it covers",
    ),
    DemoLogin(
        "politiker",
        "Per Politiker",
        "politician",
        "the whole organisation's structure and organisation-wide figures",
    ),
    DemoLogin(
        "hr",
        "Hanne HR",
        "HR for the whole municipality, Django admin",
        "everything; imports the organisation; /admin/",
    ),
)
DEMO_USERNAMES = tuple(login.username for login in DEMO_LOGINS)

# --- Fictional names ------------------------------------------------------------------------
# Common Danish first names and surnames, combined at random: the combinations are fictional.

FIRST_NAMES = (
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Anna", "Susanne", "Lene", "Maria", "Marianne",
    "Lone", "Camilla", "Pia", "Louise", "Charlotte", "Bente", "Tina", "Gitte", "Inge", "Karen",
    "Julie", "Sofie", "Emma", "Ida", "Laura", "Signe", "Line", "Katrine", "Birgitte", "Rikke",
    "Peter", "Michael", "Lars", "Jens", "Thomas", "Henrik", "Søren", "Christian", "Martin", "Jan",
    "Morten", "Jesper", "Anders", "Niels", "Mads", "Rasmus", "Per", "Ole", "Hans", "Kim",
    "Frederik", "Mikkel", "Jakob", "Kasper", "Simon", "Jonas", "Emil", "Mathias", "Torben", "Bo",
)  # fmt: skip
MIDDLE_NAMES = ("Marie", "Louise", "Kristine", "Juul", "Bach", "Krogh", "Dahl", "Lund")
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen",
    "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm",
    "Kristiansen", "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen", "Østergaard",
    "Jeppesen", "Vestergaard", "Nissen", "Lauridsen", "Kjær", "Jespersen", "Mogensen", "Skov",
)  # fmt: skip

# --- The organisation -----------------------------------------------------------------------
# Directorates and their areas; each area has a kind that decides its workplaces' and teams'
# names and how many people a workplace of that kind typically has.

DIRECTORATES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Børn og Unge",
        (
            ("Dagtilbud Nord", "daycare"),
            ("Dagtilbud Syd", "daycare"),
            ("Skoler Øst", "school"),
            ("Skoler Vest", "school"),
            ("Familie og Forebyggelse", "family"),
        ),
    ),
    (
        "Sundhed og Omsorg",
        (
            ("Hjemmeplejen", "homecare"),
            ("Plejecentre", "nursing"),
            ("Sundhed og Træning", "health"),
        ),
    ),
    (
        "Beskæftigelse og Social",
        (
            ("Beskæftigelse", "job"),
            ("Handicap og Psykiatri", "social"),
            ("Borgerservice og Ydelser", "citizen"),
        ),
    ),
    (
        "Teknik, Kultur og Miljø",
        (
            ("Vej og Park", "roads"),
            ("Kultur og Fritid", "culture"),
            ("Byg, Natur og Miljø", "building"),
        ),
    ),
)

PLACES = (
    "Egebjerg", "Kildevang", "Skovlund", "Engholm", "Strandby", "Mølleby", "Lyngå", "Rosenhøj",
    "Bakkegården", "Søvang", "Birkely", "Havnebyen",
)  # fmt: skip
QUARTERS = ("Nord", "Syd", "Øst", "Vest", "Midt", "Land", "By")
ANIMALS = ("Egern", "Pindsvinet", "Ræven", "Uglen", "Mariehønen", "Sommerfuglen", "Spætten")
FLOWERS = ("Mælkebøtten", "Solsikken", "Kløveren", "Valmuen", "Anemonen", "Bellis")
TREES = ("Egebo", "Lindehøj", "Bøgely", "Birkelund", "Pilegården", "Rønnebo", "Askelund")
LANDMARKS = ("Søen", "Skoven", "Åen", "Parken", "Kirken", "Stranden")

# Patterns per kind; `{x}` is filled from the list beside it, a pattern without it stands alone.
WORKPLACE_PATTERNS: dict[str, tuple[tuple[str, Sequence[str]], ...]] = {
    "daycare": (
        ("Børnehuset {x}", ANIMALS),
        ("Vuggestuen {x}", FLOWERS),
        ("Naturbørnehaven {x}", PLACES),
    ),
    "school": (
        ("Skolen ved {x}", LANDMARKS),
        ("{x} Skole", PLACES),
        ("{x}skolen", ("Nørre", "Bakke", "Skov", "Strand", "Mølle", "Eng", "Kilde", "Lunde")),
    ),
    "family": (
        ("Sundhedsplejen", ()),
        ("Familiehuset", ()),
        ("PPR", ()),
        ("Ungdomsskolen", ()),
        ("Klub {x}", PLACES),
    ),
    "homecare": (("Hjemmeplejen {x}", QUARTERS), ("Sygeplejen {x}", QUARTERS)),
    "nursing": (("Plejecenter {x}", TREES),),
    "health": (
        ("Træningscenter {x}", PLACES),
        ("Sundhedshuset", ()),
        ("Tandplejen", ()),
        ("Rehabiliteringen", ()),
    ),
    "job": (
        ("Jobcenter", ()),
        ("Ungeindsatsen", ()),
        ("Virksomhedsservice", ()),
        ("Jobcenter {x}", PLACES),
    ),
    "social": (("Bostedet {x}", TREES), ("Værestedet {x}", PLACES), ("Aktivitetshuset", ())),
    "citizen": (
        ("Borgerservice", ()),
        ("Ydelseskontoret", ()),
        ("Opkrævningen", ()),
        ("Borgerservice {x}", PLACES),
    ),
    "roads": (("Materielgården", ()), ("Vejteam {x}", QUARTERS), ("Park og Natur", ())),
    "culture": (
        ("Biblioteket {x}", PLACES),
        ("Musikskolen", ()),
        ("Kulturhuset", ()),
        ("Idrætscenter {x}", PLACES),
    ),
    "building": (("Byggesag", ()), ("Natur og Miljø", ()), ("Affald og Genbrug", ())),
}
TEAM_NAMES: dict[str, tuple[str, ...]] = {
    "daycare": ("Vuggestuegruppen", "Børnehavegruppen", "Naturgruppen", "Førskolegruppen"),
    "school": ("Indskolingen", "Mellemtrinnet", "Udskolingen", "SFO"),
    "homecare": ("Gruppe 1", "Gruppe 2", "Gruppe 3", "Aftenvagten", "Nattevagten"),
    "nursing": ("Afsnit A", "Afsnit B", "Afsnit C", "Køkkenet"),
}
DEFAULT_TEAM_NAMES = ("Team 1", "Team 2", "Team 3")
SUB_TEAM_NAMES = ("Hold A", "Hold B", "Hold C")
# Relative size of a workplace of each kind: a school or nursing home has far more staff than
# a citizen service desk.
KIND_WEIGHT = {"school": 3.0, "nursing": 3.0, "homecare": 2.5, "daycare": 1.2, "social": 1.5}


COMMUNITY_NAME = "Ledelsesfællesskab for børn og unges trivsel"
COMMUNITY_DESCRIPTION = (
    "Ledere fra dagtilbud, skoler, familieområdet og fritid, der sammen arbejder for, "
    "at børn og unge trives og lærer."
)
# The areas whose leaders form the leadership community, across two directorates.
COMMUNITY_CATEGORIES = ("daycare", "school", "family", "culture")


class DemoError(Exception):
    """The demo cannot be built or removed as asked; the message says why."""


@dataclass
class DemoSummary:
    units: int
    depth: int
    directorates: int
    workplaces: int
    employees: int
    without_email: int
    committees: int
    logins: bool


@dataclass
class _Unit:
    """A unit while the demo is planned: its row to insert, its children and its leader."""

    row: OrgUnit
    category: str  # the area's kind (daycare, school ...): names workplaces and teams
    children: list[_Unit] = field(default_factory=list)
    leader: User | None = None

    def leaves(self) -> list[_Unit]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


def demo_exists() -> bool:
    return OrgUnit.objects.filter(external_id=ROOT_EXTERNAL_ID).exists()


# --- Extensions: demo data of the apps above organisation ----------------------------------


class ExtensionBuilder(Protocol):
    def __call__(self, *, seed: int) -> str:
        """Build the extension's data on top of the demo municipality; return a one-line
        summary of what was built."""
        ...


@dataclass(frozen=True)
class DemoExtension:
    """One app's demo data. `build` runs only when `exists()` is false, inside seed_demo's
    transaction; `delete` removes exactly what `build` made and nothing when the demo
    municipality does not exist."""

    name: str
    build: ExtensionBuilder
    delete: Callable[[], None]
    exists: Callable[[], bool]


# In registration order, which is INSTALLED_APPS order and so the order the apps depend on each
# other: built first to last, deleted last to first.
_extensions: dict[str, DemoExtension] = {}


def register_extension(
    name: str, build: ExtensionBuilder, delete: Callable[[], None], exists: Callable[[], bool]
) -> DemoExtension:
    """Register an app's demo data; registering the same name again replaces the earlier one,
    so importing a module twice does no harm."""
    extension = DemoExtension(name=name, build=build, delete=delete, exists=exists)
    _extensions[name] = extension
    return extension


def registered_extensions() -> tuple[DemoExtension, ...]:
    return tuple(_extensions.values())


def build_extensions(*, seed: int) -> list[tuple[str, str | None]]:
    """Build each registered extension whose data does not exist yet, so that an older demo
    database gets the newer parts too. Returns (name, summary) per extension; the summary is
    None for an extension that already existed and was kept."""
    if not demo_exists():
        raise DemoError("The demo municipality must exist before its extensions are built.")
    results: list[tuple[str, str | None]] = []
    with transaction.atomic():
        for extension in registered_extensions():
            if extension.exists():
                results.append((extension.name, None))
            else:
                results.append((extension.name, extension.build(seed=seed)))
    return results


def delete_extensions() -> None:
    """Delete the extensions' data, last registered first: later apps refer to earlier ones."""
    with transaction.atomic():
        for extension in reversed(registered_extensions()):
            extension.delete()


def area_count() -> int:
    return sum(len(areas) for _, areas in DIRECTORATES)


def minimum_employees(workplaces: int) -> int:
    """Every unit down to the workplaces has a leader, and a few people must be left to staff
    the MED committees and the demo logins."""
    return 1 + len(DIRECTORATES) + area_count() + workplaces + 4 * area_count()


def build_demo(
    *, employees: int, workplaces: int, depth: int = MIN_DEPTH, seed: int, with_logins: bool
) -> DemoSummary:
    """Build the demo municipality in one transaction. The caller checks `demo_exists()`."""
    if not MIN_DEPTH <= depth <= MAX_DEPTH:
        raise DemoError(f"depth must be {MIN_DEPTH} or {MAX_DEPTH}, not {depth}.")
    if workplaces < area_count():
        raise DemoError(f"At least {area_count()} workplaces are needed (one per area).")
    if employees < minimum_employees(workplaces):
        raise DemoError(
            f"{workplaces} workplaces need at least {minimum_employees(workplaces)} employees."
        )
    if with_logins:
        taken = list(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        if taken:
            raise DemoError(
                f"The user names {', '.join(sorted(taken))} are taken by users outside the demo; "
                "rename or delete them before building the demo logins."
            )
    builder = _Builder(employees=employees, workplaces=workplaces, depth=depth, seed=seed)
    with transaction.atomic():
        return builder.build(with_logins=with_logins)


def delete_demo() -> None:
    """Delete everything the demo owns: the extensions' data first (it refers to the demo's
    people and units), then its units, people, committees and community."""
    root = OrgUnit.objects.filter(external_id=ROOT_EXTERNAL_ID).first()
    people = User.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
    try:
        with transaction.atomic():
            delete_extensions()
            # Imports the demo's HR login uploaded belong to the demo too.
            ImportBatch.objects.filter(uploaded_by__in=people).delete()
            MedCommittee.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).delete()
            if root is not None:
                LeadershipCommunity.objects.filter(
                    Q(name=COMMUNITY_NAME) | Q(units__path__startswith=root.path)
                ).distinct().delete()
            people.delete()
            if root is not None:
                OrgUnit.objects.filter(path__startswith=root.path).delete()
    except ProtectedError as error:
        blocking = sorted({type(row)._meta.verbose_name for row in error.protected_objects})
        raise DemoError(
            "The demo cannot be deleted: other data refers to it "
            f"({', '.join(str(name) for name in blocking)}). Delete that first."
        ) from error


class _Builder:
    def __init__(self, *, employees: int, workplaces: int, depth: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.employees = employees
        self.workplaces = workplaces
        self.depth = depth
        self.units: list[_Unit] = []
        self.used_names: set[str] = set()
        self.person_count = 0
        # Hashing is slow on purpose; one unusable hash serves every generated person.
        self.unusable_password = make_password(None)
        # Non-leaders per area, shuffled, from which MED members and demo logins are drawn
        # without drawing anyone twice.
        self.pools: dict[str, list[User]] = {}
        self.memberships: list[MedMembership] = []
        self.committee_count = 0
        # The people who become `leder`, `med` and `medarbejder` are chosen whether or not the
        # logins are made, so DEBUG changes only their user names, not who sits where.
        self.login_area: _Unit | None = None
        self.login_people: dict[str, User] = {}

    def build(self, *, with_logins: bool) -> DemoSummary:
        root, areas, workplaces = self.plan_tree()
        OrgUnit.objects.bulk_create([unit.row for unit in self.units], batch_size=BATCH_SIZE)
        people = self.plan_people(root, workplaces)
        self.choose_login_people(areas)
        extra = self.make_logins() if with_logins else []
        User.objects.bulk_create(people + extra, batch_size=BATCH_SIZE)
        self.assign_leaders()
        self.create_committees(root)
        self.create_community(areas)
        if with_logins:
            RoleAssignment.objects.bulk_create(
                [
                    RoleAssignment(user=extra[0], role=RoleAssignment.Role.POLITICIAN),
                    RoleAssignment(user=extra[1], role=RoleAssignment.Role.HR),
                ]
            )
        MedMembership.objects.bulk_create(self.memberships, batch_size=BATCH_SIZE)
        principal.changed()  # bulk writes send no signals
        return DemoSummary(
            units=len(self.units),
            depth=max(unit.row.depth for unit in self.units) - root.row.depth + 1,
            directorates=len(root.children),
            workplaces=len(workplaces),
            employees=len(people),
            without_email=sum(1 for person in people if not person.email),
            committees=self.committee_count,
            logins=with_logins,
        )

    # --- Units --------------------------------------------------------------------------

    def new_unit(self, name: str, kind: str, category: str, parent: _Unit | None) -> _Unit:
        if parent is None:
            last_root = OrgUnit.objects.get_last_root_node()
            path = last_root._inc_path() if last_root else OrgUnit._get_path("", 1, 1)
            external_id = ROOT_EXTERNAL_ID
        else:
            parent.row.numchild += 1
            path = OrgUnit._get_path(parent.row.path, parent.row.depth + 1, parent.row.numchild)
            external_id = f"{EXTERNAL_ID_PREFIX}u{len(self.units):05d}"
        row = OrgUnit(
            name=name,
            kind=kind,
            external_id=external_id,
            path=path,
            depth=len(path) // OrgUnit.steplen,
            numchild=0,
        )
        unit = _Unit(row=row, category=category)
        if parent is not None:
            parent.children.append(unit)
        self.units.append(unit)
        return unit

    def unique_name(self, name: str) -> str:
        """Workplaces must be told apart by name (teams such as "Gruppe 1" repeat on purpose)."""
        candidate, number = name, 1
        while candidate in self.used_names:
            number += 1
            candidate = f"{name} {number}"
        self.used_names.add(candidate)
        return candidate

    def workplace_names(self, category: str) -> Iterator[str]:
        """Endless plausible names for one kind of workplace, shuffled by the seed."""
        names = [
            pattern.format(x=fill)
            for pattern, fills in WORKPLACE_PATTERNS[category]
            for fill in fills or ("",)
        ]
        self.rng.shuffle(names)
        while True:
            for name in names:
                yield self.unique_name(name)

    def plan_tree(self) -> tuple[_Unit, list[_Unit], list[_Unit]]:
        root = self.new_unit(MUNICIPALITY_NAME, OrgUnit.Kind.MUNICIPALITY, "", None)
        areas: list[_Unit] = []
        for directorate_name, area_specs in DIRECTORATES:
            directorate = self.new_unit(directorate_name, OrgUnit.Kind.DIRECTORATE, "", root)
            for area_name, category in area_specs:
                areas.append(self.new_unit(area_name, OrgUnit.Kind.AREA, category, directorate))
        # Every area has a workplace; the rest go where the big kinds of workplace are.
        extra = _apportion(
            self.workplaces - len(areas), [KIND_WEIGHT.get(area.category, 1.0) for area in areas]
        )
        workplaces: list[_Unit] = []
        for area, count in zip(areas, extra, strict=True):
            names = self.workplace_names(area.category)
            for _ in range(1 + count):
                workplaces.append(
                    self.new_unit(next(names), OrgUnit.Kind.WORKPLACE, area.category, area)
                )
        for index, workplace in enumerate(workplaces):
            # About half the workplaces are split into teams. The first always is, and so is
            # its first team at depth 6, so the tree reaches the depth asked for.
            if index == 0 or self.rng.random() < 0.5:
                self.add_teams(workplace, first=index == 0)
        return root, areas, workplaces

    def add_teams(self, workplace: _Unit, *, first: bool) -> None:
        names = TEAM_NAMES.get(workplace.category, DEFAULT_TEAM_NAMES)
        for index in range(self.rng.randint(2, min(4, len(names)))):
            team = self.new_unit(names[index], OrgUnit.Kind.TEAM, workplace.category, workplace)
            if self.depth == MAX_DEPTH and ((first and index == 0) or self.rng.random() < 0.5):
                for sub_name in SUB_TEAM_NAMES[:2]:
                    self.new_unit(sub_name, OrgUnit.Kind.TEAM, workplace.category, team)

    # --- People -------------------------------------------------------------------------

    def new_person(self, home: _Unit) -> User:
        self.person_count += 1
        external_id = f"{EXTERNAL_ID_PREFIX}p{self.person_count:06d}"
        first = self.rng.choice(FIRST_NAMES)
        middle = f" {self.rng.choice(MIDDLE_NAMES)}" if self.rng.random() < 0.15 else ""
        return User(
            username=external_id,
            name=f"{first}{middle} {self.rng.choice(SURNAMES)}",
            external_id=external_id,
            password=self.unusable_password,
            home_unit=home.row,
        )

    def plan_people(self, root: _Unit, workplaces: list[_Unit]) -> list[User]:
        """Leaders for every unit down to the workplaces, then staff spread over the leaves in
        proportion to the size of their workplace; exactly the chosen share without e-mail."""
        leaders: list[User] = []
        for unit in self.units:
            if unit.row.kind != OrgUnit.Kind.TEAM:
                unit.leader = self.new_person(unit)
                leaders.append(unit.leader)
        leaves: list[_Unit] = []
        weights: list[float] = []
        for workplace in workplaces:
            size = KIND_WEIGHT.get(workplace.category, 1.0) * self.rng.uniform(0.6, 1.4)
            workplace_leaves = workplace.leaves()
            leaves += workplace_leaves
            weights += [size / len(workplace_leaves)] * len(workplace_leaves)
        staff_count = self.employees - len(leaders)
        # Nobody works alone: every team gets a couple of people before size decides the rest.
        base = min(2, staff_count // len(leaves))
        extra = _apportion(staff_count - base * len(leaves), weights)
        counts = [base + count for count in extra]
        staff = [
            self.new_person(leaf)
            for leaf, count in zip(leaves, counts, strict=True)
            for _ in range(count)
        ]
        # Leaders keep their e-mail: the share without one is taken from ordinary staff.
        without = round(SHARE_WITHOUT_EMAIL * self.employees)
        no_email = {id(person) for person in self.rng.sample(staff, k=min(without, len(staff)))}
        for person in leaders + staff:
            if id(person) not in no_email:
                person.email = _email_address(person.name, person.external_id)
        area_paths = {unit.row.path for unit in self.units if unit.row.kind == OrgUnit.Kind.AREA}
        for person in staff:
            area_path = person.home_unit.path[: 3 * OrgUnit.steplen]
            if area_path in area_paths:
                self.pools.setdefault(area_path, []).append(person)
        for pool in self.pools.values():
            self.rng.shuffle(pool)
        return leaders + staff

    def draw(self, area: _Unit, *, with_email: bool = False) -> User | None:
        """A non-leader from the area who has not been drawn before."""
        pool = self.pools.get(area.row.path, [])
        for index in range(len(pool) - 1, -1, -1):
            if pool[index].email or not with_email:
                return pool.pop(index)
        return None

    def assign_leaders(self) -> None:
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=unit.leader,
                    role=RoleAssignment.Role.LEADER,
                    unit=unit.row,
                    source=RoleAssignment.Source.IMPORT,
                )
                for unit in self.units
                if unit.leader is not None
            ],
            batch_size=BATCH_SIZE,
        )

    # --- MED and leadership -------------------------------------------------------------

    def new_committee(
        self, name: str, level: str, covers: _Unit, parent: MedCommittee | None
    ) -> MedCommittee:
        self.committee_count += 1
        committee = MedCommittee.objects.create(
            name=name,
            level=level,
            parent=parent,
            external_id=f"{EXTERNAL_ID_PREFIX}med{self.committee_count:03d}",
        )
        committee.covers.add(covers.row)
        return committee

    def add_members(
        self, committee: MedCommittee, role: str, people: Sequence[User | None]
    ) -> None:
        self.memberships += [
            MedMembership(committee=committee, user=person, role=role)
            for person in people
            if person is not None
        ]

    def create_committees(self, root: _Unit) -> None:
        """Hoved-MED over the root, an område-MED per directorate, a lokal-MED for every other
        area."""
        Role = MedMembership.Role
        main = self.new_committee("Hoved-MED", MedCommittee.Level.MAIN, root, None)
        self.add_members(main, Role.CHAIR, [root.leader])
        self.add_members(main, Role.LEADER_REPRESENTATIVE, [d.leader for d in root.children])
        main_reps: list[User | None] = []
        for directorate in root.children:
            committee = self.new_committee(
                f"Område-MED {directorate.row.name}", MedCommittee.Level.AREA, directorate, main
            )
            areas = directorate.children
            # One TR per area. The deputy chair also represents the directorate's employees
            # in Hoved-MED; never the `med` login, who should see only this committee's part.
            reps = [
                self.login_people["med"] if area is self.login_area else self.draw(area)
                for area in areas
            ]
            self.add_members(committee, Role.CHAIR, [directorate.leader])
            deputy = [rep for rep in reps if rep is not self.login_people["med"]][-1:]
            self.add_members(committee, Role.DEPUTY_CHAIR, deputy)
            self.add_members(committee, Role.LEADER_REPRESENTATIVE, [a.leader for a in areas])
            self.add_members(committee, Role.EMPLOYEE_REPRESENTATIVE, reps)
            self.add_members(
                committee, Role.WORK_ENVIRONMENT_REPRESENTATIVE, [self.draw(areas[-1])]
            )
            main_reps += deputy
            for area in areas[::2]:
                self.create_local_committee(area, committee)
        self.add_members(main, Role.DEPUTY_CHAIR, main_reps[:1])
        self.add_members(main, Role.EMPLOYEE_REPRESENTATIVE, main_reps)
        self.add_members(
            main, Role.WORK_ENVIRONMENT_REPRESENTATIVE, [self.draw(root.children[-1].children[0])]
        )

    def create_local_committee(self, area: _Unit, parent: MedCommittee) -> None:
        Role = MedMembership.Role
        committee = self.new_committee(
            f"Lokal-MED {area.row.name}", MedCommittee.Level.LOCAL, area, parent
        )
        reps = [self.draw(area), self.draw(area)]
        self.add_members(committee, Role.CHAIR, [area.leader])
        self.add_members(committee, Role.DEPUTY_CHAIR, reps[:1])
        self.add_members(
            committee, Role.LEADER_REPRESENTATIVE, [w.leader for w in area.children[:2]]
        )
        self.add_members(committee, Role.EMPLOYEE_REPRESENTATIVE, reps)
        self.add_members(committee, Role.WORK_ENVIRONMENT_REPRESENTATIVE, [self.draw(area)])

    def create_community(self, areas: list[_Unit]) -> None:
        members = [area for area in areas if area.category in COMMUNITY_CATEGORIES]
        community = LeadershipCommunity.objects.create(
            name=COMMUNITY_NAME, description=COMMUNITY_DESCRIPTION
        )
        community.members.set([area.leader for area in members])
        community.units.set([area.row for area in members])

    # --- Demo logins --------------------------------------------------------------------

    def choose_login_people(self, areas: list[_Unit]) -> None:
        """`leder` leads the first area with several workplaces, `med` is that area's TR in its
        område-MED, and `medarbejder` an employee with e-mail there. They are drawn before the
        committees are staffed, so `medarbejder` sits in none."""

        def suitable(area: _Unit) -> bool:
            pool = self.pools.get(area.row.path, [])
            return len(pool) >= 2 and any(person.email for person in pool)

        candidates = [area for area in areas if len(area.children) >= 3] or areas
        self.login_area = next(
            (area for area in candidates if suitable(area)),
            max(areas, key=lambda area: len(self.pools.get(area.row.path, []))),
        )
        employee = self.draw(self.login_area, with_email=True)
        med = self.draw(self.login_area)
        if self.login_area.leader is None or med is None or employee is None:
            raise DemoError("Too few employees to choose the demo logins from.")
        self.login_people = {"leder": self.login_area.leader, "med": med, "medarbejder": employee}

    def make_logins(self) -> list[User]:
        """Rename the chosen people to the demo logins; return the politician and HR, who are
        not employees of a unit."""
        people = dict(self.login_people)
        for key in ("politiker", "hr"):
            people[key] = User(external_id=f"{EXTERNAL_ID_PREFIX}login-{key}")
        password = make_password(DEMO_PASSWORD)
        for login in DEMO_LOGINS:
            person = people[login.username]
            person.username = login.username
            person.name = login.name
            person.email = _email_address(login.name, "")
            person.password = password
        people["hr"].is_staff = people["hr"].is_superuser = True
        return [people["politiker"], people["hr"]]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), so the parts sum exactly."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    weight_sum = sum(weights)
    shares = [total * weight / weight_sum for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _email_address(name: str, suffix: str) -> str:
    """`Anne Marie Holm`, `egekilde-p000123` → `anne.marie.holm.123@egekilde.example`."""
    local = name.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "."}))
    number = suffix.removeprefix(f"{EXTERNAL_ID_PREFIX}p").lstrip("0")
    return f"{local}.{number}@{EMAIL_DOMAIN}" if number else f"{local}@{EMAIL_DOMAIN}"
