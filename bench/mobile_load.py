"""Bench: Lighthouse's mobile performance on LK's pages (the cabinet and settings logged in), beside a blank Reflex
app's `/`."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from bench.common import PROJECT_ROOT, load_average
from bench.production_pages import lk_and_blank, lk_database
from lk_app import db
from lk_app.billing.demo import seed_demo
from lk_app.models import AccountLink, BillingAccount, LkUser
from lk_app.services.sessions import SESSION_COOKIE, issue_login_grant, redeem_login_grant
from lk_app.settings import get_settings
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

LIGHTHOUSE = PROJECT_ROOT / ".tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_TIMEOUT_SECONDS = 300
RUNS = 3
PUBLIC_PAGES = ("/", "/first-login", "/register")
LOGGED_IN_PAGES = ("/cabinet", "/settings")
# Issue 16's goals: a page's path, its median LCP at most, its median score at least.
TARGETS = {"/": (1.8, 97), "/cabinet": (2.5, 90)}


@dataclass(frozen=True)
class Audit:
    """One Lighthouse run of one page (mobile preset: simulated slow 4G and a 4× slower CPU)."""

    lcp_seconds: float
    score: float
    fcp_seconds: float
    blocking_ms: float
    layout_shift: float
    final_url: str


@dataclass(frozen=True)
class PageFigures:
    """A page's runs and their medians."""

    label: str
    path: str
    audits: list[Audit]

    @property
    def lcp_seconds(self) -> float:
        """Median largest contentful paint."""
        return statistics.median(audit.lcp_seconds for audit in self.audits)

    @property
    def score(self) -> float:
        """Median performance score."""
        return statistics.median(audit.score for audit in self.audits)

    def row(self) -> str:
        """One line of the table: medians, then every run."""
        runs = "  ".join(f"{audit.lcp_seconds:.2f}/{audit.score:.0f}" for audit in self.audits)
        fcp = statistics.median(audit.fcp_seconds for audit in self.audits)
        blocking = statistics.median(audit.blocking_ms for audit in self.audits)
        shift = statistics.median(audit.layout_shift for audit in self.audits)
        return (f"{self.label:<16} {self.lcp_seconds:6.2f} s {self.score:6.0f} {fcp:8.2f} s {blocking:7.0f} ms"
                f" {shift:7.3f}   {runs}")


def lighthouse(url: str, report_path: Path, cookie: str | None = None) -> Audit:
    """One Lighthouse run on headless Debian Chromium, mobile preset, performance only."""
    command = [str(LIGHTHOUSE), url, "--only-categories=performance", "--output=json", f"--output-path={report_path}",
               "--quiet", "--chrome-flags=" + " ".join(["--headless", *CHROMIUM_FLAGS])]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, env=dict(os.environ, CHROME_PATH=CHROMIUM), check=True, stdin=subprocess.DEVNULL,
                   timeout=LIGHTHOUSE_TIMEOUT_SECONDS)
    report = json.loads(report_path.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse on {url}: {report['runtimeError']}")
    audits = report["audits"]
    return Audit(
        lcp_seconds=audits["largest-contentful-paint"]["numericValue"] / 1000,
        score=report["categories"]["performance"]["score"] * 100,
        fcp_seconds=audits["first-contentful-paint"]["numericValue"] / 1000,
        blocking_ms=audits["total-blocking-time"]["numericValue"],
        layout_shift=audits["cumulative-layout-shift"]["numericValue"],
        final_url=report["finalDisplayedUrl"],
    )


def logged_in_cookie(db_url: str) -> str:
    """A demo household with a year of charges, an LK that owns it and a live session; returns the Cookie header."""
    os.environ["REFLEX_DB_URL"] = db_url
    get_settings.cache_clear()
    seed_demo(1)
    with db.session_scope() as session:
        account = session.exec(select(BillingAccount)).one()
        user = LkUser(login=account.number, login_key=account.number, password_hash="!", email="bench@example.ru",
                      email_confirmed=True, chosen_account_id=account.id)
        session.add(user)
        session.flush()
        session.add(AccountLink(user_id=user.id, account_id=account.id, primary=True))
        # The cookie route's own two steps: a grant, then the session it is traded for.
        grant = issue_login_grant(user.id, session=session)
        session_id = redeem_login_grant(*grant, ip="127.0.0.1", user_agent="Lighthouse", session=session)
    return f"{SESSION_COOKIE}={session_id}"


def measure(app: str, origin: str, path: str, workdir: Path, cookie: str | None = None) -> PageFigures:
    """RUNS Lighthouse runs of one page; a run that did not stay on the page invalidates the bench."""
    label, url = f"{app} {path}", origin + path
    audits = []
    for run in range(RUNS):
        audit = lighthouse(url, workdir / f"{label.replace(' ', '').replace('/', '_')}-{run}.json", cookie)
        if audit.final_url.rstrip("/") != url.rstrip("/"):
            raise RuntimeError(f"{label}: Lighthouse ended on {audit.final_url}, not {url}")
        audits.append(audit)
    return PageFigures(label, path, audits)


def verdict(page: PageFigures) -> str:
    """Met, or what missed and by how much."""
    lcp_seconds, score = TARGETS[page.path]
    misses = []
    if page.lcp_seconds > lcp_seconds:
        misses.append(f"LCP by {page.lcp_seconds - lcp_seconds:.2f} s")
    if page.score < score:
        misses.append(f"score by {score - page.score:.0f}")
    verdict = "met" if not misses else "missed: " + ", ".join(misses)
    return f"target {page.label}: LCP ≤ {lcp_seconds} s and score ≥ {score}: {verdict}"


def main() -> int:
    """Build and serve both apps, run Lighthouse on the three pages, print the table and the targets."""
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as folder:
        workdir = Path(folder)
        db_url = lk_database(workdir)
        cookie = logged_in_cookie(db_url)
        with lk_and_blank(workdir, db_url) as (lk, blank):
            pages = [measure("LK", lk.origin, path, workdir) for path in PUBLIC_PAGES]
            pages += [measure("LK", lk.origin, path, workdir, cookie) for path in LOGGED_IN_PAGES]
            pages.append(measure("blank", blank.origin, "/", workdir))
    print(f"Lighthouse mobile preset, median of {RUNS} runs (each run: LCP s/score); {load_average()}")
    print(f"{'page':<16} {'LCP':>8} {'score':>6} {'FCP':>10} {'TBT':>10} {'CLS':>7}   runs")
    for page in pages:
        print(page.row())
    for page in pages:
        if page.label.startswith("LK") and page.path in TARGETS:
            print(verdict(page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
