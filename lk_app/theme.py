"""LK's look: Radix Themes in the supplier's blue, with only the colour scales LK's pages use."""

from pathlib import Path

import reflex as rx

ACCENT = "blue"
GRAY = "slate"
# Every scale a page names (color_scheme=, alert(color=)); "gray" is Radix's neutral scale, mapped onto GRAY.
COLOR_SCALES = (ACCENT, GRAY, "gray", "red", "green", "amber", "orange")
RADIX = "@radix-ui/themes"
BRAND = "#0b5cad"
BRAND_HOVER = "#0a4f96"
# The accent's solid and text steps are the supplier's blue, so the header (var(--accent-9)), buttons, links and
# charts show one blue; Radix's lighter steps stay as tints. Step 8 is a hovered link's colour (Reflex's default):
# Radix's light blue there reads 2.2:1 on white, the brand's darker blue well over 4.5:1. In dark mode the text step
# is Radix's light blue (named again, as `:root` matches a dark page too), which reads on a dark page where the brand
# does not.
BRAND_STEPS = {
    ":root, .light, .light-theme": {"8": BRAND_HOVER, "9": BRAND, "10": BRAND_HOVER, "11": BRAND},
    ".dark, .dark-theme": {"8": "#70b8ff", "9": BRAND, "10": "#1a6cc0", "11": "#70b8ff"},
}
# Radix's text step (11) of these scales reads under 4.5:1 on the scale's own tint (step 3, behind callouts and
# badges) in light mode: darkened in hue until it reads there (and on step 4). Their dark steps read as they are.
READABLE_TEXT_STEPS = {"green": "#1e7750", "amber": "#9d5c00", "orange": "#af4300"}
LIGHT_ONLY = ":root:not(.dark, .dark-theme), .light, .light-theme"
BRAND_STYLESHEET = Path("styles") / "lk_brand.css"
# Asked for less motion, nothing eases in or spins: animations end at once on their last frame (a spinner stands
# still) and transitions jump. Radix's own rules come later in the cascade, hence !important.
REDUCED_MOTION = """@media (prefers-reduced-motion: reduce) {
*, *::before, *::after {animation-duration: 0.01ms !important; animation-iteration-count: 1 !important;
transition-duration: 0.01ms !important; scroll-behavior: auto !important;}
}
"""
# A card's panel is painted on the card itself rather than on a pseudo-element behind its content, where contrast
# checkers (axe-core) cannot see it and judge nothing on the card; solid, as the panel shows over a plain page.
CARD_PANEL = """.rt-Card.rt-BaseCard:where(.rt-variant-surface, .rt-variant-classic) {
background-color: var(--color-panel-solid);}
.rt-Card.rt-BaseCard:where(.rt-variant-surface, .rt-variant-classic)::before {background-color: transparent;}
"""
# Focus rings 2 px thick and 3:1 against what is behind them (WCAG 2.2: 1.4.11, 2.4.13). Radix draws its rings in
# its step 8 (the accent's light blue: 2.3:1 on white, 2.9:1 on the header) and a soft or read-only control's in the
# accent's or gray's step 8; LK's are the accent's text step, made to read on the page (the brand's blue on white, and
# each colour's own: a red button's red), and white on the blue header. Radix's rings keep their places; a native
# control (the checkbox, a plain link) gets a ring like theirs instead of the browser's 1-px one.
FOCUS_CSS = """\
[data-accent-color] { --focus-8: var(--accent-11); --focus-10: var(--accent-11); }
header, header [data-accent-color] { --focus-8: white; --focus-10: white; }
:root .rt-TextFieldRoot { --text-field-focus-color: var(--focus-8); }
:root .rt-variant-soft:focus-visible { outline-color: var(--focus-8); }
:where(:not([class*="rt-"]):focus-visible) { outline: 2px solid var(--focus-8); outline-offset: 2px; }
"""


def brand_css() -> str:
    """The accent scale's solid and text steps, opaque and alpha alike, set to the brand's blue, and the readable text
    steps; the focus rings; reduced motion; the cards' panels."""
    readable = "".join(f"--{scale}-{prefix}11: {colour};" for scale, colour in READABLE_TEXT_STEPS.items()
                       for prefix in ("", "a"))
    rules = []
    for selector, steps in BRAND_STEPS.items():
        values = "".join(
            f"--{ACCENT}-{prefix}{step}: {colour};" for step, colour in steps.items() for prefix in ("", "a")
        )
        rules.append(f"{selector} {{{values}}}")
    rules.append(f"{LIGHT_ONLY} {{{readable}}}")
    return "\n".join(rules) + "\n" + FOCUS_CSS + REDUCED_MOTION + CARD_PANEL


class LkThemePlugin(rx.plugins.RadixThemesPlugin):
    """Radix Themes whose render-blocking stylesheet carries LK's colour scales, not all 31 (a third of its weight),
    and the brand's blue over the accent's."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        """Radix's tokens, LK's colour scales and its brand, the components and the utilities: the full stylesheet's
        order."""
        if not self.enabled:
            return ()
        scales = (f"{RADIX}/tokens/colors/{scale}.css" for scale in COLOR_SCALES)
        brand = f"./{BRAND_STYLESHEET.name}"
        return (f"{RADIX}/tokens/base.css", *scales, brand, f"{RADIX}/components.css", f"{RADIX}/utilities.css")

    def get_static_assets(self, **context) -> tuple[tuple[Path, str], ...]:
        """The brand's stylesheet, written beside the compiled styles."""
        return ((BRAND_STYLESHEET, brand_css()),) if self.enabled else ()
