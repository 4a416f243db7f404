"""The real production server (`reflex run --env prod --single-port`) and Debian's nginx in front of it, as fixtures.

The rest of the browser suite drives an app in this process (its clock can be moved); here the real command builds
the minified pages into a folder of its own and serves them with its workers, on the same database, Redis and fake
providers. With Redis it runs PRODUCTION_WORKERS workers; without Redis Reflex allows one. It is built once for the
whole run: test_production.py and test_attacks.py share it.
"""

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import (
    PATIENCE_MS,
    ROOT,
    SCREENS,
    SENDGRID_KEY,
    VIEWPORTS,
    ConsoleErrors,
    RunningApp,
    expected_console_errors,
    fail_on_console_errors,
    yookassa_environment,
)
from tests.e2e.proxy import Proxy, running_nginx
from tests.processes import free_port, stop_process_group, wait_until_answers
from tests.reflex_client import RawReflexClient

PRODUCTION_WORKERS = 3
BUILD_TIMEOUT_SECONDS = 600.0


@pytest.fixture(scope="session")
def production(database_url, fake_sendgrid, fake_smsaero, fake_yookassa, tmp_path_factory) -> Iterator[RunningApp]:
    """`reflex run --env prod --single-port` in its own process group, built once for every module that uses it."""
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
        **yookassa_environment(fake_yookassa),
        LK_DISPATCH_IN_APP="1",  # every worker runs a dispatcher: none may send a message twice
        LK_DEMO="0",
        # As behind deploy/nginx.conf. Reflex reads X-Forwarded-For only when a request has one: the direct tests
        # send none and are taken for the peer they are, so one server serves both.
        LK_TRUSTED_PROXY_HOPS="1",
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
        yield RunningApp(url=url, backend=url, sendgrid=fake_sendgrid, smsaero=fake_smsaero, yookassa=fake_yookassa)
    finally:
        stop_process_group(process)


@pytest.fixture(params=SCREENS)
def prod_page(request, browser: Browser, production: RunningApp) -> Iterator[Page]:
    """A fresh browser context on the production server, on a desktop screen and on a 390-px phone; a console error
    fails the test, as with `page`."""
    phone = request.param == "phone"
    context = browser.new_context(viewport=VIEWPORTS[request.param], is_mobile=phone, has_touch=phone,
                                  locale="ru-RU", base_url=production.url)
    context.set_default_timeout(PATIENCE_MS)
    errors = ConsoleErrors(context, expected_console_errors(request))
    yield context.new_page()
    context.close()
    fail_on_console_errors(errors)


@pytest.fixture(scope="session")
def proxied(production: RunningApp, tmp_path_factory) -> Iterator[Proxy]:
    """Debian's nginx with deploy/nginx.conf (TLS with a throwaway certificate) in front of the production server."""
    with running_nginx(port_of(production), tmp_path_factory.mktemp("nginx")) as proxy:
        yield proxy


def port_of(production: RunningApp) -> int:
    """The production server's one port."""
    return int(production.url.rsplit(":", 1)[1])


async def tab_through(proxy: Proxy, production: RunningApp, **headers: str) -> RawReflexClient:
    """A tab on the proxy's https address, sending `headers` besides the one Origin the app accepts."""
    tab = RawReflexClient(proxy.url, headers={"Origin": production.url, **headers}, http_session=proxy.client_session)
    await tab.open()
    return tab
