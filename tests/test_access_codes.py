"""Printable single-use access codes for employees without e-mail."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from socialkapital.models import AccessCode, Response, SurveyRound
from socialkapital.services import access_codes as service
from socialkapital.services import answering
from tests.test_invitations import every_stored_value, invite, make_round, person

CODE = re.compile(r'<p class="slip-code">.*?([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})</p>', re.S)


@pytest.fixture
def open_round(org: SimpleNamespace) -> SurveyRound:
    """A round over Dagtilbud Nord, whose leader is `leader`."""
    return make_round(org)


def codes_on(response) -> list[str]:
    return CODE.findall(response.content.decode())


def post_codes(client, survey_round: SurveyRound, unit, count: object):
    return client.post(
        reverse("socialkapital:access_codes", args=[survey_round.pk]),
        {"unit": unit.pk, "count": count},
    )


# --- The sheet ------------------------------------------------------------------------------


def test_the_sheet_holds_exactly_the_requested_number_of_unique_codes(
    client_for, hr, org, open_round
):
    response = post_codes(client_for(hr), open_round, org.solsikken, 13)

    assert response.status_code == 200
    codes = codes_on(response)
    assert len(codes) == 13
    assert len(set(codes)) == 13
    assert all(set(code.replace("-", "")) <= set(service.ACCESS_CODE_ALPHABET) for code in codes)
    assert AccessCode.objects.filter(round=open_round, unit=org.solsikken).count() == 13
    # Two pages of slips (10 + 3), each slip with its own QR code.
    assert response.content.decode().count('class="slip-page"') == 2
    assert response.content.decode().count("<svg viewBox=") == 13


def test_only_hashes_are_stored_and_the_codes_nowhere(client_for, hr, org, open_round):
    codes = codes_on(post_codes(client_for(hr), open_round, org.solsikken, 5))

    stored_hashes = set(AccessCode.objects.values_list("code_hash", flat=True))
    assert stored_hashes == {answering.hash_access_code(code) for code in codes}
    everything = every_stored_value()
    for code in codes:
        assert code not in everything
        assert code.replace("-", "") not in everything


def test_the_sheet_is_never_cached(client_for, hr, org, open_round):
    response = post_codes(client_for(hr), open_round, org.solsikken, 1)

    assert "no-store" in response["Cache-Control"]


def test_each_slip_has_the_short_address_and_a_qr_code_for_its_code(
    client_for, hr, org, open_round, settings
):
    settings.SITE_URL = "https://kerneopgaver.example.dk"

    response = post_codes(client_for(hr), open_round, org.solsikken, 2)

    html = response.content.decode()
    assert "https://kerneopgaver.example.dk/socialkapital/kode/" in html
    assert html.count('class="slip-qr"') == 2
    assert open_round.name in html
    assert org.solsikken.name in html
    assert "css/slips" in html


def test_each_code_starts_the_survey_for_its_unit_and_works_once(client_for, hr, org, open_round):
    codes = codes_on(post_codes(client_for(hr), open_round, org.solsikken, 3))

    for code in codes:
        entry = answering.start_with_access_code(code=code.lower(), client_address="192.0.2.1")
        assert entry.round == open_round
        assert entry.unit_id == org.solsikken.pk
        answering.submit_response(state=entry.initial_state())  # an empty questionnaire
        with pytest.raises(answering.AlreadyAnswered):
            answering.start_with_access_code(code=code, client_address="192.0.2.1")
    assert Response.objects.filter(round=open_round, unit=org.solsikken).count() == 3
    assert AccessCode.objects.filter(used=True).count() == 3


def test_codes_can_be_made_for_a_draft_round(client_for, hr, org):
    draft = make_round(org, status=SurveyRound.Status.DRAFT, opened_at=None)

    response = post_codes(client_for(hr), draft, org.maelkeboetten, 4)

    assert len(codes_on(response)) == 4


# --- The form -------------------------------------------------------------------------------


def test_the_form_suggests_the_number_invited_without_email(client_for, hr, org, open_round):
    for name in ("a", "b", "c"):
        invite(open_round, person(org, name), email="")
    invite(open_round, person(org, "d"))

    response = client_for(hr).get(reverse("socialkapital:access_codes", args=[open_round.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"unit": org.solsikken, "count": 3}
    # Units within the round's scope only.
    assert set(form.fields["unit"].queryset) == {org.nord, org.solsikken, org.maelkeboetten}


@pytest.mark.parametrize("count", [0, 201, "many", ""])
def test_a_number_out_of_range_is_refused_and_nothing_stored(
    client_for, hr, org, open_round, count
):
    response = post_codes(client_for(hr), open_round, org.solsikken, count)

    assert response.status_code == 400
    assert response.context["form"].errors["count"]
    assert not AccessCode.objects.exists()


def test_a_closed_round_refuses_codes(client_for, hr, org):
    closed = make_round(org, status=SurveyRound.Status.CLOSED)
    client = client_for(hr)

    page = client.get(reverse("socialkapital:access_codes", args=[closed.pk]))
    response = post_codes(client, closed, org.solsikken, 5)

    assert page.context["possible"] is False
    assert response.status_code == 400
    assert codes_on(response) == []
    assert not AccessCode.objects.exists()


def test_the_service_refuses_a_unit_outside_the_round(hr, org, open_round):
    with pytest.raises(service.ValidationError):
        service.access_codes_generate(
            survey_round=open_round, unit=org.group, count=1, created_by=hr
        )
    assert not AccessCode.objects.exists()


# --- Who may make codes ---------------------------------------------------------------------


def test_the_units_leader_may_make_codes_for_a_unit_they_lead(client_for, leader, org, open_round):
    response = post_codes(client_for(leader), open_round, org.maelkeboetten, 2)

    assert response.status_code == 200
    assert len(codes_on(response)) == 2
    assert (
        list(AccessCode.objects.values_list("unit", "created_by"))
        == [(org.maelkeboetten.pk, leader.pk)] * 2
    )


def test_a_leader_sees_only_their_own_units_in_a_wider_round(client_for, leader, org):
    whole = make_round(org, scope=org.root)
    client = client_for(leader)

    page = client.get(reverse("socialkapital:access_codes", args=[whole.pk]))
    response = post_codes(client, whole, org.group, 2)

    assert set(page.context["form"].fields["unit"].queryset) == {
        org.nord,
        org.solsikken,
        org.maelkeboetten,
    }
    assert response.status_code == 400
    assert response.context["form"].errors["unit"]
    assert not AccessCode.objects.exists()


@pytest.mark.parametrize("persona", ["other_leader", "employee", "med_member", "politician"])
def test_others_may_not_make_codes(request, client_for, org, open_round, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("socialkapital:access_codes", args=[open_round.pk])

    assert client.get(url).status_code == 403
    assert post_codes(client, open_round, org.solsikken, 3).status_code == 403
    assert not AccessCode.objects.exists()


def test_making_codes_needs_sign_in(client, org, open_round):
    response = post_codes(client, open_round, org.solsikken, 3)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert not AccessCode.objects.exists()


def test_codes_for_an_unknown_round_are_not_found(client_for, hr):
    url = reverse("socialkapital:access_codes", args=[999])

    assert client_for(hr).get(url).status_code == 404
