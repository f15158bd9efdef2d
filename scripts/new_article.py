"""Start a new article: both language pages, a snippet and a test.

    python3 scripts/new_article.py too-many-connections \\
        --title-ja "Too many connections: 接続数の上限に達する" \\
        --title-en "Too many connections: the server's connection limit is reached"

Creates (SLUG is the page's file name, SLUG_ the same with underscores):

    docs/SLUG.ja.md, docs/SLUG.en.md   the same sections in both languages
    snippets/SLUG_/example.py          a runnable snippet with a named section
    tests/test_SLUG_.py                a test that fails until you write its assertion

and prints the two lines that add the page to mkdocs.yml (nav, nav_translations).
Every place that still needs writing is marked TODO(new-article); the docs checks
(tests/test_site.py) fail until none is left. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "TODO(new-article)"  # tests/test_site.py looks for it
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def page_ja(folder: str, title: str) -> str:
    return f"""\
---
title: {json.dumps(title, ensure_ascii=False)}
description: "{MARKER}: 検索結果に出る要約を 1〜2 文で書きます。"
---

# {title}

<!-- {MARKER}: 読者が貼り付けるエラーと、結論を 2〜3 文で書きます。 -->

## 症状

<!-- {MARKER}: エラーの全文を .txt に置き、text のブロックで取り込みます。 -->

## 原因

<!-- {MARKER}: なぜ起きるのかを、確かめられる事実で説明します。 -->

## 再現

<!-- {MARKER}: エラーを起こす最小のコードを置き、取り込みます。 -->

## 対処法

<!-- {MARKER}: 対処法のコードに置き換え、テストで確かめます。 -->

```python
--8<-- "{folder}/example.py:example"
```

## 参考資料

<!-- {MARKER}: 根拠にした資料へのリンクを並べます。 -->
"""


def page_en(slug: str, folder: str, title: str) -> str:
    return f"""\
---
title: {json.dumps(title, ensure_ascii=False)}
description: "{MARKER}: translate the description of docs/{slug}.ja.md."
---

# {title}

<!-- {MARKER}: translate docs/{slug}.ja.md (same sections, same includes). -->

## Symptom

<!-- {MARKER}: translate the section. -->

## Cause

<!-- {MARKER}: translate the section. -->

## Reproduce

<!-- {MARKER}: translate the section. -->

## Fix

<!-- {MARKER}: translate the section. -->

```python
--8<-- "{folder}/example.py:example"
```

## References

<!-- {MARKER}: translate the section. -->
"""


SNIPPET = f"""\
# {MARKER}: replace this example with the code the page shows.
# The page includes the lines between the two markers of the section "example",
# and the tests run exactly that text: keep it runnable on its own.
# --8<-- [start:example]
import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as conn:
    print(conn.execute(text("SELECT VERSION()")).scalar_one())
# --8<-- [end:example]
"""


def test_module_text(slug: str, folder: str) -> str:
    return f'''\
"""The article docs/{slug}.{{ja,en}}.md, scenario by scenario.

Snippets: snippets/{folder}/. Run each snippet exactly as the page shows it
(runners.run_script or runners.load_snippet; pages.render gives the text of an output
block), against the test database (the database_url fixture), and assert what the page
claims: the failure without the fix, then the same steps with the fix.
"""

from __future__ import annotations

import pytest

from runners import run_script

PAGE = "{folder}"


def snippet(name: str) -> str:
    return f"{{PAGE}}/{{name}}"


def test_example_runs(database_url, tmp_path):
    result = run_script(snippet("example.py:example"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    pytest.fail(
        "write the assertion: what does the page say this code does? Check that against "
        f"what it really did. It printed:\\n{{result.stdout}}"
    )
'''


MUTATIONS = ROOT / "scripts" / "mutations.toml"


def mutation_placeholder(folder: str) -> str:
    """An entry for scripts/mutations.toml that scripts/mutation.py refuses until written."""
    return f"""
# --- {folder}/example.py (added by scripts/new_article.py) ---

[[edit]]
file = "{folder}/example.py"
what = "{MARKER}: a careless edit of the snippet a reader could make, and the claim it breaks"
old = "{MARKER}: the exact text in the snippet that the edit changes"
new = "{MARKER}: the text after the careless edit"
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Start a new article in both languages, with a snippet and a test.",
        epilog="Example: python3 scripts/new_article.py too-many-connections "
        '--title-ja "Too many connections: 接続数の上限に達する" '
        '--title-en "Too many connections: the server\'s connection limit is reached"',
    )
    parser.add_argument("slug", help="the page's file name: lowercase words joined by hyphens")
    parser.add_argument("--title-ja", required=True, help="the Japanese title (page and nav)")
    parser.add_argument("--title-en", required=True, help="the English title (page and nav)")
    args = parser.parse_args(argv)

    slug, title_ja, title_en = args.slug, args.title_ja.strip(), args.title_en.strip()
    if not SLUG_RE.fullmatch(slug):
        suggestion = "-".join(re.findall(r"[a-z0-9]+", slug.lower())) or "lost-connection"
        parser.error(
            f"slug {slug!r}: use lowercase letters, digits and single hyphens, "
            f"e.g. {suggestion!r} (it becomes docs/{suggestion}.ja.md and the URL)"
        )
    for name, title in (("--title-ja", title_ja), ("--title-en", title_en)):
        if not title:
            parser.error(f"{name} is empty: give the page's title in that language")
    folder = slug.replace("-", "_")
    files = {
        ROOT / "docs" / f"{slug}.ja.md": page_ja(folder, title_ja),
        ROOT / "docs" / f"{slug}.en.md": page_en(slug, folder, title_en),
        ROOT / "snippets" / folder / "example.py": SNIPPET,
        ROOT / "tests" / f"test_{folder}.py": test_module_text(slug, folder),
    }
    existing = [str(path.relative_to(ROOT)) for path in files if path.exists()]
    if existing:
        parser.error(
            f"{', '.join(existing)} already exist(s): choose another slug, "
            f"or edit the existing article"
        )

    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        print(f"created {path.relative_to(ROOT)}")
    with MUTATIONS.open("a", encoding="utf-8") as mutations:
        mutations.write(mutation_placeholder(folder))
    print(f"added a placeholder edit to {MUTATIONS.relative_to(ROOT)}")
    # JSON strings are YAML strings: a title with ": " in it needs the quotes.
    ja, en = (json.dumps(title, ensure_ascii=False) for title in (title_ja, title_en))
    print(f"""
Next:
  1. Add the page to mkdocs.yml, under nav:
       - {ja}: {slug}.md
     and under nav_translations: of the en language:
       {ja}: {en}
  2. Run bash scripts/test.sh: it fails, and says what is left to write.
  3. Add the article to the lists in docs/index.ja.md and docs/index.en.md.
  4. Replace the placeholder in scripts/mutations.toml with careless edits of the snippet
     the tests must catch, and run scripts/mutation.py --snippet for it.""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
