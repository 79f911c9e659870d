"""Shared fixtures: a small municipality and one persona per role.

Testkommune (municipality)
├── Børn og Unge (directorate)
│   └── Dagtilbud Nord (area)          ← led by `leader`; covered by `med_member`'s committee
│       ├── Børnehuset Solsikken       ← `employee` works here
│       └── Vuggestuen Mælkebøtten
└── Sundhed og Omsorg (directorate)
    └── Hjemmeplejen Øst (area)        ← led by `other_leader`
        └── Gruppe 1
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.test import Client

from organisation.models import MedCommittee, OrgUnit, RoleAssignment, User
from tests.factories import MedCommitteeFactory, UserFactory, add_med_member, assign, unit


@pytest.fixture
def org(db: None) -> SimpleNamespace:
    root = unit("Testkommune", kind=OrgUnit.Kind.MUNICIPALITY, external_id="K")
    children = unit("Børn og Unge", parent=root, kind=OrgUnit.Kind.DIRECTORATE, external_id="BU")
    nord = unit("Dagtilbud Nord", parent=children, kind=OrgUnit.Kind.AREA, external_id="DN")
    solsikken = unit("Børnehuset Solsikken", parent=nord, external_id="SOL")
    maelkeboetten = unit("Vuggestuen Mælkebøtten", parent=nord, external_id="MAE")
    health = unit("Sundhed og Omsorg", parent=root, kind=OrgUnit.Kind.DIRECTORATE, external_id="SO")
    east = unit("Hjemmeplejen Øst", parent=health, kind=OrgUnit.Kind.AREA, external_id="HO")
    group = unit("Gruppe 1", parent=east, external_id="G1")
    for node in (root, children, nord, solsikken, maelkeboetten, health, east, group):
        node.refresh_from_db()
    return SimpleNamespace(
        root=root,
        children=children,
        nord=nord,
        solsikken=solsikken,
        maelkeboetten=maelkeboetten,
        health=health,
        east=east,
        group=group,
    )


@pytest.fixture
def employee(org: SimpleNamespace) -> User:
    return UserFactory(username="medarbejder", name="Mette Medarbejder", home_unit=org.solsikken)


@pytest.fixture
def leader(org: SimpleNamespace) -> User:
    person = UserFactory(username="leder", name="Lars Leder", home_unit=org.nord)
    assign(person, RoleAssignment.Role.LEADER, org.nord)
    return person


@pytest.fixture
def other_leader(org: SimpleNamespace) -> User:
    person = UserFactory(username="anden_leder", name="Anna Anden", home_unit=org.east)
    assign(person, RoleAssignment.Role.LEADER, org.east)
    return person


@pytest.fixture
def area_committee(org: SimpleNamespace) -> MedCommittee:
    committee = MedCommitteeFactory(name="Område-MED Dagtilbud", level=MedCommittee.Level.AREA)
    committee.covers.add(org.nord)
    return committee


@pytest.fixture
def med_member(org: SimpleNamespace, area_committee: MedCommittee) -> User:
    person = UserFactory(username="med", name="Mads MED", home_unit=org.maelkeboetten)
    add_med_member(area_committee, person, "employee_rep")
    return person


@pytest.fixture
def politician(org: SimpleNamespace) -> User:
    person = UserFactory(username="politiker", name="Pia Politiker")
    assign(person, RoleAssignment.Role.POLITICIAN)
    return person


@pytest.fixture
def hr(org: SimpleNamespace) -> User:
    person = UserFactory(username="hr", name="Hanne HR", home_unit=org.root, is_staff=True)
    assign(person, RoleAssignment.Role.HR)
    return person


@pytest.fixture
def client_for(client: Client):
    """`client_for(user)`: a test client signed in as that user."""

    def sign_in(user: User | None) -> Client:
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Real hashing costs a third of a second per user; tests need no brute-force protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


BROWSER_SKIP = "Chromium is not installed"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Say plainly, at the end of `make test`, when the browser tests did not run."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if BROWSER_SKIP in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_sep("=", "browser tests did not run", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} browser tests were skipped: Chromium is not installed. "
            "Install it with `sudo apt-get install chromium chromium-driver` (Debian/Ubuntu) "
            'and run `make test` again; see README.md, "Quick start".'
        )


def need_service(reason: str) -> None:
    """Skip with a plain reason where a service (PostgreSQL, Redis, a worker, Chromium) is absent,
    or fail when the run promised that every service is there (CI sets REQUIRE_SERVICES=1)."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fresh_versions() -> None:
    """Users, scopes and rounds are kept per process under versions in the cache; a test's
    rolled-back transaction changes the data behind them without a signal, so each test starts
    with new versions and nothing kept."""
    from organisation import versions

    versions.reset()


@pytest.fixture(autouse=True)
def fresh_questionnaire_cache() -> None:
    """Answering keeps each questionnaire version's items per process (they never change in
    production); test databases reuse ids after a rollback, so each test starts without it."""
    from socialkapital.services.answering import _questionnaire_item_ids

    _questionnaire_item_ids.cache_clear()


@pytest.fixture(autouse=True)
def default_questionnaire(request: pytest.FixtureRequest, django_db_blocker: object) -> None:
    """The default questionnaire comes from a data migration. A transactional test flushes the
    database when it ends, migration data included, so every database test gets it back
    (idempotently: one query when it is there)."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_db:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("django_db_setup")
    migration = importlib.import_module("socialkapital.migrations.0002_default_questionnaire")
    with django_db_blocker.unblock():
        migration.add_default_questionnaire(apps, None)


@pytest.fixture(autouse=True)
def eager_celery(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in process in every test, also when REDIS_URL points Celery at a real broker,
    so a test sees a task's effect at once. Tests marked `celery_worker` drive a real worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
