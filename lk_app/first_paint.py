"""A post-build step: every prerendered page paints from its own HTML before a stylesheet or a script arrives."""

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import reflex as rx

# On a slow phone the production build's first paint waited for the whole Radix stylesheet (~60 KB gzip) and for
# the hydration scripts, which the page preloads at high priority and runs before it paints. After the build each
# page instead carries, inline, only the style rules that can match its own prerendered elements, loads the whole
# stylesheet once it has painted (the same rules in the same place of the cascade, so nothing moves when it arrives),
# and only then fetches and runs its scripts: Lighthouse counts every request that ends before the largest paint.

# Classes that a page's inline script or a browser setting puts on <html> before the first paint.
_CLASSES_BEFORE_PAINT = frozenset({"light", "dark", "light-theme", "dark-theme"})
_STYLESHEET = re.compile(r'<link href="(?P<href>/assets/[^"]+\.css)" rel="stylesheet" type="text/css"/>')
_STYLE_PRELOAD = re.compile(r'<link as="style" href="/assets/[^"]+\.css" rel="preload"/>')
_MODULE_PRELOAD = re.compile(r'<link rel="modulepreload" href="(/assets/[^"]+\.js)"/>')
_BOOTSTRAP = re.compile(r'<script type="module" async="">(?P<code>.*?)</script>', re.DOTALL)
_SELECTOR_CLASS = re.compile(r"\.((?:\\.|[\w-])+)")
_SELECTOR_ATTRIBUTE = re.compile(r"\[([\w-]+)=([^\]]+)\]")
_VAR = re.compile(r"var\((--[\w-]+)")
_VAR_DECLARATION_BODY = re.compile(r"\{([^{}]*)\}")
_ATTRIBUTE = re.compile(r'\s([\w-]+)="([^"]*)"')
# Once the browser reports the page's first contentful paint (at once in a tab no one sees, which paints nothing):
# each stylesheet goes where its critical rules stand in the cascade and the page's modules are fetched side by side;
# the libraries are then evaluated one to a task, dependencies first, so that no single task runs them all, and the
# hydration script runs last. A timer starts it too, should no paint ever be reported.
_AFTER_PAINT = (
    "<script>(function(){{var started=false;function run(){{if(started)return;started=true;"
    'document.querySelectorAll("style[data-lk-sheet]").forEach(function(style){{'
    'var sheet=document.createElement("link");sheet.rel="stylesheet";sheet.href=style.dataset.lkSheet;'
    "style.after(sheet)}});"
    '{modules}.forEach(function(href){{var link=document.createElement("link");link.rel="modulepreload";'
    "link.href=href;document.head.appendChild(link)}});"
    "var libraries={libraries};(function next(i){{if(i<libraries.length){{var after=function(){{"
    "setTimeout(function(){{next(i+1)}},0)}};import(libraries[i]).then(after,after);return}}"
    'var s=document.createElement("script");s.type="module";s.text={code};document.body.appendChild(s)}})(0)}}'
    'var paints=window.PerformanceObserver&&PerformanceObserver.supportedEntryTypes||[];'
    'if(document.visibilityState!=="visible"||paints.indexOf("paint")<0){{run();return}}'
    "new PerformanceObserver(function(list,observer){{list.getEntries().forEach(function(paint){{"
    'if(paint.name==="first-contentful-paint"){{observer.disconnect();run()}}}})}})'
    '.observe({{type:"paint",buffered:true}});'
    'document.addEventListener("visibilitychange",run,{{once:true}});setTimeout(run,3000)}})()</script>'
)
BREAKPOINTS = ("xs", "sm", "md", "lg", "xl")
_RESPONSIVE_KEY = re.compile(r"[{,](xs|sm|md|lg|xl):")
_STATIC_IMPORT = re.compile(r'(?:from|import)\s*"\./([^"]+\.js)"')


@dataclass(frozen=True)
class PageMarks:
    """What a page's prerendered elements carry that a selector can ask for: classes and attribute values."""

    classes: frozenset[str]
    attributes: frozenset[tuple[str, str]]


