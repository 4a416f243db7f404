"""LK's trimmed Radix stylesheet carries every colour scale its pages name, and the brand's blue as the accent."""

import re
from typing import get_args

from reflex_components_radix.themes.base import LiteralAccentColor

from lk_app.theme import ACCENT, BRAND, BRAND_STYLESHEET, COLOR_SCALES, RADIX, LkThemePlugin, brand_css

RADIX_SCALE = re.compile(r'"({})"'.format("|".join(get_args(LiteralAccentColor))))


def test_every_scale_a_page_names_is_in_the_stylesheet():
    from lk_app.lk_app import app

    named = set()
    for page in app._unevaluated_pages.values():
        named.update(RADIX_SCALE.findall(str(page.component())))
    assert "red" in named  # the pattern finds the scales the pages render
    assert named <= set(COLOR_SCALES)



def test_the_accent_is_the_brands_blue_and_loads_after_radixs_scales():
    css = brand_css()
    assert f"--{ACCENT}-9: {BRAND};" in css and f"--{ACCENT}-a9: {BRAND};" in css and f"--{ACCENT}-11: {BRAND};" in css
    plugin = LkThemePlugin()
    sheets = plugin.get_stylesheet_paths()
    assert sheets.index(f"./{BRAND_STYLESHEET.name}") > sheets.index(f"{RADIX}/tokens/colors/{ACCENT}.css")
    assert plugin.get_static_assets() == ((BRAND_STYLESHEET, css),)


def test_asked_for_less_motion_nothing_eases_in_or_spins():
    css = brand_css()
    reduced = css[css.index("@media (prefers-reduced-motion: reduce)"):]
    for rule in ("animation-duration: 0.01ms !important", "animation-iteration-count: 1 !important",
                 "transition-duration: 0.01ms !important"):
        assert rule in reduced[:reduced.index("}\n}")]
