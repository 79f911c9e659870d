"""The value-signal panel of an instrument's page: what employees answered, instrument-wide and
per unit the reader may see, from the aggregated (already suppressed) rows only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from organisation import access
from styring import periods
from styring.models import Answer, DuplicateAnswer, Instrument
from styring.panels import Panel, instrument_panels
from styring.queries import signals as queries
from styring.services.signals import has_given

QUESTIONS = (
    ("helps", _("Does it help you in your work on the core task?"), Answer.choices),
    ("uses", _("Do you use it actively in your daily work?"), Answer.choices),
    ("duplicate", _("Do you register the same thing somewhere else?"), DuplicateAnswer.choices),
)


@dataclass(frozen=True)
class Cell:
    count: int
    percent: int


@dataclass(frozen=True)
class QuestionLine:
    label: str
    cells: list[Cell | None]  # in the order of Answer; None where the question has no such answer


@dataclass(frozen=True)
class UnitLine:
    row: queries.UnitSignalRow
    helpful: Cell | None
    active_use: Cell | None
    duplicate: Cell | None


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def question_lines(summary: queries.SignalSummary) -> list[QuestionLine]:
    lines = []
    for field, label, choices in QUESTIONS:
        counts = getattr(summary, field)
        offered = {value for value, _label in choices}
        cells = [
            Cell(counts.get(value, 0), _percent(counts.get(value, 0), summary.n))
            if value in offered
            else None
            for value in Answer.values
        ]
        lines.append(QuestionLine(str(label), cells))
    return lines


def _positive(counts: dict[str, int]) -> Cell | None:
    """Yes or partly, out of those who answered yes, partly or no."""
    positive = counts.get(Answer.YES, 0) + counts.get(Answer.PARTLY, 0)
    judged = positive + counts.get(Answer.NO, 0)
    return Cell(positive, _percent(positive, judged)) if judged else None


def _duplicate(counts: dict[str, int]) -> Cell | None:
    yes = counts.get(DuplicateAnswer.YES, 0)
    judged = yes + counts.get(DuplicateAnswer.NO, 0)
    return Cell(yes, _percent(yes, judged)) if judged else None


def unit_lines(rows: list[queries.UnitSignalRow]) -> list[UnitLine]:
    lines = []
    for row in rows:
        summary = row.summary
        if summary is None:
            lines.append(UnitLine(row, None, None, None))
        else:
            lines.append(
                UnitLine(
                    row,
                    _positive(summary.helps),
                    _positive(summary.uses),
                    _duplicate(summary.duplicate),
                )
            )
    return lines


def signals_panel(request: HttpRequest, instrument: Instrument) -> dict[str, Any]:
    summary = queries.instrument_summaries([instrument.pk]).get(instrument.pk)
    unit_rows = queries.unit_signal_rows(request.user, instrument)
    applies = queries.applies_to_user(request.user, instrument)
    can_give = access.can_give_value_signal(request.user, instrument, applies)
    return {
        "summary": summary,
        "question_lines": question_lines(summary) if summary else [],
        "answers": Answer.choices,
        "unit_rows": unit_rows,
        "unit_lines": unit_lines(unit_rows.rows),
        "k": unit_rows.k if unit_rows.period else settings.VALUE_SIGNAL_MIN_GROUP_SIZE,
        "can_give": can_give,
        "given": can_give and has_given(request.user, instrument, periods.current_period()),
    }


instrument_panels.register(Panel("signals", "styring/panels/signals.html", signals_panel, order=60))
