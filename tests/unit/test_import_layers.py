"""Imports point down: pages → components → state → services → (messaging, billing, payments) → models → the ground floor.

Walks every `import` in lk_app (at module level and inside functions) with `ast` and names the file and line of
an arrow that points up, sideways (messaging, billing and payments) or past the services (a state into billing), and of a
cycle between modules.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lk_app"
# What each part may import besides itself: the parts below it that it works through. The ground floor
# (lk_app.db, .normal_forms, .settings, .clock, .logs) is open to every part; the app (lk_app.lk_app, .routes,
# .__main__) puts the parts together and may import any of them.
MAY_IMPORT = {
    "ground": set(),
    "models": set(),
    "messaging": {"models"},
    "billing": {"models"},
    "payments": set(),  # the acquirer's SDK and LK's words for it; it knows no table
    "services": {"messaging", "billing", "payments", "models"},
    "texts": {"services", "billing", "messaging", "payments", "models"},  # the outcomes it names
    "state": {"services", "models", "texts"},  # models for the names of roles; data comes through the services
    "theme": set(),
    "dev_server": set(),  # a build plugin rxconfig.py loads: it needs only Reflex
    "first_paint": set(),  # a post-build step rxconfig.py loads: it needs only Reflex
    "static_caching": set(),  # ASGI middleware of the backend routes: it needs only Starlette
    "installable": {"theme"},  # the manifest's plugin and head tags, in the brand's blue
    "components": {"state", "theme", "texts"},
    "pages": {"components", "state", "theme", "texts"},
}
GROUND = {"db", "normal_forms", "settings", "clock", "logs"}
APP = {"lk_app", "routes", "__main__"}


def _part(module: str) -> str:
    """The floor's name of a module `lk_app.x[.y]`."""
    head = module.split(".")[1] if "." in module else ""
    if head in GROUND:
        return "ground"
    if head in APP:
        return "app"
    assert head in MAY_IMPORT, f"{module}: a part of lk_app this test does not know; add it to MAY_IMPORT"
    return head


def _module_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every lk_app import in the file; `from lk_app import db` names lk_app.db."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("lk_app.")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "lk_app":
                found += [(node.lineno, f"lk_app.{alias.name}") for alias in node.names]
            elif node.module.startswith("lk_app."):
                found.append((node.lineno, node.module))
    return found


def _graph() -> dict[str, list[tuple[int, str]]]:
    modules = {_module_of(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        # `from lk_app.services import db` names a module when there is one of that name, else the package.
        graph[module] = [(line, target if target in modules else target.rsplit(".", 1)[0])
                         for line, target in _imports(path)]
    return graph


def _file(module: str) -> str:
    path = PACKAGE.parent / Path(*module.split("."))
    return str((path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(PACKAGE.parent))


def test_every_import_points_down():
    wrong = []
    for module, imports in _graph().items():
        part = _part(module) if module != "lk_app" else "app"
        for line, target in imports:
            other = _part(target) if target != "lk_app" else "app"
            if part == "app" or other in (part, "ground") or other in MAY_IMPORT[part]:
                continue
            wrong.append(f"{_file(module)}:{line}: {part} imports {other} ({target})")
    assert not wrong, "imports that do not point down through the floors:\n" + "\n".join(wrong)


def test_no_modules_import_each_other_round_a_cycle():
    graph = _graph()
    cycles, done, path = [], set(), []

    def visit(module: str) -> None:
        path.append(module)
        for line, target in graph.get(module, []):
            if target in path:
                ring = path[path.index(target):] + [target]
                cycles.append(f"{_file(module)}:{line}: " + " → ".join(ring))
            elif target not in done and target in graph:
                visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
