"""Value-signal periods: calendar quarters, written "2026-Q4".

An employee gives one value signal per instrument per period; a period's signals are aggregated
once it has ended (a figure that moves with each answer would reveal it).
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


def period_of(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def current_period() -> str:
    return period_of(timezone.localdate())


def parse(period: str) -> tuple[int, int]:
    """(year, quarter) of a period; ValueError for anything else."""
    match = _PATTERN.match(period)
    if not match:
        raise ValueError(f"not a period: {period!r}")
    return int(match.group(1)), int(match.group(2))


def first_day(period: str) -> datetime.date:
    year, quarter = parse(period)
    return datetime.date(year, 3 * (quarter - 1) + 1, 1)


def last_day(period: str) -> datetime.date:
    year, quarter = parse(period)
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)


def previous(period: str) -> str:
    return period_of(first_day(period) - datetime.timedelta(days=1))


def has_ended(period: str, today: datetime.date | None = None) -> bool:
    return last_day(period) < (today or timezone.localdate())