def _blocks(css: str) -> list[tuple[str, str | None]]:
    """Top-level parts of a stylesheet: (prelude, block body) for a rule or block at-rule, (statement, None) for an
    at-rule that ends with «;». Braces, semicolons and commas inside strings are skipped."""
    parts: list[tuple[str, str | None]] = []
    start = i = 0
    while i < len(css):
        char = css[i]
        if char in "\"'":
            i = css.index(char, i + 1) + 1
            continue
        if char == ";":
            parts.append((css[start:i + 1], None))
            start = i = i + 1
            continue
        if char == "{":
            end, depth, j = None, 1, i + 1
            while depth:
                if css[j] in "\"'":
                    j = css.index(css[j], j + 1)
                elif css[j] == "{":
                    depth += 1
                elif css[j] == "}":
                    depth -= 1
                end = j
                j += 1
            parts.append((css[start:i], css[i + 1:end]))
            start = i = end + 1
            continue
        i += 1
    if css[start:].strip():
        parts.append((css[start:], None))
    return parts


def _split(text: str, separator: str) -> list[str]:
    """The parts of the text between separators outside parentheses and strings."""
    items, depth, start, quote = [], 0, 0, ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == separator and depth == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    return items


def _selector_items(selector_list: str) -> list[str]:
    """The comma-separated selectors of a rule."""
    return _split(selector_list, ",")


def _can_match(selector: str, page: PageMarks) -> bool:
    """Whether the selector could match an element of the page: every class and attribute value it requires outside
    parentheses is on the page, and some selector in each :where() or :is() could match; :not(), :has() and the
    like are not looked into."""
    outside, depth, start = [], 0, 0
    for index, char in enumerate(selector):
        if char == "(":
            if depth == 0:
                function = re.search(r":([\w-]+)$", selector[:index])
                start = index + 1
                name = function[1] if function else ""
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and name in ("where", "is") and not any(
                _can_match(item, page) for item in _selector_items(selector[start:index])
            ):
                return False
        elif depth == 0:
            outside.append(char)
    plain = "".join(outside)
    classes = (re.sub(r"\\(.)", r"\1", name) for name in _SELECTOR_CLASS.findall(plain))
    attributes = ((name, value.strip("\"'")) for name, value in _SELECTOR_ATTRIBUTE.findall(plain))
    return all(name in page.classes for name in classes) and all(pair in page.attributes for pair in attributes)


def _declarations(body: str) -> list[str]:
    """A rule's declarations."""
    return [item for item in _split(body, ";") if item.strip()]


def _rules(css: str, keep: Callable[[str], bool], properties: frozenset[str] | None) -> str:
    """The stylesheet's rules with only the selectors to keep; with `properties`, only those custom properties are
    declared."""
    kept = []
    for prelude, body in _blocks(css):
        if body is None:
            kept.append(prelude)
        elif prelude.startswith(("@media", "@supports", "@layer", "@container")):
            inner = _rules(body, keep, properties)
            if inner:
                kept.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            kept.append(f"{prelude}{{{body}}}")  # @font-face, @keyframes, @property: whole
        else:
            selectors = [item for item in _selector_items(prelude) if keep(item)]
            if properties is not None:
                body = ";".join(
                    item for item in _declarations(body)
                    if not item.strip().startswith("--") or item.split(":", 1)[0].strip() in properties
                )
            if selectors and body:
                kept.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(kept)


def _properties_used(css: str, page_html: str) -> frozenset[str]:
    """The custom properties that the rules and the page's own styles read, and those their values read in turn."""
    values: dict[str, list[str]] = {}
    reads = set(_VAR.findall(page_html))
    for declaration in (item for body in _VAR_DECLARATION_BODY.findall(css) for item in _declarations(body)):
        name, _, value = declaration.partition(":")
        if name.strip().startswith("--"):
            values.setdefault(name.strip(), []).append(value)
        else:
            reads.update(_VAR.findall(value))
    used, pending = set(), list(reads)
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending.extend(read for value in values.get(name, ()) for read in _VAR.findall(value))
    return frozenset(used)


def critical_css(css: str, page: PageMarks, page_html: str = "") -> str:
    """The stylesheet's rules that could apply to the page's prerendered elements, in the stylesheet's order, with
    only the custom properties they (or the page's own styles in `page_html`) read."""
    rules = _rules(css, lambda selector: _can_match(selector, page), None)
    return _rules(rules, lambda selector: True, _properties_used(rules, page_html))


