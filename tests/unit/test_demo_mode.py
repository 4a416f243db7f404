"""Demo mode: on by itself only on this machine without providers, and never allowed in a real deployment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_VARIABLES = ("LK_SENDGRID_API_KEY", "LK_SMSAERO_EMAIL", "LK_SMSAERO_API_KEY")
KEY = "SG.a-real-looking-key"
REAL_DEPLOYMENTS = [
    {"LK_SENDGRID_API_KEY": KEY},
    {"LK_SMSAERO_EMAIL": "lk@example.ru", "LK_SMSAERO_API_KEY": KEY},
    {"LK_PUBLIC_URL": "https://lk.example.ru"},
]


@pytest.fixture
def demo_settings(settings, monkeypatch):
    """`settings` on a machine without providers, LK_PUBLIC_URL at its localhost default."""
    for name in (*PROVIDER_VARIABLES, "LK_PUBLIC_URL", "LK_DEMO"):
        monkeypatch.delenv(name, raising=False)
    return settings


@pytest.mark.parametrize("url", ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000",
                                 "http://lk.localhost:3000"])
def test_auto_is_on_on_this_machine_without_providers(demo_settings, url):
    assert demo_settings(LK_PUBLIC_URL=url).demo_mode  # LK_DEMO unset: auto
    assert demo_settings(LK_PUBLIC_URL=url, LK_DEMO="auto").demo_mode


@pytest.mark.parametrize("environment", [*REAL_DEPLOYMENTS, {"LK_PUBLIC_URL": "http://10.0.0.5:3000"},
                                         {"LK_PUBLIC_URL": "http://lk.example.ru"}])
def test_auto_is_off_with_a_provider_or_another_address(demo_settings, environment):
    assert not demo_settings(**environment).demo_mode


def test_make_demo_forces_it_on_and_0_forces_it_off(demo_settings):
    assert demo_settings(LK_DEMO="1").demo_mode  # what `make demo` and scripts/run.sh set
    assert demo_settings(LK_DEMO="1", LK_PUBLIC_URL="http://10.0.0.5:3000").demo_mode  # a demo on the office network
    assert not demo_settings(LK_DEMO="0").demo_mode


@pytest.mark.parametrize("environment", REAL_DEPLOYMENTS)
def test_forcing_demo_mode_in_a_real_deployment_is_refused(demo_settings, environment):
    with pytest.raises(ValidationError, match="LK_DEMO=1 is refused") as refusal:
        demo_settings(LK_DEMO="1", **environment)
    assert KEY not in str(refusal.value)  # the refusal names the rule, never the keys it was given


def test_a_value_that_is_no_mode_is_refused(demo_settings):
    with pytest.raises(ValidationError, match="demo"):
        demo_settings(LK_DEMO="sometimes")


def _start(**environment: str) -> subprocess.CompletedProcess:
    """Load the app's configuration as `reflex run` does first, in a process of its own."""
    env = {name: value for name, value in os.environ.items() if name not in (*PROVIDER_VARIABLES, "LK_PUBLIC_URL")}
    return subprocess.run([sys.executable, "-c", "import rxconfig"], cwd=ROOT, env={**env, **environment},
                          capture_output=True, text=True, timeout=120)


def test_the_app_refuses_to_start_in_demo_mode_with_a_real_provider():
    refused = _start(LK_DEMO="1", LK_SENDGRID_API_KEY=KEY)
    assert refused.returncode != 0
    assert refused.stderr.startswith("LK cannot start:") and "LK_DEMO=1 is refused" in refused.stderr
    assert "Traceback" not in refused.stderr and KEY not in refused.stderr
    started = _start(LK_DEMO="1")
    assert started.returncode == 0, started.stderr


def test_the_demo_pays_through_its_stand_in_page_unless_the_supplier_has_one(demo_settings):
    assert demo_settings().payment_page == "http://localhost:3000/dev/pay?account={account}&amount={amount}"
    assert demo_settings(LK_DEMO="0").payment_page is None  # no stand-in outside a demo: no «Оплатить»
    supplier = "https://pay.example.ru/?ls={account}&sum={amount}"
    assert demo_settings(LK_DEMO="1", LK_PAYMENT_URL=supplier).payment_page == supplier
