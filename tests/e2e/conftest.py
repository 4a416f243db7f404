"""The running app for browser tests: AppHarness on a migrated database, fake SendGrid, SMS Aero and YooKassa,
Chromium."""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, WebError, expect
from sqlalchemy import delete

from lk_app import db
from lk_app.models import LimitEvent
from lk_app.settings import get_settings
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.fakes.smsaero_server import FakeSmsAero
from tests.fakes.yookassa_server import FakeYooKassa

# The real production server and nginx in front of it, built once for the modules that use them.
pytest_plugins = ["tests.e2e.production_server"]
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SENDGRID_KEY = "SG.test-key"
# With Redis, and on a loaded CI machine, an event can wait seconds for Reflex's state lock, and the dev server
# compiles a page on its first visit: assertions wait as long as actions do rather than fail on a slow but correct
# answer (CI once saw pages take 15 s). A passing test never waits for the whole of it.
PATIENCE_MS = 30_000
expect.set_options(timeout=PATIENCE_MS)
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# The screens the tests run on: both, unless LK_TEST_VIEWPORTS names fewer. CI's second pass (PostgreSQL, Redis, the
# production build) runs on the desktop only: what it adds is the database and the state manager behind the pages,
# which do not change with the screen; the phone's layout was checked in the first pass.
SCREENS = [name for name in os.environ.get("LK_TEST_VIEWPORTS", ",".join(VIEWPORTS)).split(",") if name in VIEWPORTS]


@dataclass
class RunningApp:
    """Where the app answers, and the fake providers it sends mail and SMS and makes payments through."""

    url: str
    backend: str
    sendgrid: FakeSendGrid
    smsaero: FakeSmsAero
    yookassa: FakeYooKassa


@pytest.fixture(scope="session")
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A fake SendGrid that checks requests as the real v3 API does."""
    with FakeSendGrid(api_key=SENDGRID_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def fake_smsaero() -> Iterator[FakeSmsAero]:
    """A fake SMS Aero gateway that checks requests as the real v2 API does."""
    with FakeSmsAero() as server:
        yield server


@pytest.fixture(scope="session")
def fake_yookassa() -> Iterator[FakeYooKassa]:
    """A fake YooKassa API v3 that checks payments as the real one does, with its checkout page."""
    with FakeYooKassa() as server:
        yield server


def yookassa_environment(fake: FakeYooKassa) -> dict[str, str]:
    """The settings that make the app pay through the fake YooKassa; notifications come from 127.0.0.1 here."""
    return {"LK_YOOKASSA_SHOP_ID": fake.shop_id, "LK_YOOKASSA_SECRET_KEY": fake.secret_key,
            "LK_YOOKASSA_API_URL": fake.url, "LK_YOOKASSA_CHECK_IP": "0"}


@pytest.fixture(scope="session")
def lk(database_url, fake_sendgrid, fake_smsaero, fake_yookassa) -> Iterator[RunningApp]:
    """The LK app served by AppHarness (in this process: the clock and the database are shared).

    With LK_TEST_PROD=1 it is the production build: the exported, minified pages on a static server, as
    `reflex run --env prod` serves them (`test_production.py` runs that itself, with several workers).
    """
    from reflex.testing import AppHarness, AppHarnessProd

    if not shutil.which("bun"):
        pytest.exit("bun is not on PATH: run the tests with `make test` (it installs bun from npm).", returncode=3)
    os.environ.update(
        LK_SENDGRID_API_KEY=SENDGRID_KEY,
        LK_SENDGRID_HOST=fake_sendgrid.url,
        LK_DEMO="0",  # real providers (the fakes): demo mode would refuse to start
        LK_DISPATCH_IN_APP="1",
        LK_SMSAERO_EMAIL=fake_smsaero.email,
        LK_SMSAERO_API_KEY=fake_smsaero.api_key,
        LK_SMSAERO_GATE=fake_smsaero.url,
        LK_PROVIDER_TIMEOUT_SECONDS="2",
        **yookassa_environment(fake_yookassa),
    )
    redis_url = os.environ.get("LK_TEST_REDIS_URL")
    if redis_url:
        os.environ["REFLEX_REDIS_URL"] = redis_url
    get_settings.cache_clear()
    harness_class = AppHarnessProd if os.environ.get("LK_TEST_PROD") == "1" else AppHarness
    with harness_class.create(root=ROOT, app_name="lk_app") as harness:
        # Page and backend must be one site for the session cookie to ride the websocket.
        url = re.sub(r"//localhost\b", "//127.0.0.1", harness.frontend_url).rstrip("/")
        from reflex.config import get_config

        get_config().deploy_url = url
        os.environ["LK_PUBLIC_URL"] = url
        # Page and backend answer on two ports here: mails link to the backend's routes (one-click unsubscribe) there.
        os.environ["LK_API_URL"] = get_config().api_url
        # The port is known only now; in production LK_PUBLIC_URL names the one origin up front.
        harness.app_instance.sio.eio.cors_allowed_origins = [url]
        get_settings.cache_clear()
        fake_yookassa.notification_url = get_config().api_url.rstrip("/") + "/payments/yookassa"
        yield RunningApp(url=url, backend=get_config().api_url, sendgrid=fake_sendgrid, smsaero=fake_smsaero,
                         yookassa=fake_yookassa)


def pytest_collection_modifyitems(items):
    """The tests on the real production server run last, so it starts only then: its workers' dispatchers share the
    database with the in-process app's, and before them no other test should see a second dispatcher or its load."""
    items.sort(key=lambda item: "production" in getattr(item, "fixturenames", ()))


