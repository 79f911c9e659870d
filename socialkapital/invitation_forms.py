"""Forms for reminders and access codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from organisation.models import OrgUnit
from socialkapital.services.access_codes import MAX_CODES_PER_SHEET


class _UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth, each with how many invited people lack e-mail."""

    def __init__(self, *args: Any, suggestions: Mapping[int, int], top_depth: int, **kwargs: Any):
        self.suggestions = suggestions
        self.top_depth = top_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: OrgUnit) -> str:
        indent = "\u00a0\u00a0" * max(obj.depth - self.top_depth, 0)
        without_email = self.suggestions.get(obj.pk, 0)
        if not without_email:
            return f"{indent}{obj.name}"
        return indent + gettext("%(unit)s (%(count)d invited without e-mail)") % {
            "unit": obj.name,
            "count": without_email,
        }


class AccessCodeForm(forms.Form):
    """Which unit and how many codes. The units are those the user may make codes for."""

    unit = _UnitChoiceField(
        queryset=OrgUnit.objects.none(),
        label=_("Unit"),
        help_text=_("The codes count as answers from this unit. Usually a workplace."),
        empty_label=None,
        suggestions={},
        top_depth=1,
    )
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=MAX_CODES_PER_SHEET,
        help_text=_(
            "One code for each employee without e-mail. The number in brackets after a unit is "
            "how many invited people there have no e-mail address."
        ),
    )

    def __init__(
        self,
        *args: Any,
        units: Sequence[OrgUnit],
        suggestions: Mapping[int, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = OrgUnit.objects.filter(pk__in=[unit.pk for unit in units]).order_by("path")
        field.suggestions = suggestions
        field.top_depth = min((unit.depth for unit in units), default=1)
        self.fields["count"].widget.attrs.update({"inputmode": "numeric"})
