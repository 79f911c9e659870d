"""Form fuzzing: garbage in, never a 500, and nothing stored from invalid input.

Two ways in, both generated rather than listed by hand:
- every Form/ModelForm class of the product's apps is found by walking the form class tree and
  is fed random data directly (`Form(data=...)`), with its constructor's keyword arguments made
  from their names; a new form with an unknown argument fails here until it is taught;
- every route that accepts POST (found from the URL configuration) receives random POSTs from
  a persona allowed to use it (the permission matrix says who), and the filter pages random
  query strings.

Garbage means: random and huge text, unicode, control and NUL characters, numbers, dates and
injection-looking strings in the wrong places, unknown and missing fields, repeated values and
uploaded files of random bytes. When the answer is not a redirect (a redirect is how a view
says it stored something), no row may have been added or removed anywhere.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerneopgaver.models import CoreTask
from organisation.models import MedCommittee, OrgUnit, User
from socialkapital.models import Action, Item
from tests.test_csrf import all_route_names, path_for, persona_for

# The matrix's world (see test_permission_matrix): pytest finds the fixture by its name.
from tests.test_permission_matrix import world  # noqa: F401

pytestmark = pytest.mark.django_db

PRODUCT_APPS = ("organisation", "kerneopgaver", "styring", "socialkapital")
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # examples depend on this run's database ids; nothing to replay later
)
# Pages render in tens of milliseconds, and there are some forty routes: fewer examples each.
VIEW_FUZZ = settings(FUZZ, max_examples=5)

# Rows written as logs of the request itself, not from the submitted data.
LOG_MODELS = {
    "organisation.auditevent",
    "sessions.session",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "admin.logentry",
}
REDIRECTS = {301, 302, 303}

# --- Garbage -------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999999999",
    "9223372036854775808",  # one above the largest 64-bit integer
    "2024-13-45",
    "31-02-2025",
    "2025-Q9",
    "\x00",
    "abc\x00def",
    "\u202e\u200b\ufeff",
    "١٢٣",  # Arabic-Indic digits
    "𝟙𝟚𝟛",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%s%n",
    "{{ 7*7 }}",
    "null",
    "true",
    "[]",
]
text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]), max_size=20),
    st.sampled_from(NASTY),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda day: day.strftime("%d.%m.%Y")),
    st.just("æøå" * 7_000),  # huge: longer than any field allows
)
value = st.one_of(text, st.lists(text, min_size=2, max_size=4))


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("fil.csv", content, content_type="text/csv")


upload = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda chars: chars.encode("utf-8", "surrogatepass")),
    st.just(b"\xff\xfe" + "id;navn\n1;x".encode("utf-16-le")),
).map(_upload)


def form_data(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of `names` (missing fields are part of the game) plus unknown ones, with garbage."""
    keys = st.sampled_from(names) if names else st.nothing()
    return st.dictionaries(
        st.one_of(keys, st.text(min_size=1, max_size=12)), value, max_size=len(names) + 2
    )


# --- Row counts ------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Rows per table, in one statement (a query per model would dominate the run time)."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.label_lower not in LOG_MODELS and model._meta.managed
        }
    )
    quote = connection.ops.quote_name
    # Table names come from the model registry, never from input.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608
    sql = f"SELECT {counts}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {
        label: (before[label], after[label]) for label in before if before[label] != after[label]
    }


# --- Every form class, directly --------------------------------------------------------------


def product_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in the product's apps (any module of theirs)."""
    for app in PRODUCT_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in PRODUCT_APPS and sub not in found:
                found.append(sub)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORM_CLASSES = product_form_classes()


@pytest.fixture
def scene(org: SimpleNamespace, hr: User, leader: User, employee: User) -> SimpleNamespace:
    """What the forms' constructors are given: HR's querysets and one action to update."""
    from socialkapital.models import ResultsDialogue
    from tests.factories import closed_round

    survey_round = closed_round(org.nord)
    CoreTask.objects.create(
        title="Trygge børn",
        purpose="F",
        desired_effect="E",
        status="adopted",
        adopted_on=survey_round.closes_at.date(),
        council_decision="BR 1",
    )
    meeting = ResultsDialogue.objects.create(
        round=survey_round, unit=org.nord, held_on=survey_round.closes_at.date(), themes="T"
    )
    action = Action.objects.create(
        round=survey_round,
        dialogue=meeting,
        unit=org.nord,
        title="Gør noget",
        dimension="justice",
        due_on=survey_round.closes_at.date(),
        owner=leader,
    )
    return SimpleNamespace(org=org, hr=hr, action=action, leader=leader, employee=employee)


