"""The site's pages and the snippets they include, read the way MkDocs reads them.

Pages live in ``docs/`` as ``<name>.<lang>.md`` (mkdocs-static-i18n suffix layout).
Code blocks on a page hold only an include line::

    ```python
    --8<-- "mysql_server_has_gone_away/pre_ping.py"
    ```

``render()`` expands an include with pymdownx.snippets, configured exactly as in
``mkdocs.yml``, so the tests run the very text a reader sees on the page.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from mkdocs.config import load_config
from pytest_codeblocks import extract_from_buffer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"

# An include line inside a fence: --8<-- "path" or --8<-- "path:section".
INCLUDE_RE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<target>[^"]+)"\s*$')
# pymdownx also accepts line numbers ("file.py:3:10"); the site never uses them.
LINE_NUMBERS_RE = re.compile(r":-?\d+(?::-?\d+)?$")
HEADING_RE = re.compile(r"^(#{1,6})\s+\S")


@functools.cache
def mkdocs_config():
    return load_config(str(ROOT / "mkdocs.yml"))


@functools.cache
def languages() -> tuple[str, ...]:
    """Locales from the i18n plugin in mkdocs.yml, default language first."""
    i18n = mkdocs_config().plugins["i18n"].config
    langs = sorted(i18n.languages, key=lambda lang: not lang.default)
    return tuple(lang.locale for lang in langs)


def default_language() -> str:
    return languages()[0]


def page_files() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def split_page_name(path: Path) -> tuple[str, str | None]:
    """``docs/foo/bar.en.md`` -> (``foo/bar``, ``en``); no language suffix -> None."""
    rel = path.relative_to(DOCS).as_posix()[: -len(".md")]
    stem, dot, suffix = rel.rpartition(".")
    if dot and suffix in languages():
        return stem, suffix
    return rel, None


def pages() -> dict[str, dict[str, Path]]:
    """``{"index": {"ja": docs/index.ja.md, "en": docs/index.en.md}, ...}``"""
    found: dict[str, dict[str, Path]] = {}
    for path in page_files():
        name, lang = split_page_name(path)
        found.setdefault(name, {})[lang or "?"] = path
    return found


def root(lang: str) -> str:
    """Where a language's pages are served: / for the default language, /en/ etc."""
    return "/" if lang == default_language() else f"/{lang}/"


def page_path(name: str, lang: str) -> str:
    """The address of a page in a language, from the site's root: /en/causes/."""
    return root(lang) + ("" if name == "index" else f"{name}/")


def page_paths() -> list[str]:
    """The address of every page, a language at a time: /causes/ ... /en/causes/ ..."""
    return [page_path(name, lang) for lang in languages() for name in sorted(pages())]


def add_pages_option(parser) -> None:
    """--pages of the measurement scripts (an argparse parser's): the addresses to measure,
    every page when none is given. An address the site does not have is refused, or it
    would be measured as the 404 page."""
    parser.add_argument(
        "--pages",
        nargs="*",
        choices=page_paths(),
        metavar="PAGE",
        help="addresses such as /en/causes/ (default: every page)",
    )


@dataclass(frozen=True)
class Fence:
    path: Path
    lineno: int
    info: str  # the fence's info string, e.g. 'python title="x.py"'
    body: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def includes(self) -> list[str]:
        return [m["target"] for line in self.body.splitlines() if (m := INCLUDE_RE.match(line))]

    @property
    def only_includes(self) -> bool:
        lines = [line for line in self.body.splitlines() if line.strip()]
        return bool(lines) and all(INCLUDE_RE.match(line) for line in lines)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.lineno}"


def fences(path: Path) -> list[Fence]:
    """Fenced code blocks of a page as written (includes not expanded)."""
    text = path.read_text(encoding="utf-8")
    return [
        Fence(path, block.lineno, block.syntax or "", block.code)
        for block in extract_from_buffer(io.StringIO(text))
    ]


def headings(path: Path) -> list[int]:
    """Heading levels in order (fenced blocks skipped), e.g. [1, 2, 2, 3]."""
    levels, in_fence = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (m := HEADING_RE.match(line)):
            levels.append(len(m[1]))
    return levels


def code_name(name: str) -> str:
    """The page ``too-many-connections`` keeps its snippets in ``snippets/too_many_connections/``
    and its tests in ``tests/test_too_many_connections.py``."""
    return name.replace("-", "_").replace("/", "_")


def split_target(target: str) -> tuple[str, str | None]:
    """``dir/file.py:section`` -> (``dir/file.py``, ``section``)."""
    file, sep, section = target.partition(":")
    return file, (section if sep else None)


@functools.cache
def _markdown() -> markdown.Markdown:
    config = mkdocs_config()
    return markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": config["mdx_configs"]["pymdownx.snippets"]},
    )


def expand(text: str) -> str:
    """Expand every include in a Markdown text, as the built site shows it."""
    md = _markdown()
    md.reset()
    return "\n".join(md.preprocessors["snippet"].run(text.splitlines()))


def render(target: str) -> str:
    """The text a page shows for ``--8<-- "target"`` (no trailing newline)."""
    return expand(f'--8<-- "{target}"').rstrip("\n")


def rendered_fences(path: Path) -> list[Fence]:
    """Fenced code blocks of a page after its includes are expanded."""
    text = expand(path.read_text(encoding="utf-8"))
    return [
        Fence(path, block.lineno, block.syntax or "", block.code)
        for block in extract_from_buffer(io.StringIO(text))
    ]
