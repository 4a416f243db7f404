"""The development server answers an unknown page with status 404, as the production server does."""

import json

import reflex as rx
from reflex import constants
from reflex.route import get_route_regex, replace_brackets_with_keywords

# React Router's dev server renders every path (its `*` route is Reflex's 404 page) with 200. A Vite middleware
# ahead of its handler turns that 200 into 404 for a path no page's route matches, with the patterns Reflex's own
# production server matches (reflex.route). Files Vite serves itself (assets, modules) never reach it.
_MIDDLEWARE = """
function lkNotFoundStatus(patterns) {
  const routes = patterns.map((pattern) => new RegExp(`^(?:${pattern})$`));
  return {
    name: "lk-not-found-status",
    apply: "serve",
    configureServer(server) {
      return () => server.middlewares.use((req, res, next) => {
        const path = (req.url ?? "/").split("?")[0];
        if (!routes.some((route) => route.test(path))) {
          const writeHead = res.writeHead;
          res.writeHead = (status, ...rest) => status === 200
            ? writeHead.call(res, 404, ...(typeof rest[0] === "string" ? ["Not Found", ...rest.slice(1)] : rest))
            : writeHead.call(res, status, ...rest);
        }
        next();
      });
    },
  };
}
"""
_DEFINE_ANCHOR = "export default defineConfig"
_PLUGINS_ANCHOR = "alwaysUseReactDomServerNode(),"


def page_patterns(routes: list[str]) -> list[str]:
    """The regular expressions of the pages' routes, without the 404 page's own."""
    return [get_route_regex(replace_brackets_with_keywords(route)).pattern
            for route in routes if route != constants.Page404.SLUG]


def with_not_found_status(vite_config: str, patterns: list[str]) -> str:
    """Reflex's vite.config.js with the middleware placed before React Router's plugin, whose handler it wraps."""
    if _DEFINE_ANCHOR not in vite_config or _PLUGINS_ANCHOR not in vite_config:
        raise RuntimeError(
            f"vite.config.js has no {_DEFINE_ANCHOR!r} or {_PLUGINS_ANCHOR!r}: Reflex's template changed"
        )
    return vite_config.replace(_DEFINE_ANCHOR, _MIDDLEWARE + "\n" + _DEFINE_ANCHOR, 1).replace(
        _PLUGINS_ANCHOR, f"lkNotFoundStatus({json.dumps(patterns)}),\n    {_PLUGINS_ANCHOR}", 1
    )


class NotFoundStatusPlugin(rx.plugins.Plugin):
    """Adds the 404 middleware to the dev server's Vite config at every compile (Reflex rewrites the file then)."""

    def pre_compile(self, **context) -> None:
        """Register the change of vite.config.js with the pages' routes."""
        patterns = page_patterns([page.route for page in context["unevaluated_pages"]])
        context["add_modify_task"](
            constants.ReactRouter.VITE_CONFIG_FILE, lambda config: with_not_found_status(config, patterns)
        )
