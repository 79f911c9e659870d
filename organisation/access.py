"""Every permission rule of the product, in one place (DESIGN.md, "Access").

Roles are assignments with a scope:
- a leader sees the subtrees of the units they lead;
- a MED member sees what their committees cover (the covered units' subtrees);
- a politician sees vision, core tasks, governance and organisation-wide figures, and the
  organisation's structure;
- HR/admin maintain a subtree, or with no unit the whole municipality;
- an employee sees their own workplace.

Views never check permissions themselves: they call a predicate (`can_*`), a filtered queryset
(`*_visible_to`), or a per-object getter (`get_*_or_404`) from here. Querysets are filtered in
the database by tree path prefixes, so the cost does not grow with the number of units.
Denied access to an object whose existence is private is a 404; denied access to a page that
everyone knows exists is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, CharField, F, Q, QuerySet, Value
from django.http import Http404

from organisation.models import (
    ApiToken,
    LeadershipCommunity,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
    minimal_prefixes,
    subtree_q,
)

AnyUser = User | AnonymousUser
STEPLEN = OrgUnit.steplen


@dataclass(frozen=True)
class Scope:
    """What one user's roles reach, resolved once per request (two small queries)."""

    authenticated: bool = False
    hr_all: bool = False
    hr_paths: tuple[str, ...] = ()
    leader_paths: tuple[str, ...] = ()
    med_paths: tuple[str, ...] = ()
    med_committee_ids: frozenset[int] = field(default_factory=frozenset)
    politician: bool = False
    home_unit_path: str | None = None
    community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_hr(self) -> bool:
        return self.hr_all or bool(self.hr_paths)

    @property
    def is_leader(self) -> bool:
        return bool(self.leader_paths)

    @property
    def is_med_member(self) -> bool:
        return bool(self.med_committee_ids)

    @property
    def is_employee(self) -> bool:
        return self.home_unit_path is not None

    def unit_paths(self) -> list[str]:
        """Subtree roots of every unit this user may see in the organisation pages."""
        paths = [*self.hr_paths, *self.leader_paths, *self.med_paths]
        if self.home_unit_path:
            paths.append(self.home_unit_path)
        return minimal_prefixes(paths)


_ANONYMOUS = Scope()
_CACHE_ATTRIBUTE = "_access_scope"


def _scope_rows(user: User) -> QuerySet:
    """Everything a scope is made of, as (kind, role, path, number) rows of one query: roles
    (with their unit's path), MED committees (with the paths they cover), leadership
    communities and the home unit. One round trip instead of four, on every signed-in page."""

    def rows(queryset: QuerySet, kind: str, **columns: Any) -> QuerySet:
        # Annotation names of their own: they must not clash with the models' fields.
        defaults = {
            "scope_role": Value("", output_field=CharField()),
            "scope_path": Value(None, output_field=CharField()),
            "scope_number": Value(None, output_field=BigIntegerField()),
        }
        defaults.update({f"scope_{name}": value for name, value in columns.items()})
        return (
            queryset.order_by()
            .annotate(scope_kind=Value(kind, output_field=CharField()), **defaults)
            .values_list("scope_kind", "scope_role", "scope_path", "scope_number")
        )

    roles = rows(
        RoleAssignment.objects.filter(user=user).filter(
            Q(unit__isnull=True) | Q(unit__active=True)
        ),
        "role",
        role=F("role"),
        path=F("unit__path"),
    )
    committees = rows(
        MedMembership.objects.filter(user=user, committee__active=True),
        "med",
        path=F("committee__covers__path"),
        number=F("committee_id"),
    )
    communities = rows(
        LeadershipCommunity.objects.filter(members=user), "community", number=F("pk")
    )
    if not user.home_unit_id:
        return roles.union(committees, communities, all=True)
    home = rows(OrgUnit.objects.filter(pk=user.home_unit_id, active=True), "home", path=F("path"))
    return roles.union(committees, communities, home, all=True)


