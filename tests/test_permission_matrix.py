"""Every route × every persona gives the expected status.

The matrix is checked against the URL configuration: a route that has no entry here fails the
test, so a new page cannot skip its permission decision. Object routes are tried with an object
inside the persona's scope ("own") and one outside it ("foreign").
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kerneopgaver.models import Contribution, CoreTask, DialogueInput, EffectIndicator, Vision
from organisation.models import ImportBatch, LeadershipCommunity, MedCommittee, OrgUnit, User
from socialkapital.models import (
    Invitation,
    InvitationLink,
    Item,
    Questionnaire,
    QuestionnaireItem,
    SurveyRound,
)
from socialkapital.services.aggregation import aggregate_round
from socialkapital.services.answering import hash_token
from styring.models import Instrument, Justification
from tests.factories import MedCommitteeFactory, UserFactory, add_responses, closed_round

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "employee", "leader", "med_member", "politician", "hr", "other_leader"]

# Routes whose own apps test them in depth; they are listed so the matrix stays complete.
NOT_IN_MATRIX = {
    "admin",  # Django admin: only is_staff users, tested below separately
    "set_language",  # POST-only language switch, open to everyone
    "password_reset_confirm",  # needs a one-time token; tested in test_auth
    "password_reset_done",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "logout",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "oidc_logout",
}

LOGIN = 302  # redirect to the sign-in page
ALL_OK = dict.fromkeys(PERSONAS, 200)
HR_ONLY = {**dict.fromkeys(PERSONAS, 403), "anonymous": LOGIN, "hr": 200}
HIDDEN = {**dict.fromkeys(PERSONAS, 404), "anonymous": LOGIN, "hr": 200}
POST_ONLY = {**dict.fromkeys(PERSONAS, 405), "anonymous": LOGIN}

SIGNED_IN = {**ALL_OK, "anonymous": LOGIN}
GOVERNANCE_OWN = {**HR_ONLY, "leader": 200}
GOVERNANCE_FOREIGN = {**HR_ONLY, "other_leader": 200}

RESULTS_OWN = {
    "anonymous": LOGIN,
    "employee": 200,
    "leader": 200,
    "med_member": 200,
    "politician": 404,
    "hr": 200,
    "other_leader": 404,
}
RESULTS_FOREIGN = {
    **dict.fromkeys(PERSONAS, 404),
    "anonymous": LOGIN,
    "hr": 200,
    "other_leader": 200,
}
# A unit's meetings and actions (Dagtilbud Nord): whoever sees the area's results; politicians
# see areas.
DIALOGUE_OWN = {**RESULTS_OWN, "employee": 404, "politician": 200}
DIALOGUE_FOREIGN = {**RESULTS_FOREIGN, "politician": 200}
# MED committees: own is the område-MED covering Dagtilbud Nord, foreign one covering Sundhed
# og Omsorg; members and leaders in the covered units see it, HR sees all.
COMMITTEE_OWN = {
    "anonymous": LOGIN,
    "employee": 404,
    "leader": 200,
    "med_member": 200,
    "politician": 404,
    "hr": 200,
    "other_leader": 404,
}
COMMITTEE_FOREIGN = {
    **dict.fromkeys(PERSONAS, 404),
    "anonymous": LOGIN,
    "hr": 200,
    "other_leader": 200,
}

# route name → {persona: status} for its "own" object (or no object),
# and for object routes also "foreign": {persona: status}.
MATRIX: dict[str, dict[str, dict[str, int]]] = {
    "front": {"own": ALL_OK},
    "healthz": {"own": ALL_OK},
    "readyz": {"own": ALL_OK},
    "login": {"own": ALL_OK},
    "password_reset": {"own": ALL_OK},
    "organisation:units": {
        "own": {
            "anonymous": LOGIN,
            "employee": 200,
            "leader": 200,
            "med_member": 200,
            "politician": 200,
            "hr": 200,
            "other_leader": 200,
        }
    },
    "organisation:unit": {
        # own: Børnehuset Solsikken (inside Dagtilbud Nord); foreign: Gruppe 1 (Hjemmeplejen Øst)
        "own": {
            "anonymous": LOGIN,
            "employee": 200,
            "leader": 200,
            "med_member": 200,
            "politician": 200,
            "hr": 200,
            "other_leader": 404,
        },
        "foreign": {
            "anonymous": LOGIN,
            "employee": 404,
            "leader": 404,
            "med_member": 404,
            "politician": 200,
            "hr": 200,
            "other_leader": 200,
        },
    },
    "organisation:import": {
        "own": {
            "anonymous": LOGIN,
            "employee": 403,
            "leader": 403,
            "med_member": 403,
            "politician": 403,
            "hr": 200,
            "other_leader": 403,
        }
    },
    "organisation:import_preview": {
        "own": {
            "anonymous": LOGIN,
            "employee": 403,
            "leader": 403,
            "med_member": 403,
            "politician": 403,
            "hr": 200,
            "other_leader": 403,
        }
    },
    # The OS2mo import page: like the CSV import, HR for the whole municipality only.
    "organisation:os2mo": {"own": HR_ONLY},
    # The audit log of administrative changes and denied access: HR/admin only.
    "organisation:audit": {"own": HR_ONLY},
    # The personal calendar page: everyone signed in (tests/test_calendar.py).
    "organisation:calendar": {"own": SIGNED_IN},
    # The calendar feed needs no sign-in: the secret in the address is the authentication.
    # own: the leader's real link (the same calendar whoever fetches it); foreign: a made-up
    # secret, the same 404 for everyone (tests/test_calendar.py).
    "calendar_feed": {"own": ALL_OK, "foreign": dict.fromkeys(PERSONAS, 404)},
    "med:committees": {
        "own": {
            "anonymous": LOGIN,
            "employee": 403,
            "leader": 200,
            "med_member": 200,
            "politician": 403,
            "hr": 200,
            "other_leader": 200,
        }
    },
    # --- Core tasks (own: adopted task; foreign: a draft nobody here owns) ---
    "kerneopgaver:overview": {"own": ALL_OK},
    "kerneopgaver:overview_print": {"own": ALL_OK},
    "kerneopgaver:create": {"own": HR_ONLY},
    "kerneopgaver:hub": {"own": ALL_OK, "foreign": {**HIDDEN, "anonymous": 404}},
    "kerneopgaver:edit": {"own": HR_ONLY, "foreign": HIDDEN},
    "kerneopgaver:status": {"own": HR_ONLY, "foreign": HIDDEN},
    "kerneopgaver:contribution_add": {
        "own": {**HR_ONLY, "leader": 200, "other_leader": 200},
        "foreign": HIDDEN,
    },
    # own: Dagtilbud Nord's contribution (led by `leader`); foreign: Hjemmeplejen Øst's, on a draft
    "kerneopgaver:contribution_edit": {"own": {**HR_ONLY, "leader": 200}, "foreign": HIDDEN},
    # own: the adopted vision; foreign: a draft version
    "kerneopgaver:vision_list": {"own": ALL_OK},
    "kerneopgaver:vision_create": {"own": HR_ONLY},
    "kerneopgaver:vision_detail": {"own": ALL_OK, "foreign": {**HIDDEN, "anonymous": 404}},
    "kerneopgaver:vision_edit": {"own": HR_ONLY},
    "kerneopgaver:vision_adopt": {"own": HR_ONLY},
    # Indicators (own: on the adopted task, public; foreign: on the draft)
    "kerneopgaver:indicator": {"own": ALL_OK, "foreign": {**HIDDEN, "anonymous": 404}},
    "kerneopgaver:indicator_create": {"own": HR_ONLY, "foreign": HIDDEN},
    "kerneopgaver:indicator_edit": {"own": HR_ONLY, "foreign": HIDDEN},
    "kerneopgaver:indicator_value_add": {"own": HR_ONLY, "foreign": HIDDEN},
    "kerneopgaver:indicator_import": {"own": HR_ONLY, "foreign": HIDDEN},
    # Dialogue (own: a task in dialogue owned by `leader`, open for citizens; foreign: one owned
    # by `other_leader`, not open for citizens). POST-only routes answer GET with 405.
    "kerneopgaver:input_add": {"own": POST_ONLY, "foreign": POST_ONLY},
    "kerneopgaver:input_outcome": {
        "own": {**HR_ONLY, "leader": 200},
        "foreign": {**HR_ONLY, "other_leader": 200},
    },
    "kerneopgaver:moderation": {"own": HR_ONLY},
    "kerneopgaver:input_moderate": {"own": POST_ONLY},
    "hoering:list": {"own": ALL_OK},
    "hoering:detail": {"own": ALL_OK, "foreign": dict.fromkeys(PERSONAS, 404)},
    "hoering:thanks": {"own": ALL_OK, "foreign": dict.fromkeys(PERSONAS, 404)},
    # Leadership communities (own: `leader` is a member; foreign: `other_leader` is)
    "kerneopgaver:communities": {
        "own": {**HR_ONLY, "leader": 200, "other_leader": 200},
    },
    "kerneopgaver:community": {
        "own": {**HIDDEN, "leader": 200},
        "foreign": {**HIDDEN, "other_leader": 200},
    },
    "kerneopgaver:community_core_tasks": {"own": POST_ONLY, "foreign": POST_ONLY},
    # --- Social-capital surveys (own: rounds over Dagtilbud Nord; foreign: Hjemmeplejen Øst) ---
    # Everyone signed in has results to look at: their workplace's, or more by their roles.
    "socialkapital:index": {"own": {**ALL_OK, "anonymous": LOGIN}},
    "socialkapital:round_create": {"own": HR_ONLY},
    "socialkapital:round": {
        "own": {**HIDDEN, "leader": 200, "med_member": 200},
        "foreign": {**HIDDEN, "other_leader": 200},
    },
    "socialkapital:round_edit": {
        "own": {**HIDDEN, "leader": 403, "med_member": 403},
        "foreign": {**HIDDEN, "other_leader": 403},
    },
    "socialkapital:round_status": {"own": POST_ONLY, "foreign": POST_ONLY},
    "socialkapital:questionnaires": {
        "own": {**HR_ONLY, "leader": 200, "med_member": 200, "other_leader": 200}
    },
    "socialkapital:questionnaire": {
        "own": {**HR_ONLY, "leader": 200, "med_member": 200, "other_leader": 200}
    },
    "socialkapital:questionnaire_create": {"own": HR_ONLY},
    "socialkapital:questionnaire_new_version": {"own": HR_ONLY},
    # Reminders and access codes on open rounds
    "socialkapital:reminders": {"own": HR_ONLY, "foreign": HR_ONLY},
    "socialkapital:access_codes": {
        "own": {**HR_ONLY, "leader": 200},
        "foreign": {**HR_ONLY, "other_leader": 200},
    },
    # Answering needs no sign-in: own = a valid personal link; foreign = an unknown one, which
    # everybody gets the same 404 for. /besvar/ without a started survey is the same 404.
    "socialkapital:start_token": {
        "own": dict.fromkeys(PERSONAS, 302),
        "foreign": dict.fromkeys(PERSONAS, 404),
    },
    "socialkapital:start_code": {"own": ALL_OK},
    "socialkapital:answer": {"own": dict.fromkeys(PERSONAS, 404)},
    "socialkapital:thanks": {"own": ALL_OK},
    # --- Results (a closed, aggregated round over Testkommune). own: Børnehuset Solsikken (the
    # employee's workplace, in the leader's area, covered by the MED member's committee; too
    # deep for politicians, who follow the organisation down to its areas); foreign: Gruppe 1.
    "socialkapital:unit_results": {"own": RESULTS_OWN, "foreign": RESULTS_FOREIGN},
    "socialkapital:export_unit": {"own": RESULTS_OWN, "foreign": RESULTS_FOREIGN},
    "socialkapital:overview": {
        "own": {**dict.fromkeys(PERSONAS, 403), "anonymous": LOGIN, "hr": 200, "politician": 200}
    },
    "socialkapital:export_heatmap": {"own": {**ALL_OK, "anonymous": LOGIN}},
    "socialkapital:committee_print": {"own": COMMITTEE_OWN, "foreign": COMMITTEE_FOREIGN},
    # Dialogue and actions: own is the unit Dagtilbud Nord / its område-MED, foreign Hjemmeplejen
    # Øst / the committee covering Sundhed og Omsorg; meetings and actions of each.
    "socialkapital:unit_dialogue_create": {
        # The employee cannot see the area's results (their workplace's only): 404.
        "own": {**RESULTS_OWN, "employee": 404, "med_member": 403, "politician": 403},
        "foreign": {**RESULTS_FOREIGN, "politician": 403},
    },
    "socialkapital:committee_dialogue_create": {
        "own": {**COMMITTEE_OWN, "leader": 403},
        "foreign": {**COMMITTEE_FOREIGN, "other_leader": 403},
    },
    "socialkapital:dialogue": {"own": DIALOGUE_OWN, "foreign": DIALOGUE_FOREIGN},
    "socialkapital:action": {"own": DIALOGUE_OWN, "foreign": DIALOGUE_FOREIGN},
    "socialkapital:action_create": {"own": POST_ONLY, "foreign": POST_ONLY},
    "socialkapital:actions": {"own": {**ALL_OK, "anonymous": LOGIN}},
    "med:committee": {"own": COMMITTEE_OWN, "foreign": COMMITTEE_FOREIGN},
    # --- Governance (own: an instrument owned by and applying to Dagtilbud Nord; foreign: one
    # of Hjemmeplejen Øst). Governance is no secret inside the organisation: everyone signed in
    # reads the register; only HR and the owning unit's leaders change an instrument.
    "styring:register": {"own": SIGNED_IN},
    "styring:create": {"own": {**HR_ONLY, "leader": 200, "other_leader": 200}},
    "styring:instrument": {"own": SIGNED_IN, "foreign": SIGNED_IN},
    "styring:edit": {"own": GOVERNANCE_OWN, "foreign": GOVERNANCE_FOREIGN},
    "styring:status": {"own": GOVERNANCE_OWN, "foreign": GOVERNANCE_FOREIGN},
    "styring:justifications": {"own": GOVERNANCE_OWN, "foreign": GOVERNANCE_FOREIGN},
    "styring:justification_remove": {"own": POST_ONLY},
    "styring:decide": {"own": GOVERNANCE_OWN, "foreign": GOVERNANCE_FOREIGN},
    "styring:review_decide": {"own": GOVERNANCE_OWN, "foreign": GOVERNANCE_FOREIGN},
    "styring:import": {"own": HR_ONLY},
    "styring:import_template": {"own": HR_ONLY},
    "styring:mine": {"own": SIGNED_IN},
    # What applies to a unit: own Børnehuset Solsikken (the employee's workplace, in the
    # leader's area), foreign Gruppe 1.
    "styring:unit": {
        "own": {**HIDDEN, "employee": 200, "leader": 200},
        "foreign": {**HIDDEN, "other_leader": 200},
    },
    # A value signal: those whose workplace the instrument applies to (the leader and the MED
    # member work in Dagtilbud Nord too); HR's home is the municipality itself.
    "styring:signal": {
        "own": {
            **dict.fromkeys(PERSONAS, 403),
            "anonymous": LOGIN,
            "employee": 200,
            "leader": 200,
            "med_member": 200,
        },
        "foreign": {**dict.fromkeys(PERSONAS, 403), "anonymous": LOGIN, "other_leader": 200},
    },
    "styring:map": {"own": {**SIGNED_IN, "employee": 403}},
    "styring:review": {"own": {**SIGNED_IN, "employee": 403}},
    "styring:overview": {"own": {**SIGNED_IN, "employee": 403, "leader": 403, "other_leader": 403}},
    # --- The open-data API (/api/) and the API key page. The API accepts no session cookie:
    # a persona signed in to the pages is a visitor there, so the public endpoints answer
    # everyone alike and every endpoint that needs a key answers 401 to every persona here.
    # What each key sees is tested in tests/test_api.py. own: the adopted core task, the
    # results round; foreign: the draft core task; not_found: an address the API lacks.
    "organisation:api_tokens": {"own": SIGNED_IN},
    "api:root": {"own": dict.fromkeys(PERSONAS, 302)},
    "api:schema": {"own": ALL_OK},
    "api:docs": {"own": ALL_OK},
    "api:vision": {"own": ALL_OK},
    "api:vision_versions": {"own": ALL_OK},
    "api:core_tasks": {"own": ALL_OK},
    "api:core_task": {"own": ALL_OK, "foreign": dict.fromkeys(PERSONAS, 404)},
    "api:result_rounds": {"own": dict.fromkeys(PERSONAS, 401)},
    "api:result_round": {"own": dict.fromkeys(PERSONAS, 401)},
    "api:result_units": {"own": dict.fromkeys(PERSONAS, 401)},
    "api:governance_overview": {"own": dict.fromkeys(PERSONAS, 401)},
    "api:instruments": {"own": dict.fromkeys(PERSONAS, 401)},
    "api:not_found": {"own": dict.fromkeys(PERSONAS, 404)},
}


def core_task(title: str, **fields: object) -> CoreTask:
    return CoreTask.objects.create(title=title, purpose="Formål", desired_effect="Effekt", **fields)


def indicator(task: CoreTask) -> EffectIndicator:
    return EffectIndicator.objects.create(
        core_task=task,
        name=f"Trivsel i {task.title}",
        kind="population",
        data_source="Trivselsmålingen",
        baseline_value=50,
        baseline_period=timezone.localdate().replace(month=1, day=1),
        direction="up",
    )


def governance_instrument(title: str, unit: OrgUnit, core_task: CoreTask) -> Instrument:
    """An active instrument owned by `unit`, applying to it, justified by `core_task`."""
    instrument = Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.DOCUMENTATION,
        origin=Instrument.Origin.ADMINISTRATION,
        owner_unit=unit,
        minutes_per_month=30,
        status=Instrument.Status.ACTIVE,
    )
    instrument.applies_to.add(unit)
    Justification.objects.create(instrument=instrument, core_task=core_task, how="Det hjælper")
    return instrument


def route_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace
            if namespace == "admin":
                names.add("admin")
                continue
            inner = f"{prefix}{namespace}:" if namespace else prefix
            names |= route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_route_has_an_entry_in_the_permission_matrix() -> None:
    missing = route_names() - set(MATRIX) - NOT_IN_MATRIX
    assert missing == set(), f"add these routes to MATRIX: {sorted(missing)}"


@pytest.fixture
def world(
    org: SimpleNamespace,
    employee: User,
    leader: User,
    med_member: User,
    politician: User,
    hr: User,
    other_leader: User,
    area_committee: MedCommittee,
) -> SimpleNamespace:
    foreign_committee = MedCommitteeFactory(name="Område-MED Sundhed")
    foreign_committee.covers.add(org.health)
    batch = ImportBatch.objects.create(uploaded_by=hr, files={}, summary={})
    people = {
        "employee": employee,
        "leader": leader,
        "med_member": med_member,
        "politician": politician,
        "hr": hr,
        "other_leader": other_leader,
    }
    today = timezone.localdate()
    adopted = core_task("Trygge børn", status="adopted", adopted_on=today, council_decision="1")
    draft = core_task("Kladde", status="draft")
    Contribution.objects.create(core_task=adopted, unit=org.nord, how="Vi hjælper")
    Contribution.objects.create(core_task=draft, unit=org.east, how="Vi hjælper")
    own_dialogue = core_task(
        "Fælles fællesskab",
        status="in_dialogue",
        administrative_owner=leader,
        citizen_consultation=True,
    )
    foreign_dialogue = core_task(
        "Andet fællesskab", status="in_dialogue", administrative_owner=other_leader
    )
    own_input = DialogueInput.objects.create(
        core_task=own_dialogue, author=employee, channel="employee", text="Godt"
    )
    foreign_input = DialogueInput.objects.create(
        core_task=foreign_dialogue, author=employee, channel="employee", text="Også godt"
    )
    adopted_vision = Vision.objects.create(
        version=1, title="Vision", narrative="Fortælling", adopted_on=today, council_decision="2"
    )
    draft_vision = Vision.objects.create(version=2, title="Ny vision", narrative="Udkast")
    own_indicator = indicator(adopted)
    foreign_indicator = indicator(draft)
    own_community = LeadershipCommunity.objects.create(name="Børn")
    own_community.members.add(leader)
    foreign_community = LeadershipCommunity.objects.create(name="Ældre")
    foreign_community.members.add(other_leader)

    questionnaire = Questionnaire.objects.create(name="Matrix", version=1)
    item = Item.objects.create(code="M1", dimension="justice", text_da="Retfærdigt", text_en="Fair")
    QuestionnaireItem.objects.create(questionnaire=questionnaire, item=item, position=1)
    now = timezone.now()

    def survey_round(scope: OrgUnit, status: str) -> SurveyRound:
        return SurveyRound.objects.create(
            name=f"Runde {scope.name} {status}",
            questionnaire=questionnaire,
            scope=scope,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=14),
            min_group_size_agreed_by="Hoved-MED",
            status=status,
        )

    own_draft, foreign_draft = survey_round(org.nord, "draft"), survey_round(org.east, "draft")
    own_open, foreign_open = survey_round(org.nord, "open"), survey_round(org.east, "open")
    invitation = Invitation.objects.create(
        round=own_open, user=employee, unit=org.solsikken, email="m@kommune.example"
    )
    token = "matrix-token-" + "x" * 40
    InvitationLink.objects.create(invitation=invitation, token_hash=hash_token(token))
    cache.clear()  # failed entries count against the address: start from none

    def pair(route: str, own: tuple, foreign: tuple | None = None) -> dict[str, str]:
        urls = {"own": reverse(route, args=own)}
        if foreign is not None:
            urls["foreign"] = reverse(route, args=foreign)
        return urls

    paths = {
        "organisation:unit": pair("organisation:unit", (org.solsikken.pk,), (org.group.pk,)),
        "med:committee": pair("med:committee", (area_committee.pk,), (foreign_committee.pk,)),
        "organisation:import_preview": pair("organisation:import_preview", (batch.pk,)),
        "kerneopgaver:contribution_edit": pair(
            "kerneopgaver:contribution_edit", (adopted.pk, org.nord.pk), (draft.pk, org.east.pk)
        ),
        "kerneopgaver:vision_detail": pair(
            "kerneopgaver:vision_detail", (adopted_vision.pk,), (draft_vision.pk,)
        ),
        "kerneopgaver:vision_edit": pair("kerneopgaver:vision_edit", (draft_vision.pk,)),
        "kerneopgaver:vision_adopt": pair("kerneopgaver:vision_adopt", (draft_vision.pk,)),
        "kerneopgaver:input_moderate": pair("kerneopgaver:input_moderate", (own_input.pk,)),
    }
    for route in ("hub", "edit", "status", "contribution_add", "indicator_create"):
        paths[f"kerneopgaver:{route}"] = pair(f"kerneopgaver:{route}", (adopted.pk,), (draft.pk,))
    for route in ("indicator", "indicator_edit", "indicator_value_add", "indicator_import"):
        paths[f"kerneopgaver:{route}"] = pair(
            f"kerneopgaver:{route}", (own_indicator.pk,), (foreign_indicator.pk,)
        )
    for route in ("kerneopgaver:input_add", "hoering:detail", "hoering:thanks"):
        paths[route] = pair(route, (own_dialogue.pk,), (foreign_dialogue.pk,))
    paths["kerneopgaver:input_outcome"] = pair(
        "kerneopgaver:input_outcome", (own_input.pk,), (foreign_input.pk,)
    )
    for route in ("kerneopgaver:community", "kerneopgaver:community_core_tasks"):
        paths[route] = pair(route, (own_community.pk,), (foreign_community.pk,))
    for route in ("round", "round_edit", "round_status"):
        paths[f"socialkapital:{route}"] = pair(
            f"socialkapital:{route}", (own_draft.pk,), (foreign_draft.pk,)
        )
    for route in ("reminders", "access_codes"):
        paths[f"socialkapital:{route}"] = pair(
            f"socialkapital:{route}", (own_open.pk,), (foreign_open.pk,)
        )
    for route in ("questionnaire", "questionnaire_new_version"):
        paths[f"socialkapital:{route}"] = pair(f"socialkapital:{route}", (questionnaire.pk,))
    paths["socialkapital:start_token"] = pair(
        "socialkapital:start_token", (token,), ("unknown-" + "y" * 40,)
    )

    results_round = closed_round(org.root, k=3)
    for workplace in (org.solsikken, org.maelkeboetten, org.group):
        add_responses(results_round, workplace, 4)
    aggregate_round(round_id=results_round.pk)
    for route in ("unit_results", "export_unit"):
        paths[f"socialkapital:{route}"] = pair(
            f"socialkapital:{route}", (org.solsikken.pk,), (org.group.pk,)
        )
    for route in ("committee_print",):
        paths[f"socialkapital:{route}"] = pair(
            f"socialkapital:{route}", (area_committee.pk,), (foreign_committee.pk,)
        )
    from socialkapital.models import Action, ResultsDialogue

    meetings = [
        ResultsDialogue.objects.create(round=results_round, unit=unit, held_on=today, themes="T")
        for unit in (org.nord, org.east)
    ]
    actions = [
        Action.objects.create(
            round=results_round,
            dialogue=meeting,
            unit=meeting.unit,
            title="Gør noget",
            dimension="justice",
            due_on=today,
        )
        for meeting in meetings
    ]
    paths["socialkapital:unit_dialogue_create"] = pair(
        "socialkapital:unit_dialogue_create", (org.nord.pk,), (org.east.pk,)
    )
    paths["socialkapital:committee_dialogue_create"] = pair(
        "socialkapital:committee_dialogue_create", (area_committee.pk,), (foreign_committee.pk,)
    )
    for route in ("dialogue", "action_create"):
        paths[f"socialkapital:{route}"] = pair(
            f"socialkapital:{route}", (meetings[0].pk,), (meetings[1].pk,)
        )
    paths["socialkapital:action"] = pair("socialkapital:action", (actions[0].pk,), (actions[1].pk,))

    own_instrument, foreign_instrument = (
        governance_instrument(title, unit, adopted)
        for title, unit in (("Own", org.nord), ("Foreign", org.east))
    )
    for route in (
        "instrument",
        "edit",
        "status",
        "justifications",
        "decide",
        "review_decide",
        "signal",
    ):
        paths[f"styring:{route}"] = pair(
            f"styring:{route}", (own_instrument.pk,), (foreign_instrument.pk,)
        )
    paths["styring:justification_remove"] = pair(
        "styring:justification_remove", (own_instrument.justifications.get().pk,)
    )
    paths["styring:unit"] = pair("styring:unit", (org.solsikken.pk,), (org.group.pk,))
    from organisation.calendar import calendar_feed_create

    paths["calendar_feed"] = pair(
        "calendar_feed", (calendar_feed_create(user=leader),), ("made-up-" + "z" * 35,)
    )
    paths["api:core_task"] = pair("api:core_task", (adopted.pk,), (draft.pk,))
    for route in ("api:result_round", "api:result_units"):
        paths[route] = pair(route, (results_round.pk,))
    paths["api:not_found"] = {"own": "/api/v1/nothing-here/"}
    world = SimpleNamespace(people=people, paths=paths)
    world.results_round = results_round
    world.committees = (area_committee, foreign_committee)
    return world


CASES = [
    (route, which, persona, status)
    for route, entry in MATRIX.items()
    for which, statuses in entry.items()
    for persona, status in statuses.items()
]


@pytest.mark.parametrize(("route", "which", "persona", "expected"), CASES)
def test_the_route_answers_each_persona_as_the_matrix_says(
    world: SimpleNamespace, route: str, which: str, persona: str, expected: int
) -> None:
    client = Client()
    if persona != "anonymous":
        client.force_login(world.people[persona])
    path = world.paths.get(route, {}).get(which) or reverse(route)
    response = client.get(path)
    assert response.status_code == expected, f"{persona} GET {path}"


def test_only_staff_reach_the_django_admin(world: SimpleNamespace) -> None:
    for persona, person in world.people.items():
        client = Client()
        client.force_login(person)
        status = client.get("/admin/").status_code
        assert status == (200 if persona == "hr" else 302), persona
    assert UserFactory(username="x").is_staff is False
