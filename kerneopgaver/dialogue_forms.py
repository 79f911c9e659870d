"""Forms for the dialogue on core tasks, the citizens' consultation and leadership communities.

Forms only parse and validate one submission; the rules that touch the database are in
`kerneopgaver.services`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from kerneopgaver.models import TEXT_LIMIT, CoreTask, DialogueInput


def _with_limit(message: Promise) -> Promise:
    """Fill in the text limit when the message is shown, in the language of that request."""
    return lazy(lambda: str(message) % {"limit": TEXT_LIMIT}, str)()


def _text_field(help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=_("Your input"),
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your input before you send it.")},
    )


class DialogueInputForm(forms.Form):
    """A signed-in employee's, leader's or politician's input on a core task in dialogue."""

    kind = forms.ChoiceField(label=_("Kind of input"), choices=DialogueInput.Kind.choices)
    text = _text_field(
        _with_limit(
            _(
                "At most %(limit)s characters. Your input is shown at once on the core task's "
                "page, with your name, to everyone who is signed in."
            )
        )
    )


class CitizenInputForm(forms.Form):
    """A citizen's input on an open consultation, without signing in."""

    # Bots fill in every field they find; people never see this one. An innocent name, so that
    # a bot does not recognise it as a trap.
    HONEYPOT = "homepage"

    author_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        required=False,
        help_text=_("You may leave it out. If you write it, it is shown with your input."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    kind = forms.ChoiceField(label=_("Kind of input"), choices=DialogueInput.Kind.choices)
    text = _text_field(
        _with_limit(
            _(
                "At most %(limit)s characters. Your input is shown on this page once it has "
                "been read by the municipality."
            )
        )
    )
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def visible_fields(self) -> list[forms.BoundField]:
        # The honeypot is rendered separately, hidden from sight but not from screen readers.
        return [field for field in super().visible_fields() if field.name != self.HONEYPOT]

    @property
    def honeypot_filled(self) -> bool:
        """Read from the raw data: a bot's submission is caught whether or not it is valid."""
        return bool(str(self.data.get(self.HONEYPOT, "")).strip())


class OutcomeForm(forms.Form):
    """The answer to an input: taken in or not, and always why."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (DialogueInput.Outcome.TAKEN_IN, DialogueInput.Outcome.TAKEN_IN.label),
            (DialogueInput.Outcome.NOT_TAKEN_IN, DialogueInput.Outcome.NOT_TAKEN_IN.label),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TEXT_LIMIT,
        help_text=_("Say why, so that the author and everyone else can follow the decision."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give a reason for the outcome.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason for the outcome."), code="required")
        return reason


def validate_web_link(value: str) -> None:
    if value and urlsplit(value).scheme.lower() not in ("http", "https"):
        raise forms.ValidationError(
            _("The link must be a web address starting with http:// or https://."),
            code="scheme",
        )


class CommunityNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_with_limit(
            _("At most %(limit)s characters. Only the members and HR can read it.")
        ),
    )
    link = forms.URLField(
        label=_("Link"),
        required=False,
        assume_scheme="https",
        validators=[validate_web_link],
        help_text=_("A web address starting with https://, if the note points to something."),
    )


class CommunityCoreTaskForm(forms.Form):
    """Link a core task to the community's focus, or unlink it."""

    LINK = "link"
    UNLINK = "unlink"

    action = forms.ChoiceField(choices=[(LINK, LINK), (UNLINK, UNLINK)], widget=forms.HiddenInput)
    core_task = forms.ModelChoiceField(label=_("Core task"), queryset=CoreTask.objects.none())

    def __init__(self, *args: Any, core_tasks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["core_task"].queryset = core_tasks
