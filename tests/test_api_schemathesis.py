"""Schemathesis against the API's own OpenAPI schema, in process (no network): requests
generated from the schema, with and without a key, over a small municipality with the data of
each endpoint. No answer may be a server error, and every answer must be what the schema says
(status code, content type, body).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kerneopgaver.models import Contribution, CoreTask, EffectIndicator, IndicatorValue, Vision
from organisation import api_tokens
from organisation.models import RoleAssignment, User
from socialkapital.services.aggregation import aggregate_round
from styring.models import Instrument, Justification, SignalAggregation, SignalResult
from tests.factories import UserFactory, add_responses, assign, closed_round

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
TODAY = timezone.localdate()


@pytest.fixture
def dataset(org: SimpleNamespace, politician: User) -> SimpleNamespace:
    """A little of everything the API serves: vision versions, core tasks in each status with
    indicators and values, a results round with a suppressed unit, instruments with value
    signals shown and hidden."""
    Vision.objects.create(version=1, title="Sammen", narrative="Fortælling", adopted_on=TODAY)
    Vision.objects.create(version=2, title="Udkast", narrative="Kladde")
    adopted = CoreTask.objects.create(
        title="Trygge børn", purpose="Formål", desired_effect="Effekt",
        status=CoreTask.Status.ADOPTED, adopted_on=TODAY,
    )  # fmt: skip
    draft = CoreTask.objects.create(title="Kladde", purpose="F", desired_effect="E")
    adopted.depends_on.add(draft)
    Contribution.objects.create(core_task=adopted, unit=org.nord, how="Sådan")
    for task, target in ((adopted, 80), (draft, None)):
        indicator = EffectIndicator.objects.create(
            core_task=task, name=f"Trivsel {task.pk}", kind="population", data_source="Måling",
            baseline_value="60.125", baseline_period=datetime.date(2023, 12, 31),
            direction="up", target_value=target,
        )  # fmt: skip
        IndicatorValue.objects.create(
            indicator=indicator, period=datetime.date(2024, 12, 31), value="-12.5", story="S"
        )
    survey = closed_round(org.root, k=3)
    add_responses(survey, org.solsikken, 5, value=4)
    add_responses(survey, org.maelkeboetten, 2, value=0)
    add_responses(survey, org.group, 4, value=lambda i, item: 1 + (i + len(item.code)) % 5)
    aggregate_round(round_id=survey.pk)
    shown = Instrument.objects.create(
        title="Dokumentation", kind="documentation", origin="law", mandatory=True,
        legal_basis="Serviceloven § 83", owner_unit=org.root, minutes_per_month=20,
        status=Instrument.Status.ACTIVE, review_on=TODAY,
    )  # fmt: skip
    shown.applies_to.add(org.root)
    Justification.objects.create(instrument=shown, core_task=adopted, how="Sådan")
    hidden = Instrument.objects.create(
        title="Skema", kind="process", origin="local", owner_unit=org.east,
        status=Instrument.Status.UNDER_REVIEW,
    )  # fmt: skip
    hidden.applies_to.add(org.east)
    SignalAggregation.objects.create(
        period="2025-Q1", k=5, signals=9, fingerprint="x", computed_at=timezone.now()
    )
    SignalResult.objects.create(
        period="2025-Q1", instrument=shown, unit=org.root, cell="subtree", hidden=False, n=6,
        helps=[3, 1, 1, 1], uses=[6, 0, 0, 0], duplicate=[1, 5, 0],
    )  # fmt: skip
    SignalResult.objects.create(
        period="2025-Q1", instrument=hidden, unit=org.root, cell="subtree", hidden=True
    )
    hr = UserFactory(username="hr-api")
    assign(hr, RoleAssignment.Role.HR)
    return SimpleNamespace(
        hr_key=api_tokens.api_token_create(user=hr, name="HR").secret,
        politician_key=api_tokens.api_token_create(user=politician, name="Pol").secret,
        # The id of an object each path with an {id} serves, so that the generated query
        # parameters meet real data too (a generated id is almost never one).
        ids={
            "/api/v1/core-tasks/{id}/": adopted.pk,
            "/api/v1/results/rounds/{id}/": survey.pk,
            "/api/v1/results/rounds/{id}/units/": survey.pk,
        },
    )


@pytest.fixture(autouse=True)
def in_process(dataset: SimpleNamespace, settings: object) -> Iterator[None]:
    # Generated requests come fast: no rate limit should stop them in this test.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "100000/minute", "token": "100000/minute"},
    }
    cache.clear()
    # The WSGI handler closes the database connection before and after each request, which
    # would end the test's transaction; Django's own test client does the same as this.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


# The schema as the application serves it at /api/schema/ (read once, when the tests are
# collected; it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def call_and_validate(case: object, dataset: SimpleNamespace, key: str | None = None) -> None:
    """The generated request, and for a path with an {id} the same request for an object
    that exists."""
    headers = {"Authorization": f"Bearer {key}"} if key else None
    case.call_and_validate(headers=headers, checks=CHECKS)
    if case.path in dataset.ids:
        case.path_parameters["id"] = dataset.ids[case.path]
        case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_every_endpoint_answers_a_visitor_as_its_schema_says(
    case: object, dataset: SimpleNamespace
) -> None:
    call_and_validate(case, dataset)


@schema.parametrize()
@SETTINGS
def test_every_endpoint_answers_an_hr_key_as_its_schema_says(
    case: object, dataset: SimpleNamespace
) -> None:
    call_and_validate(case, dataset, dataset.hr_key)


@schema.parametrize()
@SETTINGS
def test_every_endpoint_answers_a_politicians_key_as_its_schema_says(
    case: object, dataset: SimpleNamespace
) -> None:
    call_and_validate(case, dataset, dataset.politician_key)
