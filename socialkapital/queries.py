"""Read models of the socialkapital app: the rounds a user follows and live response rates.

Response rates are counts only (invited, answered, share), which DESIGN.md allows while a round
is open; no answer values are read here. Each read runs a fixed number of queries whatever the
number of units: grouped counts per unit path, then a roll-up over the tree by path prefixes in
Python over the (small) list of units.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from organisation import access, principal, versions
from organisation.access import AnyUser
from organisation.models import OrgUnit, minimal_prefixes, subtree_q
from socialkapital.models import Dimension, Invitation, Response, Result, SurveyRound
from socialkapital.questionnaire import DIMENSION_ORDER

STEPLEN = OrgUnit.steplen


@dataclass(frozen=True)
class Rate:
    """Invited and answered people, and the share in whole per cent (None when nobody was
    invited). `answered` counts responses, by invitation link and by access code alike."""

    invited: int
    answered: int

    @property
    def share(self) -> int | None:
        if not self.invited:
            return None
        return round(100 * self.answered / self.invited)


@dataclass(frozen=True)
class UnitRate:
    """One row of the response-rate table: a unit, its own counts and its subtree's."""

    unit: OrgUnit
    depth: int  # 0 for the user's top units in the round, +1 per level below
    top: bool
    own: Rate
    subtree: Rate

    @property
    def indent(self) -> str:
        """Em spaces for the table's indentation (the CSP forbids inline styles; HTML does not
        collapse these spaces)."""
        return "\u2003" * self.depth


@dataclass(frozen=True)
class RoundRow:
    """A round on the index page with the overall response rate of the user's scope in it."""

    survey_round: SurveyRound
    rate: Rate


def _counts_by_path(queryset: QuerySet) -> Counter[str]:
    """One grouped query: the number of rows per unit path."""
    return Counter(
        {
            row["unit__path"]: row["n"]
            for row in queryset.values("unit__path").annotate(n=Count("pk"))
        }
    )


def _roll_up(counts: Counter[str]) -> Counter[str]:
    """Each path's count added to itself and all its ancestors: subtree totals by path."""
    totals: Counter[str] = Counter()
    for path, n in counts.items():
        for end in range(STEPLEN, len(path) + 1, STEPLEN):
            totals[path[:end]] += n
    return totals


def rounds_for(user: AnyUser) -> QuerySet[SurveyRound]:
    """The rounds the user follows, newest first."""
    return (
        SurveyRound.objects.filter(access.survey_rounds_filter(user))
        .select_related("scope", "questionnaire")
        .order_by("-opens_at", "-pk")
    )


def _rate_units(survey_round: SurveyRound, user: AnyUser) -> list[OrgUnit]:
    """The units of the round's scope whose response rates the user may follow, in tree order."""
    return list(
        access.units_with_response_rates_for(user)
        .filter(path__startswith=survey_round.scope.path)
        .order_by("path")
    )


def response_rates(survey_round: SurveyRound, user: AnyUser) -> list[UnitRate]:
    """Response rates per unit and per subtree for the units of the round the user may follow,
    in tree order under each of the user's top units. Three queries."""
    units = _rate_units(survey_round, user)
    if not units:
        return []
    tops = minimal_prefixes(unit.path for unit in units)
    invited = _counts_by_path(Invitation.objects.filter(round=survey_round))
    answered = _counts_by_path(Response.objects.filter(round=survey_round))
    invited_total, answered_total = _roll_up(invited), _roll_up(answered)
    rows = []
    for unit in units:
        top = next(prefix for prefix in tops if unit.path.startswith(prefix))
        rows.append(
            UnitRate(
                unit=unit,
                depth=(len(unit.path) - len(top)) // STEPLEN,
                top=unit.path == top,
                own=Rate(invited[unit.path], answered[unit.path]),
                subtree=Rate(invited_total[unit.path], answered_total[unit.path]),
            )
        )
    return rows


def response_rate_summary(survey_round: SurveyRound, units: Iterable[OrgUnit]) -> Rate:
    """Invited and answered in the round over the subtrees of `units` (overlaps counted once).
    Two queries; no permission check: pass only units the reader may follow."""
    prefixes = minimal_prefixes(unit.path for unit in units)
    if not prefixes:
        return Rate(0, 0)
    where = subtree_q(prefixes, field="unit__path")
    return Rate(
        invited=Invitation.objects.filter(where, round=survey_round).count(),
        answered=Response.objects.filter(where, round=survey_round).count(),
    )


