"""Draws LK's app icons (assets/icons/*.png) from assets/favicon.svg in headless Chromium.

Run it after the favicon changes, inside the venv: `. scripts/env.sh && python scripts/make_icons.py`. The PNGs are
committed, so neither the build nor the tests need it; tests/unit/test_installable.py checks their sizes.
"""

import base64
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from lk_app.installable import APPLE_TOUCH_ICON, ICONS_FOLDER, MANIFEST_ICONS, Icon
from lk_app.theme import BRAND
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[1]
FAVICON = ROOT / "assets" / "favicon.svg"
# The favicon's circle spans 60 of its 64 units. On a maskable icon a launcher keeps only the circle of 80 % of the
# side in the middle: the logo's circle takes 70 % of it, a margin inside that.
MASKABLE_LOGO_SHARE = 0.70 * 64 / 60


def draw(page: Page, icon: Icon, logo: str) -> bytes:
    """The icon as PNG: the logo alone on transparency, or a maskable one inside the safe zone on the brand's blue."""
    maskable = icon.purpose == "maskable"
    logo_size = round(icon.size * MASKABLE_LOGO_SHARE) if maskable else icon.size
    background = BRAND if maskable else "transparent"
    page.set_viewport_size({"width": icon.size, "height": icon.size})
    page.set_content(
        f'<body style="margin:0"><div style="width:{icon.size}px;height:{icon.size}px;background:{background};'
        f'display:flex;align-items:center;justify-content:center">'
        f'<img src="data:image/svg+xml;base64,{logo}" width="{logo_size}" height="{logo_size}" alt=""></div></body>'
    )
    return page.screenshot(omit_background=not maskable)


def main() -> None:
    """Write every icon the manifest and the head name."""
    logo = base64.b64encode(FAVICON.read_bytes()).decode()
    folder = ROOT / "assets" / ICONS_FOLDER
    folder.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(device_scale_factor=1)
        for icon in (*MANIFEST_ICONS, APPLE_TOUCH_ICON):
            (folder / icon.name).write_bytes(draw(page, icon, logo))
            print(f"{folder / icon.name}: {icon.size}×{icon.size}, {icon.purpose}")
        browser.close()


if __name__ == "__main__":
    main()
