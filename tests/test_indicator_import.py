"""Importing indicator values from CSV: row-level errors with line numbers and nothing applied,
the accepted spellings of periods and numbers, and a re-import that changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kerneopgaver.indicators import parse_values_csv
from kerneopgaver.models import CoreTaskChange, EffectIndicator
from organisation.models import User
from tests.factories import UserFactory
from tests.test_indicators import add_value, make_core_task, make_indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(org: Any) -> User:
    return UserFactory(username="ejer", name="Eva Ejer", home_unit=org.root)


@pytest.fixture
def indicator(owner: User) -> EffectIndicator:
    return make_indicator(make_core_task(owner=owner))


def upload(client: Any, indicator: EffectIndicator, text: str, *, encoding: str = "utf-8") -> Any:
    client.cookies["django_language"] = "en"
    return client.post(
        reverse("kerneopgaver:indicator_import", args=[indicator.pk]),
        {"file": SimpleUploadedFile("vaerdier.csv", text.encode(encoding), "text/csv")},
    )


GOOD = "period;value;story\n2021;61;Første måling\n2022-12-31;64,5;\n31-12-2023;63.25;Ny indsats\n"


def test_a_valid_file_is_applied_and_the_changes_are_reported(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    response = upload(client_for(owner), indicator, GOOD)
    assert response.status_code == 302
    values = {value.period: (value.value, value.story) for value in indicator.values.all()}
    assert values == {
        date(2021, 12, 31): (Decimal("61"), "Første måling"),
        date(2022, 12, 31): (Decimal("64.5"), ""),
        date(2023, 12, 31): (Decimal("63.25"), "Ny indsats"),
    }
    change = CoreTaskChange.objects.get(core_task=indicator.core_task)
    assert change.kind == CoreTaskChange.Kind.INDICATOR
    assert change.author == owner
    assert len(change.changes["values"]["added"]) == 3


def test_re_importing_the_same_file_changes_nothing(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    client = client_for(owner)
    upload(client, indicator, GOOD)
    before = list(indicator.values.values_list("pk", "period", "value", "story", "entered_at"))
    response = upload(client, indicator, GOOD)
    assert response.status_code == 302
    after = list(indicator.values.values_list("pk", "period", "value", "story", "entered_at"))
    assert after == before
    assert CoreTaskChange.objects.filter(core_task=indicator.core_task).count() == 1


def test_a_period_in_the_file_updates_its_value_and_others_are_kept(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    add_value(indicator, date(2020, 12, 31), "58", "Før")
    add_value(indicator, date(2021, 12, 31), "60", "Gammel historie")
    upload(client_for(owner), indicator, "period,value\n2021,62\n")
    values = {value.period: (value.value, value.story) for value in indicator.values.all()}
    # Without a story column the story already written is kept.
    assert values == {
        date(2020, 12, 31): (Decimal("58"), "Før"),
        date(2021, 12, 31): (Decimal("62"), "Gammel historie"),
    }


def test_errors_are_listed_with_line_numbers_and_nothing_is_applied(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    future = (date.today() + timedelta(days=400)).isoformat()
    text = (
        "Period;Value;Story\n"  # headers in any case
        "2021;61;fint\n"
        "2022;mange;\n"  # line 3: not a number
        "2022-13-40;5;\n"  # line 4: no such date
        f"{future};5;\n"  # line 5: not over yet
        "2021;62;\n"  # line 6: the same period twice
        ";7;\n"  # line 7: no period
    )
    response = upload(client_for(owner), indicator, text)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [error.line for error in errors] == [3, 4, 5, 6, 7]
    assert all(error.file == "vaerdier.csv" for error in errors)
    assert "mange" in errors[0].message
    assert "line 2" in errors[3].message
    content = response.content.decode()
    assert '<td class="error-line">3</td>' in content
    assert not indicator.values.exists()
    assert not CoreTaskChange.objects.exists()


def test_a_missing_column_is_reported_on_the_header_line(indicator: EffectIndicator) -> None:
    parsed = parse_values_csv("period;story\n2021;x\n", file_name="v.csv")
    assert [error.line for error in parsed.errors] == [1]
    assert "value" in parsed.errors[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("period;value\n2023;12,5\n", Decimal("12.5")),
        ("period,value\n2023,12.5\n", Decimal("12.5")),
        ('period,value\n2023,"12,5"\n', Decimal("12.5")),
        ("period;value\n2023;1.234,5\n", Decimal("1234.5")),
    ],
)
def test_values_with_a_decimal_comma_or_point_are_accepted(
    client_for: Any, owner: User, indicator: EffectIndicator, text: str, expected: Decimal
) -> None:
    upload(client_for(owner), indicator, text)
    assert indicator.values.get().value == expected


def test_a_file_with_a_byte_order_mark_from_excel_is_read(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    upload(client_for(owner), indicator, "\ufeffperiod;value\n2024-Q1;3\n")
    assert indicator.values.get().period == date(2024, 3, 31)


def test_a_file_that_is_not_utf8_is_refused_next_to_the_field(
    client_for: Any, owner: User, indicator: EffectIndicator
) -> None:
    response = upload(
        client_for(owner), indicator, "period;value;story\n2023;1;Årsag\n", encoding="cp1252"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not indicator.values.exists()


def test_an_empty_file_is_an_error(indicator: EffectIndicator) -> None:
    assert parse_values_csv("period;value\n", file_name="v.csv").errors


@pytest.mark.parametrize("persona", ["politician", "leader", "employee"])
def test_others_cannot_import_values(
    client_for: Any, request: Any, persona: str, indicator: EffectIndicator
) -> None:
    user = request.getfixturevalue(persona)
    assert upload(client_for(user), indicator, GOOD).status_code == 403
    assert not indicator.values.exists()


def test_hr_may_open_the_import_page(client_for: Any, hr: User, indicator: EffectIndicator) -> None:
    url = reverse("kerneopgaver:indicator_import", args=[indicator.pk])
    assert client_for(hr).get(url).status_code == 200
