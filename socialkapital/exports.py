"""Read models for results exports (CSV, XLSX), the MED meeting print and the MED page panel.

Everything here reads `Result` rows only (DESIGN.md, "Anonymity"): a hidden row carries no
figure, so no table built here can hold one. No figure is computed from answers, and no
difference or total across units is formed. Which units a reader may see comes from
`organisation.access.results_units_filter`; this module only intersects it with a round's scope
or a committee's units.

Every read runs a fixed number of queries, whatever the number of units: the rounds, the units,
the result rows (with their items), and the names of the units' ancestors.

CSV format (chosen for Danish Excel, which opens a double-clicked .csv with the regional list
separator and decimal mark): UTF-8 with a byte-order mark, `;` between fields, a decimal comma,
no thousands separator, CRLF line ends. A suppressed row has every figure empty and
"Suppressed" set to yes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation import access
from organisation.access import AnyUser
from organisation.models import MedCommittee, OrgUnit, minimal_prefixes, subtree_q
from socialkapital.models import Dimension, Result, SurveyRound
from socialkapital.questionnaire import DIMENSION_ORDER, dimension_rank

STEPLEN = OrgUnit.steplen
FORMATS = ("csv", "xlsx")
# The MED page panel shows the covered units and two levels below them, at most this many rows.
PANEL_LEVELS_BELOW = 2
PANEL_MAX_ROWS = 40
TOP_ITEMS = 3

_CELL_ORDER = {Result.Cell.SUBTREE: 0, Result.Cell.OWN: 1}
_MEASURE_ORDER = {Result.Measure.INDEX: 0, Result.Measure.DIMENSION: 1, Result.Measure.ITEM: 2}


# --- Rounds ------------------------------------------------------------------------------------


def rounds_with_results() -> QuerySet[SurveyRound]:
    """Closed rounds that have been aggregated, newest first."""
    return SurveyRound.objects.with_results().select_related("scope")


def _paths_and_ancestors(paths: Iterable[str]) -> set[str]:
    return {path[:end] for path in paths for end in range(STEPLEN, len(path) + 1, STEPLEN)}


def rounds_covering(paths: Sequence[str]) -> QuerySet[SurveyRound]:
    """Rounds with results whose scope overlaps the subtrees of `paths`: a scope inside one of
    them, or at or above one of them."""
    if not paths:
        return SurveyRound.objects.none()
    overlap = subtree_q(paths, field="scope__path") | Q(scope__path__in=_paths_and_ancestors(paths))
    return rounds_with_results().filter(overlap)


def rounds_for_user(user: AnyUser) -> QuerySet[SurveyRound]:
    """Rounds with results in which the user may see at least one unit's results."""
    visible = OrgUnit.objects.filter(
        access.results_units_filter(user), path__startswith=OuterRef("scope__path")
    )
    return rounds_with_results().filter(Exists(visible))


def pick_round(rounds: QuerySet[SurveyRound], raw: str | None) -> SurveyRound | None:
    """The round asked for by `?runde=` among `rounds`, or the newest of them when none is
    asked for. None when the round is not among them (or there is none); raises ValueError
    when `raw` is not a round id at all."""
    if raw in (None, ""):
        return rounds.first()
    if not raw.isdigit():
        raise ValueError(raw)
    if len(raw) > 18:  # beyond any database integer: no such round
        return None
    return rounds.filter(pk=int(raw)).first()


def visible_round_units(user: AnyUser, survey_round: SurveyRound) -> QuerySet[OrgUnit]:
    """The units of the round's scope whose results the user may see."""
    return OrgUnit.objects.filter(
        access.results_units_filter(user), path__startswith=survey_round.scope.path
    )


def committee_paths(committee: MedCommittee) -> list[str]:
    return minimal_prefixes(committee.covers.values_list("path", flat=True))


def committee_units(user: AnyUser, committee: MedCommittee) -> QuerySet[OrgUnit]:
    """The committee's covered units and their subtrees, as far as the user may see results."""
    return OrgUnit.objects.filter(subtree_q(committee_paths(committee))).filter(
        access.results_units_filter(user)
    )


# --- Table rows --------------------------------------------------------------------------------


def measure_label(row: Result) -> str:
    """The index, a dimension or an item's text in the active language."""
    if row.measure == Result.Measure.INDEX:
        return str(Result.Measure.INDEX.label)
    if row.measure == Result.Measure.DIMENSION:
        return str(Dimension(row.dimension).label) if row.dimension else row.key
    return row.item.text if row.item_id else row.key


