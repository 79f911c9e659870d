"""Forms of the organisation app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from organisation import importer

# The range of the databases' 64-bit primary keys.
_PK_RANGE = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple-choice field, refusing ids no database column can hold: Django passes
    them to an `__in` lookup, where SQLite overflows and PostgreSQL raises a DataError, which
    would be a 500 instead of a form error (found by tests/test_abuse_forms.py). Every
    multiple-choice field of a model in the product uses this class."""

    def _check_values(self, value: Iterable[Any]) -> QuerySet:
        for pk in value:
            text = str(pk).strip()
            if text.lstrip("-").isdigit() and int(text) not in _PK_RANGE:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


# A municipality of 10,000 employees gives an employees.csv of about 1 MB.
MAX_IMPORT_FILE_BYTES = 10 * 1024 * 1024


def add_service_errors(form: forms.Form, error: ValidationError, prefix: str = "") -> None:
    """Put a service's refusal next to the field it names (or `prefix` + that name), or above
    the form when the form has no such editable field. Every view that hands a form's data to
    a service uses it, so a refusal always shows where the person can act on it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        for candidate in (name, prefix + name):
            if candidate in form.fields and not form.fields[candidate].disabled:
                form.add_error(candidate, errors)
                break
        else:
            form.add_error(None, errors)


class ImportUploadForm(forms.Form):
    """The CSV files of an organisation import; only units.csv is required."""

    units = forms.FileField(
        label=_("Units (units.csv)"),
        help_text=_("Columns: external_id, name, kind, parent_external_id."),
    )
    employees = forms.FileField(
        label=_("Employees (employees.csv)"),
        required=False,
        help_text=_(
            "Columns: external_id, username, name, email, phone, unit_external_id, leads. "
            "Without this file, people are left as they are."
        ),
    )
    med_committees = forms.FileField(
        label=_("MED committees (med_committees.csv)"),
        required=False,
        help_text=_("Columns: external_id, name, level, parent_external_id, covers."),
    )
    med_members = forms.FileField(
        label=_("MED members (med_members.csv)"),
        required=False,
        help_text=_("Columns: committee_external_id, employee_external_id, role."),
    )

    def _read(self, name: str) -> str:
        upload: UploadedFile | None = self.cleaned_data.get(name)
        if upload is None:
            return ""
        if upload.size is not None and upload.size > MAX_IMPORT_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."),
                code="too_large",
                params={"limit": MAX_IMPORT_FILE_BYTES // (1024 * 1024)},
            )
        try:
            return importer.decode_upload(upload.read())
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” and upload "
                    "it again."
                ),
                code="not_utf8",
            ) from None

    def clean_units(self) -> str:
        return self._read("units")

    def clean_employees(self) -> str:
        return self._read("employees")

    def clean_med_committees(self) -> str:
        return self._read("med_committees")

    def clean_med_members(self) -> str:
        return self._read("med_members")

    def texts(self) -> dict[str, str]:
        """File kind → CSV text, for the files that were uploaded."""
        return {
            kind: self.cleaned_data[kind] for kind in importer.FILE_KINDS if self.cleaned_data[kind]
        }