def index_rows(user: AnyUser, rounds: list[SurveyRound] | None = None) -> list[RoundRow]:
    """The index page's rounds, each with the overall response rate of the user's scope in it.

    Three queries for any number of rounds (two when `rounds`, from `rounds_for(user)`, are
    given): the rounds, then invitations and responses grouped by round and unit path,
    restricted to the user's units and summed in Python."""
    rounds = list(rounds_for(user)) if rounds is None else rounds
    if not rounds:
        return []
    round_ids = [survey_round.pk for survey_round in rounds]
    # The user's units as a subquery, so the rule stays in organisation/access.py.
    units = access.units_with_response_rates_for(user).order_by().values("pk")

    def grouped(model: type[Invitation] | type[Response]) -> Counter[int]:
        queryset = model.objects.filter(round_id__in=round_ids, unit__in=units)
        return Counter(
            {
                row["round_id"]: row["n"]
                for row in queryset.values("round_id").annotate(n=Count("pk"))
            }
        )

    invited, answered = grouped(Invitation), grouped(Response)
    return [RoundRow(survey_round=r, rate=Rate(invited[r.pk], answered[r.pk])) for r in rounds]


# --- Results (issue 5) -------------------------------------------------------------------------
# Dashboards read aggregated `Result` rows only (DESIGN.md, "Anonymity"): nothing here reads an
# answer or computes a figure across units. A hidden row carries no figure and is shown as
# hidden; a missing row means no responses in that cell. Each read is a fixed number of
# queries, whatever the number of units: rows come in one `values_list` per page part, and the
# tree is put together from paths in Python.

INDEX_KEY = "index"
COLUMN_KEYS: list[str] = [INDEX_KEY, *(f"dimension:{value}" for value in DIMENSION_ORDER)]
SCORE_MEASURES = [Result.Measure.INDEX, Result.Measure.DIMENSION]
# Colour bands of the heatmap: (lowest score, band). Numbers are always shown beside the colour.
BANDS: list[tuple[int, int]] = [(80, 5), (70, 4), (60, 3), (50, 2), (0, 1)]
_SCORE_FIELDS = ("hidden", "n", "mean", "ci_low", "ci_high")


def whole(value: float | None) -> int | None:
    """A figure rounded half up to a whole number, as shown on every dashboard."""
    return None if value is None else math.floor(value + 0.5)


@dataclass(frozen=True)
class Score:
    """A shown or hidden figure set of one unit and measure (from one Result row)."""

    hidden: bool
    n: int | None = None
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    favourable: float | None = None
    distribution: tuple[int, ...] = ()

    @property
    def value(self) -> int | None:
        return whole(self.mean)

    @property
    def low(self) -> int | None:
        return whole(self.ci_low)

    @property
    def high(self) -> int | None:
        return whole(self.ci_high)

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    @property
    def detail(self) -> str:
        """n and the 95% interval in words (a shown score only), for screen readers and focus."""
        if self.hidden:
            return ""
        if not self.has_ci:
            return _("%(n)s responses") % {"n": self.n}
        return _("%(n)s responses, 95%% confidence interval %(low)s–%(high)s") % {
            "n": self.n,
            "low": self.low,
            "high": self.high,
        }

    @property
    def band(self) -> int:
        """1 (low) .. 5 (high), 0 for a hidden score."""
        if self.mean is None:
            return 0
        return next(band for lowest, band in BANDS if self.mean >= lowest)

    @property
    def favourable_percent(self) -> int | None:
        return None if self.favourable is None else whole(100 * self.favourable)

    @property
    def segments(self) -> list[dict[str, float | int]]:
        """The distribution as a stacked bar on 0..100: x, width and count per scale point."""
        total = sum(self.distribution)
        if not total:
            return []
        segments, x = [], 0.0
        for step, count in enumerate(self.distribution):
            width = 100 * count / total
            segments.append(
                {"step": step, "score": 25 * step, "count": count, "x": x, "width": width}
            )
            x += width
        return segments


def _score(
    hidden: bool, n: int | None, mean: float | None, low: float | None, high: float | None
) -> Score:
    if hidden:
        return Score(hidden=True)  # whatever a hidden row holds (nothing) is not passed on
    return Score(hidden=False, n=n, mean=mean, ci_low=low, ci_high=high)


