"""Forms for the vision, core tasks, status moves, contributions and the overview's filters.

Forms parse and check single fields; the rules that span rows (the status workflow, adoption,
what a retired task allows) live in `kerneopgaver.services` and come back as form errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kerneopgaver.models import CoreTask, DialogueInput, Vision
from organisation import access
from organisation.access import AnyUser
from organisation.forms import ModelMultipleChoiceField
from organisation.models import OrgUnit, User

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisionForm(forms.ModelForm):
    class Meta:
        model = Vision
        fields = ["title", "narrative"]


class AdoptionForm(forms.Form):
    """The council's decision: its date and reference. The service refuses a future date."""

    adopted_on = forms.DateField(label=_("Adopted on"), widget=DATE_WIDGET)
    council_decision = forms.CharField(
        label=_("Council decision"),
        max_length=200,
        help_text=_("Reference to the city council's decision, e.g. a case number."),
    )


class InputChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: DialogueInput) -> str:
        return f"{obj.display_author} ({obj.get_channel_display()}): {obj.text[:120]}"


class CoreTaskForm(forms.ModelForm):
    """The definition of a core task. `citizen_consultation` and `inputs` appear only while the
    task is in dialogue; `depends_on` offers the other core tasks the editor may see."""

    inputs = InputChoiceField(
        label=_("Dialogue inputs this change takes in"),
        help_text=_("Tick the inputs from the dialogue that led to this change."),
        queryset=DialogueInput.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = CoreTask
        fields = [
            "title",
            "purpose",
            "desired_effect",
            "citizen_contribution",
            "partners",
            "political_owner",
            "administrative_owner",
            "depends_on",
            "citizen_consultation",
        ]
        widgets = {"depends_on": forms.CheckboxSelectMultiple}
        field_classes = {"depends_on": ModelMultipleChoiceField}

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        task = self.instance
        owners = Q(is_active=True)
        if task.administrative_owner_id:
            # Keep the present owner choosable even if they have left, so an unrelated edit
            # does not fail on them.
            owners |= Q(pk=task.administrative_owner_id)
        self.fields["administrative_owner"].queryset = User.objects.filter(owners).order_by(
            "name", "username"
        )
        others = CoreTask.objects.filter(access.core_task_filter(user))
        if task.pk:
            others = others.exclude(pk=task.pk)
        self.fields["depends_on"].queryset = others.order_by("title")
        if task.pk and task.status == CoreTask.Status.IN_DIALOGUE:
            self.fields["inputs"].queryset = task.inputs.shown().select_related("author")
            if not self.fields["inputs"].queryset.exists():
                del self.fields["inputs"]
        else:
            del self.fields["citizen_consultation"]
            del self.fields["inputs"]

    def definition_values(self) -> dict[str, Any]:
        """The cleaned fields of the definition, for the service."""
        return {name: value for name, value in self.cleaned_data.items() if name != "inputs"}

    def _post_clean(self) -> None:
        # Do not copy the values onto the instance (ModelForm's default): the service writes
        # them, inside its transaction, after checking the rules that span rows.
        pass


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=CoreTask.Status.choices)
    adopted_on = forms.DateField(
        label=_("Adopted on"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Needed when the council adopts the core task."),
    )
    council_decision = forms.CharField(
        label=_("Council decision"),
        max_length=200,
        required=False,
        help_text=_("Needed when the council adopts the core task, e.g. a case number."),
    )

    def __init__(self, *args: Any, moves: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = moves


class ContributionForm(forms.Form):
    how = forms.CharField(
        label=_("How the unit contributes"),
        widget=forms.Textarea,
        required=False,
        help_text=_("In a few sentences: what the unit does that brings the desired effect."),
    )


class ContributionAddForm(ContributionForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())

    field_order = ["unit", "how"]

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class OverviewFilterForm(forms.Form):
    """The overview's filters; every field is optional and a bad value is simply ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in the title, purpose or desired effect."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    political_owner = forms.ChoiceField(label=_("Political owner"), required=False)

    def __init__(
        self, *args: Any, statuses: list[str], political_owners: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All"))] + [
            (value, label) for value, label in CoreTask.Status.choices if value in statuses
        ]
        self.fields["political_owner"].choices = [("", _("All"))] + [
            (name, name) for name in political_owners
        ]

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {
                name: self.cleaned_data.get(name, "") for name in ("q", "status", "political_owner")
            }
        return {name: self.cleaned_data[name] for name in ("q", "status", "political_owner")}
