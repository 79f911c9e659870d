"""Forms for intensity and review decisions.

The form parses single fields; the rules that span rows (the area must lie where the instrument
applies, tightening must not lower the time cost, ...) live in `styring.services.decisions` and
come back as field errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.models import OrgUnit
from styring.models import MAX_MINUTES_PER_MONTH, Decision

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AreaChoiceField(forms.ModelChoiceField):
    """Units indented by depth under the applies-to subtree roots, so the tree can be read."""

    def __init__(self, *args: Any, top_depth: int = 1, **kwargs: Any) -> None:
        self.top_depth = top_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u2003" * max(obj.depth - self.top_depth, 0) + obj.name


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Decision"))
    area = AreaChoiceField(
        label=_("Area"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("Everywhere the instrument applies"),
        help_text=_("The decision applies to the unit and everything below it."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the decision serves the core task, or why the instrument does not."),
    )
    decision_maker = forms.CharField(
        label=_("Decision-maker"),
        max_length=200,
        help_text=_("Who decided, e.g. “Direktionen” or “Område-MED Dagtilbud”."),
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE_WIDGET)
    review_on = forms.DateField(label=_("Next review"), widget=DATE_WIDGET, required=False)
    minutes_after = forms.IntegerField(
        label=_("Time cost after the decision (minutes per employee per month)"),
        required=False,
        min_value=0,
        max_value=MAX_MINUTES_PER_MONTH,
        help_text=_("Needed when the time cost changes. Keeping keeps it; removing makes it 0."),
    )

    def __init__(
        self,
        *args: Any,
        kinds: tuple[str, ...],
        areas: QuerySet[OrgUnit] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("decided_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, Decision.Kind(kind).label) for kind in kinds]
        if areas is None:
            # Review decisions concern the whole instrument.
            del self.fields["area"]
        else:
            units = list(areas)
            field = self.fields["area"]
            field.queryset = areas
            field.top_depth = min((unit.depth for unit in units), default=1)
