"""Bench: gzip bytes of the JS and CSS that `/` loads in the production build, LK beside a blank Reflex app."""

import gzip
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from bench.production_pages import ServedApp, lk_and_blank, lk_database
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

SHOWN_FILES = 8
KB = 1000


def gzip_bytes(body: bytes, content_encoding: str | None, transferred: int) -> int:
    """What the file weighs gzipped: as sent when the server gzipped it, else gzipped here at level 9."""
    return transferred if content_encoding == "gzip" else len(gzip.compress(body, compresslevel=9))


def page_files(browser: Browser, app: ServedApp) -> dict[str, int]:
    """Every JS and CSS file `/` loads until the network is idle, with its gzip bytes."""
    page = browser.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response)
            if response.request.resource_type in ("script", "stylesheet") else None)
    page.goto(app.origin + "/", wait_until="networkidle")
    files = {}
    for response in responses:
        name = response.url.removeprefix(app.origin)
        sizes = response.request.sizes()
        files[name] = gzip_bytes(response.body(), response.header_value("content-encoding"), sizes["responseBodySize"])
    page.close()
    return files


def report(app: ServedApp, files: dict[str, int]) -> None:
    """The app's total and its heaviest files."""
    print(f"{app.name}: {sum(files.values()) / KB:.1f} KB gzip in {len(files)} files (built in {app.build_seconds:.0f} s)")
    for name, size in sorted(files.items(), key=lambda item: -item[1])[:SHOWN_FILES]:
        print(f"    {size / KB:7.1f} KB  {name}")


def main() -> int:
    """Build and serve both apps, weigh `/` of each, print the figures and the target."""
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as folder, sync_playwright() as playwright:
        workdir = Path(folder)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        with lk_and_blank(workdir, lk_database(workdir)) as (lk, blank):
            lk_files, blank_files = page_files(browser, lk), page_files(browser, blank)
        browser.close()
    report(lk, lk_files)
    report(blank, blank_files)
    excess = sum(lk_files.values()) - sum(blank_files.values())
    verdict = "met" if excess <= 0 else f"missed by {excess / KB:.1f} KB"
    print(f"target: LK's `/` weighs no more than the blank app's: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
