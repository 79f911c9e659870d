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
