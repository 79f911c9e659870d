"""Forms for rounds, their status moves and composing questionnaires.

Forms parse and check single fields; the rules that span rows (k frozen after opening, the
status workflow, versions that cannot change) live in `socialkapital.services` and come back as
form errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organisation import access
from organisation.access import AnyUser
from organisation.forms import ModelMultipleChoiceField
from organisation.models import OrgUnit
from socialkapital.models import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RETENTION_DAYS,
    MIN_GROUP_SIZE_FLOOR,
    Dimension,
    Item,
    Questionnaire,
    SurveyRound,
)
from socialkapital.questionnaire import dimension_rank
from socialkapital.services import EDITABLE_AFTER_OPENING

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are read in the active time zone
    (Europe/Copenhagen)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


def _datetime_field(label: str, help_text: str = "", required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        required=required,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        # Indent by depth so the tree reads in a plain select.
        return "\u2003" * (obj.depth - 1) + obj.name


class RoundForm(forms.Form):
    """A round's settings. On a round that has opened, every field but the name and the retention
    period is disabled: the browser does not send it and Django keeps the stored value."""

    name = forms.CharField(label=_("Name"), max_length=200)
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=Questionnaire.objects.order_by("name", "-version")
    )
    scope = UnitChoiceField(
        label=_("Who is asked"),
        queryset=OrgUnit.objects.none(),
        help_text=_("Everyone whose workplace is this unit or a unit below it is invited."),
    )
    opens_at = _datetime_field(_("Opens"), _("Date and time, Danish time."))
    closes_at = _datetime_field(_("Closes"), _("Date and time, Danish time. After the opening."))
    min_group_size = forms.IntegerField(
        label=_("Minimum group size (k)"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
        initial=DEFAULT_MIN_GROUP_SIZE,
        help_text=_(
            "No figure is shown for a group with fewer responses than this, so that nobody's "
            "answers can be recognised. At least 3; 5 is the usual choice. It is fixed when the "
            "round opens."
        ),
    )
    min_group_size_agreed_by = forms.CharField(
        label=_("Minimum group size agreed by"),
        max_length=200,
        help_text=_("For example: the main MED committee at its meeting on 3 March."),
    )
    retention_days = forms.IntegerField(
        label=_("Keep raw answers for (days)"),
        min_value=1,
        initial=DEFAULT_RETENTION_DAYS,
        help_text=_(
            "The individual answers are deleted this many days after the round closes; the "
            "results are kept. Three years is 1095 days."
        ),
    )

    def __init__(
        self, *args: Any, user: AnyUser, survey_round: SurveyRound | None = None, **kwargs: Any
    ) -> None:
        if survey_round is not None:
            kwargs.setdefault(
                "initial", {field: getattr(survey_round, field) for field in self.base_fields}
            )
        super().__init__(*args, **kwargs)
        units = access.units_maintained_by(user).filter(active=True)
        if survey_round is not None:
            # Keep the present scope choosable even if it is now outside the editor's units.
            units = units | OrgUnit.objects.filter(pk=survey_round.scope_id)
        self.fields["scope"].queryset = units.order_by("path")
        self.frozen = survey_round is not None and survey_round.status != SurveyRound.Status.DRAFT
        if self.frozen:
            for name, field in self.fields.items():
                if name not in EDITABLE_AFTER_OPENING:
                    field.disabled = True
            self.fields["min_group_size"].help_text = _(
                "The minimum group size was fixed when the round opened."
            )

    def values(self) -> dict[str, Any]:
        """The values to save: on an opened round only those that may still change."""
        if self.frozen:
            return {name: self.cleaned_data[name] for name in EDITABLE_AFTER_OPENING}
        return dict(self.cleaned_data)


class RoundStatusForm(forms.Form):
    ACTIONS = [
        ("open", _("Open the round")),
        ("close", _("Close the round")),
        ("extend", _("Extend the round")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    closes_at = _datetime_field(
        _("New closing time"), _("Date and time, Danish time."), required=False
    )


class ItemCheckboxes(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Item) -> str:
        return f"{obj.code}: {obj.text}"


class ComposeForm(forms.Form):
    """Choose items from the bank (grouped by dimension in the page), optionally number them to
    set their order, and optionally add one new item to the bank.

    Without numbers the items keep the order of the dimensions and the bank."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    items = ItemCheckboxes(
        label=_("Items"),
        queryset=Item.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    new_code = forms.CharField(label=_("Code"), max_length=20, required=False)
    new_dimension = forms.ChoiceField(
        label=_("Dimension"), choices=[("", "—"), *Dimension.choices], required=False
    )
    new_text_da = forms.CharField(
        label=_("Statement in Danish"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_text_en = forms.CharField(
        label=_("Statement in English"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_reverse_scored = forms.BooleanField(
        label=_("Reverse scored (agreeing is a sign of low social capital)"), required=False
    )
    NEW_ITEM_FIELDS = ("new_code", "new_dimension", "new_text_da", "new_text_en")

    def __init__(
        self,
        *args: Any,
        source: Questionnaire | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        bank = sorted(
            Item.objects.all(), key=lambda item: (dimension_rank(item.dimension), item.code)
        )
        self.bank = bank
        self.fields["items"].queryset = Item.objects.all()
        positions: dict[int, int] = {}
        if source is not None:
            # A new version keeps the name; its items start as the source's, in its order.
            del self.fields["name"]
            entries = list(source.entries.values_list("item_id", "position"))
            positions = dict(entries)
            self.fields["items"].initial = [item_id for item_id, _position in entries]
            self.fields["description"].initial = source.description
        for item in bank:
            self.fields[f"position_{item.pk}"] = forms.IntegerField(
                label=_("Position of %(code)s") % {"code": item.code},
                min_value=1,
                max_value=999,
                required=False,
                initial=positions.get(item.pk),
            )

    def groups(self) -> list[tuple[str, list[tuple[Item, Any, forms.BoundField]]]]:
        """(dimension label, [(item, its checkbox, its position field)]) in dimension order."""
        checkboxes = {str(box.data["value"]): box for box in self["items"]}
        labels = dict(Dimension.choices)
        grouped: dict[str, list[tuple[Item, Any, forms.BoundField]]] = {}
        for item in self.bank:
            grouped.setdefault(item.dimension, []).append(
                (item, checkboxes[str(item.pk)], self[f"position_{item.pk}"])
            )
        return [(labels.get(dimension, dimension), rows) for dimension, rows in grouped.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [name for name in self.NEW_ITEM_FIELDS if data.get(name)]
        if given:
            for name in self.NEW_ITEM_FIELDS:
                if not data.get(name):
                    self.add_error(name, _("Fill in this field to add the new item."))
        return data

    def new_item(self) -> dict[str, Any] | None:
        """The new item's values, or None when none was given."""
        data = self.cleaned_data
        if not data.get("new_code"):
            return None
        return {
            "code": data["new_code"],
            "dimension": data["new_dimension"],
            "text_da": data["new_text_da"],
            "text_en": data["new_text_en"],
            "reverse_scored": data["new_reverse_scored"],
        }

    def ordered_items(self) -> Sequence[Item]:
        """The chosen items: numbered ones by their number, then the rest in bank order."""
        chosen = {item.pk for item in self.cleaned_data.get("items") or ()}
        rank = {item.pk: index for index, item in enumerate(self.bank)}
        items = [item for item in self.bank if item.pk in chosen]
        big = 10_000
        return sorted(
            items,
            key=lambda item: (self.cleaned_data.get(f"position_{item.pk}") or big, rank[item.pk]),
        )