def scope_of(user: AnyUser) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    hr_all = False
    hr_paths: list[str] = []
    leader_paths: list[str] = []
    politician = False
    committee_ids: set[int] = set()
    med_paths: list[str] = []
    community_ids: set[int] = set()
    home_unit_path = None
    for kind, role, path, number in _scope_rows(user):
        if kind == "role":
            if role == RoleAssignment.Role.HR:
                if path is None:
                    hr_all = True
                else:
                    hr_paths.append(path)
            elif role == RoleAssignment.Role.LEADER:
                leader_paths.append(path)
            elif role == RoleAssignment.Role.POLITICIAN:
                politician = True
        elif kind == "med":
            committee_ids.add(number)
            if path is not None:
                med_paths.append(path)
        elif kind == "community":
            community_ids.add(number)
        elif kind == "home":
            home_unit_path = path
    scope = Scope(
        authenticated=True,
        hr_all=hr_all,
        hr_paths=tuple(minimal_prefixes(hr_paths)),
        leader_paths=tuple(minimal_prefixes(leader_paths)),
        med_paths=tuple(minimal_prefixes(med_paths)),
        med_committee_ids=frozenset(committee_ids),
        politician=politician,
        home_unit_path=home_unit_path,
        community_ids=frozenset(community_ids),
    )
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def remember_scope(user: AnyUser, scope: Scope) -> None:
    """Give a user object a scope already resolved (organisation.principal keeps them)."""
    setattr(user, _CACHE_ATTRIBUTE, scope)


def forget_scope(user: AnyUser) -> None:
    """Drop the cached scope, after the user's roles changed within a request."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# --- Role predicates (navigation and page-level checks) -------------------------------------


def is_hr(user: AnyUser) -> bool:
    return scope_of(user).is_hr


def is_hr_for_whole_municipality(user: AnyUser) -> bool:
    return scope_of(user).hr_all


def is_leader(user: AnyUser) -> bool:
    return scope_of(user).is_leader


def is_med_member(user: AnyUser) -> bool:
    return scope_of(user).is_med_member


def is_politician(user: AnyUser) -> bool:
    return scope_of(user).politician


def can_browse_organisation(user: AnyUser) -> bool:
    scope = scope_of(user)
    return scope.hr_all or scope.politician or bool(scope.unit_paths())


def can_see_organisation_wide(user: AnyUser) -> bool:
    """Top management, politicians and HR for everything see the whole organisation."""
    scope = scope_of(user)
    return scope.hr_all or scope.politician


def can_import_organisation(user: AnyUser) -> bool:
    """Imports replace the whole organisation, so only HR for the whole municipality may."""
    return scope_of(user).hr_all


def can_use_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_browse_med(user: AnyUser) -> bool:
    scope = scope_of(user)
    return scope.is_hr or scope.is_med_member or scope.is_leader


def can_see_people_of(user: AnyUser, unit: OrgUnit) -> bool:
    """Names and contact details of a unit's employees: HR and leaders in scope only."""
    scope = scope_of(user)
    return scope.hr_all or unit.is_within(scope.hr_paths) or unit.is_within(scope.leader_paths)


# --- Units ----------------------------------------------------------------------------------


def units_visible_to(user: AnyUser) -> QuerySet[OrgUnit]:
    """Units the user may see in the organisation pages, filtered in one query by path."""
    scope = scope_of(user)
    if scope.hr_all or scope.politician:
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(subtree_q(scope.unit_paths()))


def units_led_by(user: AnyUser) -> QuerySet[OrgUnit]:
    """The subtrees of the units the user leads."""
    return OrgUnit.objects.filter(subtree_q(scope_of(user).leader_paths))


def units_maintained_by(user: AnyUser) -> QuerySet[OrgUnit]:
    """The units HR/admin maintain."""
    scope = scope_of(user)
    if scope.hr_all:
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(subtree_q(scope.hr_paths))


def can_view_unit(user: AnyUser, unit: OrgUnit) -> bool:
    scope = scope_of(user)
    if not scope.authenticated:
        return False
    return scope.hr_all or scope.politician or unit.is_within(scope.unit_paths())


def get_unit_or_404(user: AnyUser, pk: int) -> OrgUnit:
    """The unit, or 404 both when it does not exist and when the user may not see it."""
    unit = OrgUnit.objects.filter(pk=pk).first()
    if unit is None or not can_view_unit(user, unit):
        raise Http404("No such unit")
    return unit


# --- MED committees -------------------------------------------------------------------------


