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
# charts show one blue; Radix's lighter steps stay as tints. In dark mode the text step is Radix's light blue (named
# again, as `:root` matches a dark page too), which reads on a dark page where the brand does not.
BRAND_STEPS = {
    ":root, .light, .light-theme": {"9": BRAND, "10": BRAND_HOVER, "11": BRAND},
    ".dark, .dark-theme": {"9": BRAND, "10": "#1a6cc0", "11": "#70b8ff"},
}
BRAND_STYLESHEET = Path("styles") / "lk_brand.css"


def brand_css() -> str:
    """The accent scale's solid and text steps, opaque and alpha alike, set to the brand's blue."""
    rules = []
    for selector, steps in BRAND_STEPS.items():
        values = "".join(
            f"--{ACCENT}-{prefix}{step}: {colour};" for step, colour in steps.items() for prefix in ("", "a")
        )
        rules.append(f"{selector} {{{values}}}")
    return "\n".join(rules) + "\n"


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
