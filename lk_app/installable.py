"""LK as an app a phone installs: the web app manifest built from the settings, its icons and the head tags."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import reflex as rx
from reflex import constants

from lk_app.settings import get_settings
from lk_app.theme import BRAND

# Written into the build's public folder, which both servers serve at the site's root; never into the repository.
MANIFEST_FILE = Path(constants.Dirs.PUBLIC) / "manifest.webmanifest"
MANIFEST_URL = "/manifest.webmanifest"
ICONS_FOLDER = Path("icons")  # in assets/, served at /icons
APP_NAME = "Личный кабинет"
SHORT_PREFIX = "ЛК"
# Chrome shortens a longer short_name under the icon on the home screen.
SHORT_NAME_LIMIT = 12
BACKGROUND = "#ffffff"
# Registers sw.js once the page has loaded, so it never competes with the page's own files; where the browser has no
# service workers (an old one, or plain http off localhost) nothing happens.
REGISTER_WORKER = (
    "if ('serviceWorker' in navigator) {"
    " window.addEventListener('load', () => navigator.serviceWorker.register('/sw.js', {scope: '/'})); }"
)


@dataclass(frozen=True)
class Icon:
    """A PNG of assets/icons/, square, and what it is for: "any" is the logo alone on transparency, "maskable" the
    logo inside the middle 80 % of a full square of the brand's blue, which a launcher may crop to any shape."""

    name: str
    size: int
    purpose: str

    @property
    def url(self) -> str:
        """Where the site serves it."""
        return f"/{ICONS_FOLDER.as_posix()}/{self.name}"


MANIFEST_ICONS = (
    Icon("icon-192.png", 192, "any"),
    Icon("icon-512.png", 512, "any"),
    Icon("icon-maskable-512.png", 512, "maskable"),
)
# iOS puts a transparent icon on black and rounds the corners itself: the maskable drawing, at Apple's 180 px.
APPLE_TOUCH_ICON = Icon("apple-touch-icon.png", 180, "maskable")


def short_name(supplier: str) -> str:
    """The name under the icon: «ЛК» and the supplier's first word when both fit, else the word alone, else «ЛК»."""
    words = re.findall(r'[^\s«»"]+', supplier)  # a name in quotes has its first word inside them
    if words:
        for candidate in (f"{SHORT_PREFIX} {words[0]}", words[0]):
            if len(candidate) <= SHORT_NAME_LIMIT:
                return candidate
    return SHORT_PREFIX


def manifest() -> dict:
    """The web app manifest: the cabinet's name, the supplier's blue, a standalone window opening the cabinet."""
    supplier = get_settings().supplier_name
    return {
        "id": "/",
        "name": f"{APP_NAME} — {supplier}",
        "short_name": short_name(supplier),
        "lang": "ru",
        "dir": "ltr",
        "start_url": "/cabinet",
        "scope": "/",
        "display": "standalone",
        "theme_color": BRAND,
        "background_color": BACKGROUND,
        "icons": [
            {"src": icon.url, "sizes": f"{icon.size}x{icon.size}", "type": "image/png", "purpose": icon.purpose}
            for icon in MANIFEST_ICONS
        ],
    }


def head_components() -> list[rx.Component]:
    """The manifest, the address bar's colour, the iOS home-screen icon and the service worker's registration."""
    return [
        rx.el.link(rel="manifest", href=MANIFEST_URL),
        rx.el.meta(name="theme-color", content=BRAND),
        rx.el.link(rel="apple-touch-icon", href=APPLE_TOUCH_ICON.url),
        rx.el.script(REGISTER_WORKER),
    ]


class InstallablePlugin(rx.plugins.Plugin):
    """Writes the manifest at every compile, from the settings of that build, as page titles are."""

    def get_static_assets(self, **context) -> tuple[tuple[Path, str], ...]:
        """The manifest, in the public folder."""
        return ((MANIFEST_FILE, json.dumps(manifest(), ensure_ascii=False, indent=2) + "\n"),)