def committees_visible_to(user: AnyUser) -> QuerySet[MedCommittee]:
    """Committees the user may see: their own, those covering units they lead or maintain."""
    scope = scope_of(user)
    if not scope.authenticated:
        return MedCommittee.objects.none()
    if scope.hr_all:
        return MedCommittee.objects.all()
    roots = [*scope.hr_paths, *scope.leader_paths]
    # A committee is in scope when it covers a unit inside the user's subtrees, or covers one of
    # the subtrees' roots from above (an område-MED covering the directorate a leader is in).
    covering_from_above = {
        path[:end] for path in roots for end in range(STEPLEN, len(path) + 1, STEPLEN)
    }
    in_scope = subtree_q(roots, field="covers__path") | Q(covers__path__in=covering_from_above)
    return MedCommittee.objects.filter(Q(pk__in=scope.med_committee_ids) | in_scope).distinct()


def can_view_committee(user: AnyUser, committee: MedCommittee) -> bool:
    return committees_visible_to(user).filter(pk=committee.pk).exists()


def get_committee_or_404(user: AnyUser, pk: int) -> MedCommittee:
    committee = committees_visible_to(user).filter(pk=pk).first()
    if committee is None:
        raise Http404("No such committee")
    return committee


def require(allowed: bool) -> None:
    """Raise 403 unless `allowed`; for pages whose existence is no secret."""
    if not allowed:
        raise PermissionDenied


# --- Core tasks (kerneopgaver) --------------------------------------------------------------
# The organisation app imports no app above it, so these rules read the fields of the objects
# they are given (status, administrative_owner_id, ...) instead of importing their models.

CORE_TASK_PUBLIC_STATUSES = ("adopted",)
CORE_TASK_STAFF_STATUSES = ("adopted", "in_dialogue", "retired")


def core_task_filter(user: AnyUser) -> Q:
    """Core tasks the user may see: adopted ones for everyone; in dialogue and retired ones for
    everyone signed in; drafts for HR and their administrative owner."""
    scope = scope_of(user)
    if not scope.authenticated:
        return Q(status__in=CORE_TASK_PUBLIC_STATUSES)
    if scope.is_hr:
        return Q()
    return Q(status__in=CORE_TASK_STAFF_STATUSES) | Q(administrative_owner=user.pk)


def can_view_core_task(user: AnyUser, core_task: object) -> bool:
    scope = scope_of(user)
    status = core_task.status
    if status in CORE_TASK_PUBLIC_STATUSES:
        return True
    if not scope.authenticated:
        return False
    return (
        scope.is_hr
        or status in CORE_TASK_STAFF_STATUSES
        or core_task.administrative_owner_id == user.pk
    )


def can_create_core_task(user: AnyUser) -> bool:
    return scope_of(user).is_hr


def can_edit_core_task(user: AnyUser, core_task: object) -> bool:
    """HR/admin and the task's administrative owner edit it and move its status; nobody else,
    politicians included: they decide in the council and comment in the dialogue."""
    scope = scope_of(user)
    return scope.authenticated and (scope.is_hr or core_task.administrative_owner_id == user.pk)


def can_add_dialogue_input(user: AnyUser, core_task: object) -> bool:
    """Employees, leaders and politicians add inputs, signed in, while the task is in dialogue."""
    return (
        scope_of(user).authenticated
        and core_task.status == "in_dialogue"
        and can_view_core_task(user, core_task)
    )


def can_moderate_citizen_inputs(user: AnyUser) -> bool:
    return scope_of(user).is_hr


def can_edit_contribution(user: AnyUser, core_task: object, unit: OrgUnit) -> bool:
    """The unit's leader keeps its contribution; HR and the task's owner may too."""
    scope = scope_of(user)
    if not scope.authenticated:
        return False
    return can_edit_core_task(user, core_task) or unit.is_within(scope.leader_paths)


def can_manage_indicators(user: AnyUser, core_task: object) -> bool:
    return can_edit_core_task(user, core_task)


def can_manage_vision(user: AnyUser) -> bool:
    return scope_of(user).is_hr


def can_view_vision_draft(user: AnyUser) -> bool:
    return can_manage_vision(user)


def communities_filter(user: AnyUser) -> Q:
    """Leadership communities the user may see: HR sees all; members see their own."""
    scope = scope_of(user)
    if not scope.authenticated:
        return Q(pk__in=[])
    if scope.is_hr:
        return Q()
    return Q(members=user.pk)