def change_between(previous: Score | None, current: Score | None) -> str:
    """ "up" or "down" when the two 95% intervals do not overlap (a real change), "same" when
    they do, "" when either is missing or hidden (nothing to compare)."""
    if previous is None or current is None or previous.hidden or current.hidden:
        return ""
    if not (previous.has_ci and current.has_ci):
        return ""
    if current.ci_low > previous.ci_high:
        return "up"
    if current.ci_high < previous.ci_low:
        return "down"
    return "same"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    short: str


def columns() -> list[Column]:
    """The heatmap's columns: the index, then the dimensions in their display order."""
    return [Column(INDEX_KEY, str(_("Social-capital index")), str(_("Index")))] + [
        Column(f"dimension:{value}", str(Dimension(value).label), str(Dimension(value).label))
        for value in DIMENSION_ORDER
    ]


def _visible_units(user: AnyUser) -> QuerySet[OrgUnit]:
    """The units whose results the user may open, as a subquery (the rule is in access.py)."""
    return OrgUnit.objects.filter(access.results_units_filter(user)).order_by().values("pk")


def results_rounds_for(user: AnyUser) -> list[SurveyRound]:
    """Closed, aggregated rounds with a result for at least one unit the user may open, newest
    first. One query."""
    rows = Result.objects.filter(
        round=OuterRef("pk"), cell=Result.Cell.SUBTREE, key=INDEX_KEY, unit__in=_visible_units(user)
    )
    return list(SurveyRound.objects.with_results().filter(Exists(rows)).select_related("scope"))


def pick_round(rounds: list[SurveyRound], wanted: str | None) -> SurveyRound | None:
    """The round asked for by `?runde=` when it is one of `rounds`, else the newest of them."""
    by_pk = {str(survey_round.pk): survey_round for survey_round in rounds}
    if wanted and wanted in by_pk:
        return by_pk[wanted]
    return rounds[0] if rounds else None