@pytest.fixture(autouse=True)
def fresh_limits(database_url):
    """Every browser test comes from 127.0.0.1: its per-IP counts must not spill into the next test."""
    db.run(lambda session: session.exec(delete(LimitEvent)))
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium with the flags this closed network needs."""
    if not Path(CHROMIUM).exists():
        pytest.exit("Chromium is missing: `apt-get install -y chromium` (make test does it).", returncode=3)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


def pytest_configure(config):
    """The marker a test names the console errors it causes with (a refused request, a dropped websocket), and the
    marker of checks of the pages themselves."""
    config.addinivalue_line(
        "markers",
        "console_errors_expected(*patterns): console errors and page errors this test causes on purpose, as regular "
        "expressions searched in «text (url)»; any other fails the test",
    )
    config.addinivalue_line(
        "markers",
        "frontend_only: checks of the pages themselves that do not depend on the database or Redis; CI runs them "
        "once, on the embedded defaults",
    )


class ConsoleErrors:
    """The console errors and uncaught exceptions of every page a browser context opens, but those a test expects."""

    def __init__(self, context: BrowserContext, expected: list[str]) -> None:
        self._expected = [re.compile(pattern) for pattern in expected]
        self.unexpected: list[str] = []
        context.on("console", self._console)
        context.on("weberror", self._page_error)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._note(f"{message.text} ({message.location.get('url', '')})")

    def _page_error(self, error: WebError) -> None:
        self._note(f"uncaught {error.error.name}: {error.error.message} ({error.page.url if error.page else ''})")

    def _note(self, line: str) -> None:
        if not any(pattern.search(line) for pattern in self._expected):
            self.unexpected.append(line)


def expected_console_errors(request) -> list[str]:
    """The patterns of the test's console_errors_expected markers."""
    return [pattern for marker in request.node.iter_markers("console_errors_expected") for pattern in marker.args]


def fail_on_console_errors(errors: ConsoleErrors) -> None:
    """Fail the test (at its teardown) with every console error it did not expect."""
    if errors.unexpected:
        pytest.fail("console errors on the test's pages:\n" + "\n".join(errors.unexpected), pytrace=False)


@pytest.fixture(params=SCREENS)
def page(request, browser: Browser, lk) -> Iterator[Page]:
    """A fresh browser context per test, on a desktop screen and on a 390-px phone; a console error on any of its
    pages fails the test, unless the test expects it (console_errors_expected)."""
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], is_mobile=phone, has_touch=phone, locale="ru-RU", base_url=lk.url
    )
    context.set_default_timeout(PATIENCE_MS)
    errors = ConsoleErrors(context, expected_console_errors(request))
    page = context.new_page()
    yield page
    context.close()
    fail_on_console_errors(errors)
