"""LK's look: Radix Themes in the supplier's blue, with only the colour scales LK's pages use."""

import reflex as rx

ACCENT = "blue"
GRAY = "slate"
# Every scale a page names (color_scheme=, alert(color=)); "gray" is Radix's neutral scale, mapped onto GRAY.
COLOR_SCALES = (ACCENT, GRAY, "gray", "red", "green", "amber", "orange")
RADIX = "@radix-ui/themes"


class LkThemePlugin(rx.plugins.RadixThemesPlugin):
    """Radix Themes whose render-blocking stylesheet carries LK's colour scales, not all 31 (a third of its weight)."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        """Radix's tokens, LK's colour scales, the components and the utilities: the full stylesheet's order."""
        if not self.enabled:
            return ()
        scales = (f"{RADIX}/tokens/colors/{scale}.css" for scale in COLOR_SCALES)
        return (f"{RADIX}/tokens/base.css", *scales, f"{RADIX}/components.css", f"{RADIX}/utilities.css")
