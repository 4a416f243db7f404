"""axe-core in the browser tests: what a page in its present state breaks of WCAG 2.1 A and AA."""

from pathlib import Path

from playwright.sync_api import Page

# scripts/setup.sh --tests installs it there.
AXE_SCRIPT = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# Best practices pass on LK's pages too, and keep passing: a region or heading lost is caught with the rest.
TAGS = (*WCAG_TAGS, "best-practice")

_RUN = """async tags => {
    // A dialog fading in would be judged half-transparent: wait for what is moving to stand still (not spinners).
    const settling = document.getAnimations().filter(motion => motion.effect?.getTiming().iterations !== Infinity);
    await Promise.all(settling.map(motion => motion.finished.catch(() => null)));
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    const contrast = list => list.filter(rule => rule.id === 'color-contrast').flatMap(rule => rule.nodes).length;
    const detail = node => {
        const data = node.any.find(check => check.id === 'color-contrast')?.data;
        return data ? ` (${data.fgColor} on ${data.bgColor}: ${data.contrastRatio}, needs ${data.expectedContrastRatio})` : '';
    };
    return {
        violations: result.violations.flatMap(rule => rule.nodes.map(node => ({
            rule: rule.id, impact: node.impact, target: node.target.join(' '), help: rule.help + detail(node),
        }))),
        contrastChecked: contrast(result.passes) + contrast(result.violations),
        contrastUnsure: contrast(result.incomplete),
    };
}"""


def axe_violations(page: Page, state: str) -> list[str]:
    """axe-core over the whole page as it is now: each violating node as «state: rule (impact): target — help», and
    a line of its own when the contrast rule could judge no text at all (it would then check nothing)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=AXE_SCRIPT)
    result = page.evaluate(_RUN, list(TAGS))
    lines = [f"{state}: {v['rule']} ({v['impact']}): {v['target']} — {v['help']}" for v in result["violations"]]
    if result["contrastChecked"] == 0:
        lines.append(f"{state}: color-contrast judged no text ({result['contrastUnsure']} undecided)")
    return lines