def breakpoints_used(scripts: str) -> frozenset[str]:
    """The breakpoints the pages give a responsive value at (`size={"initial": "2", "sm": "3"}` is built as
    `{initial:`2`,sm:`3`}`): Radix writes a class for a breakpoint only when a value names it."""
    return frozenset(_RESPONSIVE_KEY.findall(scripts))


def without_unused_breakpoints(css: str, breakpoints: frozenset[str]) -> str:
    """The stylesheet without the rules of classes for breakpoints no page names (four fifths of Radix's responsive
    rules, half the sheet)."""
    unused = [f".{name}\\:" for name in BREAKPOINTS if name not in breakpoints]
    return _rules(css, lambda selector: not any(prefix in selector for prefix in unused), None)


def page_marks(page_html: str) -> PageMarks:
    """The classes and attribute values of a page's prerendered elements, with the classes its inline script puts
    on <html> before the first paint."""
    attributes = frozenset((name, html.unescape(value)) for name, value in _ATTRIBUTE.findall(page_html))
    classes = frozenset(name for key, value in attributes if key == "class" for name in value.split())
    return PageMarks(classes | _CLASSES_BEFORE_PAINT, attributes)


def painting_first(page_html: str, stylesheets: dict[str, str], imports: dict[str, list[str]]) -> str:
    """The page with its critical style rules inline, and its stylesheet and scripts fetched once its first frame is
    painted; `imports` names each module's static imports. A page already changed is returned as it is."""
    page = page_marks(page_html)

    def inline(link: re.Match) -> str:
        href = link["href"]
        rules = critical_css(stylesheets[href], page, page_html).replace("</", "<\\/")
        return (f'<style data-lk-sheet="{href}">{rules}</style>'
                f'<noscript><link rel="stylesheet" href="{href}"/></noscript>')

    modules = _MODULE_PRELOAD.findall(page_html)
    page_html = _MODULE_PRELOAD.sub("", _STYLESHEET.sub(inline, _STYLE_PRELOAD.sub("", page_html)))

    def loader(script: re.Match) -> str:
        # The modules the hydration script names itself set the page's globals in its order: only the others first.
        libraries = [href for href in modules if href not in script["code"]]
        return _AFTER_PAINT.format(code=_script_literal(script["code"]), modules=_script_literal(modules),
                                   libraries=_script_literal(dependencies_first(libraries, imports)))

    return _BOOTSTRAP.sub(loader, page_html)


def dependencies_first(modules: list[str], imports: dict[str, list[str]]) -> list[str]:
    """The modules in an order where each comes after those of them it imports."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(href: str) -> None:
        if href in ordered or href in visiting or href not in modules:
            return
        visiting.add(href)  # a cycle (a Vite build has none) stops here rather than loops
        for dependency in imports.get(href, []):
            visit(dependency)
        ordered.append(href)

    for href in modules:
        visit(href)
    return ordered


def _script_literal(value: str | list[str]) -> str:
    """A JavaScript literal of the value that is safe inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")


def paint_first(static_dir: Path) -> int:
    """Rewrite every prerendered page of a production build (before Reflex compresses it), and drop its stylesheets'
    rules of breakpoints no page uses; returns how many pages."""
    assets = static_dir / "assets"
    scripts = {f"/assets/{path.name}": path.read_text() for path in assets.glob("*.js")}
    breakpoints = breakpoints_used("".join(scripts.values()))
    stylesheets = {}
    for path in assets.glob("*.css"):
        stylesheets[f"/assets/{path.name}"] = without_unused_breakpoints(path.read_text(), breakpoints)
        path.write_text(stylesheets[f"/assets/{path.name}"])
    imports = {href: [f"/assets/{name}" for name in _STATIC_IMPORT.findall(code)] for href, code in scripts.items()}
    pages = sorted(static_dir.rglob("*.html"))
    for path in pages:
        path.write_text(painting_first(path.read_text(), stylesheets, imports))
    return len(pages)


class FirstPaintPlugin(rx.plugins.Plugin):
    """Runs `paint_first` on the production build, after React Router prerenders the pages."""

    def post_build(self, **context) -> None:
        """Rewrite the build's pages."""
        paint_first(Path(context["static_dir"]))