def measure_code(row: Result) -> str:
    """ "index", the dimension's value, or the item's code."""
    return row.key.split(":", 1)[1] if ":" in row.key else row.key


def _sort_key(row: Result) -> tuple[object, ...]:
    return (
        row.unit.path,
        _CELL_ORDER.get(row.cell, 9),
        _MEASURE_ORDER.get(row.measure, 9),
        dimension_rank(row.dimension),
        row.key,
    )


def _ancestor_names(units: Iterable[OrgUnit]) -> dict[str, str]:
    """Names of every ancestor of `units`, by path: one query."""
    paths = {path for unit in units for path in unit.ancestor_paths()}
    if not paths:
        return {}
    return dict(OrgUnit.objects.filter(path__in=paths).values_list("path", "name"))


@dataclass(frozen=True)
class ExportRow:
    round_name: str
    unit_name: str
    level: int
    parent_name: str
    placement: str
    cell: str
    measure: str
    code: str
    text: str
    suppressed: bool
    n: int | None
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    favourable_percent: float | None
    distribution: tuple[int | None, ...]


HEADERS: list[Promise] = [
    gettext_lazy("Round"),
    gettext_lazy("Unit"),
    gettext_lazy("Level"),
    gettext_lazy("Parent unit"),
    gettext_lazy("Placement"),
    gettext_lazy("Cell"),
    gettext_lazy("Measure"),
    gettext_lazy("Code"),
    gettext_lazy("Text"),
    gettext_lazy("Suppressed"),
    gettext_lazy("Responses (n)"),
    gettext_lazy("Mean (0–100)"),
    gettext_lazy("Standard deviation"),
    gettext_lazy("95% CI low"),
    gettext_lazy("95% CI high"),
    gettext_lazy("Favourable (%)"),
    gettext_lazy("Answers at 0"),
    gettext_lazy("Answers at 25"),
    gettext_lazy("Answers at 50"),
    gettext_lazy("Answers at 75"),
    gettext_lazy("Answers at 100"),
]
# Column widths in the XLSX sheet (characters), in the order of HEADERS.
_WIDTHS = [24, 30, 7, 24, 40, 9, 11, 18, 60, 11, 9, 9, 9, 9, 9, 10, 8, 8, 8, 8, 8]
# Columns L..P (mean, sd, CI, favourable) carry decimals.
_DECIMAL_COLUMNS = slice(11, 16)


