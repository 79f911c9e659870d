"""Effect indicators: status, values over time, parsing of periods and numbers, the trend chart.

Reads and pure functions only; the writes are in `kerneopgaver/services/indicators.py`.

Other modules rely on two functions:

- `indicator_status(indicator, latest) -> EffectIndicator.Status`: on track / off track / no
  target / no values, from direction, baseline, target (and target date) and the latest value.
- `indicators_with_status(core_task_ids) -> dict[int, list[IndicatorSummary]]`: every indicator
  of those core tasks with its latest value and status, in a fixed number of queries.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kerneopgaver.models import EffectIndicator, IndicatorValue
from organisation import csvfiles
from organisation.csvfiles import RowError

# DESIGN.md: a core task is followed by 3 to 5 indicators; more is noise.
RECOMMENDED_MAXIMUM = 5

# The database keeps 14 digits of which 3 are decimals.
DECIMAL_PLACES = 3
MAX_INTEGER_DIGITS = 14 - DECIMAL_PLACES

Status = EffectIndicator.Status
Direction = EffectIndicator.Direction


@dataclass(frozen=True)
class IndicatorSummary:
    indicator: EffectIndicator
    latest: IndicatorValue | None
    status: str

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def latest_label(self) -> str:
        """The latest value with its unit of measurement, or an empty text."""
        if self.latest is None:
            return ""
        return format_number(self.latest.value, self.indicator.unit_label)

    @property
    def target_label(self) -> str:
        if self.indicator.target_value is None:
            return ""
        return format_number(self.indicator.target_value, self.indicator.unit_label)

    @property
    def baseline_label(self) -> str:
        return format_number(self.indicator.baseline_value, self.indicator.unit_label)


# --- Status ---------------------------------------------------------------------------------


def _at_least_as_good(value: Decimal, reference: Decimal, direction: str) -> bool:
    if direction == Direction.DOWN:
        return value <= reference
    return value >= reference


def trajectory_value(indicator: EffectIndicator, on: date) -> Decimal | None:
    """Where the straight line from the baseline (at the baseline period) to the target (at the
    target date) is on a given day; None when the indicator has no target date after its
    baseline period."""
    if indicator.target_value is None or indicator.target_date is None:
        return None
    span = (indicator.target_date - indicator.baseline_period).days
    if span <= 0:
        return None
    elapsed = min(max((on - indicator.baseline_period).days, 0), span)
    change = indicator.target_value - indicator.baseline_value
    return indicator.baseline_value + change * Decimal(elapsed) / Decimal(span)


def indicator_status(indicator: EffectIndicator, latest: IndicatorValue | None) -> str:
    """The indicator's status from its latest value.

    No values → no values; no target → no target; target reached in the desired direction → on
    track; otherwise on track when the latest value is at least as good as the straight line from
    baseline to target at the latest value's period; off track when it is worse, or when there is
    no target date to draw that line.
    """
    if latest is None:
        return Status.NO_VALUES
    if indicator.target_value is None:
        return Status.NO_TARGET
    if _at_least_as_good(latest.value, indicator.target_value, indicator.direction):
        return Status.ON_TRACK
    expected = trajectory_value(indicator, latest.period)
    if expected is not None and _at_least_as_good(latest.value, expected, indicator.direction):
        return Status.ON_TRACK
    return Status.OFF_TRACK


def indicators_with_status(core_task_ids: Iterable[int]) -> dict[int, list[IndicatorSummary]]:
    """Every indicator of those core tasks with its latest value and status, in two queries
    whatever the number of indicators: the indicators (each annotated with the id of its latest
    value), then those values."""
    core_task_ids = list(core_task_ids)
    result: dict[int, list[IndicatorSummary]] = {pk: [] for pk in core_task_ids}
    if not core_task_ids:
        return result
    latest_id = (
        IndicatorValue.objects.filter(indicator=OuterRef("pk")).order_by("-period").values("pk")[:1]
    )
    indicators = list(
        EffectIndicator.objects.filter(core_task_id__in=core_task_ids).annotate(
            latest_value_id=Subquery(latest_id)
        )
    )
    wanted = [indicator.latest_value_id for indicator in indicators if indicator.latest_value_id]
    latest_values = IndicatorValue.objects.in_bulk(wanted) if wanted else {}
    for indicator in indicators:
        latest = latest_values.get(indicator.latest_value_id)
        result[indicator.core_task_id].append(
            IndicatorSummary(indicator, latest, indicator_status(indicator, latest))
        )
    return result


def values_by_indicator(indicator_ids: Iterable[int]) -> dict[int, list[IndicatorValue]]:
    """Every value of those indicators, oldest period first, in one query."""
    result: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in IndicatorValue.objects.filter(indicator_id__in=list(indicator_ids)).order_by(
        "indicator_id", "period"
    ):
        result[value.indicator_id].append(value)
    return result


# --- Reading numbers and periods ------------------------------------------------------------


class InputError(ValueError):
    """A value a person typed or a file holds that cannot be read; the message says why."""


def parse_decimal(text: str) -> Decimal:
    """A number written with a decimal comma (Danish) or a decimal point. When both appear, the
    last one is the decimal separator and the other groups thousands: 1.234,5 and 1,234.5."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(grouping, "").replace(decimal_mark, ".")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise InputError(
            _("“%(value)s” is not a number; write it like 12.5 or 12,5.") % {"value": text}
        )
    number = Decimal(cleaned)
    try:
        rounded = number.quantize(Decimal(1).scaleb(-DECIMAL_PLACES))
    except InvalidOperation:
        rounded = None
    if rounded is None or len(rounded.as_tuple().digits) > MAX_INTEGER_DIGITS + DECIMAL_PLACES:
        raise InputError(
            _("The number %(value)s has more than %(digits)s digits before the decimal mark.")
            % {"value": text, "digits": MAX_INTEGER_DIGITS}
        )
    if rounded != number:
        raise InputError(
            _("The number %(value)s has more than %(places)s decimals.")
            % {"value": text, "places": DECIMAL_PLACES}
        )
    return rounded


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> date:
    """The last day of the period a text names: 2024-03-31 or 31-03-2024 (a day), 2024-03 (a
    month), 2024-Q1 (a quarter) or 2024 (a year)."""
    value = text.strip()
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", value):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := re.fullmatch(r"(\d{4})-?[QqKk]([1-4])", value):
            return _month_end(int(match[1]), int(match[2]) * 3)
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
            return _month_end(int(match[1]), int(match[2]))
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 12, 31)
    except ValueError:
        raise InputError(_("“%(value)s” is not a valid date.") % {"value": text}) from None
    raise InputError(
        _(
            "“%(value)s” is not a period; write a date (2024-03-31 or 31-03-2024), a quarter "
            "(2024-Q1) or a year (2024)."
        )
        % {"value": text}
    )


