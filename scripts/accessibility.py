"""Audit every page of the site, in both colour schemes, with axe-core.

The same checks as tests/test_accessibility.py, which runs them on the article only
(axe takes seconds a page). Builds the site into a temporary directory, serves it on
127.0.0.1 and opens each page in headless Chromium; prints one line per page and
scheme, then every finding. Exits 1 if there is one. An audit, not a test:

    .venv/bin/python scripts/accessibility.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from accessibility_checks import ALL_PAGES, OPTIONS, SCHEMES, audit_page, check
from browser import site_in_browser


def main() -> int:
    findings = []
    with site_in_browser() as (url, browser):
        page = audit_page(browser)
        for path in ALL_PAGES:
            for scheme in SCHEMES:
                problems = check(page, url, path, scheme, OPTIONS)
                print(f"{path} ({scheme}): {len(problems) or 'no'} findings", flush=True)
                findings += [f"{path} ({scheme}) {problem}" for problem in problems]
    print("\n".join(findings))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
