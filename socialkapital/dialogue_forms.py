"""Forms for the dialogue about results: a meeting record with an optional first action, an
action, an action's update and the filters of the action overview.

Forms parse single fields and limit the choices to what the user may pick; the rules across
fields and rows (dates, the status workflow, who may own an action) are in
`socialkapital.services.dialogue` and come back as form errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kerneopgaver.models import CoreTask
from organisation import access
from organisation.access import AnyUser
from organisation.models import MedCommittee, OrgUnit, User
from socialkapital.models import Action, Dimension
from socialkapital.questionnaire import DIMENSION_ORDER
from socialkapital.services.dialogue import ACTION_MOVES, LIVE_CORE_TASK_STATUSES

DATE_FORMAT = "%Y-%m-%d"
ACTION_FIELDS = ("title", "description", "dimension", "core_task", "owner", "due_on")


class DateInput(forms.DateInput):
    """The browser's date picker; without JavaScript or in an old browser a plain text field
    that takes 2025-03-31."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATE_FORMAT)


def _date_field(label: Any, help_text: Any = "", required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        widget=DateInput(),
        input_formats=[DATE_FORMAT, "%d-%m-%Y", "%d.%m.%Y"],
    )


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


def dimension_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("No dimension")),
        *((value, Dimension(value).label) for value in DIMENSION_ORDER),
    ]


def live_core_tasks(user: AnyUser) -> QuerySet[CoreTask]:
    """Core tasks an action may serve: adopted or in dialogue, and visible to the user."""
    return (
        CoreTask.objects.filter(access.core_task_filter(user))
        .filter(status__in=LIVE_CORE_TASK_STATUSES)
        .order_by("title")
    )


class ActionFieldsMixin(forms.Form):
    """The fields of a new action. With `optional_action`, they may all be left empty (the
    meeting form's first action)."""

    title = forms.CharField(label=_("Action"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What will be done, and how you will know it worked."),
    )
    dimension = forms.ChoiceField(
        label=_("Dimension of social capital"),
        required=False,
        help_text=_("Link the action to a dimension, a core task or both."),
    )
    core_task = forms.ModelChoiceField(
        label=_("Core task"), queryset=CoreTask.objects.none(), required=False
    )
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        help_text=_("The owner is told by e-mail."),
    )
    due_on = _date_field(_("Due date"))

    def setup_action_fields(
        self, *, user: AnyUser, owners: QuerySet[User], optional: bool = False
    ) -> None:
        self.fields["dimension"].choices = dimension_choices()
        self.fields["core_task"].queryset = live_core_tasks(user)
        self.fields["owner"].queryset = owners
        if optional:
            for name in ("title", "owner", "due_on"):
                self.fields[name].required = False

    def action_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ACTION_FIELDS}


class ActionForm(ActionFieldsMixin):
    """An action agreed at a recorded meeting (the meeting page's "add action" form)."""

    def __init__(self, *args: Any, user: AnyUser, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_action_fields(user=user, owners=owners)


class DialogueForm(forms.Form):
    """A meeting about a round's results."""

    held_on = _date_field(_("Meeting date"))
    themes = forms.CharField(
        label=_("Themes discussed"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What you talked about: which results, what you agreed they mean. Write about the "
            "group, never about single persons."
        ),
    )


class FirstActionForm(ActionFieldsMixin):
    """The first action agreed at a meeting, on the meeting form (prefix "action"). Every field
    may be left empty: then only the meeting is recorded."""

    def __init__(self, *args: Any, user: AnyUser, owners: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "action")
        super().__init__(*args, **kwargs)
        self.setup_action_fields(user=user, owners=owners, optional=True)
        self.fields["title"].help_text = _(
            "Leave the action's fields empty to record the meeting only; add actions later."
        )

    @property
    def has_action(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) for name in ACTION_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.has_action:
            for name, message in (
                ("title", _("Give the action a title, or leave the action's fields empty.")),
                ("owner", _("Choose who owns the action.")),
                ("due_on", _("Give the due date.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, ValidationError(message, code="required"))
        return data


class ActionUpdateForm(forms.Form):
    """Follow-up of an action: its status, description, due date and owner."""

    status = forms.ChoiceField(label=_("Status"))
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_on = _date_field(_("Due date"))
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        help_text=_("A new owner is told by e-mail."),
    )

    def __init__(self, *args: Any, action: Action, owners: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "status": action.status,
                "description": action.description,
                "due_on": action.due_on,
                "owner": action.owner_id,
            },
        )
        super().__init__(*args, **kwargs)
        allowed = (action.status, *ACTION_MOVES[action.status])
        self.fields["status"].choices = [
            (value, label) for value, label in Action.Status.choices if value in allowed
        ]
        # The present owner stays a choice even when they would not be picked today.
        if action.owner_id:
            owners = owners | User.objects.filter(pk=action.owner_id)
        self.fields["owner"].queryset = owners.distinct().order_by("name", "username")


class ActionFilterForm(forms.Form):
    """Filters of the action overview. Invalid values are ignored, not an error page."""

    OVERDUE = "overdue"
    OPEN = "open"
    ALL = ""

    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False)
    committee = forms.ModelChoiceField(
        label=_("MED committee"), queryset=MedCommittee.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[OrgUnit],
        committees: QuerySet[MedCommittee],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (self.ALL, _("All")),
            (self.OVERDUE, _("Overdue")),
            (self.OPEN, _("Open (planned or in progress)")),
            *Action.Status.choices,
        ]
        self.fields["unit"].queryset = units
        self.fields["committee"].queryset = committees
        if not committees.exists():
            del self.fields["committee"]
