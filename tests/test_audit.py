"""The audit log: administrative changes and denied access are recorded, in the same transaction
as the change, without anything that could break the anonymity of answers; HR reads them on
/organisation/revision/ and (read-only) in the Django admin."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kerneopgaver.models import CoreTask, Vision
from kerneopgaver.services import core_tasks
from organisation import audit
from organisation.models import AuditEvent, RoleAssignment, User
from socialkapital.models import Questionnaire, SurveyRound
from styring.models import Decision, Instrument
from styring.services.decisions import decision_record
from styring.services.instruments import instrument_move
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AUDIT_URL = "/organisation/revision/"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Denied requests are deduplicated through the cache; each test starts without marks."""
    cache.clear()


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def event(action: str, *, actor: User | None = None, minutes_ago: int = 0, **fields) -> AuditEvent:
    return AuditEvent.objects.create(
        when=timezone.now() - timedelta(minutes=minutes_ago),
        actor=actor,
        actor_name=actor.get_full_name() if actor else "",
        action=action,
        **fields,
    )


# --- Who reads the log ---------------------------------------------------------------------


def test_hr_reads_the_audit_log_newest_first(client_for, hr: User, leader: User) -> None:
    event("round.closed", actor=hr, minutes_ago=10, target="socialkapital.surveyround:1")
    event("access.denied", actor=leader, minutes_ago=1, target="/organisation/import/")
    response = english(client_for(hr)).get(AUDIT_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Access denied" in page
    assert "Survey round closed" in page
    assert page.index("/organisation/import/") < page.index("socialkapital.surveyround:1")


@pytest.mark.parametrize("persona", ["employee", "leader", "med_member", "politician"])
def test_nobody_but_hr_reads_the_audit_log(client_for, request, persona: str) -> None:
    person = request.getfixturevalue(persona)
    assert client_for(person).get(AUDIT_URL).status_code == 403


def test_a_visitor_is_sent_to_sign_in_before_the_audit_log(client: Client, org) -> None:
    response = client.get(AUDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_audit_log_filters_by_action_person_and_dates(
    client_for, hr: User, leader: User, other_leader: User
) -> None:
    event("round.closed", actor=leader, target="round-of-lars")
    event("round.opened", actor=leader, target="opened-by-lars")
    event("round.closed", actor=other_leader, target="round-of-anna")
    event("round.closed", actor=leader, minutes_ago=60 * 24 * 10, target="old-round-of-lars")
    client = english(client_for(hr))
    today = timezone.localdate()

    page = client.get(
        AUDIT_URL, {"action": "round.closed", "actor": "Lars", "since": today.isoformat()}
    ).content.decode()
    assert "round-of-lars" in page
    assert "opened-by-lars" not in page
    assert "round-of-anna" not in page
    assert "old-round-of-lars" not in page

    older = (today - timedelta(days=5)).isoformat()
    page = client.get(AUDIT_URL, {"until": older}).content.decode()
    assert "old-round-of-lars" in page
    assert "round-of-anna" not in page


def test_a_bad_filter_value_is_ignored_rather_than_an_error(client_for, hr: User) -> None:
    event("round.closed", actor=hr, target="still-listed")
    response = client_for(hr).get(AUDIT_URL, {"since": "not a date", "action": "\x00"})
    assert response.status_code == 200
    assert "still-listed" in response.content.decode()


def test_the_audit_log_is_paginated_fifty_to_a_page(client_for, hr: User) -> None:
    for number in range(51):
        event("round.closed", actor=hr, minutes_ago=number, target=f"round-{number:02d}")
    client = english(client_for(hr))
    first = client.get(AUDIT_URL).content.decode()
    assert "round-00" in first
    assert "round-50" not in first
    assert "Page 1 of 2" in first
    second = client.get(AUDIT_URL, {"page": 2}).content.decode()
    assert "round-50" in second
    assert "round-00" not in second


def test_an_htmx_filter_request_gets_only_the_results_region(client_for, hr: User) -> None:
    event("round.closed", actor=hr, target="in-the-fragment")
    response = client_for(hr).get(AUDIT_URL, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'id="results"' in page
    assert "in-the-fragment" in page
    assert "<html" not in page


def test_the_actor_name_is_kept_when_the_user_is_deleted(client_for, hr: User) -> None:
    gone = UserFactory(username="gone", name="Gustav Gået")
    event("round.closed", actor=gone, target="x")
    gone.delete()
    kept = AuditEvent.objects.get(target="x")
    assert kept.actor is None
    assert kept.actor_name == "Gustav Gået"
    assert "Gustav Gået" in client_for(hr).get(AUDIT_URL).content.decode()


# --- Denied access -------------------------------------------------------------------------


def test_a_leader_refused_an_hr_page_is_recorded_with_path_method_and_address(
    client_for, leader: User
) -> None:
    response = client_for(leader).get("/organisation/import/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    denied = AuditEvent.objects.get(action=audit.DENIED)
    assert denied.actor == leader
    assert denied.actor_name == leader.get_full_name()
    assert denied.target == "/organisation/import/"
    assert denied.details == {"method": "GET"}
    assert denied.ip_address == "10.1.2.3"


def test_a_visitor_refused_by_the_csrf_check_is_recorded_without_a_person(org) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "x"}).status_code == 403
    denied = AuditEvent.objects.get(action=audit.DENIED)
    assert denied.actor is None
    assert denied.details == {"method": "POST"}
    assert denied.target == "/accounts/login/"


def test_a_page_that_is_allowed_or_missing_is_not_recorded(client_for, hr: User) -> None:
    client = client_for(hr)
    assert client.get("/organisation/import/").status_code == 200
    assert client.get("/organisation/enheder/999999/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action=audit.DENIED).exists()


def test_the_same_refusal_repeated_within_a_minute_is_recorded_once(
    client_for, leader: User
) -> None:
    client = client_for(leader)
    for _ in range(3):
        assert client.get("/organisation/import/").status_code == 403
    assert client.get("/kerneopgaver/ny/").status_code == 403
    targets = list(AuditEvent.objects.values_list("target", flat=True).order_by("pk"))
    assert targets == ["/organisation/import/", "/kerneopgaver/ny/"]


def test_a_refusal_on_an_answering_page_names_neither_person_nor_address_nor_token(
    client_for, employee: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    token = "secret-token-" + "z" * 30
    response = client.post(f"/socialkapital/svar/{token}/", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 403
    denied = AuditEvent.objects.get(action=audit.DENIED)
    assert denied.actor is None
    assert denied.actor_name == ""
    assert denied.ip_address is None
    assert token not in denied.target
    assert denied.target == "/socialkapital/svar/[skjult]/"


def test_an_audit_record_refuses_to_name_an_answer_or_a_value_signal(org) -> None:
    with pytest.raises(ValueError, match="anonymity"):
        audit.record(actor=None, action="x", target="socialkapital.response:1")
    with pytest.raises(ValueError, match="anonymity"):
        audit.record(actor=None, action="x", target="styring.valuesignal:1")
    with pytest.raises(ValueError, match="anonymity"):
        audit.record(actor=None, action="x", details={"answers": [1, 2]})
    assert not AuditEvent.objects.exists()


def test_the_address_is_kept_only_for_denied_access(org, rf) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.7")
    changed = audit.record(actor=None, action="round.closed", request=request)
    denied = audit.record(actor=None, action=audit.DENIED, request=request)
    assert changed.ip_address is None
    assert denied.ip_address == "10.0.0.7"


# --- Administrative changes ----------------------------------------------------------------


@pytest.fixture
def draft_round(org: SimpleNamespace, employee: User) -> SurveyRound:
    now = timezone.now()
    return SurveyRound.objects.create(
        name="Efterår",
        questionnaire=Questionnaire.objects.order_by("pk").first(),
        scope=org.nord,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=14),
        min_group_size=5,
        min_group_size_agreed_by="Hoved-MED 3. marts",
    )


def test_opening_a_round_records_who_opened_it_and_the_agreed_k(
    client_for, hr: User, draft_round: SurveyRound
) -> None:
    response = client_for(hr).post(
        f"/socialkapital/runder/{draft_round.pk}/status/", {"action": "open"}
    )
    assert response.status_code == 302
    opened = AuditEvent.objects.get(action="round.opened")
    assert opened.actor == hr
    assert opened.target == f"socialkapital.surveyround:{draft_round.pk}"
    assert opened.details == {"k": 5, "k_agreed_by": "Hoved-MED 3. marts"}


def test_a_refused_round_move_leaves_no_audit_row(client_for, hr: User, draft_round) -> None:
    response = client_for(hr).post(
        f"/socialkapital/runder/{draft_round.pk}/status/", {"action": "close"}
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="round.").exists()


def test_an_audit_row_rolls_back_with_the_change_it_describes(hr: User, draft_round) -> None:
    from socialkapital.services import round_open

    class LaterStepFailed(Exception):
        pass

    def open_then_fail() -> None:
        with transaction.atomic():
            round_open(survey_round=draft_round)
            assert AuditEvent.objects.filter(action="round.opened").exists()
            raise LaterStepFailed

    with pytest.raises(LaterStepFailed):
        open_then_fail()
    draft_round.refresh_from_db()
    assert draft_round.status == SurveyRound.Status.DRAFT
    assert not AuditEvent.objects.exists()


def test_a_round_closed_by_the_scheduler_is_recorded_without_a_person(draft_round) -> None:
    from socialkapital.services import round_close, round_open

    round_open(survey_round=draft_round)
    round_close(survey_round=draft_round)
    closed = AuditEvent.objects.get(action="round.closed")
    assert closed.actor is None
    assert closed.actor_name == ""


def test_a_core_task_status_move_and_a_vision_adoption_are_recorded(hr: User) -> None:
    task = CoreTask.objects.create(title="Trygge børn", purpose="F", desired_effect="E")
    core_tasks.core_task_move(core_task=task, author=hr, to_status="in_dialogue")
    moved = AuditEvent.objects.get(action="core_task.moved")
    assert moved.actor == hr
    assert moved.details == {"from": "draft", "to": "in_dialogue"}

    vision = Vision.objects.create(version=1, title="Vision", narrative="Fortælling")
    core_tasks.vision_adopt(
        vision=vision, adopted_on=timezone.localdate(), council_decision="BR 12/2025"
    )
    adopted = AuditEvent.objects.get(action="vision.adopted")
    assert adopted.target == f"kerneopgaver.vision:{vision.pk}"
    assert adopted.details == {"council_decision": "BR 12/2025"}


def test_instrument_moves_and_decisions_are_recorded(org, leader: User) -> None:
    instrument = Instrument.objects.create(
        title="Ugeskema",
        kind=Instrument.Kind.DOCUMENTATION,
        origin=Instrument.Origin.LAW,
        legal_basis="Lov om social service § 1",
        mandatory=True,
        owner_unit=org.nord,
        minutes_per_month=30,
    )
    instrument.applies_to.add(org.nord)
    instrument_move(instrument=instrument, to="active", author=leader)
    moved = AuditEvent.objects.get(action="instrument.moved")
    assert moved.details == {"from": "proposed", "to": "active"}
    assert moved.actor == leader

    decision_record(
        instrument=instrument,
        area=None,
        kind=Decision.Kind.LOOSEN,
        reason="Det fylder for meget",
        decision_maker="Direktionen",
        decided_on=timezone.localdate(),
        review_on=None,
        minutes_after=10,
        author=leader,
    )
    decided = AuditEvent.objects.get(action="instrument.decided")
    assert decided.details["kind"] == "loosen"
    assert decided.details["minutes_after"] == 10


def test_a_role_given_in_the_django_admin_is_recorded(org, employee: User) -> None:
    admin_user = UserFactory(username="root", name="Rolf Root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/organisation/roleassignment/add/",
        {
            "user": employee.pk,
            "role": RoleAssignment.Role.LEADER,
            "unit": org.nord.pk,
            "source": RoleAssignment.Source.MANUAL,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=employee)
    added = AuditEvent.objects.get(action="admin.added")
    assert added.actor == admin_user
    assert added.target == f"organisation.roleassignment:{assignment.pk}"


def test_audit_events_are_read_only_in_the_django_admin(org) -> None:
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    denied = event("access.denied", target="/x/")
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/organisation/auditevent/").status_code == 200
    assert client.get("/admin/organisation/auditevent/add/").status_code == 403
    detail = client.get(f"/admin/organisation/auditevent/{denied.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    delete = client.post(f"/admin/organisation/auditevent/{denied.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=denied.pk).exists()


def test_a_refused_post_to_a_calendar_link_does_not_record_its_secret(employee: User) -> None:
    client = Client(enforce_csrf_checks=True)
    secret = "calendar-secret-" + "q" * 30
    assert client.post(f"/kalender/{secret}.ics", REMOTE_ADDR="10.9.9.8").status_code == 403
    denied = AuditEvent.objects.get(action=audit.DENIED)
    assert secret not in denied.target
    assert denied.target == "/kalender/[skjult]"
