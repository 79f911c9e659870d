"""Fifty simultaneous submits with one token (or one code) store exactly one response: the
compare-and-set UPDATE lets one transaction consume it (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from socialkapital import services
from socialkapital.models import AccessCode, Answer, Invitation, Response
from tests.conftest import need_service
from tests.test_answering import access_code, full_answers, invite, make_round, state_for

THREADS = 50

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        need_service("concurrent submits need PostgreSQL (set DATABASE_URL=postgres://...)")


def submit_at_once(state: dict[str, Any]) -> Counter[str]:
    """Submit the same state from THREADS threads released together; count the outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            services.submit_response(state=dict(state, answers=dict(state["answers"])))
            outcome = "stored"
        except services.AlreadyAnswered:
            outcome = "already answered"
        except Exception as error:  # any other outcome is the bug this test looks for
            outcome = f"error: {type(error).__name__}: {error}"
        finally:
            # Each thread has its own connection; close it so the test database can be dropped.
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_fifty_threads_with_one_token_store_exactly_one_response(org: SimpleNamespace) -> None:
    survey_round = make_round(org.nord)
    invitation, token = invite(survey_round, org.solsikken)
    entry = services.start_with_token(token=token, client_address="127.0.0.1")
    outcomes = submit_at_once(state_for(entry, full_answers(survey_round)))
    assert outcomes == {"stored": 1, "already answered": THREADS - 1}
    assert Response.objects.count() == 1
    assert Answer.objects.count() == len(full_answers(survey_round))
    assert Invitation.objects.filter(pk=invitation.pk, answered_on__isnull=False).count() == 1


def test_fifty_threads_with_one_code_store_exactly_one_response(org: SimpleNamespace) -> None:
    survey_round = make_round(org.nord)
    code_row, code = access_code(survey_round, org.maelkeboetten)
    entry = services.start_with_access_code(code=code, client_address="127.0.0.1")
    outcomes = submit_at_once(state_for(entry, full_answers(survey_round)))
    assert outcomes == {"stored": 1, "already answered": THREADS - 1}
    assert Response.objects.count() == 1
    assert AccessCode.objects.get(pk=code_row.pk).used
