"""The web app manifest follows the settings and names icons that exist at their sizes; the service worker keeps
nothing but the offline page (the browser suite watches it do so: tests/e2e/test_installable.py)."""

import hashlib
import json
import re
import struct
from pathlib import Path

import pytest

from lk_app.installable import (
    APPLE_TOUCH_ICON,
    ICONS_FOLDER,
    MANIFEST_FILE,
    MANIFEST_ICONS,
    MANIFEST_URL,
    SHORT_NAME_LIMIT,
    InstallablePlugin,
    manifest,
    short_name,
)
from lk_app.theme import BRAND

ASSETS = Path(__file__).resolve().parents[2] / "assets"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG's colour types with an alpha channel: grey + alpha and RGBA.
ALPHA_TYPES = {4, 6}


def test_the_manifest_names_the_supplier_and_opens_the_cabinet_standalone(settings):
    settings(LK_SUPPLIER_NAME="ТНС энерго Воронеж")
    found = manifest()
    assert found["name"] == "Личный кабинет — ТНС энерго Воронеж"
    assert found["short_name"] == "ЛК ТНС"
    assert (found["start_url"], found["scope"], found["display"], found["lang"]) == ("/cabinet", "/", "standalone", "ru")
    assert found["theme_color"] == BRAND and re.fullmatch(r"#[0-9a-f]{6}", found["background_color"])
    assert {(icon["sizes"], icon["purpose"]) for icon in found["icons"]} == {
        ("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")
    }
    assert all(icon["type"] == "image/png" for icon in found["icons"])


@pytest.mark.parametrize(("supplier", "expected"), [
    ("ТНС энерго Воронеж", "ЛК ТНС"),
    ("ЭнергоСбыт Демо", "ЭнергоСбыт"),  # «ЛК ЭнергоСбыт» is 13 characters
    ("«Горэнерго»", "ЛК Горэнерго"),
    ("Петроэлектросбыт", "ЛК"),
    ("   ", "ЛК"),
])
def test_the_short_name_fits_under_the_icon(supplier, expected):
    assert short_name(supplier) == expected
    assert len(expected) <= SHORT_NAME_LIMIT


def test_the_plugin_writes_the_manifest_where_the_head_links_to_it(settings):
    settings(LK_SUPPLIER_NAME="Горэнерго")
    [(path, content)] = InstallablePlugin().get_static_assets()
    assert path == Path("public") / "manifest.webmanifest" == MANIFEST_FILE  # public/ is served at the site's root
    assert MANIFEST_URL == f"/{path.name}"
    assert json.loads(content) == manifest() and "Горэнерго" in content  # UTF-8, not \u escapes


def _png_header(path: Path) -> tuple[int, int, int]:
    """Width, height and colour type from the PNG's IHDR chunk."""
    data = path.read_bytes()[:26]
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height, data[25]


def test_every_icon_is_a_png_of_its_size_and_the_full_bleed_ones_are_opaque():
    served = {icon["src"]: icon for icon in manifest()["icons"]}
    assert set(served) == {icon.url for icon in MANIFEST_ICONS}
    for icon in (*MANIFEST_ICONS, APPLE_TOUCH_ICON):
        assert icon.url == f"/icons/{icon.name}"
        width, height, colour_type = _png_header(ASSETS / ICONS_FOLDER / icon.name)
        assert (width, height) == (icon.size, icon.size), icon.name
        # A maskable icon fills its square (a launcher crops it), and iOS shows a transparent one on black.
        assert (colour_type in ALPHA_TYPES) == (icon.purpose == "any"), icon.name


def test_the_service_worker_caches_only_the_offline_page_under_a_name_that_follows_it():
    worker = (ASSETS / "sw.js").read_text(encoding="utf-8")
    offline = (ASSETS / "offline.html").read_bytes()
    [cache] = re.findall(r'const CACHE = "([^"]+)";', worker)
    digest = hashlib.sha256(offline).hexdigest()[:8]
    assert cache == f"lk-offline-{digest}", f"offline.html changed: name the cache lk-offline-{digest} in sw.js"
    assert re.findall(r'const OFFLINE_PAGE = "([^"]+)";', worker) == ["/offline.html"]
    # One file goes into a cache, once, at install; an answer fetched later is never stored.
    assert re.findall(r"\.(add|addAll|put)\(", worker) == ["add"]
    assert "cache.add(new Request(OFFLINE_PAGE" in worker


def test_the_offline_page_says_what_happened_and_offers_to_retry():
    page = (ASSETS / "offline.html").read_text(encoding="utf-8")
    assert "<title>Нет соединения с интернетом</title>" in page and "<h1>Нет соединения с интернетом</h1>" in page
    assert re.search(r'<button type="button" onclick="location.reload\(\)">Повторить</button>', page)
    # Nothing it needs comes from the network, which is down when it shows.
    assert not re.search(r'(src|href)="(?!data:)', page)