def can_view_community(user: AnyUser, community: object) -> bool:
    scope = scope_of(user)
    if not scope.authenticated:
        return False
    return scope.is_hr or community.members.filter(pk=user.pk).exists()


def can_browse_communities(user: AnyUser) -> bool:
    scope = scope_of(user)
    return scope.authenticated and (scope.is_hr or bool(scope.community_ids))


def dialogue_inputs_filter(user: AnyUser) -> Q:
    """Dialogue inputs the user may read on a core task they can see: only approved ones, and
    for visitors who are not signed in only citizens' inputs, because employees' and leaders'
    inputs carry their names and are written for colleagues, not for the public."""
    if not scope_of(user).authenticated:
        return Q(moderation="approved", channel="citizen")
    return Q(moderation="approved")


def can_contribute_to_community(user: AnyUser, community: object) -> bool:
    """Members and HR share notes and links and choose the community's core-task focus."""
    return can_view_community(user, community)


def can_add_contribution(user: AnyUser, core_task: object) -> bool:
    """Who may add a contributing unit to a core task they can see: HR and the task's owner
    (any unit), and leaders (a unit in the subtrees they lead; see can_edit_contribution)."""
    scope = scope_of(user)
    return (
        scope.authenticated
        and can_view_core_task(user, core_task)
        and (can_edit_core_task(user, core_task) or scope.is_leader)
    )


# --- Social-capital surveys (socialkapital) -------------------------------------------------
# As above, these rules read fields of the objects they are given and import no model.


def can_manage_surveys(user: AnyUser) -> bool:
    """HR/admin compose questionnaires and create rounds."""
    return scope_of(user).is_hr


def can_manage_round(user: AnyUser, survey_round: object) -> bool:
    """HR whose scope holds the round's whole scope opens, extends and closes it."""
    scope = scope_of(user)
    return scope.hr_all or survey_round.scope.is_within(scope.hr_paths)


def can_generate_access_codes(user: AnyUser, survey_round: object, unit: OrgUnit) -> bool:
    """HR in scope, or the unit's leader, print access codes for a unit in the round's scope."""
    scope = scope_of(user)
    if not scope.authenticated or not unit.is_within([survey_round.scope.path]):
        return False
    return scope.hr_all or unit.is_within(scope.hr_paths) or unit.is_within(scope.leader_paths)


def units_with_response_rates_for(user: AnyUser) -> QuerySet[OrgUnit]:
    """Units whose response rates (counts only) the user may follow: HR, leaders and MED
    members in their scope."""
    scope = scope_of(user)
    if scope.hr_all:
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(
        subtree_q([*scope.hr_paths, *scope.leader_paths, *scope.med_paths])
    )


def can_view_response_rates(user: AnyUser, unit: OrgUnit) -> bool:
    scope = scope_of(user)
    return scope.authenticated and (
        scope.hr_all or unit.is_within([*scope.hr_paths, *scope.leader_paths, *scope.med_paths])
    )


def can_browse_surveys(user: AnyUser) -> bool:
    scope = scope_of(user)
    return scope.is_hr or scope.is_leader or scope.is_med_member


def survey_rounds_filter(user: AnyUser) -> Q:
    """Rounds the user may follow (status, dates, response rates of the units in their scope):
    HR, leaders and MED members, for rounds whose scope overlaps their subtrees, that is lies
    inside one of them or above one of them. HR for the whole municipality sees every round."""
    scope = scope_of(user)
    if scope.hr_all:
        return Q()
    roots = minimal_prefixes([*scope.hr_paths, *scope.leader_paths, *scope.med_paths])
    if not roots:
        return Q(pk__in=[])
    at_or_above = {path[:end] for path in roots for end in range(STEPLEN, len(path) + 1, STEPLEN)}
    return subtree_q(roots, field="scope__path") | Q(scope__path__in=at_or_above)


def can_view_round(user: AnyUser, survey_round: object) -> bool:
    scope = scope_of(user)
    if scope.hr_all:
        return True
    roots = [*scope.hr_paths, *scope.leader_paths, *scope.med_paths]
    path = survey_round.scope.path
    return any(path.startswith(root) or root.startswith(path) for root in roots)


# --- Social-capital results, dialogue and actions (socialkapital) ---------------------------
# Who sees which unit's results (DESIGN.md, "Access"): leaders their subtrees, MED members what
# their committees cover, HR what they maintain, politicians the organisation-wide figures (the
# municipality, its directorates and areas, not single workplaces), and an employee their own
# workplace. What a result shows is decided once, at aggregation (suppression); these rules only
# decide who may open which unit's page.