def future_period_message(period: date) -> str | None:
    """Why a value cannot be given for this period, or None: a period is described once it is
    over, so its last day may not be after today."""
    if period > timezone.localdate():
        return _(
            "The period ending %(period)s has not ended yet; values are entered for periods "
            "that are over."
        ) % {"period": period.isoformat()}
    return None


@dataclass(frozen=True)
class ValueRow:
    """One valid row of a values file."""

    line: int
    period: date
    value: Decimal
    story: str


@dataclass
class ParsedValues:
    rows: list[ValueRow]
    errors: list[RowError]
    with_story: bool


VALUE_COLUMNS = (("period", "value"), ("story",))
STORY_LIMIT = 2000


def parse_values_csv(text: str, *, file_name: str) -> ParsedValues:
    """The rows of a values file (columns period, value and optionally story), each checked;
    every problem becomes a RowError with the file's line number. Use the rows only when there
    are no errors: an import is all or nothing."""
    required, optional = VALUE_COLUMNS
    records, errors = csvfiles.read_rows(
        text, file_name=file_name, required=required, optional=optional
    )
    rows: list[ValueRow] = []
    first_lines: dict[date, int] = {}
    for line, record in records:
        problems: list[str] = []
        period = number = None
        for column in required:
            if not record.get(column):
                problems.append(_("The required field “%(field)s” is empty.") % {"field": column})
        if record.get("period"):
            try:
                period = parse_period(record["period"])
            except InputError as exc:
                problems.append(str(exc))
        if record.get("value"):
            try:
                number = parse_decimal(record["value"])
            except InputError as exc:
                problems.append(str(exc))
        if period is not None:
            if message := future_period_message(period):
                problems.append(message)
            elif period in first_lines:
                problems.append(
                    _(
                        "The period %(period)s appears more than once (first on line "
                        "%(first_line)s)."
                    )
                    % {"period": period.isoformat(), "first_line": first_lines[period]}
                )
            else:
                first_lines[period] = line
        story = record.get("story", "")
        if len(story) > STORY_LIMIT:
            problems.append(
                _("The story is longer than %(limit)s characters.") % {"limit": STORY_LIMIT}
            )
        errors.extend(RowError(file_name, line, problem) for problem in problems)
        if not problems and period is not None and number is not None:
            rows.append(ValueRow(line=line, period=period, value=number, story=story))
    if not records and not errors:
        errors.append(RowError(file_name, None, _("The file has no values.")))
    return ParsedValues(rows=rows, errors=errors, with_story="story" in _header(text))


