"""The article through axe-core in headless Chromium; every page: scripts/accessibility.py.

axe-core is the engine behind Lighthouse's accessibility score; the axe-playwright-python
package ships it. The checks are its WCAG 2.2 A and AA rules and its best practices:
text contrast, links told apart from text by more than colour, table headers, names of
controls and landmarks, and so on.

Material's own markup breaks three rules that this site cannot fix without overriding
Material's templates. MATERIAL in accessibility_checks.py lists them by rule and element;
any other violation, and any of these three on another element, fails. The colour fixes
(Material's defaults fall just short of 4.5:1 in places) are in docs/stylesheets/extra.css.
"""

from __future__ import annotations

import pytest

from accessibility_checks import OPTIONS, SCHEMES, audit_page, check
from pages import languages, page_path

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
