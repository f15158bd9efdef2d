"""Print where each search query of tests/search_queries.py ranks, as a Markdown table.

Builds the site into a temporary directory, serves it on 127.0.0.1 and types every
query into the search box in headless Chromium, from / and from /en/. "rank" counts
the results in the expected page's language (what the tests assert: first or second)
and gives the best-placed of the expected pages,
"overall" counts every result in the mixed-language list ("-": not found).
A measurement, not a test:

    .venv/bin/python scripts/search_ranks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import search, site_in_browser
from pages import root
from search_queries import in_language, search_cases


def rank(paths: list[str], wanted: list[str]) -> str:
    """Rank of the best-placed expected page ("-": none found)."""
    found = [paths.index(p) + 1 for p in wanted if p in paths]
    return str(min(found)) if found else "-"


def main() -> int:
    with site_in_browser() as (url, browser):
        opened = {}
        print("| query | from | expected | rank | overall |")
        print("|---|---|---|---|---|")
        for case in search_cases():
            query, want, lang, from_lang = case
            if from_lang not in opened:
                opened[from_lang] = browser.new_page()
                opened[from_lang].goto(url + root(from_lang))
            results = search(opened[from_lang], query)
            text = query.replace("|", "\\|")
            print(
                f"| `{text}` | {root(from_lang)} | {' or '.join(want)} "
                f"| {rank(in_language(results, lang), want)} | {rank(results, want)} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
