"""OS2mo's GraphQL API: sign-in by client credentials and paged reads.

OS2mo documents service accounts as Keycloak clients: the integration asks Keycloak for a token
with the client-credentials grant (`{auth}/realms/{realm}/protocol/openid-connect/token`) and
sends it as a bearer token to `{OS2MO_URL}/graphql/v{N}`. The version is pinned
(`OS2MO_GRAPHQL_VERSION`): OS2mo keeps old versions for months after a new one appears, and
upgrading is a deliberate change of the queries below.

Every list is read in pages (`limit`, `cursor`, `page_info { next_cursor }`) until the cursor is
null. Only the current state (`current`) is read: what is valid today.

Anything that goes wrong (no connection, a timeout, an HTTP error, an answer that is not JSON,
GraphQL `errors`, a page without its objects or page info) raises `OS2moError` with a message
for people; a failed read is never used in part, since a missing page would look like units and
people that have disappeared. Connection problems, timeouts and 5xx/429 answers are tried again
a few times with a growing pause.

`recorded_transport` answers the same requests from a directory of recorded answers (see
`samples/os2mo/README.md`), for the management command's `--recorded` and for tests.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_ATTEMPTS = 3
FIRST_RETRY_SECONDS = 1.0
# A guard against a server that keeps handing out new cursors: far more pages than any
# municipality has (200 objects a page).
MAX_PAGES = 5000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A token is renewed this long before Keycloak says it expires, so no request carries one that
# expires on the way.
TOKEN_MARGIN_SECONDS = 30


class OS2moError(Exception):
    """Reading from OS2mo failed. `str(error)` is a translated message for HR and the log."""


# --- The queries (GraphQL v22) --------------------------------------------------------------
# One per list, each paged the same way. The name of each is the top-level field it reads and
# the file name stem of its recorded pages.

_PAGED = """
query {operation}($limit: int = null, $cursor: Cursor = null) {{
  {field}(limit: $limit, cursor: $cursor) {{
    objects {{
      uuid
      current {{
{selection}
      }}
    }}
    page_info {{ next_cursor }}
  }}
}}
"""

_SELECTIONS = {
    "org_units": (
        "OrgUnits",
        """        uuid
        user_key
        name
        parent { uuid }
        unit_type { user_key name }
        org_unit_level { user_key name }
        org_unit_hierarchy_model { user_key name }""",
    ),
    "employees": (
        "Employees",
        """        uuid
        user_key
        name
        given_name
        surname
        addresses { value address_type { user_key scope } }
        engagements { uuid is_primary org_unit { uuid } }""",
    ),
    "associations": (
        "Associations",
        """        uuid
        person { uuid }
        org_unit { uuid }
        association_type { user_key name }""",
    ),
    "related_units": (
        "RelatedUnits",
        """        uuid
        org_units { uuid }""",
    ),
    "managers": (
        "Managers",
        """        uuid
        person { uuid }
        org_unit { uuid }""",
    ),
}

QUERIES: dict[str, str] = {
    field: _PAGED.format(operation=operation, field=field, selection=selection)
    for field, (operation, selection) in _SELECTIONS.items()
}
LISTS = tuple(QUERIES)


@dataclass(frozen=True)
class Connection:
    """Where OS2mo is and how to sign in; from the OS2MO_* settings."""

    url: str
    version: int
    auth_url: str
    realm: str
    client_id: str
    client_secret: str
    timeout: float

    @classmethod
    def from_settings(cls) -> Connection:
        if not settings.OS2MO_ENABLED:
            raise OS2moError(
                _("OS2mo is not set up: set OS2MO_URL and OS2MO_CLIENT_SECRET (see the README).")
            )
        return cls(
            url=settings.OS2MO_URL.rstrip("/"),
            version=settings.OS2MO_GRAPHQL_VERSION,
            auth_url=settings.OS2MO_AUTH_URL.rstrip("/"),
            realm=settings.OS2MO_AUTH_REALM,
            client_id=settings.OS2MO_CLIENT_ID,
            client_secret=settings.OS2MO_CLIENT_SECRET,
            timeout=float(settings.OS2MO_TIMEOUT_SECONDS),
        )

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql/v{self.version}"

    @property
    def token_url(self) -> str:
        return f"{self.auth_url}/realms/{self.realm}/protocol/openid-connect/token"


class OS2moClient:
    """Reads OS2mo. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.BaseTransport | None = None,
        page_size: int = PAGE_SIZE,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        within_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = connection
        self.page_size = page_size
        self.max_attempts = max_attempts
        self._sleep = sleep
        # A whole reading must end within this time (HR waiting on a page, which the web
        # server would otherwise cut off); None for the nightly sync, which may take longer.
        self.within_seconds = within_seconds
        self._clock = clock
        self._deadline = None if within_seconds is None else clock() + within_seconds
        self._http = httpx.Client(transport=transport, timeout=connection.timeout)
        self._token: str | None = None
        self._token_expires = 0.0

    @classmethod
    def from_settings(cls, **options: Any) -> OS2moClient:
        return cls(Connection.from_settings(), **options)

    @classmethod
    def recorded(cls, directory: Path, **options: Any) -> OS2moClient:
        """A client that reads a recorded export from `directory` instead of the network."""
        connection = Connection(
            url="http://os2mo.recorded",
            version=settings.OS2MO_GRAPHQL_VERSION,
            auth_url="http://os2mo.recorded/auth",
            realm="mo",
            client_id="recorded",
            client_secret="recorded",  # noqa: S106 - the recorded transport checks no secret
            timeout=1.0,
        )
        return cls(connection, transport=recorded_transport(directory), **options)

    def __enter__(self) -> OS2moClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- HTTP ---------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, tried again on connection problems, timeouts and 5xx/429 answers."""
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            if self._deadline is not None:
                remaining = self._deadline - self._clock()
                if remaining <= 0:
                    raise OS2moError(
                        _(
                            "OS2mo answered too slowly: reading was stopped after %(seconds)s "
                            "seconds. Try again later; the nightly sync has no such limit."
                        )
                        % {"seconds": int(self.within_seconds or 0)}
                    )
                kwargs["timeout"] = min(self.connection.timeout, remaining)
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                if last:
                    raise OS2moError(
                        _("OS2mo did not answer within %(seconds)s seconds (%(url)s).")
                        % {"seconds": int(self.connection.timeout), "url": url}
                    ) from None
            except httpx.HTTPError as exc:
                if last:
                    raise OS2moError(
                        _("OS2mo could not be reached (%(url)s): %(error)s")
                        % {"url": url, "error": exc}
                    ) from None
            else:
                if response.status_code not in RETRY_STATUSES or last:
                    return response
            pause = FIRST_RETRY_SECONDS * 2 ** (attempt - 1)
            logger.warning("OS2mo request to %s failed (attempt %s), retrying", url, attempt)
            self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_token(self) -> str:
        response = self._send(
            "POST",
            self.connection.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.connection.client_id,
                "client_secret": self.connection.client_secret,
            },
        )
        if response.status_code != 200:
            raise OS2moError(
                _(
                    "Signing in to OS2mo failed (HTTP %(status)s from %(url)s): check "
                    "OS2MO_CLIENT_ID, OS2MO_CLIENT_SECRET, OS2MO_AUTH_URL and OS2MO_AUTH_REALM."
                )
                % {"status": response.status_code, "url": self.connection.token_url}
            )
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise OS2moError(_("OS2mo's sign-in service answered without an access token."))
        expires_in = body.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int | float) and expires_in > 0 else 60
        self._token = token
        self._token_expires = time.monotonic() + lifetime - TOKEN_MARGIN_SECONDS
        return token

    def _bearer(self, *, renew: bool = False) -> str:
        if renew or self._token is None or time.monotonic() >= self._token_expires:
            return self._fetch_token()
        return self._token

    # --- GraphQL ------------------------------------------------------------------------------

    def execute(self, query: str, variables: dict[str, Any], *, label: str) -> dict[str, Any]:
        """The `data` of one GraphQL request; any GraphQL error fails the whole request."""
        url = self.connection.graphql_url
        payload = {"query": query, "variables": variables}
        response = self._post_graphql(url, payload, renew=False)
        if response.status_code == 401:
            # The token may have been revoked or expired early: one fresh sign-in, then give up.
            response = self._post_graphql(url, payload, renew=True)
        if response.status_code != 200:
            raise OS2moError(
                _("OS2mo answered HTTP %(status)s to the query %(query)s (%(url)s).")
                % {"status": response.status_code, "query": label, "url": url}
            )
        body = _json(response)
        if not isinstance(body, dict):
            raise OS2moError(
                _("OS2mo's answer to the query %(query)s is not a JSON object.") % {"query": label}
            )
        errors = body.get("errors")
        if errors:
            raise OS2moError(
                _("OS2mo reported errors for the query %(query)s: %(errors)s")
                % {"query": label, "errors": _error_messages(errors)}
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise OS2moError(
                _("OS2mo's answer to the query %(query)s has no data.") % {"query": label}
            )
        return data

    def _post_graphql(self, url: str, payload: dict[str, Any], *, renew: bool) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._bearer(renew=renew)}"}
        return self._send("POST", url, json=payload, headers=headers)

    def fetch_all(self, field: str) -> list[Any]:
        """Every object of one list (`org_units`, `employees`, ...), page by page."""
        objects: list[Any] = []
        cursor: str | None = None
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            label = _("%(query)s (page %(page)s)") % {"query": field, "page": page}
            data = self.execute(
                QUERIES[field], {"limit": self.page_size, "cursor": cursor}, label=label
            )
            result = data.get(field)
            page_objects = result.get("objects") if isinstance(result, dict) else None
            page_info = result.get("page_info") if isinstance(result, dict) else None
            if not isinstance(page_objects, list) or not isinstance(page_info, dict):
                raise OS2moError(
                    _(
                        "OS2mo's answer to the query %(query)s is incomplete: the objects or "
                        "the page information are missing."
                    )
                    % {"query": label}
                )
            objects.extend(page_objects)
            cursor = page_info.get("next_cursor")
            if cursor is None:
                return objects
            if not isinstance(cursor, str) or cursor in seen:
                raise OS2moError(
                    _("OS2mo's paging of %(query)s is broken: the next cursor is %(cursor)s.")
                    % {"query": field, "cursor": json.dumps(cursor)}
                )
            seen.add(cursor)
        raise OS2moError(
            _("OS2mo's paging of %(query)s did not end after %(pages)s pages.")
            % {"query": field, "pages": MAX_PAGES}
        )

    def fetch_export(self) -> dict[str, list[Any]]:
        """Every list the import needs, all read completely or an `OS2moError`."""
        export = {field: self.fetch_all(field) for field in LISTS}
        logger.info(
            "Read from OS2mo: %s",
            ", ".join(f"{len(objects)} {field}" for field, objects in export.items()),
        )
        return export


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise OS2moError(
            _("OS2mo's answer from %(url)s is not JSON.") % {"url": response.request.url}
        ) from None


def _error_messages(errors: Any) -> str:
    if isinstance(errors, list):
        messages = [
            str(error.get("message")) if isinstance(error, dict) else str(error) for error in errors
        ]
        return "; ".join(messages)[:500]
    return str(errors)[:500]


# --- Recorded exports -----------------------------------------------------------------------

# `org_units.1.json` is the first page of org_units; `employees.2.500.html` would be a second
# page answered with HTTP 500 and an HTML body. Page n+1 answers the cursor page n gave.
_RECORDED_NAME = re.compile(r"^(?P<field>[a-z_]+)\.(?P<page>\d+)(?:\.(?P<status>\d{3}))?\.\w+$")


def _recorded_pages(directory: Path) -> dict[str, list[tuple[int, Path]]]:
    pages: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(directory.iterdir()):
        match = _RECORDED_NAME.match(path.name)
        if match and match["field"] in QUERIES:
            pages.setdefault(match["field"], []).append((int(match["page"]), path))
    return {field: sorted(found) for field, found in pages.items()}


def _recorded_response(path: Path) -> httpx.Response:
    match = _RECORDED_NAME.match(path.name)
    assert match is not None
    status = int(match["status"] or 200)
    content = path.read_bytes()
    kind = "application/json" if path.suffix == ".json" else "text/html"
    return httpx.Response(status, content=content, headers={"Content-Type": kind})


def _next_cursor(path: Path) -> str | None:
    """The cursor a recorded page hands on, or None where it has none (or is no JSON page)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        data = body["data"]
        (result,) = data.values()
        cursor = result["page_info"]["next_cursor"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return cursor if isinstance(cursor, str) else None


def recorded_transport(directory: Path) -> httpx.MockTransport:
    """Answers the token request and the paged queries from recorded files in `directory`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise OS2moError(_("%(directory)s is not a directory.") % {"directory": directory})
    chains: dict[str, dict[str | None, Path]] = {}
    for field, pages in _recorded_pages(directory).items():
        chain: dict[str | None, Path] = {}
        cursor: str | None = None
        for _page, path in pages:
            chain[cursor] = path
            cursor = _next_cursor(path)
            if cursor is None:
                break
        chains[field] = chain

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/protocol/openid-connect/token"):
            return httpx.Response(200, json={"access_token": "recorded", "expires_in": 300})
        body = json.loads(request.content)
        field = next((name for name in QUERIES if QUERIES[name] == body.get("query")), None)
        cursor = body.get("variables", {}).get("cursor")
        path = chains.get(field or "", {}).get(cursor)
        if path is None:
            return httpx.Response(
                404, text=f"No recorded answer for {field} at cursor {cursor!r} in {directory}"
            )
        return _recorded_response(path)

    return httpx.MockTransport(handle)
