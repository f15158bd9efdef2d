"""Print where each search query of tests/search_queries.py ranks, as a Markdown table.

Builds the site into a temporary directory, serves it on 127.0.0.1 and asks Material's
search worker every query in headless Chromium, from / and from /en/, as the tests do
(browser.ask_search_worker: the pages the search box would list). "rank" counts
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

from browser import ask_search_worker, site_in_browser
from pages import languages, root
from search_queries import QUERIES, in_language, search_cases


def rank(paths: list[str], wanted: list[str]) -> str:
    """Rank of the best-placed expected page ("-": none found)."""
    found = [paths.index(p) + 1 for p in wanted if p in paths]
    return str(min(found)) if found else "-"


def main() -> int:
    texts = [query.text for query in QUERIES]
    with site_in_browser() as (url, browser):
        answers = {}
        for lang in languages():
            page = browser.new_page()
            page.goto(url + root(lang))
            found = ask_search_worker(page, texts)
            answers |= {(lang, text): paths for text, paths in zip(texts, found, strict=True)}
            page.close()
    print("| query | from | expected | rank | overall |")
    print("|---|---|---|---|---|")
    for query, want, lang, from_lang in search_cases():
        results = answers[from_lang, query]
        text = query.replace("|", "\\|")
        print(
            f"| `{text}` | {root(from_lang)} | {' or '.join(want)} "
            f"| {rank(in_language(results, lang), want)} | {rank(results, want)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
