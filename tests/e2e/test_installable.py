"""LK installs as an app: Chrome finds the manifest installable, and the service worker shows the offline page for a
page load without network while keeping nothing but that page, a customer's cabinet visited or not."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserType, Page, expect
from sqlmodel import select

from lk_app import db
from lk_app.installable import APPLE_TOUCH_ICON, MANIFEST_URL, manifest
from lk_app.models import LkUser
from lk_app.services.accounts import add_account
from lk_app.theme import BRAND
from tests.e2e.conftest import ConsoleErrors, expected_console_errors, fail_on_console_errors
from tests.e2e.helpers import Customer, expect_on_cabinet, lk_without_accounts, load_customer, log_in

pytestmark = pytest.mark.frontend_only
OFFLINE = "Нет соединения с интернетом"
# Every cache and the paths it holds, as the page's own origin sees them.
CACHE_CONTENTS = """async () => {
  const contents = {};
  for (const name of await caches.keys()) {
    const requests = await (await caches.open(name)).keys();
    contents[name] = requests.map((request) => new URL(request.url).pathname);
  }
  return contents;
}"""


@pytest.fixture(scope="module")
def customer(lk) -> tuple[str, Customer]:
    """One LK for the module, with an account whose figures its cabinet shows; its login and the account."""
    login = lk_without_accounts()
    account = load_customer()

    def link(session) -> bool:
        user_id = session.exec(select(LkUser.id).where(LkUser.login_key == login)).one()
        return add_account(user_id, account.number, "1234,56", session=session).added

    assert db.run(link)
    return login, account


@pytest.fixture
def profile_page(request, browser_type: BrowserType, browser_type_launch_args, lk, tmp_path) -> Iterator[Page]:
    """A page of a browser with a profile on disk, as Lighthouse runs: Chrome holds no app installable in the
    incognito-like contexts of the other tests. A console error fails the test, as with `page`."""
    context = browser_type.launch_persistent_context(tmp_path, **browser_type_launch_args, base_url=lk.url)
    errors = ConsoleErrors(context, expected_console_errors(request))
    yield context.pages[0]
    context.close()
    fail_on_console_errors(errors)


def test_chrome_finds_the_app_installable(profile_page: Page):
    page = profile_page
    page.goto("/")
    head = page.locator("head")
    expect(head.locator('link[rel="manifest"]')).to_have_attribute("href", MANIFEST_URL)
    expect(head.locator('meta[name="theme-color"]')).to_have_attribute("content", BRAND)
    expect(head.locator('link[rel="apple-touch-icon"]')).to_have_attribute("href", APPLE_TOUCH_ICON.url)
    served = page.request.get(MANIFEST_URL)
    assert served.ok and served.json() == manifest(), "the served manifest is the one the settings make"
    problems = []
    for src in [icon["src"] for icon in manifest()["icons"]] + [APPLE_TOUCH_ICON.url]:
        icon = page.request.get(src)
        if not icon.ok or icon.headers.get("content-type") != "image/png":
            problems.append(f"{src}: {icon.status} {icon.headers.get('content-type')}")
    assert not problems, "icons not served as PNG: " + "; ".join(problems)
    # What Lighthouse's installable-manifest audit asked Chrome, before Lighthouse 12 dropped its PWA category.
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []


# The login page's websocket, dropped by the network going, may try to reconnect before the next page replaces it.
@pytest.mark.console_errors_expected(r"WebSocket connection to '\S+/_event/\S+' failed: .*ERR_INTERNET_DISCONNECTED")
def test_offline_a_page_load_shows_the_offline_page_and_nothing_else_is_kept(page: Page, customer):
    login, account = customer
    page.goto("/")
    # Hydrated: nothing of the page is still on its way when the network goes.
    expect(page.get_by_role("button", name="Войти")).to_be_enabled()
    # clients.claim(): the page that registered the worker is already under its control.
    page.wait_for_function("navigator.serviceWorker.controller?.state === 'activated'")

    page.context.set_offline(True)
    page.goto("/register")
    expect(page).to_have_title(OFFLINE)
    expect(page.get_by_role("heading", name=OFFLINE)).to_be_visible()
    page.context.set_offline(False)
    page.get_by_role("button", name="Повторить").click()
    expect(page.get_by_role("heading", name="Регистрация")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/register/?$"))

    log_in(page, login)
    expect_on_cabinet(page, account)
    page.reload()  # a page load of the cabinet through the worker, with the session cookie
    expect_on_cabinet(page, account)
    contents = page.evaluate(CACHE_CONTENTS)
    assert list(contents.values()) == [["/offline.html"]], f"the caches hold more than the offline page: {contents}"
