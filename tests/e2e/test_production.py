"""LK as production runs it: `reflex run --env prod` on one port, several backend workers sharing state in Redis.

The server and nginx in front of it are fixtures of tests/e2e/production_server.py; the proxy's refusal of a
client-sent X-Forwarded-For is an attack of test_attacks.py.
"""

import os
import re
from urllib.parse import urljoin

import httpx
import psutil
import pytest
from playwright.sync_api import Page, expect

from lk_app.installable import MANIFEST_URL, manifest
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import confirm, expect_on_cabinet, load_customer, log_in, log_out, register
from tests.e2e.production_server import PRODUCTION_WORKERS, port_of
from tests.e2e.proxy import Proxy
from tests.reflex_client import run_apart


def _backend_workers(production: RunningApp) -> list[psutil.Process]:
    """The processes that accept the app's connections on its port (the workers, not their supervisor)."""
    port = port_of(production)
    return [
        process for process in psutil.process_iter()
        if any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in _connections(process))
    ]


def _connections(process: psutil.Process) -> list:
    try:
        return process.net_connections(kind="tcp")
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        return []


def test_the_production_build_serves_minified_pages_from_several_workers(production: RunningApp):
    page = httpx.get(production.url + "/")
    assert page.status_code == 200
    scripts = re.findall(r'"(/[^"]+\.js)"', page.text)  # named in the loader that fetches them after the first paint
    assert scripts, "the page names its scripts"
    assert all("/node_modules/" not in script and "@vite" not in script for script in scripts)  # not the dev server
    expected = PRODUCTION_WORKERS if os.environ.get("LK_TEST_REDIS_URL") else 1
    assert len(_backend_workers(production)) >= expected
    # The installable app's files at the root: the manifest the build wrote, the worker and its page from assets/.
    worker, offline = (httpx.get(production.url + path) for path in ("/sw.js", "/offline.html"))
    assert httpx.get(production.url + MANIFEST_URL).json() == manifest()
    assert "javascript" in worker.headers["content-type"] and "Нет соединения с интернетом" in offline.text


def test_the_journey_on_the_production_server(prod_page: Page, production: RunningApp):
    customer = load_customer()
    link = register(prod_page, production, customer)
    confirm(prod_page, link)
    log_in(prod_page, customer.number)
    expect_on_cabinet(prod_page, customer)
    # Every new tab opens its own websocket, which the kernel hands to any of the workers: each must find the
    # session and the state the others wrote to Redis.
    for _ in range(4):
        tab = prod_page.context.new_page()
        tab.goto("/cabinet")
        expect_on_cabinet(tab, customer)
        tab.close()
    log_out(prod_page)
    prod_page.goto("/cabinet", wait_until="commit")  # sent on to the login page, often before its load event
    expect(prod_page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()
    assert len(production.sendgrid.mails_to(customer.email)) == 1, "the workers' dispatchers sent the link once"


# Where a page puts what a customer sees first, and in what colours and size of type.
_LAYOUT = """() => [...document.querySelectorAll("main h1, main label, main input, main button, main a, header a")]
  .map(e => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
              return [e.tagName, e.innerText.trim(), Math.round(r.x), Math.round(r.y), Math.round(r.width),
                      Math.round(r.height), s.color, s.backgroundColor, s.fontSize]; })"""
_FULL_STYLESHEET_APPLIED = "() => [...document.styleSheets].some(sheet => sheet.href && sheet.href.endsWith('.css'))"


def _where(layout: list) -> list:
    return [element[:6] for element in layout]


@pytest.mark.console_errors_expected(r"ERR_FAILED")
def test_production_pages_paint_from_their_own_html_as_they_look_once_loaded(prod_page: Page, production: RunningApp):
    for path, heading in (("/", "Вход в Личный кабинет"), ("/register/", "Регистрация"),
                          ("/first-login/", "Первый вход")):
        head = httpx.get(production.url + path).text.split("</head>")[0]
        blocking = re.findall(r"<link[^>]*stylesheet[^>]*>", re.sub(r"<noscript>.*?</noscript>", "", head))
        assert blocking == [] and "modulepreload" not in head, f"{path} waits for {blocking or 'its scripts'}"
        # The first frame, before any stylesheet or script has come; then with the whole stylesheet: the same.
        prod_page.route(re.compile(r"/assets/.+\.(css|js)$"), lambda route: route.abort())
        prod_page.goto(path)
        expect(prod_page.get_by_role("heading", name=heading)).to_be_visible()
        first_frame = prod_page.evaluate(_LAYOUT)
        prod_page.unroute_all()
        prod_page.route(re.compile(r"/assets/.+\.js$"), lambda route: route.abort())
        prod_page.goto(path)
        prod_page.wait_for_function(_FULL_STYLESHEET_APPLIED)
        assert prod_page.evaluate(_LAYOUT) == first_frame, f"{path}: the stylesheet changes what the first frame showed"
        # Hydrated, the page works where it was drawn.
        prod_page.unroute_all()
        prod_page.goto(path)
        expect(prod_page.locator("fieldset").first).to_be_enabled()
        assert _where(prod_page.evaluate(_LAYOUT)) == _where(first_frame), f"{path} moves once its scripts run"


def test_behind_nginx_the_app_servers_redirects_stay_on_https(proxied: Proxy):
    async def scenario():
        async with proxied.client_session() as http, http.get(f"{proxied.url}/cabinet", allow_redirects=False) as answer:
            return answer.status, answer.headers.get("Location", "")

    # Starlette sends a page's address to its folder, building the URL from the Host it got and its own http.
    status, location = run_apart(scenario())
    assert status == 307
    assert urljoin(f"{proxied.url}/cabinet", location) == f"{proxied.url}/cabinet/"


def test_nginx_sends_plain_http_to_https(proxied: Proxy):
    answer = httpx.get(f"http://127.0.0.1:{proxied.http_port}/cabinet?from=mail",
                       headers={"Host": proxied.server_name})
    assert answer.status_code == 301
    assert answer.headers["location"] == f"https://{proxied.server_name}/cabinet?from=mail"