def export_rows(
    survey_round: SurveyRound, units: QuerySet[OrgUnit], *, items: bool
) -> list[ExportRow]:
    """One row per result row of `units` in the round (both cells), in tree order: the index,
    the dimensions and, with `items`, the items. Three queries."""
    measures = [Result.Measure.INDEX, Result.Measure.DIMENSION]
    if items:
        measures.append(Result.Measure.ITEM)
    results = sorted(
        Result.objects.filter(round=survey_round, unit__in=units, measure__in=measures)
        .select_related("unit", "item")
        .order_by(),
        key=_sort_key,
    )
    names = _ancestor_names({row.unit.path: row.unit for row in results}.values())
    rows = []
    for result in results:
        unit = result.unit
        ancestors = [names.get(path, "") for path in unit.ancestor_paths()]
        hidden = result.hidden
        rows.append(
            ExportRow(
                round_name=survey_round.name,
                unit_name=unit.name,
                level=unit.depth,
                parent_name=ancestors[-1] if ancestors else "",
                placement=" / ".join([*ancestors, unit.name]),
                cell=result.cell,
                measure=result.measure,
                code=measure_code(result),
                text=measure_label(result),
                suppressed=hidden,
                # A hidden row holds no figure (a check constraint); say so here too.
                n=None if hidden else result.n,
                mean=None if hidden else result.mean,
                sd=None if hidden else result.sd,
                ci_low=None if hidden else result.ci_low,
                ci_high=None if hidden else result.ci_high,
                favourable_percent=(
                    None
                    if hidden or result.favourable is None
                    else round(result.favourable * 100, 2)
                ),
                distribution=tuple(
                    [None] * 5 if hidden or not result.distribution else result.distribution
                ),
            )
        )
    return rows


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A name or text as a spreadsheet shows it, never as a formula (CSV/formula injection: a
    unit imported as "=HYPERLINK(...)" must not run in the reader's Excel)."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _values(row: ExportRow) -> list[object]:
    return [
        _text(row.round_name),
        _text(row.unit_name),
        row.level,
        _text(row.parent_name),
        _text(row.placement),
        row.cell,
        row.measure,
        _text(row.code),
        _text(row.text),
        _("yes") if row.suppressed else _("no"),
        row.n,
        row.mean,
        row.sd,
        row.ci_low,
        row.ci_high,
        row.favourable_percent,
        *row.distribution,
    ]


# --- Files -------------------------------------------------------------------------------------

_DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def filename(survey_round: SurveyRound, unit_name: str, extension: str) -> str:
    """An ASCII file name with the round and the unit, e.g.
    socialkapital-social-kapital-efteraar-dagtilbud-nord.xlsx."""
    parts = ["socialkapital", survey_round.name, unit_name]
    slug = "-".join(slugify(part.translate(_DANISH_LETTERS)) for part in parts if part)
    return f"{re.sub(r'-+', '-', slug).strip('-')[:150]}.{extension}"


def _csv_number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def build_csv(rows: Sequence[ExportRow]) -> bytes:
    """The table as CSV for Danish Excel: BOM, `;`, decimal comma (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(header) for header in HEADERS])
    for row in rows:
        writer.writerow([_csv_number(value) for value in _values(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def about_lines(survey_round: SurveyRound) -> list[tuple[str, str]]:
    """The "About the figures" sheet: what the columns mean and how anonymity is kept."""
    k = survey_round.min_group_size
    return [
        (_("Round"), survey_round.name),
        (_("Who was asked"), survey_round.scope.name),
        (
            _("Minimum group size (k)"),
            _("%(k)s, agreed by %(agreed)s")
            % {"k": k, "agreed": survey_round.min_group_size_agreed_by},
        ),
        (
            _("Results computed"),
            timezone.localtime(survey_round.results_computed_at).strftime("%Y-%m-%d %H:%M")
            if survey_round.results_computed_at
            else "",
        ),
        (_("Exported"), timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M")),
        ("", ""),
        (
            _("Scale"),
            _(
                "Answers 1 to 5 are scored 0, 25, 50, 75 and 100 (reversed statements are "
                'flipped), so every mean is on a scale from 0 to 100. "Don\'t know" is not '
                "scored. A dimension is the mean of a respondent's answered statements in it; "
                "the index is the mean of the dimensions."
            ),
        ),
        (
            _("Suppressed"),
            _(
                "No figure built from fewer than k responses is shown. A row marked as "
                "suppressed has fewer than %(k)s responses, or is hidden so that a small "
                "group cannot be worked out by subtracting other figures. Its figures are "
                "left empty on purpose."
            )
            % {"k": k},
        ),
        (
            _("No row"),
            _("A unit or statement without a row had no responses."),
        ),
        (
            _("Cell"),
            _(
                "subtree: the unit and every unit below it. own: only the responses of "
                "people placed directly in the unit (e.g. the managers of an area)."
            ),
        ),
        (
            _("Measure"),
            _("index: the social-capital index; dimension: one of seven; item: one statement."),
        ),
        (
            _("95% CI"),
            # xgettext:no-python-format
            _("The 95% confidence interval of the mean: how sure the figure is."),
        ),
        (
            _("Favourable (%)"),
            _("The share of answers (or respondents' scores) at 75 or above."),
        ),
        (
            _("Answers at 0 … 100"),
            _("How many answers (or respondents' scores, rounded) fell at each scale point."),
        ),
    ]


def build_xlsx(rows: Sequence[ExportRow], survey_round: SurveyRound) -> bytes:
    """The table as an Excel workbook: bold, frozen header; numbers as numbers; a second sheet
    explaining the figures."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Results")[:31]
    bold = Font(bold=True)
    sheet.append([str(header) for header in HEADERS])
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        sheet.append(_values(row))
        # Two decimals for the figures with decimals; counts stay whole numbers.
        for cell in sheet[sheet.max_row][_DECIMAL_COLUMNS]:
            cell.number_format = "0.00"
    sheet.auto_filter.ref = sheet.dimensions

    about = workbook.create_sheet(_("About the figures")[:31])
    about.column_dimensions["A"].width = 26
    about.column_dimensions["B"].width = 100
    for label, text in about_lines(survey_round):
        about.append([label, text])
    for label_cell, text_cell in about.iter_rows(min_row=1, max_col=2):
        label_cell.font = bold
        label_cell.alignment = Alignment(vertical="top")
        text_cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The MED page panel and the print: heatmap rows and top/bottom items -----------------------


