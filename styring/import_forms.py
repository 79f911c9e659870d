"""Forms of the instrument import: the upload, and the confirmation that carries the checked file.

Between the preview and the confirmation the file's text travels in a hidden field, signed with
`django.core.signing` (with a time limit and the uploader's id), so the server keeps no state and
nobody can confirm a file other than the one they previewed, or someone else's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from organisation.models import User
from styring.services.importing import MAX_FILE_BYTES, decode_file

SIGNING_SALT = "styring.import"
# Long enough to read a preview of a thousand rows; short enough that an old page cannot confirm.
CONFIRM_MAX_AGE_SECONDS = 60 * 60


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with instruments"),
        help_text=_(
            "UTF-8 or Windows (Excel) text, comma or semicolon separated, at most 512 kB. "
            "Download the template to see the columns."
        ),
    )

    def clean_file(self) -> str:
        """The file's text; its name is kept in `file_name`."""
        upload: UploadedFile = self.cleaned_data["file"]
        self.file_name = upload.name or "instruments.csv"
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s kB. Split it into smaller files."),
                code="too_large",
                params={"limit": MAX_FILE_BYTES // 1024},
            )
        try:
            return decode_file(upload.read())
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _(
                    "The file is not text that can be read. In Excel, save it as “CSV UTF-8” "
                    "and upload it again."
                ),
                code="not_text",
            ) from None


def sign_file(*, user: User, text: str, file_name: str) -> str:
    return signing.dumps(
        {"user": user.pk, "text": text, "name": file_name}, salt=SIGNING_SALT, compress=True
    )


class ImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_payload(self) -> dict[str, Any]:
        try:
            data = signing.loads(
                self.cleaned_data["payload"], salt=SIGNING_SALT, max_age=CONFIRM_MAX_AGE_SECONDS
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _("The preview is more than an hour old. Upload the file again."), code="expired"
            ) from None
        except signing.BadSignature:
            data = None
        if not isinstance(data, dict) or data.get("user") != self.user.pk:
            raise forms.ValidationError(
                _("The preview cannot be confirmed. Upload the file again."), code="invalid"
            )
        return data

    @property
    def text(self) -> str:
        return self.cleaned_data["payload"]["text"]

    @property
    def file_name(self) -> str:
        return self.cleaned_data["payload"]["name"]