# Politicians follow the organisation from above: the municipality, directorates and areas.
POLITICIAN_RESULTS_DEPTH = 3


def _results_paths(scope: Scope) -> list[str]:
    return minimal_prefixes([*scope.hr_paths, *scope.leader_paths, *scope.med_paths])


def results_units_filter(user: AnyUser) -> Q:
    """Units whose results the user may open, as a filter on OrgUnit (field `path`/`depth`)."""
    scope = scope_of(user)
    if not scope.authenticated:
        return Q(pk__in=[])
    if scope.hr_all:
        return Q()
    q = subtree_q(_results_paths(scope))
    if scope.politician:
        q |= Q(depth__lte=POLITICIAN_RESULTS_DEPTH)
    if scope.home_unit_path:
        q |= Q(path=scope.home_unit_path)
    return q


def can_view_results(user: AnyUser, unit: OrgUnit) -> bool:
    scope = scope_of(user)
    if not scope.authenticated:
        return False
    return (
        scope.hr_all
        or unit.is_within(_results_paths(scope))
        or (scope.politician and unit.depth <= POLITICIAN_RESULTS_DEPTH)
        or unit.path == scope.home_unit_path
    )


def get_results_unit_or_404(user: AnyUser, pk: int) -> OrgUnit:
    """The unit whose results page is asked for, or 404 (also when the user may not see it)."""
    unit = OrgUnit.objects.filter(pk=pk).first()
    if unit is None or not can_view_results(user, unit):
        raise Http404("No such unit")
    return unit


def can_browse_results(user: AnyUser) -> bool:
    """Anyone signed in with a unit to look at: a role with a scope, or a home workplace."""
    scope = scope_of(user)
    return scope.authenticated and (
        scope.hr_all or scope.politician or bool(_results_paths(scope)) or scope.is_employee
    )


def can_view_results_overview(user: AnyUser) -> bool:
    """The organisation overview: top management (a leader of the root), the Hoved-MED (a
    committee covering the root), HR for everything and politicians."""
    scope = scope_of(user)
    if scope.hr_all or scope.politician:
        return True
    return any(len(path) == STEPLEN for path in [*scope.leader_paths, *scope.med_paths])


def can_view_committee_results(user: AnyUser, committee: MedCommittee) -> bool:
    """The committee's results page: its members, and those who may see the committee."""
    return can_view_committee(user, committee)


def can_record_unit_dialogue(user: AnyUser, unit: OrgUnit) -> bool:
    """A unit's leader (or a leader above it) and HR in scope record its meetings and actions."""
    scope = scope_of(user)
    return scope.authenticated and (
        scope.hr_all or unit.is_within([*scope.hr_paths, *scope.leader_paths])
    )


def can_record_committee_dialogue(user: AnyUser, committee: MedCommittee) -> bool:
    """The committee's members record its meetings and actions; HR for everything may too."""
    scope = scope_of(user)
    return scope.authenticated and (scope.hr_all or committee.pk in scope.med_committee_ids)


def can_record_dialogue(user: AnyUser, *, unit: OrgUnit | None, committee: object | None) -> bool:
    """For a dialogue or action that belongs to `unit` or to `committee` (exactly one is set)."""
    if committee is not None:
        return can_record_committee_dialogue(user, committee)
    return unit is not None and can_record_unit_dialogue(user, unit)


def can_view_dialogue(user: AnyUser, *, unit: OrgUnit | None, committee: object | None) -> bool:
    """Who reads a unit's or committee's meeting records and actions: whoever sees its results."""
    if committee is not None:
        return can_view_committee_results(user, committee)
    return unit is not None and can_view_results(user, unit)


def can_update_action(user: AnyUser, action: object) -> bool:
    """Those who record the unit's or committee's actions, and the action's owner, update it
    (status, description, due date)."""
    if scope_of(user).authenticated and action.owner_id == user.pk:
        return True
    return can_record_dialogue(user, unit=action.unit, committee=action.committee)


