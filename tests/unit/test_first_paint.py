"""The post-build step: a page's critical style rules, and its stylesheet and scripts put off until it has painted."""

import json
import re

from lk_app.first_paint import (
    breakpoints_used,
    critical_css,
    dependencies_first,
    page_marks,
    paint_first,
    painting_first,
    without_unused_breakpoints,
)

SHEET = "/assets/styles-abc.css"
PAGE = (
    '<!DOCTYPE html><html lang="ru"><head><meta charSet="utf-8"/>'
    f'<link as="style" href="{SHEET}" rel="preload"/><title>Вход</title>'
    '<link rel="modulepreload" href="/assets/entry-1.js"/><link rel="modulepreload" href="/assets/route-2.js"/>'
    '<link rel="modulepreload" href="/assets/radix-3.js"/><link rel="modulepreload" href="/assets/react-4.js"/>'
    f'<link href="{SHEET}" rel="stylesheet" type="text/css"/></head>'
    '<body><div class="radix-themes" data-accent-color="blue"><h1 class="rt-Heading rt-r-size-6">Вход</h1>'
    '<style>.css-1{background:var(--gray-2)}</style><input class="rt-TextFieldInput sm:rt-r-size-3"/></div>'
    '<script type="module" async="">import "/assets/entry-1.js";\nimport("/assets/route-2.js");\nwindow.x = "</div>";'
    "</script></body></html>"
)


def _marks(page: str = PAGE):
    return page_marks(page)


def test_rules_of_classes_the_page_lacks_are_left_to_the_full_stylesheet():
    css = ".rt-Heading{margin:0}.rt-Button{color:red}.rt-Heading .rt-Badge{x:1}h1,.rt-Dialog{y:2}"
    assert critical_css(css, _marks()) == ".rt-Heading{margin:0}h1{y:2}"


def test_where_and_is_need_one_of_their_selectors_and_not_is_not_looked_into():
    css = (".rt-Heading:where(.rt-r-size-6){a:1}.rt-Heading:where(.rt-r-size-9){b:2}"
           ".rt-Heading:is(.rt-r-size-1,.rt-r-size-6){c:3}.rt-Heading:not(.rt-Button){d:4}")
    assert critical_css(css, _marks()) == ".rt-Heading:where(.rt-r-size-6){a:1}.rt-Heading:is(.rt-r-size-1,.rt-r-size-6){c:3}" \
        ".rt-Heading:not(.rt-Button){d:4}"


def test_responsive_classes_and_attribute_values_are_matched_as_the_page_writes_them():
    css = ("@media (width>=768px){.sm\\:rt-r-size-3{e:5}.md\\:rt-r-size-3{f:6}}"
           "[data-accent-color=blue]{g:7}[data-accent-color=red]{h:8}[data-accent-color]{i:9}")
    assert critical_css(css, _marks()) == "@media (width>=768px){.sm\\:rt-r-size-3{e:5}}[data-accent-color=blue]{g:7}" \
        "[data-accent-color]{i:9}"


def test_only_the_custom_properties_that_something_reads_are_declared():
    css = (":root{--gray-2:#eee;--red-9:red;--accent-9:var(--blue-9);--blue-9:blue;--unused:var(--red-9)}"
           ".rt-Heading{color:var(--accent-9)}")
    assert critical_css(css, _marks(), PAGE) == ":root{--gray-2:#eee;--accent-9:var(--blue-9);--blue-9:blue}" \
        ".rt-Heading{color:var(--accent-9)}"


def test_at_rules_strings_and_layers_survive_the_split():
    css = ('@layer base{h1{content:"{;}"}}@font-face{font-family:x;src:local(y)}@keyframes spin{to{rotate:1turn}}'
           "@layer a,b;.rt-Spinner{animation:spin 1s}")
    assert critical_css(css, _marks()) == ('@layer base{h1{content:"{;}"}}@font-face{font-family:x;src:local(y)}'
                                           "@keyframes spin{to{rotate:1turn}}@layer a,b;")