# Constructor keyword → how to make it. A new form with another keyword fails
# test_every_form_class_can_be_built until it is added here.
KWARGS: dict[str, Callable[[SimpleNamespace], Any]] = {
    "user": lambda s: s.hr,
    "moves": lambda s: [("in_dialogue", "In dialogue"), ("adopted", "Adopted")],
    "units": lambda s: OrgUnit.objects.all(),
    "statuses": lambda s: ["adopted", "in_dialogue"],
    "political_owners": lambda s: ["Børne- og Ungeudvalget"],
    "core_tasks": lambda s: CoreTask.objects.all(),
    "kinds": lambda s: ("keep", "loosen", "remove"),
    "areas": lambda s: OrgUnit.objects.all(),
    "owners": lambda s: User.objects.all(),
    "action": lambda s: s.action,
    "committees": lambda s: MedCommittee.objects.all(),
    "suggestions": lambda s: {},
    "items": lambda s: list(Item.objects.order_by("pk")[:3]),
    "source": lambda s: None,
    "survey_round": lambda s: None,
}


def build(form_class: type[forms.BaseForm], scene: SimpleNamespace, **kwargs: Any) -> Any:
    needed = [
        name
        for name, parameter in inspect.signature(form_class.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    made = {name: KWARGS[name](scene) for name in needed if name in KWARGS}
    return form_class(**made, **kwargs)


def test_the_product_forms_are_found() -> None:
    names = {cls.__name__ for cls in FORM_CLASSES}
    assert {"CoreTaskForm", "InstrumentForm", "RoundForm", "ValueSignalForm", "StepForm"} <= names
    assert len(FORM_CLASSES) >= 30


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: cls.__qualname__)
def test_every_form_class_can_be_built(scene: SimpleNamespace, form_class: type) -> None:
    required = [
        name
        for name, parameter in inspect.signature(form_class.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        and parameter.default is inspect.Parameter.empty
    ]
    unknown = [name for name in required if name not in KWARGS]
    assert unknown == [], f"teach KWARGS how to make {unknown} for {form_class.__qualname__}"
    assert build(form_class, scene).fields is not None


def _file_fields(form: forms.BaseForm) -> list[str]:
    return [name for name, field in form.fields.items() if isinstance(field, forms.FileField)]


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: cls.__qualname__)
def test_garbage_never_breaks_a_form_and_stores_nothing(
    scene: SimpleNamespace, form_class: type
) -> None:
    blank = build(form_class, scene)
    names = [blank.add_prefix(name) for name in blank.fields]
    file_names = [blank.add_prefix(name) for name in _file_fields(blank)]

    @FUZZ
    @given(
        data=form_data(names), files=st.dictionaries(st.sampled_from(file_names or ["-"]), upload)
    )
    def check(data: dict[str, Any], files: dict[str, Any]) -> None:
        before = row_counts()
        form = build(form_class, scene, data=_as_query_dict(data), files=files)
        valid = form.is_valid()  # must not raise
        if not valid:
            assert form.errors
            str(form.errors)  # the messages render (lazy translations, parameters)
        assert changed(before, row_counts()) == {}

    check()


MULTIPLE_CHOICES = [
    (form_class, name)
    for form_class in FORM_CLASSES
    for name, field in getattr(form_class, "base_fields", {}).items()
    if isinstance(field, forms.ModelMultipleChoiceField)
]


@pytest.mark.parametrize(
    ("form_class", "name"), MULTIPLE_CHOICES, ids=lambda x: getattr(x, "__qualname__", x)
)
def test_an_id_too_large_for_the_database_is_refused_in_a_multiple_choice(
    scene: SimpleNamespace, form_class: type, name: str
) -> None:
    """Found by the fuzzing: a pk beyond 64 bits in a multiple choice reached the database
    (OverflowError on SQLite, DataError on PostgreSQL) and gave a 500."""
    form = build(form_class, scene)
    field = form.fields.get(name)
    if field is None:  # offered only in some states (inputs: while a task is in dialogue)
        field = copy.deepcopy(form_class.base_fields[name])
        field.queryset = field.queryset.model.objects.all()
    with pytest.raises(forms.ValidationError):
        field.clean(["1", "9223372036854775808"])


def _as_query_dict(data: dict[str, Any]) -> Any:
    """Data as a request would carry it: repeated keys for lists."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, item in data.items():
        if isinstance(item, list):
            query.setlist(key, item)
        else:
            query[key] = item
    return query


# --- Every POST route, through its view ------------------------------------------------------

_NAME = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname="([^"]+)\"""")
# Filter pages whose forms are read from the query string.
FILTER_ROUTES = [
    "kerneopgaver:overview",
    "styring:register",
    "styring:review",
    "socialkapital:actions",
    "socialkapital:index",
    "organisation:audit",
]
# Every form field name of the product, for routes whose form lives on another page.
ALL_FIELD_NAMES = sorted(
    {name for form_class in FORM_CLASSES for name in getattr(form_class, "base_fields", {}) if name}
)