@dataclass(frozen=True)
class HeatmapRow:
    """A unit's subtree figures: the index and the dimensions in DIMENSION_ORDER. A cell is a
    Result (possibly hidden) or None when the unit had no responses."""

    unit: OrgUnit
    depth: int  # 0 for a top unit, +1 per level below
    index: Result | None
    dimensions: list[Result | None]

    @property
    def indent(self) -> str:
        """Em spaces for indentation (the CSP forbids inline styles)."""
        return "\u2003" * self.depth


@dataclass(frozen=True)
class Heatmap:
    rows: list[HeatmapRow]
    dimensions: list[tuple[str, str]]  # (value, label)
    truncated: bool = False  # more units than shown
    total_units: int = 0


def dimension_columns() -> list[tuple[str, str]]:
    return [(value, str(Dimension(value).label)) for value in DIMENSION_ORDER]


def heatmap(
    survey_round: SurveyRound,
    units: QuerySet[OrgUnit],
    *,
    levels_below: int | None = None,
    max_rows: int | None = None,
) -> Heatmap:
    """Subtree index and dimension figures of `units` that have result rows in the round, in
    tree order, indented under their top units. With `levels_below`, only that many levels
    below the top units; with `max_rows`, at most that many rows (`truncated` tells). Two
    queries."""
    results = (
        Result.objects.filter(
            round=survey_round,
            unit__in=units,
            cell=Result.Cell.SUBTREE,
            measure__in=[Result.Measure.INDEX, Result.Measure.DIMENSION],
        )
        .select_related("unit")
        .order_by()
    )
    by_unit: dict[int, dict[str, Result]] = {}
    unit_of: dict[int, OrgUnit] = {}
    for result in results:
        by_unit.setdefault(result.unit_id, {})[result.key] = result
        unit_of[result.unit_id] = result.unit
    ordered = sorted(unit_of.values(), key=lambda unit: unit.path)
    tops = minimal_prefixes(unit.path for unit in ordered)
    rows: list[HeatmapRow] = []
    for unit in ordered:
        top = next(prefix for prefix in tops if unit.path.startswith(prefix))
        depth = (len(unit.path) - len(top)) // STEPLEN
        if levels_below is not None and depth > levels_below:
            continue
        cells = by_unit[unit.pk]
        rows.append(
            HeatmapRow(
                unit=unit,
                depth=depth,
                index=cells.get("index"),
                dimensions=[cells.get(f"dimension:{value}") for value in DIMENSION_ORDER],
            )
        )
    total = len(rows)
    if max_rows is not None and total > max_rows:
        rows = rows[:max_rows]
    return Heatmap(
        rows=rows,
        dimensions=dimension_columns(),
        truncated=total > len(rows) or len(ordered) > total,
        total_units=len(ordered),
    )


@dataclass(frozen=True)
class ItemExtremes:
    """A unit's highest and lowest scoring statements (shown item rows only)."""

    unit: OrgUnit
    top: list[Result] = field(default_factory=list)
    bottom: list[Result] = field(default_factory=list)


def item_extremes(
    survey_round: SurveyRound, units: Sequence[OrgUnit], *, count: int = TOP_ITEMS
) -> list[ItemExtremes]:
    """For each of `units`, its `count` highest and lowest statements by mean (subtree cell,
    shown rows only; a statement is in one list only). One query."""
    if not units:
        return []
    results = (
        Result.objects.shown()
        .subtree()
        .filter(round=survey_round, unit__in=units, measure=Result.Measure.ITEM)
        .select_related("item")
        .order_by("unit_id", "-mean", "key")
    )
    by_unit: dict[int, list[Result]] = {}
    for result in results:
        by_unit.setdefault(result.unit_id, []).append(result)
    extremes = []
    for unit in units:
        ranked = by_unit.get(unit.pk, [])
        if not ranked:
            continue
        top = ranked[:count]
        rest = ranked[len(top) :]
        bottom = list(reversed(rest[-count:]))
        extremes.append(ItemExtremes(unit=unit, top=top, bottom=bottom))
    return extremes
