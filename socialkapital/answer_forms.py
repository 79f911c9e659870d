"""Forms of the answering pages: the access-code entry and one step of the questionnaire."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from socialkapital.models import Item
from socialkapital.questionnaire import SCALE


class AccessCodeForm(forms.Form):
    kode = forms.CharField(
        label=_("Access code"),
        max_length=40,
        help_text=_("The code on your slip of paper. Capital or small letters do not matter."),
        error_messages={"required": _("Type the code from your slip of paper.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


def item_field_name(item: Item) -> str:
    return f"item_{item.pk}"


class StepForm(forms.Form):
    """One step: a required choice on the scale for each of the step's items. The label is the
    item's text in the active language; the template renders each as a fieldset."""

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[item_field_name(item)] = forms.TypedChoiceField(
                label=item.text,
                choices=[(str(value), label) for value, label in SCALE],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose an answer to this statement."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
            )

    def given_answers(self) -> dict[int, int]:
        """The answers that are valid so far, also when others are missing (for Back)."""
        answers: dict[int, int] = {}
        for item in self.items:
            field = self.fields[item_field_name(item)]
            raw = self.data.get(self.add_prefix(item_field_name(item)))
            if raw in (None, ""):
                continue
            try:
                answers[item.pk] = field.clean(raw)
            except forms.ValidationError:
                continue
        return answers
