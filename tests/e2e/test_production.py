"""LK as production runs it: `reflex run --env prod` on one port, several backend workers sharing state in Redis.

The rest of the browser suite drives an app in this process (its clock can be moved); here the real command
builds the minified pages into a folder of its own and serves them with its workers, on the same database, Redis
and fake providers. With Redis it runs PRODUCTION_WORKERS workers; without Redis Reflex allows one.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PATIENCE_MS, ROOT, SENDGRID_KEY, VIEWPORTS, RunningApp
from tests.e2e.helpers import confirm, expect_on_cabinet, load_customer, log_in, log_out, register
from tests.processes import free_port, stop_process_group, wait_until_answers

PRODUCTION_WORKERS = 3
BUILD_TIMEOUT_SECONDS = 600.0


@pytest.fixture(scope="module")
def production(database_url, fake_sendgrid, fake_smsaero, tmp_path_factory) -> Iterator[RunningApp]:
    """`reflex run --env prod --single-port` in its own process group until the module's tests are done."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    workdir = tmp_path_factory.mktemp("production")
    redis_url = os.environ.get("LK_TEST_REDIS_URL")
    environment = dict(
        os.environ,
        REFLEX_DB_URL=database_url,
        REFLEX_WEB_WORKDIR=str(workdir / ".web"),  # not the .web the in-process app of the other tests serves
        REFLEX_API_URL=url,
        REFLEX_DEPLOY_URL=url,
        GRANIAN_WORKERS=str(PRODUCTION_WORKERS if redis_url else 1),
        LK_PUBLIC_URL=url,
        LK_SENDGRID_API_KEY=SENDGRID_KEY,
        LK_SENDGRID_HOST=fake_sendgrid.url,
        LK_SMSAERO_EMAIL=fake_smsaero.email,
        LK_SMSAERO_API_KEY=fake_smsaero.api_key,
        LK_SMSAERO_GATE=fake_smsaero.url,
        LK_DISPATCH_IN_APP="1",  # every worker runs a dispatcher: none may send a message twice
        LK_DEMO="0",
    )
    environment.pop("LK_API_URL", None)
    environment.pop("REFLEX_REDIS_URL", None)
    if redis_url:
        environment["REFLEX_REDIS_URL"] = redis_url
    log_path = workdir / "reflex.log"
    command = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port", "--frontend-port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_answers(f"{url}/health", process, log_path, BUILD_TIMEOUT_SECONDS)
        wait_until_answers(f"{url}/", process, log_path, 60)
        yield RunningApp(url=url, backend=url, sendgrid=fake_sendgrid, smsaero=fake_smsaero)
    finally:
        stop_process_group(process)


@pytest.fixture(params=list(VIEWPORTS))
def prod_page(request, browser: Browser, production: RunningApp) -> Iterator[Page]:
    """A fresh browser context on the production server, on a desktop screen and on a 390-px phone."""
    phone = request.param == "phone"
    context = browser.new_context(viewport=VIEWPORTS[request.param], is_mobile=phone, has_touch=phone,
                                  locale="ru-RU", base_url=production.url)
    context.set_default_timeout(PATIENCE_MS)
    yield context.new_page()
    context.close()


def _backend_workers(production: RunningApp) -> list[psutil.Process]:
    """The processes that accept the app's connections on its port (the workers, not their supervisor)."""
    port = int(production.url.rsplit(":", 1)[1])
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
    import httpx

    page = httpx.get(production.url + "/")
    assert page.status_code == 200
    scripts = re.findall(r'src="([^"]+\.js)"', page.text) + re.findall(r'href="([^"]+\.js)"', page.text)
    assert scripts, "the page names its scripts"
    assert all("/node_modules/" not in script and "@vite" not in script for script in scripts)  # not the dev server
    expected = PRODUCTION_WORKERS if os.environ.get("LK_TEST_REDIS_URL") else 1
    assert len(_backend_workers(production)) >= expected


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
