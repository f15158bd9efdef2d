"""Two changes to Material's markup, so its script has less to do when a page loads.

On each page load, Material's bundle mounts its components in one task, which Lighthouse
counts as blocking time. Traced on the long pages, most of that task was the browser
restyling and laying out the page again because of two of the bundle's DOM changes:

1. Copy buttons. With `content.code.copy`, the bundle adds a button bar to each code
   block, then reads the block's width (to know whether it scrolls). Each read after an
   insertion makes the browser lay the page out again: /error-messages/ (24 blocks) was
   laid out 24 times. This hook writes the button into each block at build time, so the
   browser lays it out with the page, and mkdocs.yml leaves `content.code.copy` off (or
   each block would get a second button).

   Material's own handler still copies: the bundle handles clicks on any element with a
   `data-clipboard-target` (its setupClipboardJS, with or without the feature), copies
   the target's text as for its own button, and says "Copied to clipboard". The target
   is the block's <code>, by an id of its own: Material gives each <pre> a new id when it
   mounts the block. The button is Material's (renderClipboardButton: class, `title` in
   the page's language, `data-md-type`). Its bar has Material's class, on a <span> where
   Material inserts a <nav>: the HTML parser needs phrasing content inside <pre>, and
   the <nav>s were unnamed navigation landmarks, one per code block, that a screen reader
   lists among the page's regions (axe-core: landmark-unique).

2. Tables. The bundle wraps each table in its scrolling container (`table:not([class])`,
   renderTable), by taking the table out of its parent and putting the wrapper in. When
   that parent is the article, Material's sibling selectors make the browser restyle the
   whole article (about 1,100 elements on the article page). This hook puts each such
   table in a <div> of its own, so the same change restyles that <div> only. The <div>
   has no style and takes no space (tests/test_browser.py checks both).

Checked against mkdocs-material 9.8.2's bundle (tests/test_site.py names the version).
A block with class `no-copy` gets no button, as with Material's feature; neither does a
Mermaid diagram (<pre class="mermaid">).
"""

from __future__ import annotations

import re

# Material's `clipboard.copy` text in each of the site's languages (its
# partials/languages/{ja,en}.html); tests/test_site.py compares with each built page.
COPY_TITLES = {"ja": "クリップボードへコピー", "en": "Copy to clipboard"}

# A code block as pymdownx.highlight renders it: the wrapper <div> with its classes, an
# optional file name, then <pre><span></span><code>.
_CODE_BLOCK = re.compile(
    r'(?P<head><div class="(?P<classes>[^"]*)">(?:<span class="filename">[^<]*</span>)?'
    r"<pre(?P<pre_attributes>[^>]*)>(?:<span></span>)?)<code>"
)
# A table Material wraps: one without a class (Markdown's tables have none).
_TABLE = re.compile(r"<table>.*?</table>", re.DOTALL)


def with_copy_buttons(html: str, title: str) -> str:
    """`html` with a copy button in each highlighted code block; the blocks' <code> get
    the ids `__copy_1`, `__copy_2`, ... in order."""
    count = 0

    def add_button(block: re.Match) -> str:
        nonlocal count
        classes = block["classes"].split()
        if "highlight" not in classes or "no-copy" in classes:
            return block[0]
        if "mermaid" in block["pre_attributes"]:
            return block[0]
        count += 1
        target = f"__copy_{count}"
        bar = (
            f'<span class="md-code__nav"><button class="md-code__button" title="{title}"'
            f' data-clipboard-target="#{target}" data-md-type="copy"></button></span>'
        )
        return f'{block["head"]}{bar}<code id="{target}">'

    return _CODE_BLOCK.sub(add_button, html)


def with_tables_in_divs(html: str) -> str:
    """`html` with each table Material wraps put in a <div class="table-holder">."""
    return _TABLE.sub(lambda table: f'<div class="table-holder">{table[0]}</div>', html)


def on_page_content(html: str, config, **_kwargs) -> str:
    """MkDocs hook. mkdocs-static-i18n builds each language with the theme's language set
    to it."""
    title = COPY_TITLES[config.theme["language"]]
    return with_tables_in_divs(with_copy_buttons(html, title))
