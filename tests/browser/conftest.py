"""Browser fixtures: a live server on 127.0.0.1, headless Chromium from the Debian package driven
by Playwright, one browser page per test in Danish or in English (every flow runs in both), a
screenshot of every open page when a test fails, and axe-core on every page a test visits.

Without /usr/bin/chromium the tests skip with a plain reason; with REQUIRE_SERVICES=1 (CI) they
fail instead (`tests.conftest.need_service`). Playwright's own browser download is never used.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client

from organisation.models import User
from tests.conftest import need_service
from tests.factories import add_responses, closed_round

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from pytest_django.live_server_helper import LiveServer

    from socialkapital.models import SurveyRound

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium is not installed: apt-get install chromium chromium-driver"
PLAYWRIGHT_MISSING = "Playwright is not installed: .venv/bin/pip install -e '.[dev]'"
SCREENSHOTS = Path("test-artifacts") / "screenshots"
# Every wait is bounded: a page of this app answers in well under a second on the live server,
# so ten seconds means something is wrong, not slow.
TIMEOUT_MS = 10_000
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING_IMPACTS = ("critical", "serious")
FACTORY_PASSWORD = "demo"  # every user made by tests.factories.UserFactory has it
LANGUAGE_NAMES = {"da": "Danish", "en": "English"}

CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test body failed, so the page fixture can take screenshots."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


# --- The browser and the server -----------------------------------------------------------------


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole package (starting it costs about a second)."""
    if not CHROMIUM.exists():
        need_service(CHROMIUM_MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service(PLAYWRIGHT_MISSING)
    # Playwright's sync API keeps an asyncio loop running in this thread between its calls, and
    # Django then refuses ORM calls from the test body ("async context"). The tests are plain
    # synchronous code; the flag is set only while the browser runs and is restored after.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, timeout=30_000
            )
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="package")
def live_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    """pytest-django's live server, on 127.0.0.1 (loopback only) and for this package only, so
    it stops when the browser tests end. pytest-django still gives each test that uses it a
    transactional database (the server thread must see the test's rows)."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(params=["da", "en"], ids=["Danish", "English"])
def language(request: pytest.FixtureRequest) -> str:
    """Every flow runs in Danish and in English, so axe-core sees every page in both."""
    return request.param


# --- A test's browsing: its pages, its language, axe-core and screenshots -----------------------


@dataclass
class Browsing:
    """One browser context (its own cookies) with one page, in one language."""

    context: BrowserContext
    page: Page
    language: str
    base_url: str
    visited: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)

    def say(self, *, da: str, en: str) -> str:
        """The text a user sees in the page's language."""
        return da if self.language == "da" else en

    def go(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.ok, f"{path} answered {response.status}"

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def sign_in_with_form(self, user: User, password: str = FACTORY_PASSWORD) -> None:
        """Sign in through the real login form (the page must show it)."""
        self.page.locator("#id_username").fill(user.username)
        self.page.locator("#id_password").fill(password)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()

    def sign_in_with_cookie(self, user: User) -> None:
        """A session made by Django's test client, handed to the browser as its cookie: the
        quick way for flows whose subject is not the login itself."""
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url}]
        )

    def tab_to(self, selector: str, *, most: int = 60) -> None:
        """Press Tab until the focused element matches `selector` (at most `most` times)."""
        for _ in range(most):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
                return
        focused = self.page.evaluate("document.activeElement?.outerHTML.slice(0, 120)")
        raise AssertionError(f"{most} Tabs never reached {selector}; the focus is on {focused}")

    def fits_the_width(self) -> bool:
        """No sideways scrolling: the page is no wider than the viewport."""
        return self.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )

    def check_accessibility(self) -> None:
        """axe-core on the page as it is now: no serious or critical violation."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(axe_script())
        results = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        self.checked.add(self.page.url)
        blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            # Raised, not asserted: the list is the message, without pytest's repr of the dicts.
            raise AssertionError(describe_violations(blocking, self.path(), self.language))

    def unchecked_pages(self) -> list[str]:
        return [url for url in dict.fromkeys(self.visited) if url not in self.checked]


@functools.cache
def axe_script() -> str:
    """axe-core as shipped in the pinned axe-playwright-python wheel (no network needed)."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")


def describe_violations(violations: list[dict[str, Any]], where: str, language: str) -> str:
    """One block per violation: rule id, impact, what it asks for, and the elements at fault."""
    lines = [
        f"axe-core found {len(violations)} serious or critical violation(s) on {where} "
        f"({LANGUAGE_NAMES.get(language, language)}):"
    ]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation.get('helpUrl', '')}>"
        )
        for node in violation.get("nodes", []):
            target = " ".join(
                " >>> ".join(part) if isinstance(part, list) else part
                for part in node.get("target", [])
            )
            lines.append(f"    {target}: {node.get('html', '')[:160]}")
    return "\n".join(lines)


def _screenshot_name(nodeid: str, number: int) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]) + f"-{number}.png"


@pytest.fixture
def open_browser(
    request: pytest.FixtureRequest,
    chromium: Browser,
    live_server: LiveServer,
    language: str,
) -> Iterator[Callable[..., Browsing]]:
    """`open_browser(viewport=PHONE)`: a fresh browser context in the test's language. When the
    test fails, every page it opened is saved to test-artifacts/screenshots/; when it passes,
    every page it visited must have been checked with axe-core."""
    opened: list[Browsing] = []

    def open_one(*, viewport: dict[str, int] = DESKTOP) -> Browsing:
        context = chromium.new_context(viewport=viewport, locale=language, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        page = context.new_page()
        browsing = Browsing(context=context, page=page, language=language, base_url=live_server.url)
        page.on(
            "framenavigated",
            lambda frame: (
                browsing.visited.append(frame.url)
                if frame == page.main_frame and frame.url.startswith(live_server.url)
                else None
            ),
        )
        opened.append(browsing)
        return browsing

    yield open_one

    failed = request.node.stash.get(CALL_FAILED, False)
    try:
        if failed:
            folder = Path(request.config.rootpath) / SCREENSHOTS
            folder.mkdir(parents=True, exist_ok=True)
            for number, browsing in enumerate(opened, start=1):
                path = folder / _screenshot_name(request.node.nodeid, number)
                browsing.page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of {browsing.page.url}: {path}")
        unchecked = [url for browsing in opened for url in browsing.unchecked_pages()]
    finally:
        for browsing in opened:
            browsing.context.close()
    if not failed and unchecked:
        pytest.fail(f"pages visited without an axe-core check: {unchecked}")


# --- Data shared by several flows ---------------------------------------------------------------


def agree(index: int, item: object) -> int:
    """Agreement (4) with every statement, disagreement with reversed ones: 75 everywhere."""
    return 2 if item.reverse_scored else 4


@pytest.fixture
def results_round(org: SimpleNamespace) -> SurveyRound:
    """A closed, counted round over the municipality (k = 3) with figures for Dagtilbud Nord's
    two workplaces and for Gruppe 1."""
    from socialkapital.services.aggregation import aggregate_round

    survey = closed_round(org.root, k=3, name="Trivsel efterår")
    add_responses(survey, org.solsikken, 6, value=agree)
    add_responses(survey, org.maelkeboetten, 4, value=3)
    add_responses(survey, org.group, 5, value=agree)
    aggregate_round(round_id=survey.pk)
    survey.refresh_from_db()
    return survey
