"""HR's CSV import of instruments at /styring/import/: check every row, preview, confirm."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kerneopgaver.models import CoreTask
from organisation.models import User
from styring.models import Instrument, Justification
from styring.services import importing

pytestmark = pytest.mark.django_db

URL = "/styring/import/"

HEADER = (
    "title,description,kind,origin,legal_basis,mandatory,owner_unit,applies_to,"
    "minutes_per_month,review_on,status,core_tasks,justification"
)


@pytest.fixture
def core_task(db: None) -> CoreTask:
    return CoreTask.objects.create(
        title="Børn trives",
        purpose="Formål",
        desired_effect="Flere børn trives",
        status=CoreTask.Status.ADOPTED,
        adopted_on=timezone.localdate(),
        council_decision="Byrådet 1",
    )


def csv_file(
    text: str, *, name: str = "redskaber.csv", encoding: str = "utf-8"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def good_file() -> str:
    return "\n".join(
        [
            HEADER,
            "Ugentlig trivselsregistrering,Hver uge,documentation,council,,nej,DN,SOL|MAE,30,"
            "2027-01-31,active,Børn trives,Vi ser tidligt hvem der mistrives",
            "Sprogvurdering af 3-årige,,documentation,law,Dagtilbudsloven § 11,ja,DN,DN,20,,"
            "active,,",
            "Nyt forslag,,report,local,,nej,Vuggestuen Mælkebøtten,,5,,proposed,,",
        ]
    )


def upload(client: Client, text: str, **kwargs: object) -> object:
    return client.post(URL, {"file": csv_file(text, **kwargs)})


def confirm(client: Client, preview: object) -> object:
    payload = re.search(r'name="payload" value="([^"]+)"', preview.content.decode())
    assert payload, "the preview has no confirm form"
    return client.post(URL, {"payload": payload.group(1)})


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


# --- Happy path ---------------------------------------------------------------------------------


def test_hr_sees_a_preview_and_nothing_is_saved_before_confirming(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    response = upload(client, good_file())
    assert response.status_code == 200
    body = response.content.decode()
    assert "The import will create 3 and update 0 instruments" in body
    assert "Ugentlig trivselsregistrering" in body
    assert Instrument.objects.count() == 0


def test_confirming_creates_the_instruments_with_justifications_and_applies_to(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    response = confirm(client, upload(client, good_file()))
    assert response.status_code == 302
    assert response["Location"] == reverse("styring:register")
    weekly = Instrument.objects.get(title="Ugentlig trivselsregistrering")
    assert weekly.status == Instrument.Status.ACTIVE
    assert weekly.owner_unit == org.nord
    assert weekly.created_by == hr
    assert set(weekly.applies_to.all()) == {org.solsikken, org.maelkeboetten}
    assert weekly.minutes_per_month == 30
    assert weekly.review_on.isoformat() == "2027-01-31"
    justification = Justification.objects.get(instrument=weekly)
    assert justification.core_task == core_task
    assert justification.how == "Vi ser tidligt hvem der mistrives"
    legal = Instrument.objects.get(title="Sprogvurdering af 3-årige")
    assert legal.mandatory
    assert legal.status == Instrument.Status.ACTIVE
    assert not legal.justifications.exists()
    proposal = Instrument.objects.get(title="Nyt forslag")
    # Without applies-to, an instrument applies to its owning unit.
    assert list(proposal.applies_to.all()) == [org.maelkeboetten]


def test_importing_the_same_file_again_changes_nothing(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    confirm(client, upload(client, good_file()))
    before = list(Instrument.objects.order_by("pk").values())
    response = upload(client, good_file())
    body = response.content.decode()
    assert "the import changes nothing" in body
    assert 'name="payload"' not in body
    with translation.override("en"):
        plan = importing.instruments_import(author=hr, text=good_file())
    assert plan.unchanged == 3
    assert not plan.changes_anything
    assert list(Instrument.objects.order_by("pk").values()) == before
    assert Justification.objects.count() == 1


def test_a_changed_row_updates_the_instrument_matched_by_title_and_owner(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    confirm(client, upload(client, good_file()))
    changed = (
        good_file()
        .replace("SOL|MAE,30,", "SOL|MAE,15,")
        .replace("Ugentlig trivselsregistrering", "ugentlig TRIVSELSREGISTRERING")
    )
    preview = upload(client, changed)
    assert "The import will create 0 and update 1 instruments" in preview.content.decode()
    confirm(client, preview)
    assert Instrument.objects.count() == 3
    weekly = Instrument.objects.get(title__iexact="ugentlig trivselsregistrering")
    assert weekly.minutes_per_month == 15


# --- Row errors ---------------------------------------------------------------------------------


def test_every_row_error_is_listed_with_line_and_column_and_nothing_is_saved(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    text = "\n".join(
        [
            HEADER,
            "God række,,report,local,,nej,DN,,5,,proposed,,",
            ",,rapport,lov,,måske,UKENDT,,mange,31-02-2026,aktiv,,",
            "Forkert opgave,,report,local,,nej,DN,,5,,proposed,Findes ikke,Sådan",
        ]
    )
    response = upload(client, text)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing has been imported" in body
    rows = re.findall(
        r'<th scope="row" class="error-line">(\d+)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>',
        body,
    )
    found = {(int(line), column) for line, column, _message in rows}
    assert {
        (3, "title"),
        (3, "mandatory"),
        (3, "owner_unit"),
        (3, "minutes_per_month"),
        (3, "review_on"),
        (4, "core_tasks"),
    } <= found
    assert all(line != "2" for line, _column, _message in rows)
    assert 'name="payload"' not in body
    assert Instrument.objects.count() == 0


def test_an_active_row_without_core_task_that_is_not_a_legal_duty_is_a_row_error(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    client = english(client_for(hr))
    text = "\n".join(
        [
            HEADER,
            "Uden begrundelse,,process,administration,,nej,DN,,10,,active,,",
            "Lov uden henvisning,,process,law,,ja,DN,,10,,active,,",
            "Lov med henvisning,,process,law,Serviceloven § 136,ja,DN,,10,,active,,",
        ]
    )
    body = upload(client, text).content.decode()
    assert "cannot be active until it is justified" in body
    assert re.search(r'error-line">2</th>\s*<td>status</td>', body)
    assert re.search(r'error-line">3</th>\s*<td>status</td>', body)
    assert not re.search(r'error-line">4</th>', body)
    assert Instrument.objects.count() == 0


def test_a_status_move_the_workflow_forbids_is_a_row_error(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    Instrument.objects.create(
        title="Gammelt krav",
        kind=Instrument.Kind.REPORT,
        origin=Instrument.Origin.LOCAL,
        owner_unit=org.nord,
        status=Instrument.Status.RETIRED,
    )
    client = english(client_for(hr))
    text = "\n".join([HEADER, "Gammelt krav,,report,local,,nej,DN,,5,,proposed,,"])
    body = upload(client, text).content.decode()
    assert "cannot become" in body


def test_the_same_instrument_twice_in_a_file_is_an_error_naming_the_first_line(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    client = english(client_for(hr))
    row = "To gange,,report,local,,nej,DN,,5,,proposed,,"
    body = upload(client, "\n".join([HEADER, row, row])).content.decode()
    assert "appears more than once (first on line 2)" in body


def test_a_missing_required_column_is_reported_for_the_header(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    client = english(client_for(hr))
    body = upload(client, "title,kind\nEt krav,report\n").content.decode()
    assert "The column “origin” is missing." in body
    assert "The column “owner_unit” is missing." in body


def test_too_many_rows_are_refused_with_the_limit(
    client_for, hr: User, org: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    client = english(client_for(hr))
    rows = [f"Krav {number},,report,local,,nej,DN,,5,,proposed,," for number in range(3)]
    body = upload(client, "\n".join([HEADER, *rows])).content.decode()
    assert "The file has 3 rows; at most 2 can be imported at once." in body
    assert Instrument.objects.count() == 0


def test_a_too_large_file_is_refused_before_it_is_read(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    client = english(client_for(hr))
    big = HEADER + "\n" + "x" * (importing.MAX_FILE_BYTES + 1)
    body = upload(client, big).content.decode()
    assert "The file is larger than 512 kB" in body


# --- Danish Excel ------------------------------------------------------------------------------


def test_a_danish_excel_file_with_semicolons_bom_danish_headers_and_words_is_imported(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    text = "\ufeff" + "\r\n".join(
        [
            "Titel;Beskrivelse;Type;Oprindelse;Lovgrundlag;Obligatorisk;Ejerenhed;Gælder for;"
            "Minutter pr. måned;Revurderes;Status;Kerneopgaver;Begrundelse",
            "Dokumentation af magtanvendelse;Indberetning samme dag;Dokumentation;Lov;"
            "Serviceloven § 136;Ja;Dagtilbud Nord;SOL;15,0;31-12-2026;Aktiv;børn TRIVES;"
            "Borgerens retssikkerhed",
        ]
    )
    confirm(client, upload(client, text))
    instrument = Instrument.objects.get(title="Dokumentation af magtanvendelse")
    assert instrument.kind == Instrument.Kind.DOCUMENTATION
    assert instrument.origin == Instrument.Origin.LAW
    assert instrument.mandatory
    assert instrument.minutes_per_month == 15
    assert instrument.review_on.isoformat() == "2026-12-31"
    assert list(instrument.applies_to.all()) == [org.solsikken]
    assert instrument.justifications.get().core_task == core_task


def test_a_windows_1252_file_from_danish_excel_keeps_its_danish_letters(
    client_for, hr: User, org: SimpleNamespace
) -> None:
    client = english(client_for(hr))
    text = (
        "titel;type;oprindelse;ejerenhed\r\n"
        "Månedlig rapport om sygefravær;rapport;forvaltning;DN\r\n"
    )
    confirm(client, upload(client, text, encoding="cp1252"))
    assert Instrument.objects.filter(title="Månedlig rapport om sygefravær").exists()


def test_a_file_that_is_not_text_is_refused(client_for, hr: User, org: SimpleNamespace) -> None:
    client = english(client_for(hr))
    response = client.post(
        URL, {"file": SimpleUploadedFile("x.csv", b"\x81\x8d\x8f\x90\x9d", content_type="text/csv")}
    )
    assert "The file is not text that can be read" in response.content.decode()


# --- The confirmation cannot be forged ----------------------------------------------------------


def test_a_tampered_confirmation_imports_nothing(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    response = client.post(URL, {"payload": "forged:payload"}, follow=True)
    assert "The preview cannot be confirmed" in response.content.decode()
    assert Instrument.objects.count() == 0


def test_another_users_preview_cannot_be_confirmed(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    preview = upload(english(client_for(hr)), good_file())
    other_hr = User.objects.create(username="hr2")
    from organisation.models import RoleAssignment

    RoleAssignment.objects.create(user=other_hr, role=RoleAssignment.Role.HR)
    client = english(client_for(other_hr))
    confirm(client, preview)
    assert Instrument.objects.count() == 0


# --- Permissions and the template ---------------------------------------------------------------


def test_a_leader_may_not_import(client_for, leader: User) -> None:
    assert client_for(leader).get(URL).status_code == 403
    response = client_for(leader).post(URL, {"file": csv_file(good_file())})
    assert response.status_code == 403
    assert Instrument.objects.count() == 0


def test_hr_may_open_the_import_page(client_for, hr: User) -> None:
    response = english(client_for(hr)).get(URL)
    assert response.status_code == 200
    assert "Import instruments" in response.content.decode()


def test_the_template_is_a_danish_excel_csv_with_header_and_an_example_row_that_imports(
    client_for, hr: User, org: SimpleNamespace, core_task: CoreTask
) -> None:
    client = english(client_for(hr))
    response = client.get(reverse("styring:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].lstrip("\ufeff").split(";")[:3] == ["titel", "beskrivelse", "type"]
    confirm(client, upload(client, text))
    assert Instrument.objects.filter(title="Sprogvurdering af 3-årige").exists()


def test_the_template_is_hr_only(client_for, employee: User) -> None:
    assert client_for(employee).get(reverse("styring:import_template")).status_code == 403