def actions_filter(user: AnyUser) -> Q:
    """Actions the user follows in the overview: those of units in their results scope, of
    their committees (and committees they may see), and those they own."""
    scope = scope_of(user)
    if not scope.authenticated:
        return Q(pk__in=[])
    if scope.hr_all:
        return Q()
    q = Q(owner=user.pk) | Q(committee__in=committees_visible_to(user).values("pk"))
    paths = _results_paths(scope)
    if paths:
        q |= subtree_q(paths, field="unit__path")
    if scope.home_unit_path:
        q |= Q(unit__path=scope.home_unit_path)
    return q


# --- Governance (styring) -------------------------------------------------------------------
# Governance is no secret inside the organisation: everyone signed in reads the register, and an
# employee sees what applies to them and why. Leaders change the instruments owned by units in
# the subtrees they lead (and decide on them); HR changes those in the subtrees they maintain;
# politicians read everything and decide in the council, not here. Employees' value signals
# are anonymous figures, shown by the same rules as survey results (results_units_filter).
# As above, these rules read fields of the objects they are given and import no model.


def _governance_edit_paths(scope: Scope) -> list[str]:
    return minimal_prefixes([*scope.hr_paths, *scope.leader_paths])


def can_browse_governance(user: AnyUser) -> bool:
    """The register, an instrument's page and "what applies to me": everyone signed in."""
    return scope_of(user).authenticated


def can_create_instrument(user: AnyUser) -> bool:
    """HR and leaders propose instruments (owned by a unit they may edit for)."""
    scope = scope_of(user)
    return scope.hr_all or bool(_governance_edit_paths(scope))


def instrument_owner_units_for(user: AnyUser) -> QuerySet[OrgUnit]:
    """The units a user may name as an instrument's owner (and so edit it afterwards)."""
    scope = scope_of(user)
    if scope.hr_all:
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(subtree_q(_governance_edit_paths(scope)))


def can_edit_instrument(user: AnyUser, instrument: object) -> bool:
    """HR for everything, and HR and leaders whose subtrees hold the owning unit, edit the
    instrument, move its status, justify it and decide on it. Employees and politicians never."""
    scope = scope_of(user)
    if not scope.authenticated:
        return False
    return scope.hr_all or instrument.owner_unit.is_within(_governance_edit_paths(scope))


def instruments_editable_filter(user: AnyUser) -> Q:
    """The instruments `can_edit_instrument` allows, as a filter on Instrument."""
    scope = scope_of(user)
    if scope.hr_all:
        return Q()
    paths = _governance_edit_paths(scope)
    if not paths:
        return Q(pk__in=[])
    return subtree_q(paths, field="owner_unit__path")


def can_decide_on_instrument(user: AnyUser, instrument: object) -> bool:
    """Intensity and review decisions (tighten, keep, simplify, loosen, remove), for the whole
    instrument or an area: whoever may edit it. A leader who wants an instrument owned above
    them loosened in their area asks its owner; the decision is the owner's."""
    return can_edit_instrument(user, instrument)


def can_view_applicable_governance(user: AnyUser, unit: OrgUnit) -> bool:
    """What applies to a unit and what it costs: the unit's own employees, and HR and leaders
    whose subtrees hold it (politicians follow it in the overview instead)."""
    scope = scope_of(user)
    if not scope.authenticated:
        return False
    return (
        scope.hr_all
        or unit.path == scope.home_unit_path
        or unit.is_within(_governance_edit_paths(scope))
    )


def can_import_instruments(user: AnyUser) -> bool:
    """A CSV import creates instruments for any owner, so it is HR's."""
    return scope_of(user).is_hr


def can_view_governance_map(user: AnyUser) -> bool:
    """Units × core tasks: leaders (their subtrees), MED members (what they cover), HR and
    politicians (everything)."""
    scope = scope_of(user)
    return scope.hr_all or scope.politician or bool(_results_paths(scope))


def governance_map_units_filter(user: AnyUser) -> Q:
    """The rows of the governance map a user sees, as a filter on OrgUnit."""
    scope = scope_of(user)
    if scope.hr_all or scope.politician:
        return Q()
    paths = _results_paths(scope)
    return subtree_q(paths) if paths else Q(pk__in=[])


def can_view_review_register(user: AnyUser) -> bool:
    """The review register (styringsrydning): HR, leaders, MED members and politicians read it;
    those who may edit an instrument decide on it (can_edit_instrument / can_decide_in_area)."""
    scope = scope_of(user)
    return scope.is_hr or scope.is_leader or scope.is_med_member or scope.politician