def test_the_dark_theme_class_the_inline_script_sets_counts_as_present():
    assert critical_css(".dark .rt-Heading{color:white}", _marks()) == ".dark .rt-Heading{color:white}"


def test_the_page_blocks_on_nothing_and_runs_its_scripts_after_its_first_paint():
    changed = painting_first(PAGE, {SHEET: ".rt-Heading{margin:0}.rt-Button{color:red}"},
                             {"/assets/radix-3.js": ["/assets/react-4.js"]})
    head = changed.split("</head>")[0]
    assert "modulepreload" not in head and 'rel="preload"' not in head
    assert re.findall(r"<link[^>]*stylesheet[^>]*>", head) == [f'<link rel="stylesheet" href="{SHEET}"/>']
    assert f"<noscript><link rel=\"stylesheet\" href=\"{SHEET}\"/></noscript>" in head  # without JavaScript, styled
    assert f'<style data-lk-sheet="{SHEET}">.rt-Heading{{margin:0}}</style>' in head
    assert '<script type="module"' not in changed
    loader = re.search(r"<script>(\(function\(\)\{var started.*?)</script>", changed, re.DOTALL)[1]
    assert "</" not in loader  # the hydration code's own «</div>» cannot end the loader's <script> early
    fetched = json.loads(re.search(r"(\[[^\]]*\])\.forEach\(function\(href\)", loader)[1])
    evaluated = json.loads(re.search(r"var libraries=(\[[^\]]*\]);", loader)[1])
    assert fetched == ["/assets/entry-1.js", "/assets/route-2.js", "/assets/radix-3.js", "/assets/react-4.js"]
    # The libraries one by one, each after what it imports; the hydration script's own modules left to it.
    assert evaluated == ["/assets/react-4.js", "/assets/radix-3.js"]
    code = json.loads(re.search(r's\.text=("(?:\\.|[^"\\])*")', loader)[1].replace("<\\/", "</"))
    assert code == 'import "/assets/entry-1.js";\nimport("/assets/route-2.js");\nwindow.x = "</div>";'
    assert 'observe({type:"paint",buffered:true})' in loader and "first-contentful-paint" in loader


def test_modules_come_after_what_they_import():
    imports = {"/a.js": ["/b.js", "/c.js"], "/b.js": ["/c.js"], "/c.js": [], "/d.js": ["/a.js"]}
    assert dependencies_first(["/a.js", "/d.js", "/b.js", "/c.js"], imports) == ["/c.js", "/b.js", "/a.js", "/d.js"]
    assert dependencies_first(["/x.js", "/y.js"], {"/x.js": ["/y.js"], "/y.js": ["/x.js"]}) == ["/y.js", "/x.js"]


def test_the_stylesheet_keeps_the_breakpoints_a_page_gives_values_at():
    scripts = 'jsx(Card,{size:{initial:`2`,sm:`3`}});const breakpoints=[`xs`,`sm`,`md`,`lg`,`xl`];'
    assert breakpoints_used(scripts) == {"sm"}
    css = (".rt-r-size-2{a:1}@media (width>=768px){.sm\\:rt-r-size-3{b:2}}"
           "@media (width>=1024px){.md\\:rt-r-size-3{c:3}.rt-Card{d:4}}")
    assert without_unused_breakpoints(css, frozenset({"sm"})) == (
        ".rt-r-size-2{a:1}@media (width>=768px){.sm\\:rt-r-size-3{b:2}}@media (width>=1024px){.rt-Card{d:4}}"
    )


def test_a_page_changed_once_is_not_changed_again(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "styles-abc.css").write_text(".rt-Heading{margin:0}")
    (tmp_path / "cabinet").mkdir()
    for path in (tmp_path / "index.html", tmp_path / "cabinet" / "index.html"):
        path.write_text(PAGE)
    assert paint_first(tmp_path) == 2
    once = (tmp_path / "cabinet" / "index.html").read_text()
    paint_first(tmp_path)
    assert (tmp_path / "cabinet" / "index.html").read_text() == once != PAGE
