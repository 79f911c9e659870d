"""The value-signal form: three required questions as radio groups (one fieldset each)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from styring.models import Answer, DuplicateAnswer

_ERRORS = {
    "required": _("Choose an answer to this question."),
    "invalid_choice": _("Choose one of the answers shown."),
}


class ValueSignalForm(forms.Form):
    helps = forms.ChoiceField(
        label=_("Does it help you in your work on the core task?"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages=_ERRORS,
    )
    uses = forms.ChoiceField(
        label=_("Do you use it actively in your daily work?"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages=_ERRORS,
    )
    duplicate = forms.ChoiceField(
        label=_("Do you register the same thing somewhere else?"),
        choices=DuplicateAnswer.choices,
        widget=forms.RadioSelect,
        error_messages=_ERRORS,
    )
