"""Forms for effect indicators: the definition, one value, and a CSV file of values.

Numbers accept a decimal comma or point and periods accept a date, a quarter or a year, with
the same rules as the CSV import (`kerneopgaver/indicators.py`), so a person meets one set of
rules wherever they enter a value.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kerneopgaver.indicators import (
    STORY_LIMIT,
    InputError,
    format_number,
    future_period_message,
    parse_decimal,
    parse_period,
)
from kerneopgaver.models import EffectIndicator
from kerneopgaver.services.indicators import INDICATOR_FIELDS
from organisation.csvfiles import decode_upload
from organisation.models import OrgUnit

MAX_VALUES_FILE_BYTES = 1024 * 1024  # ten years of daily values is about 150 kB

PERIOD_HINT = _(
    "The last day of the period, e.g. 2024-12-31 or 31-12-2024; or a quarter (2024-Q4) or a "
    "year (2024) for its last day."
)


class DecimalInput(forms.CharField):
    """A number with a decimal comma or point; shown again without trailing zeros."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return format_number(value)
        return value

    def to_python(self, value: Any) -> Decimal | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_decimal(text)
        except InputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class PeriodInput(forms.CharField):
    """The last day of a period: a date (two spellings), a month, a quarter or a year."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        return value

    def to_python(self, value: Any) -> date | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_period(text)
        except InputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = EffectIndicator
        fields = INDICATOR_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model's labels, with this form's reading of numbers and periods.
        for name in ("baseline_value", "target_value"):
            model_field = self.fields[name]
            self.fields[name] = DecimalInput(
                label=model_field.label,
                required=model_field.required,
                help_text=model_field.help_text,
            )
        for name in ("baseline_period", "target_date"):
            model_field = self.fields[name]
            self.fields[name] = PeriodInput(
                label=model_field.label, required=model_field.required, help_text=PERIOD_HINT
            )
        self.fields["target_date"].help_text = _(
            "When the target should be reached; needed to tell whether the indicator is on "
            "track before the target is reached."
        )
        self.fields["unit"].queryset = OrgUnit.objects.filter(active=True).order_by("path")
        self.fields["measure_type"].help_text = _(
            "Only for unit measures: how much did we do, how well did we do it, or is anyone "
            "better off."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == EffectIndicator.Kind.UNIT_MEASURE and not data.get("measure_type"):
            self.add_error(
                "measure_type", _("A unit measure needs a type: how much, how well or better off.")
            )
        if data.get("kind") == EffectIndicator.Kind.POPULATION:
            # A population indicator describes the citizens, not a unit's work.
            data["measure_type"] = ""
            data["unit"] = None
        if data.get("target_date") and data.get("target_value") is None:
            self.add_error("target_value", _("Give the target that the target date refers to."))
        baseline_period, target_date = data.get("baseline_period"), data.get("target_date")
        if baseline_period and target_date and target_date <= baseline_period:
            self.add_error("target_date", _("The target date must be after the baseline period."))
        return data


class ValueForm(forms.Form):
    period = PeriodInput(label=_("Period"), help_text=PERIOD_HINT)
    value = DecimalInput(
        label=_("Value"), help_text=_("A number; a decimal comma or point are both fine.")
    )
    story = forms.CharField(
        label=_("Story behind the curve"),
        required=False,
        max_length=STORY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What explains the development, and what works."),
    )

    def clean_period(self) -> date:
        period = self.cleaned_data["period"]
        if message := future_period_message(period):
            raise forms.ValidationError(message, code="future")
        return period


class ValuesImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with values"),
        help_text=_(
            "Columns: period, value and optionally story. UTF-8, comma or semicolon separated."
        ),
    )

    def clean_file(self) -> str:
        """The file's text; its name is kept in `file_name` for the error list."""
        upload: UploadedFile = self.cleaned_data["file"]
        self.file_name = upload.name or "values.csv"
        if upload.size is not None and upload.size > MAX_VALUES_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s kB."),
                code="too_large",
                params={"limit": MAX_VALUES_FILE_BYTES // 1024},
            )
        try:
            return decode_upload(upload.read())
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” and upload "
                    "it again."
                ),
                code="not_utf8",
            ) from None
