"""The answer scale and the order of the questionnaire's dimensions, in one place.

The answering pages, the questionnaire pages and (later) the results import these, so that the
labels of the scale and the order of the steps are the same everywhere. The labels are English
gettext msgids; the Danish texts come from the translation catalogue ("Helt uenig" ...).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from socialkapital.models import DONT_KNOW, Dimension

# The five-point scale, then "don't know" (stored as 0, counted, never scored).
SCALE: list[tuple[int, Promise]] = [
    (1, _("Strongly disagree")),  # Helt uenig
    (2, _("Disagree")),  # Uenig
    (3, _("Neither agree nor disagree")),  # Hverken enig eller uenig
    (4, _("Agree")),  # Enig
    (5, _("Strongly agree")),  # Helt enig
    (DONT_KNOW, _("Don't know")),  # Ved ikke
]

SCALE_VALUES: frozenset[int] = frozenset(value for value, _label in SCALE)

# The order in which the dimensions are shown: one step per dimension when answering, and the
# grouping on the questionnaire pages. Trust and justice first, then collaboration from the
# team outwards, and the core task last as the point of it all.
DIMENSION_ORDER: list[str] = [
    Dimension.VERTICAL_TRUST,
    Dimension.HORIZONTAL_TRUST,
    Dimension.JUSTICE,
    Dimension.BONDING,
    Dimension.BRIDGING,
    Dimension.LINKING,
    Dimension.CORE_TASK,
]


def dimension_rank(dimension: str) -> int:
    """The position of a dimension in DIMENSION_ORDER (unknown ones last), for sorting."""
    try:
        return DIMENSION_ORDER.index(dimension)
    except ValueError:
        return len(DIMENSION_ORDER)
