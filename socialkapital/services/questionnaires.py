"""Writes for the item bank and questionnaires.

Two rules keep old answers meaningful (DESIGN.md, issue 4): an item that has been answered is
never edited, and a questionnaire version that a round has used (any round past draft) is never
changed. A change is a new item, or a new version of the questionnaire made by copying it.
A refused action raises `ValidationError` with a message for the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organisation.models import User
from socialkapital.models import Answer, Item, Questionnaire, QuestionnaireItem, SurveyRound

__all__ = [
    "item_create",
    "item_is_answered",
    "item_update",
    "questionnaire_create",
    "questionnaire_is_used",
    "questionnaire_new_version",
    "questionnaire_set_items",
]


def item_is_answered(item: Item) -> bool:
    return Answer.objects.filter(item=item).exists()


def questionnaire_is_used(questionnaire: Questionnaire) -> bool:
    """A version is used once any round with it has left draft: people may have answered it."""
    return (
        SurveyRound.objects.filter(questionnaire=questionnaire)
        .exclude(status=SurveyRound.Status.DRAFT)
        .exists()
    )


def _clean_texts(code: str, text_da: str, text_en: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not code.strip():
        errors["code"] = [_("Give the item a short code, such as KO5.")]
    if not text_da.strip():
        errors["text_da"] = [_("Write the statement in Danish.")]
    if not text_en.strip():
        errors["text_en"] = [_("Write the statement in English.")]
    return errors


@transaction.atomic
def item_create(
    *, code: str, dimension: str, text_da: str, text_en: str, reverse_scored: bool = False
) -> Item:
    """A new statement in the item bank."""
    errors = _clean_texts(code, text_da, text_en)
    if Item.objects.filter(code__iexact=code.strip()).exists():
        errors.setdefault("code", []).append(
            _("An item with the code %(code)s already exists.") % {"code": code.strip()}
        )
    if errors:
        raise ValidationError(errors)
    return Item.objects.create(
        code=code.strip(),
        dimension=dimension,
        text_da=text_da.strip(),
        text_en=text_en.strip(),
        reverse_scored=reverse_scored,
    )


@transaction.atomic
def item_update(
    *, item: Item, dimension: str, text_da: str, text_en: str, reverse_scored: bool
) -> Item:
    """Correct an item that nobody has answered yet; an answered item is refused."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item_is_answered(item):
        raise ValidationError(
            _(
                "This item has been answered, so it can no longer be changed. Add a new item "
                "and make a new version of the questionnaire instead."
            )
        )
    errors = _clean_texts(item.code, text_da, text_en)
    if errors:
        raise ValidationError(errors)
    item.dimension = dimension
    item.text_da = text_da.strip()
    item.text_en = text_en.strip()
    item.reverse_scored = reverse_scored
    item.save(update_fields=["dimension", "text_da", "text_en", "reverse_scored"])
    return item


def _check_items(items: Sequence[Item]) -> None:
    if not items:
        raise ValidationError({"items": [_("Choose at least one item.")]})
    if len({item.pk for item in items}) != len(items):
        raise ValidationError({"items": [_("An item can appear only once in a questionnaire.")]})


def _with_new_items(items: Sequence[Item], new_items: Sequence[Mapping[str, Any]]) -> list[Item]:
    """The chosen items followed by new items added to the bank in the same transaction, so a
    refused questionnaire leaves no stray item behind."""
    return [*items, *(item_create(**values) for values in new_items)]


def _write_entries(questionnaire: Questionnaire, items: Sequence[Item]) -> None:
    QuestionnaireItem.objects.bulk_create(
        QuestionnaireItem(questionnaire=questionnaire, item=item, position=position)
        for position, item in enumerate(items, start=1)
    )


@transaction.atomic
def questionnaire_create(
    *,
    author: User,
    name: str,
    description: str = "",
    items: Sequence[Item],
    new_items: Sequence[Mapping[str, Any]] = (),
) -> Questionnaire:
    """Compose a new questionnaire (version 1) from the item bank, `items` in the order shown,
    then any `new_items` (item_create's arguments) added to the bank."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the questionnaire a name.")]
    elif Questionnaire.objects.filter(name__iexact=name).exists():
        errors["name"] = [
            _(
                "A questionnaire with this name already exists. Choose another name, or make "
                "a new version of the existing one."
            )
        ]
    if errors:
        raise ValidationError(errors)
    items = _with_new_items(items, new_items)
    _check_items(items)
    questionnaire = Questionnaire.objects.create(
        name=name, version=1, description=description.strip(), created_by=author
    )
    _write_entries(questionnaire, items)
    return questionnaire


@transaction.atomic
def questionnaire_set_items(
    *, questionnaire: Questionnaire, items: Sequence[Item]
) -> Questionnaire:
    """Replace the items of a version that no round has used yet."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire_is_used(questionnaire):
        raise ValidationError(
            _("This version has been used in a survey round and can no longer be changed.")
        )
    _check_items(items)
    questionnaire.entries.all().delete()
    _write_entries(questionnaire, items)
    return questionnaire


@transaction.atomic
def questionnaire_new_version(
    *,
    questionnaire: Questionnaire,
    author: User,
    items: Sequence[Item] | None = None,
    new_items: Sequence[Mapping[str, Any]] = (),
    description: str | None = None,
) -> Questionnaire:
    """Copy a version to the next free version number under the same name; with `items`, the
    new version holds those (added, removed or reordered) instead of a plain copy."""
    if items is None:
        items = [entry.item for entry in questionnaire.entries.select_related("item")]
    items = _with_new_items(items, new_items)
    _check_items(items)
    # Lock the versions of this name so that two editors do not take the same number (the
    # unique constraint on name and version is the last line of defence).
    # (PostgreSQL refuses FOR UPDATE with an aggregate, so the few versions are read as rows.)
    versions = (
        Questionnaire.objects.select_for_update()
        .filter(name=questionnaire.name)
        .values_list("version", flat=True)
    )
    highest = max([questionnaire.version, *versions])
    copy = Questionnaire.objects.create(
        name=questionnaire.name,
        version=highest + 1,
        description=questionnaire.description if description is None else description.strip(),
        created_by=author,
    )
    _write_entries(copy, items)
    return copy
