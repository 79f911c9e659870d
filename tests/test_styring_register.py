"""The governance register's pages: the list with filters, search, htmx and pages; an
instrument's page; create and edit; status moves; justifications; who may do what."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kerneopgaver.models import CoreTask
from organisation.models import OrgUnit, User
from styring.models import Instrument, Justification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = Instrument.Status
Kind = Instrument.Kind
Origin = Instrument.Origin


def core_task(title: str = "Trygge børn", status: str = CoreTask.Status.ADOPTED) -> CoreTask:
    adoption = {}
    if status == CoreTask.Status.ADOPTED:
        adoption = {"adopted_on": timezone.localdate(), "council_decision": "BR 1/2025"}
    return CoreTask.objects.create(
        title=title, purpose="Formål", desired_effect="Effekt", status=status, **adoption
    )


def make_instrument(
    title: str,
    owner_unit: OrgUnit,
    *,
    applies_to: list[OrgUnit] | None = None,
    status: str = Status.PROPOSED,
    justified_by: CoreTask | None = None,
    **fields: Any,
) -> Instrument:
    values = {
        "kind": Kind.DOCUMENTATION,
        "origin": Origin.ADMINISTRATION,
        "minutes_per_month": 20,
        **fields,
    }
    instrument = Instrument.objects.create(
        title=title, owner_unit=owner_unit, status=status, **values
    )
    instrument.applies_to.set(applies_to or [owner_unit])
    if justified_by is not None:
        Justification.objects.create(instrument=instrument, core_task=justified_by, how="Sådan")
    return instrument


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def titles(response: Any) -> list[str]:
    return [row["instrument"].title for row in response.context["rows"]]


@pytest.fixture
def task() -> CoreTask:
    return core_task()


@pytest.fixture
def own(org: SimpleNamespace, task: CoreTask) -> Instrument:
    """Active, owned by and applying to Dagtilbud Nord (the leader's area)."""
    return make_instrument(
        "Trivselsskema", org.nord, status=Status.ACTIVE, justified_by=task, minutes_per_month=30
    )


@pytest.fixture
def foreign(org: SimpleNamespace, task: CoreTask) -> Instrument:
    """Active, owned by and applying to Hjemmeplejen Øst (the other leader's area)."""
    return make_instrument("Besøgslog", org.east, status=Status.ACTIVE, justified_by=task)


def valid_post(org: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    return {
        "title": "Ugentlig trivselsregistrering",
        "description": "Registrér hvert barns trivsel.",
        "kind": Kind.DOCUMENTATION,
        "origin": Origin.COUNCIL,
        "legal_basis": "",
        "owner_unit": org.nord.pk,
        "owner": "",
        "applies_to": [org.solsikken.pk, org.maelkeboetten.pk],
        "minutes_per_month": "30",
        "review_on": "",
        **changes,
    }


# --- The register ---------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_register_with_justification_and_cost(
    client_for, employee: User, own: Instrument, org: SimpleNamespace
) -> None:
    make_instrument("Ubegrundet skema", org.nord)
    response = english(client_for(employee)).get("/styring/")
    assert response.status_code == 200
    assert titles(response) == ["Trivselsskema", "Ubegrundet skema"]
    html = response.content.decode()
    assert "Trygge børn" in html
    assert "Dagtilbud Nord" in html
    assert ">30<" in html
    assert 'href="/kerneopgaver/' in html


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/styring/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_new_instrument_button_shows_only_for_those_who_may_create(
    client_for, employee: User, leader: User, org: SimpleNamespace
) -> None:
    assert "/styring/ny/" not in client_for(employee).get("/styring/").content.decode()
    client = Client()
    client.force_login(leader)
    assert "/styring/ny/" in client.get("/styring/").content.decode()


def test_the_import_link_shows_only_for_hr(
    client_for, leader: User, hr: User, org: SimpleNamespace
) -> None:
    assert "/styring/import/" not in client_for(leader).get("/styring/").content.decode()
    client = Client()
    client.force_login(hr)
    assert "/styring/import/" in client.get("/styring/").content.decode()


def test_the_register_filters_by_kind_origin_and_status(
    client_for, employee: User, org: SimpleNamespace
) -> None:
    make_instrument("Mål", org.nord, kind=Kind.GOAL, origin=Origin.COUNCIL, status=Status.ACTIVE)
    make_instrument("Rapport", org.nord, kind=Kind.REPORT, origin=Origin.COUNCIL)
    make_instrument("Lov", org.nord, kind=Kind.GOAL, origin=Origin.LAW)
    client = client_for(employee)
    assert titles(client.get("/styring/", {"kind": "goal"})) == ["Lov", "Mål"]
    assert titles(client.get("/styring/", {"kind": "goal", "origin": "council"})) == ["Mål"]
    assert titles(client.get("/styring/", {"status": "proposed"})) == ["Lov", "Rapport"]


def test_the_unit_filter_shows_what_is_listed_on_the_unit_or_above_it(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    make_instrument("Hele kommunen", org.root)
    make_instrument("Dagtilbud", org.nord)
    make_instrument("Mælkebøtten", org.maelkeboetten)
    make_instrument("Hjemmeplejen", org.east)
    response = client_for(hr).get("/styring/", {"unit": org.solsikken.pk})
    assert titles(response) == ["Dagtilbud", "Hele kommunen"]


def test_the_unit_filter_offers_only_units_the_user_may_see(
    client_for, employee: User, org: SimpleNamespace
) -> None:
    make_instrument("Hjemmeplejen", org.east)
    make_instrument("Dagtilbud", org.nord)
    response = client_for(employee).get("/styring/", {"unit": org.group.pk})
    units = list(response.context["form"].fields["unit"].queryset)
    assert units == [org.solsikken]
    # A unit outside the user's sight is ignored as a filter, not an error.
    assert titles(response) == ["Dagtilbud", "Hjemmeplejen"]


def test_the_core_task_filter_shows_what_the_task_justifies(
    client_for, employee: User, org: SimpleNamespace, task: CoreTask
) -> None:
    other = core_task("Sund aldring")
    make_instrument("Trivselsskema", org.nord, justified_by=task)
    make_instrument("Besøgslog", org.east, justified_by=other)
    make_instrument("Ubegrundet", org.nord)
    response = client_for(employee).get("/styring/", {"core_task": other.pk})
    assert titles(response) == ["Besøgslog"]


def test_the_search_looks_in_title_description_and_legal_basis(
    client_for, employee: User, org: SimpleNamespace
) -> None:
    make_instrument("Handleplan", org.nord, legal_basis="Serviceloven § 140")
    make_instrument("Trivselsskema", org.nord, description="Følger op på handleplanen")
    make_instrument("Tilsyn", org.nord)
    client = client_for(employee)
    assert titles(client.get("/styring/", {"q": "handleplan"})) == ["Handleplan", "Trivselsskema"]
    assert titles(client.get("/styring/", {"q": "serviceloven 140"})) == ["Handleplan"]
    assert titles(client.get("/styring/", {"q": "findes ikke"})) == []


def test_an_htmx_request_gets_only_the_results(client_for, employee: User, own: Instrument) -> None:
    response = client_for(employee).get("/styring/", {"q": "trivsel"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "Trivselsskema" in html
    assert "HX-Request" in response["Vary"]


def test_the_full_page_has_the_filters_and_htmx_attributes(
    client_for, employee: User, own: Instrument
) -> None:
    html = client_for(employee).get("/styring/").content.decode()
    assert 'hx-get="/styring/"' in html
    assert 'hx-target="#results"' in html
    assert 'hx-push-url="true"' in html
    assert 'aria-live="polite"' in html
    assert "css/styring.css" in html


def test_the_register_shows_fifty_to_a_page_and_keeps_the_filters(
    client_for, employee: User, org: SimpleNamespace
) -> None:
    Instrument.objects.bulk_create(
        Instrument(
            title=f"Skema {number:02}",
            kind=Kind.REPORT,
            origin=Origin.LOCAL,
            owner_unit=org.nord,
        )
        for number in range(51)
    )
    client = client_for(employee)
    first = client.get("/styring/", {"kind": "report"})
    assert len(first.context["rows"]) == 50
    assert "?kind=report&amp;page=2" in first.content.decode()
    second = client.get("/styring/", {"kind": "report", "page": 2})
    assert titles(second) == ["Skema 50"]


def test_the_number_of_queries_does_not_grow_with_the_instruments(
    client_for, employee: User, org: SimpleNamespace, task: CoreTask
) -> None:
    other = core_task("Sund aldring")
    client = client_for(employee)

    def queries_for_register() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/styring/").status_code == 200
        return len(captured)

    for number in range(3):
        make_instrument(f"A{number}", org.nord, justified_by=task, owner=employee)
    queries_for_register()  # the first page after signing in also reads the user and roles
    few = queries_for_register()
    for number in range(20):
        instrument = make_instrument(f"B{number}", org.east, justified_by=task, owner=employee)
        Justification.objects.create(instrument=instrument, core_task=other, how="Også")
    assert queries_for_register() == few


# --- An instrument's page -------------------------------------------------------------------


def test_the_instrument_page_shows_definition_and_justification(
    client_for, employee: User, own: Instrument, org: SimpleNamespace, task: CoreTask
) -> None:
    own.legal_basis = "Dagtilbudsloven § 8"
    own.save(update_fields=["legal_basis"])
    own.applies_to.add(org.maelkeboetten)
    response = english(client_for(employee)).get(f"/styring/{own.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dagtilbudsloven § 8" in html
    assert "Vuggestuen Mælkebøtten" in html
    assert "30 minutes per employee per month" in html
    assert f'href="/kerneopgaver/{task.pk}/"' in html
    assert "Sådan" in html


def test_a_politician_reads_an_instrument_but_gets_no_edit_links(
    client_for, politician: User, own: Instrument
) -> None:
    html = client_for(politician).get(f"/styring/{own.pk}/").content.decode()
    assert "Trivselsskema" in html
    assert f"/styring/{own.pk}/rediger/" not in html
    assert f"/styring/{own.pk}/status/" not in html


def test_a_leader_gets_edit_links_on_instruments_owned_in_their_area_only(
    client_for, leader: User, own: Instrument, foreign: Instrument
) -> None:
    client = client_for(leader)
    own_page = client.get(f"/styring/{own.pk}/").content.decode()
    foreign_page = client.get(f"/styring/{foreign.pk}/").content.decode()
    for action in ("rediger", "status", "begrundelser", "beslutning"):
        assert f"/styring/{own.pk}/{action}/" in own_page
        assert f"/styring/{foreign.pk}/{action}/" not in foreign_page


def test_an_employee_may_give_a_value_signal_only_where_the_instrument_applies(
    client_for, employee: User, own: Instrument, foreign: Instrument
) -> None:
    client = client_for(employee)
    assert f"/styring/{own.pk}/vaerdi/" in client.get(f"/styring/{own.pk}/").content.decode()
    foreign_page = client.get(f"/styring/{foreign.pk}/").content.decode()
    assert f"/styring/{foreign.pk}/vaerdi/" not in foreign_page


def test_no_value_signal_link_on_a_proposed_instrument(
    client_for, employee: User, org: SimpleNamespace
) -> None:
    proposed = make_instrument("Forslag", org.nord)
    html = client_for(employee).get(f"/styring/{proposed.pk}/").content.decode()
    assert f"/styring/{proposed.pk}/vaerdi/" not in html


def test_an_unknown_instrument_is_404(client_for, employee: User) -> None:
    assert client_for(employee).get("/styring/999999/").status_code == 404


# --- Creating and editing -------------------------------------------------------------------


def test_a_leader_proposes_an_instrument_for_their_area(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    response = client_for(leader).post("/styring/ny/", valid_post(org))
    instrument = Instrument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/styring/{instrument.pk}/"
    assert instrument.status == Status.PROPOSED
    assert set(instrument.applies_to.all()) == {org.solsikken, org.maelkeboetten}


def test_an_employee_may_not_create_an_instrument(
    client_for, employee: User, org: SimpleNamespace
) -> None:
    client = client_for(employee)
    assert client.get("/styring/ny/").status_code == 403
    assert client.post("/styring/ny/", valid_post(org)).status_code == 403
    assert not Instrument.objects.exists()


def test_a_politician_may_not_create_an_instrument(
    client_for, politician: User, org: SimpleNamespace
) -> None:
    assert client_for(politician).post("/styring/ny/", valid_post(org)).status_code == 403
    assert not Instrument.objects.exists()


def test_bad_input_shows_danish_errors_and_saves_nothing(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    response = client_for(leader).post(
        "/styring/ny/",
        valid_post(org, title="", applies_to=[], minutes_per_month="-5", kind="nonsense"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"title", "applies_to", "minutes_per_month", "kind"}
    assert "Dette felt er påkrævet." in errors["title"]
    assert not Instrument.objects.exists()


def test_a_leader_cannot_name_a_unit_outside_their_area_as_owner(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    response = client_for(leader).post("/styring/ny/", valid_post(org, owner_unit=org.east.pk))
    assert response.status_code == 200
    assert "owner_unit" in response.context["form"].errors
    assert not Instrument.objects.exists()


def test_an_htmx_post_with_errors_gets_the_form_back_and_a_valid_one_a_redirect(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    client = client_for(leader)
    bad = client.post("/styring/ny/", valid_post(org, title=""), HTTP_HX_REQUEST="true")
    assert bad.content.decode().lstrip().startswith('<form method="post"')
    assert "form-error-message" in bad.content.decode()
    good = client.post("/styring/ny/", valid_post(org), HTTP_HX_REQUEST="true")
    assert good["HX-Redirect"] == f"/styring/{Instrument.objects.get().pk}/"


def test_a_leader_edits_an_instrument_owned_in_their_area(
    client_for, leader: User, own: Instrument, org: SimpleNamespace
) -> None:
    response = client_for(leader).post(
        f"/styring/{own.pk}/rediger/",
        valid_post(org, title="Kortere skema", minutes_per_month="10"),
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.title, own.minutes_per_month, own.status) == ("Kortere skema", 10, Status.ACTIVE)


def test_a_leader_may_not_edit_an_instrument_owned_elsewhere(
    client_for, leader: User, foreign: Instrument, org: SimpleNamespace
) -> None:
    client = client_for(leader)
    assert client.get(f"/styring/{foreign.pk}/rediger/").status_code == 403
    response = client.post(f"/styring/{foreign.pk}/rediger/", valid_post(org, title="Nej"))
    assert response.status_code == 403
    foreign.refresh_from_db()
    assert foreign.title == "Besøgslog"


def test_employees_and_politicians_may_not_edit(
    client: Client, employee: User, politician: User, own: Instrument, org: SimpleNamespace
) -> None:
    for person in (employee, politician):
        client.force_login(person)
        assert client.post(f"/styring/{own.pk}/rediger/", valid_post(org)).status_code == 403
    own.refresh_from_db()
    assert own.title == "Trivselsskema"


def test_the_edit_form_keeps_the_present_values(client_for, leader: User, own: Instrument) -> None:
    form = client_for(leader).get(f"/styring/{own.pk}/rediger/").context["form"]
    assert form.initial["title"] == "Trivselsskema"
    assert form["applies_to"].value() == [own.owner_unit.pk]


def test_a_retired_instrument_cannot_be_edited(
    client_for, leader: User, own: Instrument, org: SimpleNamespace
) -> None:
    Instrument.objects.filter(pk=own.pk).update(status=Status.RETIRED)
    client = english(client_for(leader))
    response = client.post(f"/styring/{own.pk}/rediger/", valid_post(org, title="Nej"), follow=True)
    assert "A retired instrument can no longer be changed." in response.content.decode()
    own.refresh_from_db()
    assert own.title == "Trivselsskema"


# --- Status moves ---------------------------------------------------------------------------


def test_the_status_page_offers_the_allowed_moves_as_buttons(
    client_for, leader: User, own: Instrument
) -> None:
    html = english(client_for(leader)).get(f"/styring/{own.pk}/status/").content.decode()
    assert 'value="under_review"' in html
    assert 'value="retired"' in html
    assert 'value="proposed"' not in html


def test_a_leader_activates_a_justified_instrument(
    client_for, leader: User, org: SimpleNamespace, task: CoreTask
) -> None:
    instrument = make_instrument("Skema", org.nord, justified_by=task)
    response = client_for(leader).post(f"/styring/{instrument.pk}/status/", {"to": "active"})
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.status == Status.ACTIVE


def test_activating_an_unjustified_instrument_is_refused_with_a_message(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    instrument = make_instrument("Skema", org.nord)
    client = english(client_for(leader))
    page = client.get(f"/styring/{instrument.pk}/status/").content.decode()
    assert "cannot become active yet" in page
    response = client.post(f"/styring/{instrument.pk}/status/", {"to": "active"})
    assert response.status_code == 200
    assert "until it is justified by a core task" in response.content.decode()
    instrument.refresh_from_db()
    assert instrument.status == Status.PROPOSED


def test_a_disallowed_move_is_refused_with_a_message_and_nothing_changes(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    instrument = make_instrument("Skema", org.nord, status=Status.RETIRED)
    response = english(client_for(leader)).post(
        f"/styring/{instrument.pk}/status/", {"to": "active"}
    )
    html = response.content.decode()
    assert "The status was not changed" in html
    assert "cannot become" in html
    assert "A retired instrument keeps its status." in html
    instrument.refresh_from_db()
    assert instrument.status == Status.RETIRED


def test_an_employee_may_not_move_the_status(client_for, employee: User, own: Instrument) -> None:
    response = client_for(employee).post(f"/styring/{own.pk}/status/", {"to": "retired"})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == Status.ACTIVE


# --- Justifications -------------------------------------------------------------------------


def test_a_leader_adds_a_justification(client_for, leader: User, org: SimpleNamespace) -> None:
    instrument = make_instrument("Skema", org.nord)
    other = core_task("Sund aldring", status=CoreTask.Status.IN_DIALOGUE)
    response = client_for(leader).post(
        f"/styring/{instrument.pk}/begrundelser/",
        {"core_task": other.pk, "how": "Viser hvem der har brug for hjælp"},
    )
    assert response.status_code == 302
    justification = instrument.justifications.get()
    assert (justification.core_task, justification.created_by) == (other, leader)


def test_the_core_task_choices_are_adopted_or_in_dialogue(
    client_for, leader: User, own: Instrument
) -> None:
    core_task("Kladde", status=CoreTask.Status.DRAFT)
    dialogue = core_task("I dialog", status=CoreTask.Status.IN_DIALOGUE)
    core_task("Udgået", status=CoreTask.Status.RETIRED)
    form = client_for(leader).get(f"/styring/{own.pk}/begrundelser/").context["form"]
    assert {task.title for task in form.fields["core_task"].queryset} == {
        "Trygge børn",
        dialogue.title,
    }


def test_a_second_justification_by_the_same_core_task_is_refused(
    client_for, leader: User, own: Instrument, task: CoreTask
) -> None:
    response = english(client_for(leader)).post(
        f"/styring/{own.pk}/begrundelser/", {"core_task": task.pk, "how": "Igen"}
    )
    assert response.status_code == 200
    assert "already justified" in " ".join(response.context["form"].errors["core_task"])
    assert own.justifications.count() == 1


def test_a_justification_without_how_is_refused_in_danish(
    client_for, leader: User, org: SimpleNamespace, task: CoreTask
) -> None:
    instrument = make_instrument("Skema", org.nord)
    response = client_for(leader).post(
        f"/styring/{instrument.pk}/begrundelser/", {"core_task": task.pk, "how": ""}
    )
    assert response.context["form"].errors["how"] == ["Dette felt er påkrævet."]
    assert not instrument.justifications.exists()


def test_removing_the_last_justification_of_an_active_instrument_is_refused(
    client_for, leader: User, own: Instrument
) -> None:
    justification = own.justifications.get()
    response = english(client_for(leader)).post(
        f"/styring/begrundelser/{justification.pk}/fjern/", follow=True
    )
    assert "last justification" in response.content.decode()
    assert Justification.objects.filter(pk=justification.pk).exists()


def test_a_leader_removes_one_of_two_justifications(
    client_for, leader: User, own: Instrument
) -> None:
    second = Justification.objects.create(
        instrument=own, core_task=core_task("Sund aldring"), how="Også"
    )
    response = client_for(leader).post(f"/styring/begrundelser/{second.pk}/fjern/")
    assert response["Location"] == f"/styring/{own.pk}/begrundelser/"
    assert list(own.justifications.values_list("how", flat=True)) == ["Sådan"]


def test_removing_a_justification_needs_a_post(client_for, leader: User, own: Instrument) -> None:
    justification = own.justifications.get()
    response = client_for(leader).get(f"/styring/begrundelser/{justification.pk}/fjern/")
    assert response.status_code == 405


def test_a_leader_may_not_remove_a_justification_elsewhere(
    client_for, leader: User, foreign: Instrument
) -> None:
    second = Justification.objects.create(
        instrument=foreign, core_task=core_task("Sund aldring"), how="Også"
    )
    response = client_for(leader).post(f"/styring/begrundelser/{second.pk}/fjern/")
    assert response.status_code == 403
    assert foreign.justifications.count() == 2


def test_an_employee_may_not_add_a_justification(
    client_for, employee: User, org: SimpleNamespace, task: CoreTask
) -> None:
    instrument = make_instrument("Skema", org.nord)
    response = client_for(employee).post(
        f"/styring/{instrument.pk}/begrundelser/", {"core_task": task.pk, "how": "Sådan"}
    )
    assert response.status_code == 403
    assert not instrument.justifications.exists()


def test_hr_justifies_any_instrument(client_for, hr: User, foreign: Instrument) -> None:
    other = core_task("Sund aldring")
    response = client_for(hr).post(
        f"/styring/{foreign.pk}/begrundelser/", {"core_task": other.pk, "how": "Sådan"}
    )
    assert response.status_code == 302
    assert foreign.justifications.count() == 2


# --- Django admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_user(org: SimpleNamespace) -> User:
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def test_the_admin_edits_instruments_with_their_justifications(
    client_for, admin_user: User, own: Instrument
) -> None:
    client = client_for(admin_user)
    assert client.get("/admin/styring/instrument/").status_code == 200
    change = client.get(f"/admin/styring/instrument/{own.pk}/change/")
    assert change.status_code == 200
    assert "justifications-TOTAL_FORMS" in change.content.decode()


def test_raw_value_signals_have_no_admin_page(client_for, admin_user: User) -> None:
    client = client_for(admin_user)
    assert client.get("/admin/styring/valuesignal/").status_code == 404
    assert client.get("/admin/styring/valuesignalmarker/").status_code == 404
    assert client.get("/admin/styring/signalresult/").status_code == 200


def test_decisions_are_read_only_in_the_admin(client_for, admin_user: User) -> None:
    assert client_for(admin_user).get("/admin/styring/decision/add/").status_code == 403
