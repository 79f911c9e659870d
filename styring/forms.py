"""Forms of the governance register: the instrument's definition, the register's filters, a
status move and a justification.

Forms parse and check single fields and offer only the choices the user may make; the rules
that span rows (the status workflow, activation, duplicate justifications) live in
`styring.services.instruments` and come back as form errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kerneopgaver.models import CoreTask
from organisation import access
from organisation.access import AnyUser
from organisation.forms import ModelMultipleChoiceField
from organisation.models import OrgUnit, User
from styring.models import Instrument
from styring.services.instruments import DEFINITION_FIELDS, JUSTIFYING_CORE_TASK_STATUSES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth so the select reads as the organisation chart."""

    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u2003" * (obj.depth - 1) + obj.name


class UnitMultipleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u2003" * (obj.depth - 1) + obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class InstrumentForm(forms.ModelForm):
    """The definition of an instrument. The owning unit is one the user may own instruments
    for (so they can edit it afterwards); the applies-to units are chosen among the same units
    and the ones it already applies to."""

    class Meta:
        model = Instrument
        fields = [*DEFINITION_FIELDS[:8], "applies_to", *DEFINITION_FIELDS[8:]]
        field_classes = {
            "owner_unit": UnitChoiceField,
            "owner": PersonChoiceField,
            "applies_to": UnitMultipleChoiceField,
        }
        widgets = {
            "review_on": DATE_WIDGET,
            "applies_to": forms.SelectMultiple(attrs={"size": 10}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instrument = self.instance
        owner_units = access.instrument_owner_units_for(user)
        self.fields["owner_unit"].queryset = owner_units
        units = Q(pk__in=owner_units.values("pk"))
        if instrument.pk:
            # Keep the units it applies to now choosable, so an edit does not drop them.
            units |= Q(pk__in=instrument.applies_to.values("pk"))
        self.fields["applies_to"].queryset = OrgUnit.objects.filter(units)
        self.fields["applies_to"].help_text = _(
            "The units (with everything below them) whose employees must follow it. "
            "Choose several with Ctrl or Cmd."
        )
        people = Q(is_active=True, home_unit__in=owner_units.values("pk"))
        if instrument.owner_id:
            people |= Q(pk=instrument.owner_id)
        self.fields["owner"].queryset = User.objects.filter(people).order_by("name", "username")
        self.fields["minutes_per_month"].min_value = 0

    def definition(self) -> dict[str, Any]:
        """The cleaned definition fields, for the service."""
        return {name: self.cleaned_data[name] for name in DEFINITION_FIELDS}

    def _post_clean(self) -> None:
        # Do not copy the values onto the instance (ModelForm's default): the service writes
        # them, inside its transaction, after checking the rules that span rows.
        pass


class RegisterFilterForm(forms.Form):
    """The register's filters; every field is optional and a bad value is simply ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in the title, description or legal basis."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    origin = forms.ChoiceField(label=_("Origin"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = UnitChoiceField(
        label=_("Applies to unit"),
        required=False,
        queryset=OrgUnit.objects.none(),
        empty_label=_("All"),
        help_text=_("Instruments listed on the unit or on a unit above it."),
    )
    core_task = forms.ModelChoiceField(
        label=_("Justified by core task"),
        required=False,
        queryset=CoreTask.objects.none(),
        empty_label=_("All"),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + Instrument.Kind.choices
        self.fields["origin"].choices = everything + Instrument.Origin.choices
        self.fields["status"].choices = everything + Instrument.Status.choices
        self.fields["unit"].queryset = access.units_visible_to(user)
        self.fields["core_task"].queryset = CoreTask.objects.filter(
            access.core_task_filter(user)
        ).order_by("title")

    def filter(self, instruments: QuerySet[Instrument]) -> QuerySet[Instrument]:
        """`instruments` narrowed by the valid filters; an invalid one is left out."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        values = getattr(self, "cleaned_data", {})
        for name in ("kind", "origin", "status"):
            if values.get(name):
                instruments = instruments.filter(**{name: values[name]})
        if values.get("unit"):
            unit = values["unit"]
            instruments = instruments.filter(
                pk__in=Instrument.objects.filter(
                    applies_to__path__in=[*unit.ancestor_paths(), unit.path]
                ).values("pk")
            )
        if values.get("core_task"):
            instruments = instruments.filter(
                pk__in=Instrument.objects.filter(
                    justifications__core_task=values["core_task"]
                ).values("pk")
            )
        for word in values.get("q", "").split():
            instruments = instruments.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(legal_basis__icontains=word)
            )
        return instruments

    @property
    def filtered(self) -> bool:
        return self.is_bound and any(getattr(self, "cleaned_data", {}).values())


class StatusMoveForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Instrument.Status.choices)


class JustificationForm(forms.Form):
    core_task = forms.ModelChoiceField(label=_("Core task"), queryset=CoreTask.objects.none())
    how = forms.CharField(
        label=_("How it serves the desired effect"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("How the instrument helps bring about the core task's desired effect."),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["core_task"].queryset = (
            CoreTask.objects.filter(access.core_task_filter(user))
            .filter(status__in=JUSTIFYING_CORE_TASK_STATUSES)
            .order_by("title")
        )
