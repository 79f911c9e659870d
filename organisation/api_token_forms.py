"""Forms of the API key page: make a key, and confirm revoking one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organisation.models import ApiToken

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the key is used for, e.g. “Dashboard in Power BI”."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_(
            "The key stops working after this day. Leave it empty for a key that works until "
            "you revoke it."
        ),
    )


class ApiTokenRevokeForm(forms.Form):
    token = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
