"""The article through axe-core in headless Chromium; every page: scripts/accessibility.py.

axe-core is the engine behind Lighthouse's accessibility score; the axe-playwright-python
package ships it. The checks are its WCAG 2.2 A and AA rules and its best practices:
text contrast, links told apart from text by more than colour, table headers, names of
controls and landmarks, and so on.

Material's own markup breaks three rules that this site cannot fix without overriding
Material's templates. MATERIAL lists them by rule and element; any other violation, and
any of these three on another element, fails. The colour fixes (Material's defaults fall
just short of 4.5:1 in places) are in docs/stylesheets/extra.css.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from pages import languages, page_path, pages, root

# On the worker of the docs checks (test_site.py), which has built the site already and
# has little else to do; the search tests (test_browser.py) keep theirs to themselves.
pytestmark = pytest.mark.xdist_group("site")

RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]

# Material's markup, not this site's: rule id -> the CSS class of the element it flags.
MATERIAL = {
    # The search overlay is a role="dialog" without an accessible name.
    "aria-dialog-name": "md-search",
    # Each code block's button bar (content.code.copy) is an unnamed <nav>.
    "landmark-unique": "md-code__nav",
    # The label bar of content tabs scrolls but is not focusable itself.
    "scrollable-region-focusable": "tabbed-labels",
}

# Material's palette names (mkdocs.yml: theme.palette, chosen by prefers-color-scheme).
SCHEMES = {"light": "default", "dark": "slate"}

# The article, in both languages and both schemes: it shows every kind of block and
# text the site has except ini code (causes) and long tables (error-messages). axe takes
# seconds a page here, so every page and scheme is audited by scripts/accessibility.py,
# not on every test run.
ARTICLE = "mysql-server-has-gone-away"
CASES = [(page_path(ARTICLE, lang), scheme) for lang in languages() for scheme in SCHEMES]
ALL_PAGES = [
    *[page_path(name, lang) for name in sorted(pages()) for lang in languages()],
    *[root(lang) + "no-such-page/" for lang in languages()],  # the 404 pages
]
OPTIONS = {"runOnly": {"type": "tag", "values": RULES}}

AXE = Axe()


def is_materials(rule: str, target: list[str]) -> bool:
    element = target[-1].split(">")[-1]
    return rule in MATERIAL and f".{MATERIAL[rule]}" in element


def check(browser, site_url, path: str, scheme: str, options: dict) -> list[str]:
    """axe-core's findings on the page at `path`, less Material's own (MATERIAL)."""
    page = browser.new_page(color_scheme=scheme)
    # Not the search index: building it costs the browser more than the checks do, and
    # the search box is the same without it.
    page.route("**/search/search_index.json", lambda route: route.abort())
    try:
        page.goto(site_url + path)
        assert page.locator("body").get_attribute("data-md-color-scheme") == SCHEMES[scheme]
        results = AXE.run(page, options={**options, "resultTypes": ["violations"]}).response
    finally:
        page.close()
    assert results["passes"] or results["violations"], "axe-core checked nothing"
    return [
        f"{rule['id']}: {rule['help']}\n    {' '.join(node['target'])}\n    "
        + (node.get("failureSummary") or "").replace("\n", "\n    ")
        for rule in results["violations"]
        for node in rule["nodes"]
        if not is_materials(rule["id"], node["target"])
    ]


@pytest.mark.parametrize(("path", "scheme"), CASES)
def test_article_passes_the_accessibility_checks(browser, site_url, path, scheme):
    problems = check(browser, site_url, path, scheme, OPTIONS)
    assert not problems, (
        f"{path} ({scheme} scheme) fails axe-core's checks (colours: "
        "docs/stylesheets/extra.css):\n" + "\n".join(problems)
    )