def can_view_governance_overview(user: AnyUser) -> bool:
    """Per core task and area: politicians, top management (a leader of the root), HR and MED
    members."""
    scope = scope_of(user)
    if scope.hr_all or scope.politician or scope.is_med_member:
        return True
    return any(len(path) == STEPLEN for path in scope.leader_paths)


def can_give_value_signal(user: AnyUser, instrument: object, applies: bool) -> bool:
    """An employee gives a value signal on an instrument in force that applies to their own
    workplace (`applies`, decided by styring.queries from the applies-to units and any removal
    decisions)."""
    scope = scope_of(user)
    return (
        scope.authenticated
        and scope.is_employee
        and applies
        and instrument.status in ("active", "under_review")
    )


def value_signal_units_filter(user: AnyUser) -> Q:
    """Units whose aggregated value signals the user may see: as for survey results."""
    return results_units_filter(user)


def can_view_value_signals(user: AnyUser, unit: OrgUnit) -> bool:
    return can_view_results(user, unit)


def can_view_audit_log(user: AnyUser) -> bool:
    """The audit log of administrative changes and denied access: HR/admin only."""
    return scope_of(user).is_hr


# --- Calendar feed (issue 8: due dates and review dates in the user's own calendar) ---------
# A personal iCalendar address lists dates the user works towards. It never shows more than the
# pages do (each filter is cut down to what the user may see), and less than everything an HR
# or top-management scope reaches where that would drown the person's own dates: actions only
# as owner, leader or MED member, not everything HR maintains.


def can_use_calendar_feed(user: AnyUser) -> bool:
    """Everyone signed in (and active) may make a calendar address for themselves."""
    return scope_of(user).authenticated


def calendar_actions_filter(user: AnyUser) -> Q:
    """Actions whose due dates go into the user's calendar, as a filter on Action: those they
    own, those of units in the subtrees they lead, and those of their own MED committees;
    always within `actions_filter` (what the actions overview shows them)."""
    scope = scope_of(user)
    if not scope.authenticated:
        return Q(pk__in=[])
    q = Q(owner=user.pk)
    if scope.leader_paths:
        q |= subtree_q(scope.leader_paths, field="unit__path")
    if scope.med_committee_ids:
        q |= Q(committee__in=sorted(scope.med_committee_ids))
    return q & actions_filter(user)


def calendar_instruments_filter(user: AnyUser) -> Q:
    """Instruments whose review dates go into the user's calendar, as a filter on Instrument:
    those they are the named owner of, and those they may edit (`can_edit_instrument`)."""
    if not scope_of(user).authenticated:
        return Q(pk__in=[])
    return Q(owner=user.pk) | instruments_editable_filter(user)


# --- Open-data API (issue 8, part 2) -------------------------------------------------------
# The public part of the API is open data: it shows what a visitor who is not signed in sees on
# the pages (the adopted vision and the adopted core tasks), to everyone alike, also to a
# request that brings a key. The rest of the API answers a personal key as its user: every
# endpoint there asks the same predicates as the page it mirrors (can_browse_results,
# can_view_governance_overview, can_browse_governance, ...), read at each request.


def open_data_core_task_filter() -> Q:
    """Core tasks the public API shows: those anyone may see without signing in."""
    return core_task_filter(AnonymousUser())


def open_data_vision_filter() -> Q:
    """Vision versions the public API shows: adopted ones (drafts only for their writers)."""
    if can_view_vision_draft(AnonymousUser()):
        return Q()
    return Q(adopted_on__isnull=False)


def can_manage_api_tokens(user: AnyUser) -> bool:
    """Everyone signed in (and active) may make and revoke keys for themselves."""
    return scope_of(user).authenticated


def api_tokens_filter(user: AnyUser) -> Q:
    """The keys a user sees and revokes, as a filter on ApiToken: their own, nobody else's."""
    if not scope_of(user).authenticated:
        return Q(pk__in=[])
    return Q(user=user.pk)


def get_api_token_or_404(user: AnyUser, pk: int) -> ApiToken:
    """The user's own key, or 404 both when it does not exist and when it is someone else's."""
    token = ApiToken.objects.filter(api_tokens_filter(user), pk=pk).first()
    if token is None:
        raise Http404("No such API key")
    return token
