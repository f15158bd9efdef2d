"""Japanese text has no stray spaces where the Markdown source breaks a line.

hooks/japanese_line_breaks.py removes a line break between two Japanese characters from
the rendered HTML. The unit tests feed it the tricky shapes; the site-wide test reads
every built Japanese page the way a browser lays out text and finds no whitespace
between two Japanese characters.
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown as python_markdown
import pytest

from pages import ROOT

pytestmark = [pytest.mark.docs, pytest.mark.xdist_group("site")]

_spec = importlib.util.spec_from_file_location(
    "japanese_line_breaks", ROOT / "hooks" / "japanese_line_breaks.py"
)
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

# Kanji, kana (incl. ー), Japanese punctuation and full-width forms: written out here,
# not taken from the hook, so the site-wide test does not share the hook's definition.
JAPANESE = r"[\u3000-\u303f\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]"
SPACE_BETWEEN_JAPANESE = re.compile(rf"({JAPANESE})(\s+)({JAPANESE})")


def markdown(source: str) -> str:
    """Markdown rendered by Python-Markdown (as MkDocs does), then the hook."""
    return hook.join_japanese_lines(python_markdown.markdown(source))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("接続が\n切れます。", "<p>接続が切れます。</p>", id="between-kana-and-kanji"),
        pytest.param("切れます。\n次に", "<p>切れます。次に</p>", id="after-a-full-stop"),
        pytest.param("原因と、\n対処法", "<p>原因と、対処法</p>", id="after-a-comma"),
        pytest.param(
            "詳しくは\n[原因](causes.md)を",
            '<p>詳しくは<a href="causes.md">原因</a>を</p>',
            id="before-a-link",
        ),
        pytest.param(
            "[原因](causes.md)\nを参照",
            '<p><a href="causes.md">原因</a>を参照</p>',
            id="after-a-link",
        ),
        pytest.param("**結論**\nです", "<p><strong>結論</strong>です</p>", id="after-bold"),
        pytest.param(
            "- 接続が\n  切れます", "<ul>\n<li>接続が切れます</li>\n</ul>", id="inside-a-list-item"
        ),
        pytest.param(
            "SQLAlchemy の\n接続", "<p>SQLAlchemy の接続</p>", id="typed-space-kept-break-joined"
        ),
    ],
)
def test_a_break_between_japanese_characters_renders_as_nothing(source, expected):
    assert markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("接続が\nSQLAlchemy", "<p>接続が\nSQLAlchemy</p>", id="before-ascii"),
        pytest.param("SQLAlchemy\nの接続", "<p>SQLAlchemy\nの接続</p>", id="after-ascii"),
        pytest.param(
            "設定は\n`wait_timeout`",
            "<p>設定は\n<code>wait_timeout</code></p>",
            id="before-inline-code",
        ),
        pytest.param(
            "`wait_timeout`\nの値", "<p><code>wait_timeout</code>\nの値</p>", id="after-inline-code"
        ),
        pytest.param("値は 8 時間\nです", "<p>値は 8 時間です</p>", id="typed-spaces-kept"),
        pytest.param("English\ntext", "<p>English\ntext</p>", id="english"),
    ],
)
def test_a_break_next_to_ascii_keeps_its_space(source, expected):
    assert markdown(source) == expected


def test_code_blocks_are_left_as_written():
    html = "<pre><code>接続が\n切れます</code></pre>\n<p>接続が\n切れます</p>"
    assert (
        hook.join_japanese_lines(html)
        == "<pre><code>接続が\n切れます</code></pre>\n<p>接続が切れます</p>"
    )


def test_a_break_between_two_blocks_is_left_alone():
    html = "<p>切れます。</p>\n<p>次に</p>"
    assert hook.join_japanese_lines(html) == html


class _RenderedText(HTMLParser):
    """Text as a browser lays it out, one string per block; verbatim text becomes "X"
    (ASCII), so a break next to inline code counts as next to ASCII."""

    BLOCKS = frozenset("p li td th h1 h2 h3 h4 dt dd div label summary title br".split())
    SKIPPED = frozenset({"script", "style", "pre", "code", "kbd", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = [""]
        self.skipping = 0

    def handle_starttag(self, tag, _attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
            self.blocks[-1] += "X"
        elif tag in self.BLOCKS:
            self.blocks.append("")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.blocks.append("")

    def handle_data(self, data):
        if not self.skipping:
            self.blocks[-1] += data


def japanese_pages(site: Path) -> list[Path]:
    """Every built page of the default (Japanese) language: everything outside /en/."""
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "en")


def test_built_japanese_pages_have_no_space_between_japanese_characters(built_site):
    pages = japanese_pages(built_site)
    assert len(pages) >= 7, f"expected the Japanese pages in {built_site}, found {pages}"
    problems = []
    for page in pages:
        parser = _RenderedText()
        parser.feed(page.read_text(encoding="utf-8"))
        for block in parser.blocks:
            for match in SPACE_BETWEEN_JAPANESE.finditer(block):
                context = block[max(match.start() - 15, 0) : match.end() + 15].replace("\n", "⏎")
                problems.append(f"{page.relative_to(built_site)}: …{context}…")
    assert not problems, "whitespace between two Japanese characters:\n" + "\n".join(problems)
