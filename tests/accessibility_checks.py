"""axe-core's checks on a page of the built site, and what counts as a finding.

Shared by tests/test_accessibility.py (the article) and scripts/accessibility.py (every
page). axe-core is the engine behind Lighthouse's accessibility score; the
axe-playwright-python package ships it.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from pages import languages, page_paths, root

RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]

# Material's markup, not this site's: rule id -> the CSS class of the element it flags.
MATERIAL = {
    # The label bar of content tabs scrolls but is not focusable itself.
    "scrollable-region-focusable": "tabbed-labels",
}

# Material's palette names (mkdocs.yml: theme.palette, chosen by prefers-color-scheme).
SCHEMES = {"light": "default", "dark": "slate"}

# Every page in every language, and the 404 pages: scripts/accessibility.py audits them.
ALL_PAGES = [
    *page_paths(),
    *[root(lang) + "no-such-page/" for lang in languages()],  # the 404 pages
]
OPTIONS = {"runOnly": {"type": "tag", "values": RULES}}

AXE = Axe()


def is_materials(rule: str, target: list[str]) -> bool:
    element = target[-1].split(">")[-1]
    return rule in MATERIAL and f".{MATERIAL[rule]}" in element


def audit_page(browser):
    """A page for check() to reuse (a new one costs Chromium about a CPU-second). It does
    not load the search index: building that costs the browser more than the checks do,
    and the search box is the same without it."""
    page = browser.new_page()
    page.route("**/search/search_index.json", lambda route: route.abort())
    # Material keeps the palette it chose in localStorage; each check starts from the
    # colour scheme alone, as a first visit does.
    page.add_init_script("window.localStorage.clear()")
    return page


def check(page, site_url, path: str, scheme: str, options: dict) -> list[str]:
    """axe-core's findings on the page at `path` in `scheme`, less Material's own
    (MATERIAL). `page`: from audit_page()."""
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url + path)
    assert page.locator("body").get_attribute("data-md-color-scheme") == SCHEMES[scheme]
    results = AXE.run(page, options={**options, "resultTypes": ["violations"]}).response
    assert results["passes"] or results["violations"], "axe-core checked nothing"
    return [
        f"{rule['id']}: {rule['help']}\n    {' '.join(node['target'])}\n    "
        + (node.get("failureSummary") or "").replace("\n", "\n    ")
        for rule in results["violations"]
        for node in rule["nodes"]
        if not is_materials(rule["id"], node["target"])
    ]
