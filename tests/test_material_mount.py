"""hooks/material_mount.py: copy buttons written at build time, tables in a <div> each.

The unit tests render Markdown with the site's own extensions (mkdocs.yml) and run the
hook on it. The built site's checks are in tests/test_site.py ("Load time"), and what the
reader sees (the button copies, the <div> takes no space) in tests/test_browser.py.
"""

from __future__ import annotations

import importlib.util
import re
from types import SimpleNamespace

import markdown as python_markdown
import pytest

from pages import ROOT, mkdocs_config

pytestmark = [pytest.mark.docs]

_spec = importlib.util.spec_from_file_location(
    "material_mount", ROOT / "hooks" / "material_mount.py"
)
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

BUTTON = re.compile(
    r'<span class="md-code__nav"><button class="md-code__button" title="(?P<title>[^"]*)"'
    r' data-clipboard-target="#(?P<target>[^"]+)" data-md-type="copy"></button></span>'
)


def rendered(source: str, lang: str = "en") -> str:
    """`source` as MkDocs renders it with this site's Markdown extensions, then the hook."""
    config = mkdocs_config()
    html = python_markdown.markdown(
        source, extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )
    return hook.on_page_content(html, config=SimpleNamespace(theme={"language": lang}))


def code_ids(html: str) -> list[str]:
    return re.findall(r'<code id="([^"]+)">', html)


def test_each_code_block_gets_a_button_that_targets_its_own_code():
    html = rendered("```python\na = 1\n```\n\nText.\n\n```sql\nSELECT 1\n```\n")
    buttons = [match["target"] for match in BUTTON.finditer(html)]
    assert buttons == code_ids(html) == ["__copy_1", "__copy_2"]
    # Where Material's script puts its bar: in the <pre>, before the <code>.
    assert html.count('<pre><span></span><span class="md-code__nav">') == 2


def test_a_block_with_a_file_name_keeps_it_above_the_button():
    html = rendered('```python title="app.py"\na = 1\n```\n')
    assert re.search(
        r'<span class="filename">app\.py</span><pre><span></span>' + BUTTON.pattern, html
    )


def test_blocks_in_content_tabs_and_admonitions_get_buttons():
    source = (
        '=== "One"\n\n    ```python\n    a = 1\n    ```\n\n'
        "!!! note\n\n    ```python\n    b = 2\n    ```\n"
    )
    assert len(BUTTON.findall(rendered(source))) == 2


def test_a_no_copy_block_gets_no_button_as_with_materials_feature():
    html = rendered("``` { .python .no-copy }\na = 1\n```\n")
    assert "no-copy highlight" in html
    assert not BUTTON.search(html)


def test_inline_code_is_left_alone():
    assert rendered("Run `SELECT 1` first.\n") == "<p>Run <code>SELECT 1</code> first.</p>"


@pytest.mark.parametrize(
    ("lang", "title"), [("ja", "クリップボードへコピー"), ("en", "Copy to clipboard")]
)
def test_the_buttons_title_is_in_the_pages_language(lang, title):
    html = rendered("```python\na = 1\n```\n", lang)
    assert [match["title"] for match in BUTTON.finditer(html)] == [title]


def test_each_markdown_table_is_in_a_div_of_its_own():
    html = rendered("| a | b |\n|---|---|\n| 1 | 2 |\n\nText.\n\n| c |\n|---|\n| 3 |\n")
    assert html.count('<div class="table-holder"><table>') == 2
    assert html.count("</table></div>") == 2


def test_a_table_with_a_class_is_left_alone_as_material_leaves_it():
    html = rendered('<table class="plain"><tr><td>1</td></tr></table>\n')
    assert "table-holder" not in html
