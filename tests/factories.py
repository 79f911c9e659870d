"""factory_boy factories for the organisation. Units are built through treebeard so that paths
are right; use `unit(parent=...)` rather than the factory's create for tree nodes."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from organisation.models import MedCommittee, MedMembership, OrgUnit, RoleAssignment, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    name = factory.Faker("name", locale="da_DK")
    email = factory.LazyAttribute(lambda person: f"{person.username}@kommune.example")
    password = factory.django.Password("demo")


def unit(
    name: str,
    *,
    parent: OrgUnit | None = None,
    kind: str = OrgUnit.Kind.WORKPLACE,
    external_id: str | None = None,
) -> OrgUnit:
    """Add a unit to the tree (as a root when no parent)."""
    fields = {"name": name, "kind": kind, "external_id": external_id}
    if parent is None:
        return OrgUnit.objects.add_root(fields)
    parent.refresh_from_db()  # treebeard needs the parent's current numchild
    return OrgUnit.objects.add_child(parent, fields)


def assign(user: User, role: str, unit: OrgUnit | None = None) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, unit=unit)


class MedCommitteeFactory(DjangoModelFactory):
    class Meta:
        model = MedCommittee

    name = factory.Sequence(lambda n: f"MED-udvalg {n}")
    level = MedCommittee.Level.LOCAL


def add_med_member(
    committee: MedCommittee, user: User, role: str = "employee_rep"
) -> MedMembership:
    return MedMembership.objects.create(committee=committee, user=user, role=role)


# --- Survey results ---------------------------------------------------------------------------


def closed_round(
    scope: OrgUnit,
    *,
    k: int = 3,
    name: str = "Social kapital efterår",
    closes_days_ago: int = 10,
    questionnaire: object | None = None,
) -> object:
    """A closed round of the default questionnaire over `scope`, without responses yet."""
    from datetime import timedelta

    from django.utils import timezone

    from socialkapital.models import Questionnaire, SurveyRound

    closes_at = timezone.now() - timedelta(days=closes_days_ago)
    return SurveyRound.objects.create(
        name=name,
        questionnaire=questionnaire or Questionnaire.objects.order_by("pk").first(),
        scope=scope,
        opens_at=closes_at - timedelta(days=21),
        closes_at=closes_at,
        opened_at=closes_at - timedelta(days=21),
        closed_at=closes_at,
        min_group_size=k,
        min_group_size_agreed_by="Hoved-MED",
        status=SurveyRound.Status.CLOSED,
    )


def add_responses(survey_round: object, unit: OrgUnit, count: int, value: object = 4) -> None:
    """`count` responses at `unit`, answering every item of the round's questionnaire with
    `value` (an int 0..5, or a function (respondent index, item) → int)."""
    import uuid

    from socialkapital.models import Answer, Response

    items = [entry.item for entry in survey_round.questionnaire.entries.select_related("item")]
    responses = [Response(id=uuid.uuid4(), round=survey_round, unit=unit) for _ in range(count)]
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(
        Answer(
            response_id=response.pk,
            round_id=survey_round.pk,
            unit_id=unit.pk,
            item=item,
            value=value(index, item) if callable(value) else value,
        )
        for index, response in enumerate(responses)
        for item in items
    )
