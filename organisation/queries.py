"""Read models that span several models: the start page and the organisation pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from organisation import access
from organisation.access import AnyUser
from organisation.models import MedCommittee, OrgUnit, RoleAssignment, User, subtree_q


@dataclass
class UnitSummary:
    unit: OrgUnit
    units_below: int
    employees: int


@dataclass
class StartPage:
    """What the front page shows a signed-in user about their own roles."""

    led: list[UnitSummary] = field(default_factory=list)
    home_unit: OrgUnit | None = None
    home_unit_leaders: list[User] = field(default_factory=list)
    committees: list[MedCommittee] = field(default_factory=list)
    organisation: dict[str, int] | None = None
    hr: bool = False
    politician: bool = False


def summarise_units(units: QuerySet[OrgUnit] | list[OrgUnit]) -> list[UnitSummary]:
    """Counts of units and active employees below each unit: two grouped queries in all."""
    units = list(units)
    if not units:
        return []
    paths = [unit.path for unit in units]
    below = OrgUnit.objects.active().filter(subtree_q(paths)).values_list("path", flat=True)
    people = (
        User.objects.filter(is_active=True, home_unit__active=True)
        .filter(subtree_q(paths, field="home_unit__path"))
        .values("home_unit__path")
        .annotate(n=Count("pk"))
    )
    unit_counts = {unit.path: -1 for unit in units}  # a unit does not count itself
    people_counts = dict.fromkeys(paths, 0)
    below_paths = list(below)
    for unit in units:
        unit_counts[unit.path] += sum(1 for p in below_paths if p.startswith(unit.path))
    for row in people:
        for unit in units:
            if row["home_unit__path"].startswith(unit.path):
                people_counts[unit.path] += row["n"]
    return [UnitSummary(u, max(unit_counts[u.path], 0), people_counts[u.path]) for u in units]


def organisation_counts() -> dict[str, int]:
    counts = dict(OrgUnit.objects.active().values_list("kind").annotate(n=Count("pk")).order_by())
    counts["employees"] = User.objects.filter(is_active=True, home_unit__isnull=False).count()
    counts["committees"] = MedCommittee.objects.active().count()
    return counts


def start_page_for(user: AnyUser) -> StartPage:
    scope = access.scope_of(user)
    page = StartPage(hr=scope.is_hr, politician=scope.politician)
    if scope.is_leader:
        led = OrgUnit.objects.filter(
            role_assignments__user=user, role_assignments__role=RoleAssignment.Role.LEADER
        ).distinct()
        page.led = summarise_units(led)
    if scope.is_employee:
        page.home_unit = OrgUnit.objects.get(path=scope.home_unit_path)
        page.home_unit_leaders = leaders_of(page.home_unit)
    if scope.is_med_member:
        page.committees = list(
            MedCommittee.objects.filter(pk__in=scope.med_committee_ids).prefetch_related("covers")
        )
    if scope.hr_all or scope.politician:
        page.organisation = organisation_counts()
    return page


def leaders_of(unit: OrgUnit) -> list[User]:
    """The nearest leaders: of the unit itself, or else of its closest ancestor with one."""
    paths = [*unit.ancestor_paths(), unit.path]
    assignments = (
        RoleAssignment.objects.filter(
            role=RoleAssignment.Role.LEADER, unit__path__in=paths, user__is_active=True
        )
        .select_related("user", "unit")
        .order_by("-unit__depth", "user__name")
    )
    nearest: list[User] = []
    depth = None
    for assignment in assignments:
        if depth is None:
            depth = assignment.unit.depth
        if assignment.unit.depth != depth:
            break
        nearest.append(assignment.user)
    return nearest


@dataclass
class UnitPage:
    unit: OrgUnit
    breadcrumbs: list[OrgUnit]
    children: list[UnitSummary]
    leaders: list[User]
    committees: list[MedCommittee]
    employees: list[User] | None
    employee_count: int


def unit_page(user: AnyUser, unit: OrgUnit) -> UnitPage:
    visible = access.units_visible_to(user)
    breadcrumbs = list(visible.filter(path__in=unit.ancestor_paths()).order_by("depth"))
    children = summarise_units(
        visible.filter(depth=unit.depth + 1, path__startswith=unit.path).order_by("-active", "name")
    )
    covering_paths = [*unit.ancestor_paths(), unit.path]
    committees = list(
        MedCommittee.objects.active().filter(covers__path__in=covering_paths).distinct()
    )
    own = User.objects.filter(home_unit=unit, is_active=True).order_by("name")
    employees = list(own) if access.can_see_people_of(user, unit) else None
    return UnitPage(
        unit=unit,
        breadcrumbs=breadcrumbs,
        children=children,
        leaders=leaders_of(unit),
        committees=committees,
        employees=employees,
        employee_count=own.count(),
    )


def unit_roots_for(user: AnyUser) -> list[UnitSummary]:
    """The top of what the user may browse: the root for organisation-wide roles, otherwise
    the highest units of their scope."""
    visible = access.units_visible_to(user)
    scope = access.scope_of(user)
    if scope.hr_all or scope.politician:
        roots = visible.filter(depth=1)
    else:
        roots = visible.filter(path__in=scope.unit_paths())
    return summarise_units(roots.order_by("path"))


def committee_members(committee: MedCommittee) -> QuerySet:
    return committee.memberships.select_related("user").order_by("role", "user__name")


def committees_with_coverage(committees: QuerySet[MedCommittee]) -> QuerySet[MedCommittee]:
    return committees.prefetch_related("covers").annotate(
        members_count=Count("memberships", filter=Q(memberships__user__is_active=True))
    )
