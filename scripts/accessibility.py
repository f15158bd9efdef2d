"""Audit every page of the site, in both colour schemes, with axe-core.

The same checks as tests/test_accessibility.py, which runs them on the article only
(axe takes seconds a page). Builds the site into a temporary directory, serves it on
127.0.0.1 and opens each page in headless Chromium; prints one line per page and
scheme, then every finding. Exits 1 if there is one. An audit, not a test:

    .venv/bin/python scripts/accessibility.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402

from browser import CHROMIUM, CHROMIUM_ARGS, missing_browser, serve  # noqa: E402
from test_accessibility import ALL_PAGES, OPTIONS, SCHEMES, check  # noqa: E402


def main() -> int:
    if why := missing_browser():
        print(why, file=sys.stderr)
        return 1
    findings = []
    with tempfile.TemporaryDirectory() as site:
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site],
            cwd=ROOT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            check=True,
        )
        with serve(Path(site)) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for path in ALL_PAGES:
                for scheme in SCHEMES:
                    problems = check(browser, url, path, scheme, OPTIONS)
                    print(f"{path} ({scheme}): {len(problems) or 'no'} findings", flush=True)
                    findings += [f"{path} ({scheme}) {problem}" for problem in problems]
            browser.close()
    print("\n".join(findings))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
