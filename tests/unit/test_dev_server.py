"""The dev server's 404 middleware: placed in Reflex's own Vite config, matching the pages as Reflex does."""

import json
import re

import pytest
from reflex.config import get_config
from reflex.utils.frontend_skeleton import _compile_vite_config

from lk_app.dev_server import page_patterns, with_not_found_status


def _known(patterns: list[str], path: str) -> bool:
    """Whether a path is a page's, anchored as the middleware anchors the patterns."""
    return any(re.fullmatch(f"(?:{pattern})", path) for pattern in patterns)


def test_the_pages_routes_are_known_with_or_without_the_slash_and_nothing_else():
    patterns = page_patterns(["index", "cabinet", "dev/outbox", "first-login", "404"])
    assert all(_known(patterns, path) for path in ("/", "/cabinet", "/cabinet/", "/dev/outbox", "/first-login/"))
    assert not any(_known(patterns, path) for path in ("/404", "/cabinetx", "/dev", "/no/such-page", "/index.html"))


def test_the_middleware_goes_before_react_routers_plugin_in_reflexs_vite_config():
    patterns = page_patterns(["index", "cabinet"])
    config = with_not_found_status(_compile_vite_config(get_config()), patterns)
    plugins = config[config.index("plugins: ["):]
    assert plugins.index(f"lkNotFoundStatus({json.dumps(patterns)})") < plugins.index("reactRouter()")
    assert config.index("function lkNotFoundStatus") < config.index("export default defineConfig")


def test_a_changed_vite_template_is_refused_loudly():
    with pytest.raises(RuntimeError, match="Reflex's template changed"):
        with_not_found_status("export default {}", [])
