"""LK's trimmed Radix stylesheet carries every colour scale its pages name."""

import re
from typing import get_args

from reflex_components_radix.themes.base import LiteralAccentColor

from lk_app.theme import COLOR_SCALES

RADIX_SCALE = re.compile(r'"({})"'.format("|".join(get_args(LiteralAccentColor))))


def test_every_scale_a_page_names_is_in_the_stylesheet():
    from lk_app.lk_app import app

    named = set()
    for page in app._unevaluated_pages.values():
        named.update(RADIX_SCALE.findall(str(page.component())))
    assert "red" in named  # the pattern finds the scales the pages render
    assert named <= set(COLOR_SCALES)

