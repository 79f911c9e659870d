"""The default questionnaire, the scale, versioning and composing from the item bank."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from socialkapital import services
from socialkapital.models import (
    Answer,
    Dimension,
    Item,
    Questionnaire,
    Response,
    SurveyRound,
)
from socialkapital.questionnaire import DIMENSION_ORDER, SCALE

DEFAULT_NAME = "Social kapital – standard"


@pytest.fixture(autouse=True)
def _default_questionnaire(db: None) -> None:
    """The data migration's default questionnaire. A transactional test elsewhere in the suite
    flushes the database, migration data included, so it is put back (idempotently)."""
    migration = importlib.import_module("socialkapital.migrations.0002_default_questionnaire")
    migration.add_default_questionnaire(django_apps, None)


def default_questionnaire() -> Questionnaire:
    return Questionnaire.objects.get(name=DEFAULT_NAME, version=1)


def make_round(scope, questionnaire=None, status=SurveyRound.Status.DRAFT) -> SurveyRound:
    now = timezone.now()
    return SurveyRound.objects.create(
        name="Forår",
        questionnaire=questionnaire or default_questionnaire(),
        scope=scope,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=14),
        min_group_size_agreed_by="Hoved-MED",
        status=status,
    )


def answer(survey_round: SurveyRound, item: Item, value: int = 4) -> None:
    response = Response.objects.create(round=survey_round, unit=survey_round.scope)
    Answer.objects.create(
        response=response, round=survey_round, unit=survey_round.scope, item=item, value=value
    )


# --- The default questionnaire and the scale ------------------------------------------------


@pytest.mark.django_db
def test_the_default_questionnaire_covers_all_seven_dimensions_in_both_languages() -> None:
    questionnaire = default_questionnaire()
    items = [entry.item for entry in questionnaire.entries.select_related("item")]
    assert 24 <= len(items) <= 28
    for dimension in Dimension.values:
        assert 3 <= sum(item.dimension == dimension for item in items) <= 4
    assert any(item.reverse_scored for item in items)
    assert all(item.text_da and item.text_en for item in items)
    assert "KO1" in {item.code for item in items}
    positions = list(questionnaire.entries.values_list("position", flat=True))
    assert sorted(positions) == list(range(1, len(items) + 1))


def test_the_scale_has_five_points_and_dont_know_in_one_place() -> None:
    assert [value for value, _label in SCALE] == [1, 2, 3, 4, 5, 0]
    assert str(SCALE[0][1]) in {"Strongly disagree", "Helt uenig"}
    assert set(DIMENSION_ORDER) == set(Dimension.values)


# --- Versioning -----------------------------------------------------------------------------


def test_an_answered_item_cannot_be_edited(org) -> None:
    item = Item.objects.get(code="VT1")
    answer(make_round(org.nord, status=SurveyRound.Status.OPEN), item)
    with pytest.raises(ValidationError):
        services.item_update(
            item=item,
            dimension=item.dimension,
            text_da="Noget andet",
            text_en="Something else",
            reverse_scored=False,
        )
    item.refresh_from_db()
    assert item.text_da != "Noget andet"


def test_an_item_nobody_answered_can_be_corrected(org) -> None:
    item = Item.objects.get(code="VT1")
    services.item_update(
        item=item, dimension=item.dimension, text_da="Rettet", text_en="Fixed", reverse_scored=True
    )
    item.refresh_from_db()
    assert (item.text_da, item.reverse_scored) == ("Rettet", True)


def test_a_version_used_by_a_round_cannot_change(org) -> None:
    questionnaire = default_questionnaire()
    make_round(org.nord, questionnaire, status=SurveyRound.Status.OPEN)
    with pytest.raises(ValidationError):
        services.questionnaire_set_items(
            questionnaire=questionnaire, items=[Item.objects.get(code="VT1")]
        )
    assert questionnaire.entries.count() >= 24


def test_a_version_only_used_by_a_draft_round_can_still_change(org) -> None:
    questionnaire = default_questionnaire()
    make_round(org.nord, questionnaire, status=SurveyRound.Status.DRAFT)
    services.questionnaire_set_items(
        questionnaire=questionnaire, items=[Item.objects.get(code="VT1")]
    )
    assert questionnaire.entries.count() == 1


def test_a_new_version_copies_the_items_to_the_next_version_number(org, hr) -> None:
    source = default_questionnaire()
    make_round(org.nord, source, status=SurveyRound.Status.CLOSED)
    copy = services.questionnaire_new_version(questionnaire=source, author=hr)
    assert (copy.name, copy.version) == (source.name, 2)
    assert list(copy.entries.values_list("item__code", "position")) == list(
        source.entries.values_list("item__code", "position")
    )
    again = services.questionnaire_new_version(questionnaire=source, author=hr)
    assert again.version == 3  # numbered after the highest version, not the source


# --- Pages ----------------------------------------------------------------------------------


def test_hr_composes_a_questionnaire_from_the_item_bank_in_the_chosen_order(hr, client_for) -> None:
    codes = {code: pk for pk, code in Item.objects.values_list("pk", "code")}
    response = client_for(hr).post(
        reverse("socialkapital:questionnaire_create"),
        {
            "name": "Kort måling",
            "items": [codes["VT1"], codes["KO1"], codes["HT2"]],
            f"position_{codes['KO1']}": "1",
        },
    )
    questionnaire = Questionnaire.objects.get(name="Kort måling")
    assert response.status_code == 302
    assert response["Location"] == reverse("socialkapital:questionnaire", args=[questionnaire.pk])
    # KO1 was numbered first; the rest follow in the order of the dimensions.
    assert list(questionnaire.entries.values_list("item__code", flat=True)) == ["KO1", "VT1", "HT2"]
    assert questionnaire.version == 1
    assert questionnaire.created_by == hr


def test_composing_with_a_new_item_adds_it_to_the_bank_and_the_questionnaire(
    hr, client_for
) -> None:
    vt1 = Item.objects.get(code="VT1").pk
    client_for(hr).post(
        reverse("socialkapital:questionnaire_create"),
        {
            "name": "Med nyt spørgsmål",
            "items": [vt1],
            "new_code": "KO9",
            "new_dimension": Dimension.CORE_TASK,
            "new_text_da": "Vi ved, hvem vi er her for.",
            "new_text_en": "We know whom we are here for.",
        },
    )
    questionnaire = Questionnaire.objects.get(name="Med nyt spørgsmål")
    assert list(questionnaire.entries.values_list("item__code", flat=True)) == ["VT1", "KO9"]


def test_a_refused_questionnaire_stores_nothing(hr, client_for) -> None:
    client = client_for(hr)
    client.cookies["django_language"] = "en"
    items_before = Item.objects.count()
    response = client.post(
        reverse("socialkapital:questionnaire_create"),
        {
            "name": "Halvt gemt",
            "items": [Item.objects.get(code="HT1").pk],
            "new_code": "vt1",  # the code of an existing item
            "new_dimension": Dimension.CORE_TASK,
            "new_text_da": "Tekst",
            "new_text_en": "Text",
        },
    )
    assert response.status_code == 200
    assert "new_code" in response.context["form"].errors
    assert Item.objects.count() == items_before
    assert not Questionnaire.objects.filter(name="Halvt gemt").exists()
    # The same name as an existing questionnaire is refused next to the field.
    response = client.post(
        reverse("socialkapital:questionnaire_create"),
        {"name": DEFAULT_NAME, "items": [Item.objects.first().pk]},
    )
    assert "name" in response.context["form"].errors


def test_a_new_item_missing_its_english_text_is_refused_next_to_the_field(hr, client_for) -> None:
    response = client_for(hr).post(
        reverse("socialkapital:questionnaire_create"),
        {
            "name": "Mangler engelsk",
            "items": [Item.objects.first().pk],
            "new_code": "KO7",
            "new_dimension": Dimension.CORE_TASK,
            "new_text_da": "Tekst",
        },
    )
    assert "new_text_en" in response.context["form"].errors
    assert not Item.objects.filter(code="KO7").exists()


def test_hr_makes_a_new_version_with_an_item_removed(org, hr, client_for) -> None:
    source = default_questionnaire()
    make_round(org.nord, source, status=SurveyRound.Status.CLOSED)
    client = client_for(hr)
    page = client.get(reverse("socialkapital:questionnaire_new_version", args=[source.pk]))
    assert page.status_code == 200
    kept = [pk for pk, code in source.entries.values_list("item_id", "item__code") if code != "KO4"]
    response = client.post(
        reverse("socialkapital:questionnaire_new_version", args=[source.pk]), {"items": kept}
    )
    copy = Questionnaire.objects.get(name=DEFAULT_NAME, version=2)
    assert response.status_code == 302
    assert copy.entries.count() == source.entries.count() - 1
    assert not copy.entries.filter(item__code="KO4").exists()
    assert source.entries.filter(item__code="KO4").exists()


@pytest.mark.parametrize("persona", ["leader", "employee", "med_member"])
def test_only_hr_composes_questionnaires(persona, request, client_for) -> None:
    user = request.getfixturevalue(persona)
    client = client_for(user)
    source = default_questionnaire()
    assert client.get(reverse("socialkapital:questionnaire_create")).status_code == 403
    assert client.post(reverse("socialkapital:questionnaire_create"), {}).status_code == 403
    url = reverse("socialkapital:questionnaire_new_version", args=[source.pk])
    assert client.get(url).status_code == 403
    assert Questionnaire.objects.count() == 1


def test_hr_sees_the_compose_page_grouped_by_dimension(hr, client_for) -> None:
    response = client_for(hr).get(reverse("socialkapital:questionnaire_create"))
    assert response.status_code == 200
    groups = response.context["form"].groups()
    assert len(groups) == 7


def test_a_leader_reads_the_questionnaire_in_danish_and_english(leader, client_for) -> None:
    questionnaire = default_questionnaire()
    client = client_for(leader)
    assert client.get(reverse("socialkapital:questionnaires")).status_code == 200
    response = client.get(reverse("socialkapital:questionnaire", args=[questionnaire.pk]))
    assert response.status_code == 200
    ko1 = Item.objects.get(code="KO1")
    assert ko1.text_da in response.content.decode()
    assert ko1.text_en in response.content.decode()
    assert [len(rows) for _label, rows in response.context["groups"]] == [4, 4, 4, 4, 3, 3, 4]


def test_an_employee_does_not_browse_questionnaires(employee, client_for) -> None:
    client = client_for(employee)
    assert client.get(reverse("socialkapital:questionnaires")).status_code == 403
    questionnaire = default_questionnaire()
    url = reverse("socialkapital:questionnaire", args=[questionnaire.pk])
    assert client.get(url).status_code == 403


def test_the_admin_shows_an_answered_item_read_only(org, hr, client_for) -> None:
    item = Item.objects.get(code="HT1")
    answer(make_round(org.nord, status=SurveyRound.Status.OPEN), item)
    hr.is_superuser = True
    hr.save(update_fields=["is_superuser"])
    client = client_for(hr)
    response = client.get(reverse("admin:socialkapital_item_change", args=[item.pk]))
    assert response.status_code == 200
    assert "text_da" in response.context["adminform"].readonly_fields
    assert client.get("/admin/socialkapital/response/").status_code == 404
    assert client.get("/admin/socialkapital/answer/").status_code == 404