def _client(objects: SimpleNamespace, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(objects.people[persona])
    return client


def _field_names(client: Client, path: str) -> list[str]:
    page = client.get(path)
    names = (
        set(_NAME.findall(page.content.decode(errors="replace")))
        if page.status_code == 200
        else set()
    )
    names.discard("csrfmiddlewaretoken")
    return sorted(names) or ALL_FIELD_NAMES


def post_routes(objects: SimpleNamespace) -> list[tuple[str, str, str]]:
    """(route, persona, path) for every route that accepts POST from its allowed persona."""
    found = []
    for route in all_route_names():
        if route in {"logout", "set_language"}:
            continue  # no form; a POST signs out or sets a cookie
        persona, _which = persona_for(route)
        path = path_for(route, objects)
        if _client(objects, persona).post(path, {}).status_code != 405:
            found.append((route, persona, path))
    return found


def _fuzz_post(client: Client, route: str, path: str, names: list[str]) -> None:
    @VIEW_FUZZ
    @given(data=form_data(names), files=st.dictionaries(st.sampled_from(names), upload, max_size=1))
    def check(data: dict[str, Any], files: dict[str, Any]) -> None:
        cache.clear()  # rate limits and login throttling would hide the validation
        before = row_counts()
        # The test client raises any exception a view lets through, so a 500 fails here.
        response = client.post(path, {**data, **files})
        assert response.status_code < 500, f"{route}: {response.status_code}"
        if response.status_code not in REDIRECTS:
            assert changed(before, row_counts()) == {}, f"{route} stored invalid input"

    check()


def test_garbage_posted_to_every_form_never_gives_a_500_and_stores_nothing_when_refused(
    world: SimpleNamespace,  # noqa: F811
) -> None:
    routes = post_routes(world)
    assert {route for route, _persona, _path in routes} >= {
        "kerneopgaver:create",
        "styring:create",
        "socialkapital:round_create",
        "styring:signal",
        "hoering:detail",
        "login",
    }
    for route, persona, path in routes:
        client = _client(world, persona)
        names = _field_names(client, path)
        if route.startswith("hoering:"):
            # The honeypot makes every bot-like submission a silent redirect; leave it empty
            # so the fuzz reaches the real validation.
            names = [name for name in names if name != "homepage"]
        _fuzz_post(client, route, path, names)


def _fuzz_get(client: Client, route: str, path: str, names: list[str]) -> None:
    @VIEW_FUZZ
    @given(query=form_data(names))
    def check(query: dict[str, Any]) -> None:
        response = client.get(path, query)
        assert response.status_code < 500, route

    check()


def test_garbage_in_the_filters_of_every_list_page_never_gives_a_500(
    world: SimpleNamespace,  # noqa: F811
) -> None:
    for route in FILTER_ROUTES:
        persona, _which = persona_for(route)
        client = _client(world, persona)
        path = reverse(route)
        _fuzz_get(client, route, path, [*_field_names(client, path), "page", "sort", "round"])
