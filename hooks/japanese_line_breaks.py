"""Line breaks between two Japanese characters render as nothing.

The Japanese pages wrap long paragraphs in the Markdown source. A browser turns each of
those newlines into a space, which between two Japanese characters reads as a typo
(「アクセスがないと、 次の最初」). This hook removes a line break (with the indentation
around it) from the rendered HTML when the visible characters on both sides are East
Asian wide, full-width or half-width (kanji, kana, Japanese punctuation; Hangul
excepted) — the rule of CSS Text Level 3 for segment breaks, which browsers do not
implement. A break next to ASCII text (`SQLAlchemy の`, inline code, a URL) keeps its
space; so do spaces the author typed.

It runs on `on_page_content`, before Material's search plugin reads the page, so the
search index has the same text as the page. Inside <pre>, <code>, <kbd>, <script>,
<style> and <textarea> nothing changes. Across inline tags (<a>, <strong>, <em>, <code>,
...) the visible characters are looked up through the tag; a block tag (<p>, <li>, <td>,
<br>, ...) ends the search, and the break stays.

Markdown extensions that do something close (markdown-cjk-spacing) also insert spaces
between Japanese and Latin text, which this site's style does not want.
"""

from __future__ import annotations

import re
import unicodedata

# Elements whose text is shown as written.
_VERBATIM = frozenset({"pre", "code", "kbd", "samp", "script", "style", "textarea"})
# Elements that sit inside a line of text: the search for a neighbouring character goes
# through them. Any other tag (p, li, td, br, div, h2, ...) is a boundary.
_INLINE = frozenset(
    {"a", "abbr", "b", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s", "samp",
     "small", "span", "strong", "sub", "sup", "u", "var"}
)  # fmt: skip
_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)")
_BREAK = re.compile(r"[ \t]*\n[ \t\n]*")


def is_wide(char: str) -> bool:
    """East Asian wide, full-width or half-width, and not Hangul (CSS Text Level 3)."""
    if unicodedata.east_asian_width(char) not in ("W", "F", "H"):
        return False
    return not unicodedata.name(char, "").startswith("HANGUL")


def _tag(token: str) -> tuple[str, bool] | None:
    """(name, is_closing) for a tag token, None for text or a comment."""
    if not token.startswith("<") or token.startswith("<!"):
        return None
    match = _TAG_NAME.match(token)
    if not match:
        return None
    return match.group(1).lower(), token.startswith("</")


def _neighbour(tokens: list[str], index: int, step: int) -> str:
    """The first visible character before (step -1) or after (step 1) token `index`,
    looking through inline tags; "" at a block boundary."""
    i = index + step
    while 0 <= i < len(tokens):
        token = tokens[i]
        tag = _tag(token)
        if tag is None:
            if token.startswith("<!--"):
                i += step
                continue
            visible = token.strip(" \t\n")
            if visible:
                return visible[-1] if step < 0 else visible[0]
            i += step
            continue
        if tag[0] not in _INLINE:
            return ""
        i += step
    return ""


def join_japanese_lines(html: str) -> str:
    """Remove the line breaks between two wide characters from rendered HTML."""
    tokens = _TOKEN.findall(html)
    verbatim = 0
    for index, token in enumerate(tokens):
        tag = _tag(token)
        if tag is not None:
            name, closing = tag
            if name in _VERBATIM and not token.endswith("/>"):
                verbatim += -1 if closing else 1
                verbatim = max(verbatim, 0)
            continue
        if verbatim or token.startswith("<!--") or "\n" not in token:
            continue
        tokens[index] = _join_in_text(tokens, index)
    return "".join(tokens)


def _join_in_text(tokens: list[str], index: int) -> str:
    text = tokens[index]

    def replace(match: re.Match) -> str:
        start, end = match.span()
        before = text[start - 1] if start > 0 else _neighbour(tokens, index, -1)
        after = text[end] if end < len(text) else _neighbour(tokens, index, 1)
        if before and after and is_wide(before) and is_wide(after):
            return ""
        return match.group(0)

    return _BREAK.sub(replace, text)


def on_page_content(html: str, page, **_kwargs) -> str:
    """MkDocs hook: Japanese pages only (mkdocs-static-i18n names them *.ja.md)."""
    if page.file.src_uri.endswith(".ja.md"):
        return join_japanese_lines(html)
    return html
