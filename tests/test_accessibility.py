"""The article through axe-core in headless Chromium; every page: scripts/accessibility.py.
The notice under the search box (docs/javascripts/error-search.js) is checked here too.

axe-core is the engine behind Lighthouse's accessibility score; the axe-playwright-python
package ships it. The checks are its WCAG 2.2 A and AA rules and its best practices:
text contrast, links told apart from text by more than colour, table headers, names of
controls and landmarks, and so on.

Material's own markup breaks one rule that this site cannot fix without overriding
Material's templates: the label bar of content tabs scrolls but cannot take the focus.
MATERIAL in accessibility_checks.py lists it by rule and element; any other violation,
and this one on another element, fails. Two more were fixed here: the search dialog's
name (overrides/partials/search.html) and the copy buttons' bars, which were unnamed
<nav> landmarks (hooks/material_mount.py). The colour fixes (Material's defaults fall
just short of 4.5:1 in places) are in docs/stylesheets/extra.css.
"""

from __future__ import annotations

import pytest

from accessibility_checks import AXE, OPTIONS, SCHEMES, audit_page, check
from browser import NOTICE, search_pasted
from pages import languages, page_path, root

# On the worker of the docs checks (test_site.py), which has built the site already and
# has little else to do; the search tests (test_browser.py) keep theirs to themselves.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site")]

# The article, in both languages and both schemes: it shows every kind of block and
# text the site has except ini code (causes) and long tables (error-messages). axe takes
# seconds a page here, so every page and scheme is audited by scripts/accessibility.py,
# not on every test run.
ARTICLE = "mysql-server-has-gone-away"
CASES = [(page_path(ARTICLE, lang), scheme) for lang in languages() for scheme in SCHEMES]


@pytest.fixture(scope="module")
def audited(browser):
    page = audit_page(browser)
    yield page
    page.close()


@pytest.mark.parametrize(("path", "scheme"), CASES)
def test_article_passes_the_accessibility_checks(audited, site_url, path, scheme):
    problems = check(audited, site_url, path, scheme, OPTIONS)
    assert not problems, (
        f"{path} ({scheme} scheme) fails axe-core's checks (colours: "
        "docs/stylesheets/extra.css):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_search_notice_passes_the_accessibility_checks(browser, site_url, scheme):
    """axe-core on the notice under the search box (docs/javascripts/error-search.js) alone:
    the article's audit does not open the search box, and does not load the search index
    the notice needs."""
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(site_url + root("en"))
        _, _, notice = search_pasted(page, "Flask-SQLAlchemy: Can't reconnect")
        assert notice, "no notice shown"
        options = {**OPTIONS, "resultTypes": ["violations"]}
        results = AXE.run(page, context={"include": [[NOTICE]]}, options=options).response
    finally:
        page.close()
    assert results["passes"], "axe-core checked nothing"
    assert not results["violations"], results["violations"]
