"""OS2mo's GraphQL client: sign-in by client credentials, the pinned version, paging, and every
way a read can fail. Answers come from httpx.MockTransport, never the network."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from organisation.os2mo.client import Connection, OS2moClient, OS2moError
from tests.os2mo_support import (
    FIXTURES,
    SAMPLE,
    in_english,  # noqa: F401 - an autouse fixture: messages are checked in English
    no_sleep,
    recorded,
)

CONNECTION = Connection(
    url="https://os2mo.fjordby.example",
    version=22,
    auth_url="https://os2mo.fjordby.example/auth",
    realm="mo",
    client_id="kerneopgaver",
    client_secret="s3cret",
    timeout=5.0,
)
TOKEN_URL = "https://os2mo.fjordby.example/auth/realms/mo/protocol/openid-connect/token"


def page(field: str, objects: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"data": {field: {"objects": objects, "page_info": {"next_cursor": next_cursor}}}}


class FakeOS2mo:
    """Answers the token request and GraphQL requests through `answer(request, body)`, and
    remembers every request."""

    def __init__(self, answer: Callable[[httpx.Request, dict[str, Any]], httpx.Response]):
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.tokens_issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url) == TOKEN_URL:
            self.tokens_issued += 1
            return httpx.Response(
                200, json={"access_token": f"token-{self.tokens_issued}", "expires_in": 300}
            )
        return self.answer(request, json.loads(request.content))

    def client(self, **options: Any) -> OS2moClient:
        return OS2moClient(
            CONNECTION, transport=httpx.MockTransport(self), sleep=no_sleep, **options
        )

    def graphql_requests(self) -> list[httpx.Request]:
        return [request for request in self.requests if str(request.url) != TOKEN_URL]


def empty_pages(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
    field = body["query"].split("{")[1].split("(")[0].strip()
    return httpx.Response(200, json=page(field, [], None))


def test_the_token_is_fetched_by_client_credentials_and_sent_as_bearer() -> None:
    os2mo = FakeOS2mo(empty_pages)

    with os2mo.client() as client:
        client.fetch_all("org_units")

    token_request = os2mo.requests[0]
    assert str(token_request.url) == TOKEN_URL
    assert token_request.method == "POST"
    form = parse_qs(token_request.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["kerneopgaver"],
        "client_secret": ["s3cret"],
    }
    query = os2mo.graphql_requests()[0]
    assert query.headers["Authorization"] == "Bearer token-1"


def test_queries_go_to_the_pinned_graphql_version() -> None:
    os2mo = FakeOS2mo(empty_pages)

    with os2mo.client() as client:
        export = client.fetch_export()

    urls = {str(request.url) for request in os2mo.graphql_requests()}
    assert urls == {"https://os2mo.fjordby.example/graphql/v22"}
    assert set(export) == {"org_units", "employees", "associations", "related_units", "managers"}
    assert os2mo.tokens_issued == 1  # one sign-in serves every query


def test_paging_follows_the_cursors_until_there_is_none() -> None:
    pages = {None: ([1, 2], "Mg=="), "Mg==": ([3, 4], "NA=="), "NA==": ([5], None)}

    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        objects, next_cursor = pages[body["variables"]["cursor"]]
        return httpx.Response(200, json=page("org_units", objects, next_cursor))

    os2mo = FakeOS2mo(answer)

    with os2mo.client(page_size=2) as client:
        objects = client.fetch_all("org_units")

    assert objects == [1, 2, 3, 4, 5]
    sent = [json.loads(request.content)["variables"] for request in os2mo.graphql_requests()]
    assert sent == [
        {"limit": 2, "cursor": None},
        {"limit": 2, "cursor": "Mg=="},
        {"limit": 2, "cursor": "NA=="},
    ]


def test_a_cursor_handed_out_twice_stops_the_read() -> None:
    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=page("org_units", [1], "Mg=="))

    with FakeOS2mo(answer).client() as client, pytest.raises(OS2moError, match="paging"):
        client.fetch_all("org_units")


def test_a_server_error_is_tried_three_times_then_reported() -> None:
    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(500, text="<h1>Internal Server Error</h1>")

    os2mo = FakeOS2mo(answer)

    with os2mo.client() as client, pytest.raises(OS2moError, match="HTTP 500") as caught:
        client.fetch_all("employees")

    assert len(os2mo.graphql_requests()) == 3
    assert "employees" in str(caught.value)


def test_a_server_that_recovers_is_read_after_a_retry() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json=page("managers", [7], None))])
    os2mo = FakeOS2mo(lambda request, body: next(answers))

    with os2mo.client() as client:
        assert client.fetch_all("managers") == [7]


def test_a_timeout_is_reported_with_the_waiting_time() -> None:
    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with FakeOS2mo(answer).client() as client, pytest.raises(OS2moError, match="5 seconds"):
        client.fetch_all("org_units")


def test_an_unreachable_os2mo_is_reported() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = OS2moClient(CONNECTION, transport=httpx.MockTransport(refuse), sleep=no_sleep)

    with client, pytest.raises(OS2moError, match="could not be reached"):
        client.fetch_all("org_units")


def test_a_refused_sign_in_names_the_settings_to_check() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "unauthorized_client"})

    client = OS2moClient(CONNECTION, transport=httpx.MockTransport(refuse), sleep=no_sleep)

    with client, pytest.raises(OS2moError, match="OS2MO_CLIENT_SECRET"):
        client.fetch_all("org_units")


def test_an_expired_token_is_renewed_once() -> None:
    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer token-1":
            return httpx.Response(401)
        return httpx.Response(200, json=page("org_units", [1], None))

    os2mo = FakeOS2mo(answer)

    with os2mo.client() as client:
        assert client.fetch_all("org_units") == [1]
    assert os2mo.tokens_issued == 2


def test_graphql_errors_fail_the_read_with_their_messages() -> None:
    def answer(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(
            200, json={"data": None, "errors": [{"message": "Cannot query field 'x'"}]}
        )

    with FakeOS2mo(answer).client() as client, pytest.raises(OS2moError) as caught:
        client.fetch_all("associations")

    assert "Cannot query field 'x'" in str(caught.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>Log ind</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"data": {"org_units": {"objects": [1]}}}),
        httpx.Response(200, json={"data": {"org_units": {"page_info": {"next_cursor": None}}}}),
        httpx.Response(200, json={"data": {"org_units": {"objects": 3, "page_info": {}}}}),
    ],
    ids=["not-json", "not-an-object", "no-page-info", "no-objects", "objects-not-a-list"],
)
def test_an_answer_that_is_not_a_whole_page_fails_the_read(response: httpx.Response) -> None:
    client = FakeOS2mo(lambda request, body: response).client()

    with client, pytest.raises(OS2moError):
        client.fetch_all("org_units")


def test_the_connection_needs_os2mo_to_be_set_up(settings: Any) -> None:
    settings.OS2MO_ENABLED = False

    with pytest.raises(OS2moError, match="OS2MO_URL"):
        Connection.from_settings()


def test_the_connection_is_read_from_the_settings(settings: Any) -> None:
    settings.OS2MO_ENABLED = True
    settings.OS2MO_URL = "https://os2mo.fjordby.example/"
    settings.OS2MO_AUTH_URL = "https://login.fjordby.example/auth"

    connection = Connection.from_settings()

    assert connection.graphql_url == "https://os2mo.fjordby.example/graphql/v22"
    assert connection.token_url == (
        "https://login.fjordby.example/auth/realms/mo/protocol/openid-connect/token"
    )


def test_the_recorded_sample_is_read_page_by_page() -> None:
    with recorded(SAMPLE) as client:
        export = client.fetch_export()

    counts = {field: len(objects) for field, objects in export.items()}
    assert counts == {
        "org_units": 23,
        "employees": 31,
        "associations": 28,
        "related_units": 7,
        "managers": 17,
    }


def test_a_recorded_page_that_is_missing_fails_the_read() -> None:
    with recorded(FIXTURES / "missing_page") as client, pytest.raises(OS2moError, match="404"):
        client.fetch_all("managers")


def test_a_directory_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    with pytest.raises(OS2moError, match="not a directory"):
        recorded(tmp_path / "nowhere")


def test_a_reading_for_hr_waiting_on_the_page_stops_before_the_web_server_would() -> None:
    """Each answer takes 12 s (on a clock of the test's own): within 40 s, the reading stops
    with a clear message instead of the request being cut off; each request may only wait for
    what is left of the 40 s."""
    now = [0.0]
    waits: list[float] = []

    def slow(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        now[0] += 12.0
        field = body["query"].split("{")[1].split("(")[0].strip()
        return httpx.Response(200, json=page(field, [{"uuid": "x"}], f"next-{now[0]}"))

    os2mo = FakeOS2mo(slow)
    transport = httpx.MockTransport(
        lambda request: (waits.append(request.extensions["timeout"]["read"]), os2mo(request))[1]
    )
    client = OS2moClient(
        CONNECTION,
        transport=transport,
        sleep=no_sleep,
        within_seconds=40.0,
        clock=lambda: now[0],
    )
    with client, pytest.raises(OS2moError, match="too slowly"):
        client.fetch_all("org_units")
    assert now[0] <= 40.0 + 12.0  # no request started after the 40 s
    assert max(waits) <= CONNECTION.timeout
    assert min(waits) < CONNECTION.timeout  # the last request got only the time left


def test_the_nightly_sync_has_no_such_limit() -> None:
    now = [0.0]

    def slow(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        now[0] += 15.0
        field = body["query"].split("{")[1].split("(")[0].strip()
        cursor = None if now[0] > 100 else f"next-{now[0]}"
        return httpx.Response(200, json=page(field, [{"uuid": str(now[0])}], cursor))

    client = OS2moClient(CONNECTION, transport=httpx.MockTransport(FakeOS2mo(slow)), sleep=no_sleep)
    with client:
        assert len(client.fetch_all("org_units")) == 7
