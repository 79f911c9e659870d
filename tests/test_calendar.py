"""The personal calendar address: the page that makes and stops it, and the iCalendar feed that
calendar programs fetch with the secret in the address (organisation/calendar.py).

Personas from conftest: `leader` leads Dagtilbud Nord (Solsikken and Mælkebøtten below it),
`other_leader` Hjemmeplejen Øst, `med_member` sits in the område-MED covering Dagtilbud Nord,
`employee` works at Solsikken.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from organisation.calendar import calendar_feed_create, calendar_feed_revoke, events_for
from organisation.models import CalendarFeed, MedCommittee, OrgUnit, User
from socialkapital.log_filters import redact
from socialkapital.models import Action, SurveyRound
from styring.models import Decision, Instrument
from tests.factories import MedCommitteeFactory, closed_round

pytestmark = pytest.mark.django_db

SITE = "https://kerneopgaver.example.dk"


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = SITE


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def survey_round(org: SimpleNamespace) -> SurveyRound:
    return closed_round(org.root)


def action(
    survey_round: SurveyRound,
    title: str,
    *,
    unit: OrgUnit | None = None,
    committee: MedCommittee | None = None,
    owner: User | None = None,
    days: int = 10,
    status: str = Action.Status.PLANNED,
) -> Action:
    return Action.objects.create(
        round=survey_round,
        unit=unit,
        committee=committee,
        title=title,
        owner=owner,
        due_on=today() + timedelta(days=days),
        status=status,
    )


def instrument(
    title: str,
    owner_unit: OrgUnit,
    *,
    owner: User | None = None,
    days: int | None = 20,
    status: str = Instrument.Status.ACTIVE,
) -> Instrument:
    created = Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.DOCUMENTATION,
        origin=Instrument.Origin.ADMINISTRATION,
        owner_unit=owner_unit,
        owner=owner,
        minutes_per_month=10,
        status=status,
        review_on=None if days is None else today() + timedelta(days=days),
    )
    created.applies_to.add(owner_unit)
    return created


def decision(
    on: Instrument, area: OrgUnit | None, *, review_in: int | None, ago: int = 5
) -> Decision:
    return Decision.objects.create(
        instrument=on,
        area=area,
        kind=Decision.Kind.LOOSEN,
        reason="Mindre papir",
        decision_maker="Direktionen",
        decided_on=today() - timedelta(days=ago),
        review_on=None if review_in is None else today() + timedelta(days=review_in),
        minutes_before=10,
        minutes_after=5,
    )


def fetch(client: Client, secret: str) -> Calendar:
    response = client.get(reverse("calendar_feed", args=[secret]))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def uids(calendar: Calendar) -> set[str]:
    return {str(event["uid"]).split("@")[0] for event in calendar.walk("VEVENT")}


def shown_secrets(content: bytes) -> list[str]:
    """The secrets of calendar links on a page."""
    return re.findall(r"/kalender/([^/\s\"'<>]+)\.ics", content.decode())


def new_link(client: Client) -> str:
    """Press "Make a new link" and return the secret shown on the page."""
    response = client.post(reverse("organisation:calendar"), {"action": "create"})
    assert response.status_code == 200
    secrets = set(shown_secrets(response.content))
    assert len(secrets) == 1, "the new link should be on the page"
    return secrets.pop()


# --- What the feed holds --------------------------------------------------------------------


def test_the_feed_holds_exactly_the_dates_the_leader_may_see(
    client: Client,
    org: SimpleNamespace,
    leader: User,
    employee: User,
    other_leader: User,
    survey_round: SurveyRound,
) -> None:
    own = action(survey_round, "Trivselsmøde", unit=org.nord, owner=leader)
    in_area = action(survey_round, "Ny vagtplan", unit=org.solsikken, owner=employee)
    action(survey_round, "Færdig", unit=org.nord, owner=leader, status=Action.Status.DONE)
    action(survey_round, "Andet område", unit=org.east, owner=other_leader)
    mine = instrument("Dokumentation af sprog", org.nord)
    named_owner = instrument("Fælles skema", org.east, owner=leader)
    instrument("Hjemmeplejens rapport", org.east)
    instrument("Gammel rapport", org.nord, status=Instrument.Status.RETIRED)
    instrument("Uden dato", org.nord, days=None)
    in_force = decision(mine, org.solsikken, review_in=40)
    decision(mine, org.maelkeboetten, review_in=50, ago=9)
    superseded_by_later = decision(mine, None, review_in=None, ago=2)

    calendar = fetch(client, calendar_feed_create(user=leader))

    assert uids(calendar) == {
        f"action-{own.pk}",
        f"action-{in_area.pk}",
        f"instrument-{mine.pk}",
        f"instrument-{named_owner.pk}",
    }
    assert f"decision-{in_force.pk}" not in uids(calendar)  # the later whole-instrument one wins
    assert superseded_by_later.review_on is None


def test_an_area_decision_in_force_brings_its_next_review(
    client: Client, org: SimpleNamespace, leader: User
) -> None:
    mine = instrument("Dokumentation af sprog", org.nord)
    old = decision(mine, org.solsikken, review_in=30, ago=20)
    newer = decision(mine, org.solsikken, review_in=60, ago=3)
    elsewhere = decision(mine, org.maelkeboetten, review_in=90, ago=10)

    events = {
        str(e["uid"]).split("@")[0]: e
        for e in fetch(client, calendar_feed_create(user=leader)).walk("VEVENT")
    }

    assert f"decision-{old.pk}" not in events
    assert events[f"decision-{newer.pk}"].decoded("dtstart") == newer.review_on
    assert events[f"decision-{elsewhere.pk}"].decoded("dtstart") == elsewhere.review_on
    assert "Mælkebøtten" in str(events[f"decision-{elsewhere.pk}"]["summary"])


def test_a_med_member_gets_their_committees_actions_and_not_others(
    client: Client,
    org: SimpleNamespace,
    med_member: User,
    area_committee: MedCommittee,
    survey_round: SurveyRound,
) -> None:
    ours = action(survey_round, "MED-indsats", committee=area_committee)
    other_committee = MedCommitteeFactory(name="Område-MED Sundhed")
    other_committee.covers.add(org.health)
    action(survey_round, "Deres indsats", committee=other_committee)
    action(survey_round, "Enhedens indsats", unit=org.east)

    assert uids(fetch(client, calendar_feed_create(user=med_member))) == {f"action-{ours.pk}"}


def test_an_employee_gets_the_actions_they_own_and_no_governance(
    client: Client,
    org: SimpleNamespace,
    employee: User,
    leader: User,
    survey_round: SurveyRound,
) -> None:
    theirs = action(survey_round, "Legeplads", unit=org.solsikken, owner=employee)
    action(survey_round, "Lederens", unit=org.solsikken, owner=leader)
    instrument("Dokumentation af sprog", org.solsikken)

    assert uids(fetch(client, calendar_feed_create(user=employee))) == {f"action-{theirs.pk}"}


def test_the_feed_is_a_valid_calendar_of_all_day_events_with_links_and_alarms(
    client: Client, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    due = action(survey_round, "Trivselsmøde; og mere", unit=org.nord, owner=leader, days=3)
    response = client.get(reverse("calendar_feed", args=[calendar_feed_create(user=leader)]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Set-Cookie" not in response  # no session, no CSRF cookie
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]).startswith("-//Kerneopgaver")
    assert str(calendar["x-wr-calname"])
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"action-{due.pk}@kerneopgaver.example.dk"
    assert event.decoded("dtstart") == due.due_on  # a date, not a time: all day
    assert not hasattr(event.decoded("dtstart"), "hour")
    assert event.decoded("dtend") == due.due_on + timedelta(days=1)
    assert "Trivselsmøde; og mere" in str(event["summary"])
    assert str(event["url"]) == SITE + reverse("socialkapital:action", args=[due.pk])
    assert event.get("dtstamp") is not None
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") < timedelta(0)


def test_the_uids_stay_the_same_from_one_fetch_to_the_next(
    client: Client, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    action(survey_round, "Trivselsmøde", unit=org.nord, owner=leader)
    instrument("Dokumentation af sprog", org.nord)
    secret = calendar_feed_create(user=leader)
    assert uids(fetch(client, secret)) == uids(fetch(client, secret))


def test_a_head_request_is_answered_and_a_post_is_not(client: Client, leader: User) -> None:
    path = reverse("calendar_feed", args=[calendar_feed_create(user=leader)])
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


# --- The secret -----------------------------------------------------------------------------


def test_an_unknown_secret_is_not_found(client: Client, leader: User) -> None:
    calendar_feed_create(user=leader)
    for made_up in ("x" * 43, "kort", "y" * 500):
        assert client.get(reverse("calendar_feed", args=[made_up])).status_code == 404


def test_a_replaced_link_stops_working_and_the_new_one_works(client: Client, leader: User) -> None:
    old = calendar_feed_create(user=leader)
    new = calendar_feed_create(user=leader)
    assert old != new
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(user=leader).count() == 1


def test_a_stopped_link_stops_working(client: Client, leader: User) -> None:
    secret = calendar_feed_create(user=leader)
    assert calendar_feed_revoke(user=leader) is True
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 404
    assert calendar_feed_revoke(user=leader) is False


def test_the_link_of_a_person_who_left_stops_working(client: Client, leader: User) -> None:
    secret = calendar_feed_create(user=leader)
    User.objects.filter(pk=leader.pk).update(is_active=False)
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 404


def test_only_a_digest_of_the_secret_is_stored(leader: User) -> None:
    secret = calendar_feed_create(user=leader)
    feed = CalendarFeed.objects.get(user=leader)
    assert feed.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(CalendarFeed.objects.filter(user=leader).values().get())


def test_last_used_is_written_at_most_once_an_hour(client: Client, leader: User) -> None:
    secret = calendar_feed_create(user=leader)
    path = reverse("calendar_feed", args=[secret])
    client.get(path)
    first = CalendarFeed.objects.get(user=leader).last_used_at
    assert first is not None
    client.get(path)
    assert CalendarFeed.objects.get(user=leader).last_used_at == first
    two_hours_ago = timezone.now() - timedelta(hours=2)
    CalendarFeed.objects.filter(user=leader).update(last_used_at=two_hours_ago)
    client.get(path)
    assert CalendarFeed.objects.get(user=leader).last_used_at > two_hours_ago


def test_the_secret_never_reaches_a_log(
    client: Client, leader: User, caplog: pytest.LogCaptureFixture
) -> None:
    secret = calendar_feed_create(user=leader)
    unknown = "u" * 43
    caplog.set_level(logging.DEBUG)
    client.get(reverse("calendar_feed", args=[secret]))
    assert client.get(reverse("calendar_feed", args=[unknown])).status_code == 404
    assert caplog.records, "the 404 should have been logged"
    text = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert secret not in text
    assert unknown not in text


@pytest.mark.parametrize(
    "line",
    [
        '"GET /kalender/{secret}.ics HTTP/1.1" 200 512',
        "Not Found: /kalender/{secret}.ics",
        "/accounts/login/?next=%2Fkalender%2F{secret}.ics",
    ],
)
def test_redact_masks_a_calendar_secret(line: str) -> None:
    secret = "Zq3xR9vLp0sKe7TgHm2WbN5cYd8FaJ1u-_AbCdEfGhI"
    cleaned = redact(line.format(secret=secret))
    assert secret not in cleaned
    assert "[skjult]" in cleaned


def test_redact_leaves_the_calendar_page_alone() -> None:
    line = '"GET /organisation/kalender/ HTTP/1.1" 200 4096'
    assert redact(line) == line


# --- The page -------------------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("organisation:calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("organisation:calendar"), {"action": "create"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_page_shows_a_new_link_once_and_never_again(client_for, leader: User) -> None:
    client = client_for(leader)
    assert shown_secrets(client.get(reverse("organisation:calendar")).content) == []

    secret = new_link(client)

    assert (
        CalendarFeed.objects.get(user=leader).digest == hashlib.sha256(secret.encode()).hexdigest()
    )
    again = client.get(reverse("organisation:calendar"))
    assert again.status_code == 200
    assert secret not in again.content.decode()
    assert shown_secrets(again.content) == []
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 200


def test_the_new_link_is_the_full_https_address_and_is_not_cached(client_for, leader: User) -> None:
    client = client_for(leader)
    response = client.post(reverse("organisation:calendar"), {"action": "create"})
    secret = re.search(r"/kalender/([A-Za-z0-9_-]+)\.ics", response.content.decode()).group(1)
    page = response.content.decode()
    assert f'value="{SITE}/kalender/{secret}.ics"' in page
    assert "webcal://kerneopgaver.example.dk/kalender/" in page
    assert "no-store" in response["Cache-Control"]


def test_making_a_new_link_on_the_page_revokes_the_old(client_for, leader: User) -> None:
    client = client_for(leader)
    old = new_link(client)
    new = new_link(client)
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200


def test_stop_link_on_the_page_revokes_it(client_for, leader: User) -> None:
    client = client_for(leader)
    secret = new_link(client)
    response = client.post(reverse("organisation:calendar"), {"action": "stop"}, follow=True)
    assert response.status_code == 200
    assert not CalendarFeed.objects.filter(user=leader).exists()
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 404


def test_the_page_shows_when_the_link_was_made_and_last_used(client_for, leader: User) -> None:
    client = client_for(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert b"You have no calendar link." in client.get(reverse("organisation:calendar")).content
    secret = new_link(client)
    client.get(reverse("calendar_feed", args=[secret]))
    page = client.get(reverse("organisation:calendar")).content.decode()
    assert "Last fetched by a calendar program" in page
    assert "Not yet" not in page
    assert "Stop link" in page


def test_an_unknown_button_changes_nothing(client_for, leader: User) -> None:
    client = client_for(leader)
    secret = calendar_feed_create(user=leader)
    response = client.post(reverse("organisation:calendar"), {"action": "delete-all"})
    assert response.status_code == 302
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 200


def test_a_post_without_a_csrf_token_is_refused(leader: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    secret = calendar_feed_create(user=leader)
    assert client.post(reverse("organisation:calendar"), {"action": "create"}).status_code == 403
    assert client.post(reverse("organisation:calendar"), {"action": "stop"}).status_code == 403
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 200


def test_the_page_lists_the_coming_dates(
    client_for, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    due = action(survey_round, "Trivselsmøde", unit=org.nord, owner=leader)
    action(survey_round, "For sent", unit=org.nord, owner=leader, days=-3)
    page = client_for(leader).get(reverse("organisation:calendar")).content.decode()
    assert "Trivselsmøde" in page
    assert reverse("socialkapital:action", args=[due.pk]) in page
    assert "For sent" not in page  # past dates are counted, not listed


# --- Queries --------------------------------------------------------------------------------


def _fill(org: SimpleNamespace, leader: User, survey_round: SurveyRound, size: int) -> None:
    for number in range(size):
        action(survey_round, f"Indsats {number}", unit=org.solsikken, owner=leader)
        owned = instrument(f"Redskab {number}", org.nord)
        decision(owned, org.maelkeboetten, review_in=30 + number)


def _feed_queries(client: Client, secret: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        calendar = fetch(client, secret)
    return len(queries), len(calendar.walk("VEVENT"))


def test_the_feed_needs_the_same_number_of_queries_for_few_and_many_dates(
    client: Client, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    secret = calendar_feed_create(user=leader)
    client.get(reverse("calendar_feed", args=[secret]))  # last used: written now, not below
    _fill(org, leader, survey_round, 2)
    few, few_events = _feed_queries(client, secret)
    _fill(org, leader, survey_round, 10)
    many, many_events = _feed_queries(client, secret)
    assert (few_events, many_events) == (6, 36)
    assert few == many


def test_events_for_needs_the_same_number_of_queries_for_few_and_many_dates(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    _fill(org, leader, survey_round, 2)
    with CaptureQueriesContext(connection) as few:
        assert len(events_for(User.objects.get(pk=leader.pk))) == 6
    _fill(org, leader, survey_round, 10)
    with CaptureQueriesContext(connection) as many:
        assert len(events_for(User.objects.get(pk=leader.pk))) == 36
    assert len(few) == len(many)