def _header(text: str) -> list[str]:
    first = text.removeprefix("\ufeff").splitlines()[:1]
    if not first:
        return []
    delimiter = csvfiles.detect_delimiter(first[0])
    return [name.strip().lower() for name in first[0].split(delimiter)]


# --- Showing numbers and periods ------------------------------------------------------------


def format_number(value: Decimal, unit_label: str = "") -> str:
    """A value as people write it in the active language, without trailing zeros."""
    if value == value.to_integral_value():
        shown = formats.number_format(value.quantize(Decimal(1)), decimal_pos=0)
    else:
        shown = formats.number_format(value.normalize())
    return f"{shown} {unit_label}".strip()


def period_granularity(periods: Iterable[date]) -> str:
    """ "year", "quarter", "month" or "day": the coarsest period every date can be the end of."""
    periods = list(periods)
    if all(period.month == 12 and period.day == 31 for period in periods):
        return "year"
    month_ends = all(period == _month_end(period.year, period.month) for period in periods)
    if month_ends and all(period.month % 3 == 0 for period in periods):
        return "quarter"
    if month_ends:
        return "month"
    return "day"


def period_label(period: date, granularity: str = "day") -> str:
    if granularity == "year":
        return str(period.year)
    if granularity == "quarter":
        return _("Q%(quarter)s %(year)s") % {"quarter": period.month // 3, "year": period.year}
    if granularity == "month":
        return f"{period.year}-{period.month:02d}"
    return period.isoformat()


# --- Trend chart ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    period: date
    period_label: str
    value_label: str
    story: str
    label_y: float
    labelled: bool
    anchor: str = "middle"


@dataclass(frozen=True)
class ChartLine:
    """A labelled horizontal line: the baseline or the target. The label is two short lines
    ("Target" and the value) right of the plot, so that it fits a narrow chart."""

    y: float
    name: str
    value: str
    name_y: float
    value_y: float

    @property
    def label(self) -> str:
        return f"{self.name} {self.value}"


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class TrendChart:
    """Everything `includes/trend_chart.html` draws, in viewBox coordinates."""

    chart_id: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    title: str
    description: str
    y_axis_label: str
    x_axis_label: str
    points: list[ChartPoint] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    baseline: ChartLine | None = None
    target: ChartLine | None = None
    compact: bool = False
    font_size: int = 14

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def y_axis_label_x(self) -> int:
        return self.font_size

    @property
    def line_label_x(self) -> int:
        return self.right + 6

    @property
    def x_axis_label_y(self) -> int:
        return self.height - 6

    @property
    def y_axis_label_y(self) -> int:
        return (self.top + self.bottom) // 2

    @property
    def x_axis_label_x(self) -> int:
        return (self.left + self.right) // 2

    @property
    def tick_label_x(self) -> int:
        return self.left - 6

    @property
    def x_tick_label_y(self) -> int:
        return self.bottom + self.font_size + 6


def _nice_step(span: Decimal, count: int) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`."""
    raw = span / count
    magnitude = Decimal(10) ** raw.adjusted()
    for factor in (1, 2, 5, 10):
        step = magnitude * factor
        if step >= raw:
            return step
    return magnitude * 10


def _y_range(numbers: Sequence[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    low, high = min(numbers), max(numbers)
    if low == high:
        pad = abs(low) / 10 or Decimal(1)
        low, high = low - pad, high + pad
    step = _nice_step(high - low, 4)
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    return start, end, step


def chart_description(
    indicator: EffectIndicator, values: Sequence[IndicatorValue], granularity: str
) -> str:
    """The chart's text summary for screen readers: first and latest value, direction, target."""
    unit = indicator.unit_label
    parts = []
    if values:
        first, latest = values[0], values[-1]
        parts.append(
            _(
                "%(count)s values from %(first_period)s to %(latest_period)s. First value "
                "%(first)s, latest value %(latest)s."
            )
            % {
                "count": len(values),
                "first_period": period_label(first.period, granularity),
                "latest_period": period_label(latest.period, granularity),
                "first": format_number(first.value, unit),
                "latest": format_number(latest.value, unit),
            }
        )
    else:
        parts.append(_("No values yet."))
    parts.append(str(indicator.get_direction_display()) + ".")
    parts.append(
        _("Baseline %(value)s in %(period)s.")
        % {
            "value": format_number(indicator.baseline_value, unit),
            "period": period_label(indicator.baseline_period),
        }
    )
    if indicator.target_value is None:
        parts.append(_("No target."))
    elif indicator.target_date is None:
        parts.append(
            _("Target %(value)s.") % {"value": format_number(indicator.target_value, unit)}
        )
    else:
        parts.append(
            _("Target %(value)s by %(date)s.")
            % {
                "value": format_number(indicator.target_value, unit),
                "date": period_label(indicator.target_date),
            }
        )
    return " ".join(parts)


def trend_chart(
    indicator: EffectIndicator, values: Sequence[IndicatorValue], *, compact: bool = False
) -> TrendChart:
    """The geometry of an indicator's trend chart: values as a line with a marker and a label per
    point, baseline and target as labelled horizontal lines, axes with labels.

    A compact chart (on the hub page) labels only the first and the latest value, so that it
    stays readable in a narrow card.
    """
    values = sorted(values, key=lambda value: value.period)
    # Sizes in viewBox units; the SVG scales to its container, so at 360 px the full chart is
    # drawn at about 0.7 and its 14-unit text stays about 10 px.
    if compact:
        width, height, font_size, left = 320, 200, 13, 52
    else:
        width, height, font_size, left = 560, 300, 14, 60
    # Room on the right for the baseline's and target's labels, whatever the language.
    line_names = [str(_("Baseline")), str(_("Target"))]
    right_margin = min(width // 3, int(max(map(len, line_names)) * font_size * 0.6) + 12)
    right, top, bottom = width - right_margin, 24, height - 48
    granularity = period_granularity(value.period for value in values) if values else "day"
    unit = indicator.unit_label
    chart = TrendChart(
        chart_id=f"trend-{indicator.pk}{'-compact' if compact else ''}",
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        title=_("Trend for %(name)s") % {"name": indicator.name},
        description=chart_description(indicator, values, granularity),
        y_axis_label=unit or _("Value"),
        x_axis_label=_("Period"),
        compact=compact,
        font_size=font_size,
    )
    numbers = [value.value for value in values] + [indicator.baseline_value]
    if indicator.target_value is not None:
        numbers.append(indicator.target_value)
    low, high, step = _y_range(numbers)

    def y_of(number: Decimal) -> float:
        return float(bottom - (number - low) / (high - low) * (bottom - top))

    tick = low
    while tick <= high:
        chart.y_ticks.append(Tick(y_of(tick), format_number(tick)))
        tick += step

    days = [value.period.toordinal() for value in values]
    first_day, last_day = (min(days), max(days)) if days else (0, 0)
    plot_width = right - left

    def x_of(period: date) -> float:
        if last_day == first_day:
            return left + plot_width / 2
        return left + (period.toordinal() - first_day) / (last_day - first_day) * plot_width

    for index, value in enumerate(values):
        y = y_of(value.value)
        chart.points.append(
            ChartPoint(
                x=x_of(value.period),
                y=y,
                period=value.period,
                period_label=period_label(value.period, granularity),
                value_label=format_number(value.value),
                story=value.story,
                # Above the point, unless that leaves the plot.
                label_y=y - 8 if y - 8 > top else y + 16,
                labelled=False,  # decided below, with the period labels
                # The first label starts at its point so it clears the y axis's labels.
                anchor="start" if index == 0 and len(values) > 1 else "middle",
            )
        )
    # Label every period when they fit, otherwise every n-th one counted back from the latest,
    # so that the latest period is always labelled and the labels are evenly spaced.
    # How many period labels fit side by side, from the longest label's estimated width.
    longest = max((len(point.period_label) for point in chart.points), default=1)
    room = max(2, int((right - left) // (longest * font_size * 0.6 + 10)))
    every = max(1, -(-len(chart.points) // room))
    last = len(chart.points) - 1
    for index, point in enumerate(chart.points):
        if (last - index) % every == 0:
            chart.x_ticks.append(Tick(point.x, point.period_label))
            # A compact chart labels the first and the latest value; a full chart labels the
            # values of the labelled periods, so that value labels do not collide either.
            if not compact:
                chart.points[index] = replace(point, labelled=True)
    if compact and chart.points:
        for index in {0, last}:
            chart.points[index] = replace(chart.points[index], labelled=True)

    line_height = font_size + 2
    baseline_y = y_of(indicator.baseline_value)
    target_y = y_of(indicator.target_value) if indicator.target_value is not None else None
    # A label straddles its line (name above, value below) unless the other line is so close
    # that the labels would overlap; then the upper one goes above its line, the lower below.
    close = target_y is not None and abs(target_y - baseline_y) < 2 * line_height + 4

    def label_rows(y: float, upper: bool) -> tuple[float, float]:
        straddle = (y - 4, y + font_size)
        above = (y - 4 - line_height, y - 4)
        below = (y + font_size, y + font_size + line_height)
        preferred = [straddle] if not close else [above if upper else below]
        for name_row, value_row in [*preferred, straddle, above, below]:
            # Inside the picture, and clear of the period labels under the plot.
            if name_row - font_size >= 0 and value_row <= bottom + 2:
                return name_row, value_row
        return above

    name_y, value_y = label_rows(baseline_y, upper=target_y is not None and baseline_y < target_y)
    chart.baseline = ChartLine(
        y=baseline_y,
        name=_("Baseline"),
        value=format_number(indicator.baseline_value),
        name_y=name_y,
        value_y=value_y,
    )
    if target_y is not None:
        name_y, value_y = label_rows(target_y, upper=target_y <= baseline_y)
        chart.target = ChartLine(
            y=target_y,
            name=_("Target"),
            value=format_number(indicator.target_value),
            name_y=name_y,
            value_y=value_y,
        )
    return chart


@dataclass(frozen=True)
class IndicatorOverview:
    """One indicator as the hub page shows it: status, latest value, all values, small chart."""

    summary: IndicatorSummary
    values: list[IndicatorValue]
    chart: TrendChart

    @property
    def latest_period_label(self) -> str:
        return self.chart.points[-1].period_label if self.chart.points else ""


def indicator_overviews(core_task_id: int) -> list[IndicatorOverview]:
    """A core task's indicators with status, latest value and a compact chart each, in two
    queries whatever the number of indicators."""
    indicators = list(EffectIndicator.objects.filter(core_task_id=core_task_id))
    history = values_by_indicator(indicator.pk for indicator in indicators)
    overviews = []
    for indicator in indicators:
        values = history.get(indicator.pk, [])
        latest = values[-1] if values else None
        overviews.append(
            IndicatorOverview(
                summary=IndicatorSummary(indicator, latest, indicator_status(indicator, latest)),
                values=values,
                chart=trend_chart(indicator, values, compact=True),
            )
        )
    return overviews