def results_scope_key(user: AnyUser) -> str:
    """A short digest of everything that decides what the results pages show the user, for
    cache keys: users with the same roles, scope and workplace share a cached page part; it
    names what they may see, not who they are. Every field of the user's access scope is in
    it (also the MED committees, which decide whether the survey rounds are shown), and the
    workplace by id as well as by path (the "your workplace" card reads it by id)."""
    scope = access.scope_of(user)
    parts = (
        scope.authenticated,
        scope.hr_all,
        sorted(scope.hr_paths),
        sorted(scope.leader_paths),
        sorted(scope.med_paths),
        sorted(scope.med_committee_ids),
        scope.politician,
        scope.home_unit_path,
        getattr(user, "home_unit_id", None),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RoundsState:
    """What the results index shows of the rounds, for everyone at once: a digest for cache
    keys, the rounds with results (by `?runde=` value) and whether any round is open."""

    digest: str
    with_results: frozenset[str]
    any_open: bool


ROUNDS_VERSION = "survey_rounds"


def _on_round_change(**kwargs: object) -> None:
    versions.changed(ROUNDS_VERSION)


post_save.connect(_on_round_change, sender=SurveyRound, dispatch_uid="sk.rounds.save")
post_delete.connect(_on_round_change, sender=SurveyRound, dispatch_uid="sk.rounds.delete")

# The last rounds state this process read, with the versions it was read under.
_rounds_state_memo: list[tuple[tuple[str, str], RoundsState]] = []
versions.on_change(ROUNDS_VERSION, _rounds_state_memo.clear)


def _read_rounds_state() -> RoundsState:
    rows = list(
        SurveyRound.objects.order_by("pk").values_list(
            "pk",
            "status",
            "results_version",
            "name",
            "opens_at",
            "closes_at",
            "min_group_size",
            "scope_id",
            "scope__name",
            "scope__path",
        )
    )
    with_results = frozenset(
        str(pk)
        for pk, status, version, *_rest in rows
        if status == SurveyRound.Status.CLOSED and version > 0
    )
    return RoundsState(
        digest=hashlib.sha256(repr(rows).encode()).hexdigest()[:16],
        with_results=with_results,
        any_open=any(row[1] == SurveyRound.Status.OPEN for row in rows),
    )


def rounds_state(current: dict[str, str | None] | None = None) -> RoundsState:
    """Every round's status, results version, name, dates and scope (a municipality holds a
    few rounds a year). The index keys its cached page parts on its digest: a new round, a
    status, a rename or a new results version renders them again.

    Read from the database only when the rounds (any save of a round, which aggregation does
    when it commits a new results version) or the organisation (the scope's name and path)
    changed since this process last read it; `current` is `versions.read(ROUNDS_VERSION,
    principal.UNITS_VERSION)` when the caller has it already."""
    if current is None:
        current = versions.read(ROUNDS_VERSION, principal.UNITS_VERSION)
    key = (current.get(ROUNDS_VERSION), current.get(principal.UNITS_VERSION))
    if None in key:
        return _read_rounds_state()
    if _rounds_state_memo and _rounds_state_memo[0][0] == key:
        return _rounds_state_memo[0][1]
    state = _read_rounds_state()
    _rounds_state_memo[:] = [(key, state)]
    return state


# --- The leader's heatmap (the index page) ----------------------------------------------------


@dataclass(frozen=True)
class HeatmapRow:
    unit_id: int
    name: str
    path: str
    depth: int
    kind: str
    cells: list[Score | None]  # one per column; None: no responses in that cell
    indent_level: int = 0

    @property
    def indent(self) -> str:
        """Em spaces for the indentation (the CSP forbids inline styles)."""
        return "\u2003" * self.indent_level

    @property
    def index(self) -> Score | None:
        return self.cells[0]


@dataclass(frozen=True)
class Level:
    depth: int
    label: str


@dataclass(frozen=True)
class Heatmap:
    survey_round: SurveyRound
    columns: list[Column]
    rows: list[HeatmapRow]
    levels: list[Level]
    sort: str  # "" (tree order) or a column key, "-" in front for descending
    level: int | None
    total_units: int

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def valid_sort(value: str | None) -> str:
    """`?sort=`: "name", a column key, each optionally with "-" in front; else tree order."""
    value = value or ""
    key = value.removeprefix("-")
    return value if key == "name" or key in COLUMN_KEYS else ""


def valid_level(value: str | None) -> int | None:
    try:
        level = int(value or "")
    except ValueError:
        return None
    return level if 1 <= level <= 50 else None


def _sorted_rows(rows: list[HeatmapRow], sort: str) -> list[HeatmapRow]:
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    if key == "name":
        return sorted(rows, key=lambda row: (row.name.casefold(), row.path), reverse=descending)
    position = COLUMN_KEYS.index(key)
    # Shown scores first, sorted; hidden and empty cells last whichever the direction.
    shown = [row for row in rows if row.cells[position] and row.cells[position].mean is not None]
    rest = [row for row in rows if row not in shown]
    shown.sort(key=lambda row: (row.cells[position].mean, row.path), reverse=descending)
    return shown + rest


def heatmap(
    user: AnyUser,
    survey_round: SurveyRound,
    *,
    sort: str = "",
    level: int | None = None,
    max_depth: int | None = None,
) -> Heatmap:
    """The units of the round's scope that the user may open and that have a result, in tree
    order (or sorted by a column), with the index and dimension scores. One query."""
    keys = {key: position for position, key in enumerate(COLUMN_KEYS)}
    values = (
        Result.objects.filter(
            round=survey_round,
            cell=Result.Cell.SUBTREE,
            measure__in=SCORE_MEASURES,
            unit__path__startswith=survey_round.scope.path,
            unit__in=_visible_units(user),
        )
        .order_by()
        .values_list(
            "unit_id",
            "unit__name",
            "unit__path",
            "unit__depth",
            "unit__kind",
            "key",
            *_SCORE_FIELDS,
        )
    )
    if max_depth is not None:
        values = values.filter(unit__depth__lte=max_depth)
    units: dict[int, tuple[str, str, int, str]] = {}
    cells: dict[int, list[Score | None]] = {}
    for unit_id, name, path, depth, kind, key, hidden, n, mean, low, high in values:
        if key not in keys:
            continue
        if unit_id not in units:
            units[unit_id] = (name, path, depth, kind)
            cells[unit_id] = [None] * len(COLUMN_KEYS)
        cells[unit_id][keys[key]] = _score(hidden, n, mean, low, high)
    top = min((depth for _name, _path, depth, _kind in units.values()), default=0)
    rows = [
        HeatmapRow(unit_id, name, path, depth, kind, cells[unit_id], depth - top if not sort else 0)
        for unit_id, (name, path, depth, kind) in sorted(units.items(), key=lambda item: item[1][1])
    ]
    kinds_by_depth: dict[int, list[str]] = {}
    for row in rows:
        label = str(OrgUnit.Kind(row.kind).label) if row.kind in OrgUnit.Kind.values else row.kind
        if label not in kinds_by_depth.setdefault(row.depth, []):
            kinds_by_depth[row.depth].append(label)
    levels = [
        Level(depth, _("Level %(depth)d (%(kinds)s)") % {"depth": depth, "kinds": ", ".join(kinds)})
        for depth, kinds in sorted(kinds_by_depth.items())
    ]
    total = len(rows)
    if level is not None:
        rows = [row for row in rows if row.depth == level]
    if sort:
        rows = _sorted_rows(rows, sort)
    return Heatmap(survey_round, columns(), rows, levels, sort, level, total)


def home_unit_summary(
    user: AnyUser, survey_round: SurveyRound | None
) -> tuple[OrgUnit, Score | None] | None:
    """The user's own workplace and its index in the round, when they may open its results.
    Two queries at most."""
    if survey_round is None or not getattr(user, "home_unit_id", None):
        return None
    home = OrgUnit.objects.filter(pk=user.home_unit_id).first()
    if home is None or not access.can_view_results(user, home):
        return None
    row = (
        Result.objects.filter(
            round=survey_round, unit=home, cell=Result.Cell.SUBTREE, key=INDEX_KEY
        )
        .values_list(*_SCORE_FIELDS)
        .first()
    )
    return home, (_score(*row) if row else None)


# --- A unit's results page ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemLine:
    code: str
    text: str
    score: Score | None


@dataclass(frozen=True)
class MeasureLine:
    """The index or a dimension: the unit's subtree, its own respondents (a unit with children
    and own respondents), the parent and the municipality (the round's scope), and its items."""

    key: str
    label: str
    score: Score | None
    own: Score | None = None
    parent: Score | None = None
    root: Score | None = None
    items: tuple[ItemLine, ...] = ()


@dataclass(frozen=True)
class TrendRound:
    round_id: int
    name: str
    closes_at: object
    cells: list[Score | None]
    changes: list[str]  # per column: "up", "down", "same" or "" (see change_between)

    @property
    def columns(self) -> list[tuple[Score | None, str]]:
        return list(zip(self.cells, self.changes, strict=True))


@dataclass(frozen=True)
class ChildLine:
    unit: OrgUnit
    index: Score | None


@dataclass(frozen=True)
class UnitResults:
    unit: OrgUnit
    survey_round: SurveyRound | None
    rounds: list[tuple[int, str]]  # the rounds with results for the unit, newest first
    index: MeasureLine | None = None
    dimensions: list[MeasureLine] = field(default_factory=list)
    trend: list[TrendRound] = field(default_factory=list)  # oldest first
    ancestors: list[tuple[OrgUnit, bool]] = field(default_factory=list)  # (unit, may open)
    parent: OrgUnit | None = None
    root: OrgUnit | None = None
    children: list[ChildLine] = field(default_factory=list)
    invited: int = 0

    @property
    def show_parent(self) -> bool:
        """A column for the parent when it lies inside the round and is not its top unit."""
        return (
            self.parent is not None
            and self.root is not None
            and self.parent.pk != self.root.pk
            and self.parent.path.startswith(self.root.path)
        )

    @property
    def show_root(self) -> bool:
        return self.root is not None and self.root.pk != self.unit.pk

    @property
    def has_own(self) -> bool:
        return self.index is not None and self.index.own is not None

    @property
    def responses(self) -> int | None:
        """Responses in the unit's subtree (the index row's n), None when hidden or absent."""
        score = self.index.score if self.index else None
        return score.n if score and not score.hidden else None

    @property
    def response_rate(self) -> int | None:
        if self.responses is None or not self.invited:
            return None
        return whole(100 * self.responses / self.invited)


def _trend(unit: OrgUnit) -> tuple[list[tuple[int, str]], list[TrendRound]]:
    """Every aggregated closed round with results for the unit's subtree: the round list
    (newest first) and the trend of the index and the dimensions (oldest first). One query."""
    positions = {key: position for position, key in enumerate(COLUMN_KEYS)}
    values = (
        Result.objects.filter(
            unit=unit,
            cell=Result.Cell.SUBTREE,
            measure__in=SCORE_MEASURES,
            round__status=SurveyRound.Status.CLOSED,
            round__results_version__gt=0,
        )
        .order_by()
        .values_list("round_id", "round__name", "round__closes_at", "key", *_SCORE_FIELDS)
    )
    rounds: dict[int, tuple[str, object]] = {}
    cells: dict[int, list[Score | None]] = {}
    for round_id, name, closes_at, key, *figures in values:
        if key not in positions:
            continue
        if round_id not in rounds:
            rounds[round_id] = (name, closes_at)
            cells[round_id] = [None] * len(COLUMN_KEYS)
        cells[round_id][positions[key]] = _score(*figures)
    ordered = sorted(rounds, key=lambda pk: (rounds[pk][1], pk))
    trend: list[TrendRound] = []
    previous: list[Score | None] = [None] * len(COLUMN_KEYS)
    for pk in ordered:
        changes = [
            change_between(before, now) for before, now in zip(previous, cells[pk], strict=True)
        ]
        trend.append(TrendRound(pk, rounds[pk][0], rounds[pk][1], cells[pk], changes))
        previous = cells[pk]
    newest_first = [(pk, rounds[pk][0]) for pk in reversed(ordered)]
    return newest_first, trend


def unit_results(user: AnyUser, unit: OrgUnit, wanted_round: str | None) -> UnitResults:
    """Everything the unit's results page shows, for a unit the user may open. A fixed number
    of queries (six) whatever the size of the unit's subtree."""
    rounds, trend = _trend(unit)
    chosen = dict(rounds)
    round_id = (
        int(wanted_round)
        if wanted_round and wanted_round.isdigit() and int(wanted_round) in chosen
        else None
    )
    if round_id is None and rounds:
        round_id = rounds[0][0]
    if round_id is None:
        return UnitResults(unit=unit, survey_round=None, rounds=[], trend=[])
    survey_round = SurveyRound.objects.select_related("scope").get(pk=round_id)
    root = survey_round.scope
    ancestors = list(OrgUnit.objects.filter(path__in=unit.ancestor_paths()).order_by("path"))
    parent = ancestors[-1] if ancestors else None
    child_units = list(
        OrgUnit.objects.filter(access.results_units_filter(user))
        .filter(path__startswith=unit.path, depth=unit.depth + 1)
        .order_by("path")
    )
    child_ids = [child.pk for child in child_units]
    others = [pk for pk in {getattr(parent, "pk", None), root.pk} if pk and pk != unit.pk]
    values = (
        Result.objects.filter(round=survey_round)
        .filter(
            Q(unit=unit)
            | Q(unit__in=others, cell=Result.Cell.SUBTREE, measure__in=SCORE_MEASURES)
            | Q(unit__in=child_ids, cell=Result.Cell.SUBTREE, key=INDEX_KEY)
        )
        .order_by()
        .values_list(
            "unit_id", "cell", "key", *_SCORE_FIELDS, "favourable", "distribution",
            "item__code", "item__text_da", "item__text_en", "dimension",
        )
    )  # fmt: skip
    english = (get_language() or "da").startswith("en")
    mine: dict[tuple[str, str], Score] = {}
    other: dict[tuple[int, str], Score] = {}
    items: dict[str, list[tuple[str, str, str]]] = {}
    for (
        unit_id,
        cell,
        key,
        hidden,
        n,
        mean,
        low,
        high,
        fav,
        dist,
        code,
        text_da,
        text_en,
        dim,
    ) in values:
        score = _score(hidden, n, mean, low, high)
        if not hidden:
            score = Score(False, n, mean, low, high, fav, tuple(dist or ()))
        if unit_id == unit.pk:
            mine[(cell, key)] = score
            if key.startswith("item:") and cell == Result.Cell.SUBTREE:
                items.setdefault(dim, []).append((code, text_en if english else text_da, key))
        else:
            other[(unit_id, key)] = score

    def line(key: str, label: str, with_items: str | None = None) -> MeasureLine:
        return MeasureLine(
            key=key,
            label=label,
            score=mine.get((Result.Cell.SUBTREE, key)),
            own=mine.get((Result.Cell.OWN, key)),
            parent=other.get((parent.pk, key)) if parent and parent.pk != unit.pk else None,
            root=other.get((root.pk, key)) if root.pk != unit.pk else None,
            items=tuple(
                ItemLine(code, text, mine.get((Result.Cell.SUBTREE, item)))
                for code, text, item in sorted(items.get(with_items, []))
            )
            if with_items
            else (),
        )

    index = line(INDEX_KEY, str(_("Social-capital index")))
    dimensions = [
        line(f"dimension:{value}", str(Dimension(value).label), with_items=value)
        for value in DIMENSION_ORDER
    ]
    invited = Invitation.objects.filter(
        round=survey_round, unit__path__startswith=unit.path
    ).count()
    return UnitResults(
        unit=unit,
        survey_round=survey_round,
        rounds=rounds,
        index=index,
        dimensions=dimensions,
        trend=trend,
        ancestors=[(ancestor, access.can_view_results(user, ancestor)) for ancestor in ancestors],
        parent=parent,
        root=root,
        children=[ChildLine(child, other.get((child.pk, INDEX_KEY))) for child in child_units],
        invited=invited,
    )


# --- The organisation overview -----------------------------------------------------------------

OVERVIEW_DEPTH = 3  # the municipality, its directorates and its areas


@dataclass(frozen=True)
class Overview:
    survey_round: SurveyRound | None
    rounds: list[SurveyRound]
    heatmap: Heatmap | None
    root_trend: list[TrendRound]
    top: Score | None  # the round scope's index
    invited: int

    @property
    def responses(self) -> int | None:
        return self.top.n if self.top and not self.top.hidden else None

    @property
    def response_rate(self) -> int | None:
        if self.responses is None or not self.invited:
            return None
        return whole(100 * self.responses / self.invited)


def overview(user: AnyUser, wanted_round: str | None) -> Overview:
    """The municipality, directorates and areas × the dimensions for a round, the trend of the
    top unit's index, and the key figures. Five queries."""
    rounds = results_rounds_for(user)
    survey_round = pick_round(rounds, wanted_round)
    if survey_round is None:
        return Overview(None, [], None, [], None, 0)
    table = heatmap(user, survey_round, max_depth=OVERVIEW_DEPTH)
    rows = table.rows
    top_row = next((row for row in rows if row.unit_id == survey_round.scope_id), None)
    top_unit = survey_round.scope
    _rounds, trend = _trend(top_unit)
    invited = Invitation.objects.filter(
        round=survey_round, unit__path__startswith=top_unit.path
    ).count()
    return Overview(
        survey_round=survey_round,
        rounds=rounds,
        heatmap=table,
        root_trend=trend,
        top=top_row.index if top_row else None,
        invited=invited,
    )


# --- The core task hub's panel -----------------------------------------------------------------


@dataclass(frozen=True)
class CoreTaskUnitLine:
    unit: OrgUnit
    index: Score | None
    core_task: Score | None  # the dimension "collaboration on the core task"


@dataclass(frozen=True)
class CoreTaskResults:
    survey_round: SurveyRound
    lines: list[CoreTaskUnitLine]


CORE_TASK_KEY = f"dimension:{Dimension.CORE_TASK}"


def core_task_results(user: AnyUser, core_task: object) -> CoreTaskResults | None:
    """The social capital of the units contributing to a core task that the user may open, in
    the newest round with results for any of them; None when there is nothing to show. At most
    three queries."""
    from kerneopgaver.models import Contribution  # the hub's app; it never imports this one

    if not access.can_browse_results(user):
        return None
    units = [
        contribution.unit
        for contribution in Contribution.objects.filter(core_task=core_task).select_related("unit")
    ]
    units = [unit for unit in units if access.can_view_results(user, unit)]
    if not units:
        return None
    unit_ids = [unit.pk for unit in units]
    latest = (
        Result.objects.filter(
            unit__in=unit_ids,
            cell=Result.Cell.SUBTREE,
            key=INDEX_KEY,
            round__status=SurveyRound.Status.CLOSED,
            round__results_version__gt=0,
        )
        .select_related("round")
        .order_by("-round__closes_at", "-round_id")
        .first()
    )
    if latest is None:
        return None
    scores: dict[tuple[int, str], Score] = {
        (unit_id, key): _score(*figures)
        for unit_id, key, *figures in Result.objects.filter(
            round_id=latest.round_id,
            unit__in=unit_ids,
            cell=Result.Cell.SUBTREE,
            key__in=[INDEX_KEY, CORE_TASK_KEY],
        ).values_list("unit_id", "key", *_SCORE_FIELDS)
    }
    lines = [
        CoreTaskUnitLine(
            unit, scores.get((unit.pk, INDEX_KEY)), scores.get((unit.pk, CORE_TASK_KEY))
        )
        for unit in units
    ]
    return CoreTaskResults(latest.round, lines)
