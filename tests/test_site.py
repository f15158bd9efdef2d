"""The site itself: page pairs, snippet includes, and a clean `mkdocs build --strict`.

These checks need no database. Each failure says how to fix it.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

from pages import (
    DOCS,
    LINE_NUMBERS_RE,
    ROOT,
    SNIPPETS,
    code_name,
    default_language,
    fences,
    headings,
    languages,
    mkdocs_config,
    page_files,
    page_path,
    pages,
    render,
    rendered_fences,
    root,
    split_page_name,
    split_target,
)
from runners import RUNNERS, named_strings, runs_of, strings_in

# On one pytest-xdist worker, so the site is built once for these checks.
pytestmark = [pytest.mark.docs, pytest.mark.xdist_group("site")]

SECTION_RE = re.compile(r"-{1,}8<-{1,}\s+\[\s*start\s*:\s*([a-z][-_0-9a-z]*)\s*\]", re.I)
PAGES = pages()
PAGE_NAMES = sorted(PAGES)


def page_includes(path: Path) -> list[str]:
    return [target for fence in fences(path) for target in fence.includes]


def test_every_page_has_every_language():
    problems = []
    for path in page_files():
        name, lang = split_page_name(path)
        if lang is None:
            problems.append(
                f"{path.relative_to(ROOT)} has no language suffix: rename it to "
                f"{name}.{default_language()}.md (and add {name}.<lang>.md for the others)"
            )
    for name, by_lang in PAGES.items():
        for lang in languages():
            if lang not in by_lang:
                have = next(iter(by_lang.values()))
                problems.append(
                    f"docs/{name}.{lang}.md is missing: translate "
                    f"{have.relative_to(ROOT)} (same sections, same snippet includes)"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.name)
def test_every_code_block_is_a_snippet_include(path):
    problems = []
    for fence in fences(path):
        if not fence.only_includes:
            folder = code_name(split_page_name(path)[0])
            problems.append(
                f"{fence.where}: a ```{fence.language} block with code typed into the page. "
                f"Move the code into a file in snippets/{folder}/ and put only its include "
                f'in the block: --8<-- "{folder}/<file>" (or "{folder}/<file>:<section>"), '
                f"then run and check it in tests/test_{folder}.py."
            )
        if not fence.language:
            problems.append(f"{fence.where}: give the block a language (python, sql, text, ...)")
        for target in fence.includes:
            if LINE_NUMBERS_RE.search(target):
                problems.append(
                    f'{fence.where}: --8<-- "{target}" includes by line numbers, which drift. '
                    f"Mark a section in the file (--8<-- [start:name] ... [end:name]) "
                    f"and include it by name."
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.name)
def test_every_include_exists(path):
    for target in page_includes(path):
        file, section = split_target(target)
        assert (SNIPPETS / file).is_file(), (
            f'{path.relative_to(ROOT)} includes "{target}" but snippets/{file} does not exist: '
            f"create it, or correct the path (it is relative to snippets/)"
        )
        if section:
            sections = SECTION_RE.findall((SNIPPETS / file).read_text(encoding="utf-8"))
            assert section in sections, (
                f'{path.relative_to(ROOT)} includes "{target}" but snippets/{file} has no '
                f"section {section!r} (it has: {', '.join(sections) or 'none'}). Mark it in the "
                f"file with a comment line --8<-- [start:{section}] before and "
                f"--8<-- [end:{section}] after, or include one of the sections it has"
            )
        assert render(target).strip(), (
            f'"{target}" renders as an empty block: put the code between the section markers'
        )


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_languages_have_the_same_snippets_and_sections(name):
    by_lang = PAGES[name]
    reference_lang = default_language()
    if reference_lang not in by_lang:
        pytest.fail(f"docs/{name}.{reference_lang}.md is missing")
    reference = by_lang[reference_lang]
    for lang, path in by_lang.items():
        assert page_includes(path) == page_includes(reference), (
            f"{path.name} and {reference.name} must include the same snippets in the same "
            f"order (copy the --8<-- lines across when you translate):\n"
            f"  {reference_lang}: {page_includes(reference)}\n  {lang}: {page_includes(path)}"
        )
        assert headings(path) == headings(reference), (
            f"{path.name} and {reference.name} must have the same sections (heading levels "
            f"in order):\n  {reference_lang}: {headings(reference)}\n  {lang}: {headings(path)}"
        )
        assert [f.info for f in fences(path)] == [f.info for f in fences(reference)], (
            f"{path.name} and {reference.name}: code blocks must have the same language and "
            f"options (translate titles by leaving them out of the fence)"
        )


def test_every_snippet_is_shown_in_every_language():
    """No orphans: each file (and each named section) under snippets/ is on a page."""
    included: dict[str, set[str]] = {lang: set() for lang in languages()}
    for by_lang in PAGES.values():
        for lang, path in by_lang.items():
            included.setdefault(lang, set()).update(page_includes(path))
    problems = []
    for file in sorted(p for p in SNIPPETS.rglob("*") if p.is_file()):
        rel = file.relative_to(SNIPPETS).as_posix()
        if "__pycache__" in rel:
            continue
        sections = SECTION_RE.findall(file.read_text(encoding="utf-8"))
        for lang, targets in included.items():
            if rel in targets:
                continue
            if sections:
                for section in sections:
                    if f"{rel}:{section}" not in targets:
                        problems.append(
                            f'snippets/{rel} section "{section}" is not on any {lang} page: '
                            f'include it with --8<-- "{rel}:{section}" or delete the section'
                        )
            else:
                problems.append(
                    f'snippets/{rel} is not on any {lang} page: include it with --8<-- "{rel}" '
                    f"or, if only tests need it, move it to tests/"
                )
    assert not problems, "\n".join(problems)


# What a page's blocks are: code the tests run, or output and configuration they compare.
RUNNABLE = {"python", "sql", "sh", "bash"}
NOT_RUNNABLE = {"text", "ini"}


def test_every_block_has_a_known_language():
    unknown = [
        f"{fence.where}: ```{fence.language}"
        for path in page_files()
        for fence in fences(path)
        if fence.language not in RUNNABLE | NOT_RUNNABLE
    ]
    assert not unknown, f"use one of {sorted(RUNNABLE | NOT_RUNNABLE)}: {unknown}"


def snippets_in(module) -> tuple[set[str], set[str]]:
    """What a test module does with snippets: (every snippet it names, the ones it runs).

    Named: a string anywhere in its code or its module-level values (e.g. an imported
    registry of error texts), or snippet("<file>") with the module's own snippet().
    Run: the first argument of one of runners.RUNNERS (load_snippet, run_script, ...)
    or of the engines fixture's methods of those names. A mention in a comment is neither.
    """
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    named = set(named_strings(tree, module))
    named |= {v for obj in vars(module).values() for v in strings_in(obj)}
    return named, runs_of(tree, module)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_snippet_on_a_page_is_used_by_its_test_module(name):
    """One hop: docs/<page>.*.md -> snippets/<page>/ -> tests/test_<page>.py, and every
    block of code on the page is run there, exactly as the page shows it."""
    fenced = [
        (fence.language, target)
        for fence in fences(PAGES[name][default_language()])
        for target in fence.includes
    ]
    if not fenced:
        return
    module_name = f"test_{code_name(name)}"
    path = ROOT / "tests" / f"{module_name}.py"
    assert path.is_file(), (
        f"{path.relative_to(ROOT)} is missing: the page's snippets need tests. Write it "
        f"(scripts/new_article.py starts one for a new article): run each snippet with "
        f'runners.run_script("{code_name(name)}/<file>", ...) and assert what the page says'
    )
    named, run = snippets_in(importlib.import_module(module_name))
    unused = [t for _, t in fenced if t not in named]
    assert not unused, (
        f"{path.relative_to(ROOT)} never uses these snippets shown on the page "
        f"(run them and assert what the page claims): {unused}"
    )
    not_run = [t for language, t in fenced if language in RUNNABLE and t not in run]
    assert not not_run, (
        f"{path.relative_to(ROOT)} never runs this code shown on the page: {not_run}. "
        f"Run it as the page shows it with one of {', '.join(RUNNERS)} (tests/runners.py, "
        f"or the engines fixture) "
        f'(e.g. run_script(snippet("<file>"), database_url, tmp_path)) and assert what it does'
    )


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.name)
def test_rendered_page_shows_exactly_the_snippets(path):
    """Expand the page as MkDocs does; each block is the text the tests run."""
    written, rendered = fences(path), rendered_fences(path)
    assert len(written) == len(rendered)
    for before, after in zip(written, rendered, strict=True):
        expected = "\n".join(render(t) for t in before.includes)
        assert after.body.rstrip("\n") == expected, f"{before.where} renders differently"


def nav_pages(items) -> dict[str, str]:
    """``{"index.md": "ホーム", ...}`` from mkdocs.yml's nav (sections flattened)."""
    found: dict[str, str] = {}
    for item in items or []:
        if isinstance(item, str):
            found[item] = ""
            continue
        for title, value in item.items():
            if isinstance(value, list):
                found.update(nav_pages(value))
            else:
                found[value] = title
    return found


def test_every_page_is_in_the_nav():
    nav = nav_pages(mkdocs_config()["nav"])
    missing = [name for name in PAGE_NAMES if f"{name}.md" not in nav]
    assert not missing, "\n".join(
        f"docs/{name}.*.md is not in the site's navigation: add the line\n"
        f"  - <Japanese title>: {name}.md\n"
        f"under nav: in mkdocs.yml (the file name without the language suffix), and\n"
        f"  <Japanese title>: <English title>\n"
        f"under nav_translations: of the en language"
        for name in missing
    )


JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def test_every_japanese_nav_title_has_a_translation():
    titles = [t for t in nav_pages(mkdocs_config()["nav"]).values() if JAPANESE_RE.search(t)]
    problems = []
    for lang in mkdocs_config().plugins["i18n"].config.languages:
        if lang.default:
            continue
        translations = lang.nav_translations or {}
        problems += [
            f"{title!r} has no {lang.locale} title: add the line\n"
            f"  {title}: <{lang.locale} title>\n"
            f"under nav_translations: of the {lang.locale} language in mkdocs.yml"
            for title in titles
            if title not in translations
        ]
    assert not problems, "\n".join(problems)


# scripts/new_article.py leaves this in every place an author still has to write.
SCAFFOLD_MARKER = "TODO(new-article)"
SCAFFOLD_TODO_RE = re.compile(re.escape(SCAFFOLD_MARKER) + r":?\s*(.*?)\s*(?:-->|\")?\s*$")


def test_no_unfinished_text_from_the_scaffold():
    files = sorted(
        p for p in [*DOCS.rglob("*.md"), *SNIPPETS.rglob("*")] if p.is_file() and p.suffix != ".pyc"
    )
    problems = []
    for path in files:
        todos = [
            (lineno, m[1])
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if (m := SCAFFOLD_TODO_RE.search(line))
        ]
        if todos:
            where = ", ".join(str(lineno) for lineno, _ in todos)
            problems.append(
                f"{path.relative_to(ROOT)}: {len(todos)} unfinished "
                f"(line{'s' if len(todos) > 1 else ''} {where}), each marked by "
                f"scripts/new_article.py with what to write; the first: {todos[0][1]}"
            )
    assert not problems, "Write these, deleting each marker comment:\n" + "\n".join(problems)


# --- The built site ----------------------------------------------------------------


def built_page(site: Path, name: str, lang: str) -> Path:
    return site / page_path(name, lang).lstrip("/") / "index.html"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_site_builds_every_page_in_every_language(built_site, name):
    for lang in languages():
        html = built_page(built_site, name, lang)
        assert html.is_file(), f"{html.relative_to(built_site)} was not built"
        assert f'<html lang="{lang}"' in html.read_text(encoding="utf-8")


class _Resources(HTMLParser):
    """Collects the URLs a browser fetches by itself when it loads a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source"} and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") not in {"alternate", "canonical"}:
            self.urls.append(a["href"])


def test_pages_load_nothing_from_third_party_hosts(built_site):
    problems = []
    for html in sorted(built_site.rglob("*.html")):
        parser = _Resources()
        parser.feed(html.read_text(encoding="utf-8"))
        for url in parser.urls:
            if urlparse(url).netloc:
                problems.append(f"{html.relative_to(built_site)} loads {url}")
    for css in sorted(built_site.rglob("*.css")):
        for url in re.findall(r"url\(\s*['\"]?(https?://[^)'\"]+)", css.read_text("utf-8")):
            problems.append(f"{css.relative_to(built_site)} loads {url}")
    assert not problems, "\n".join(problems)


class _Links(HTMLParser):
    """Collects the href of every <a> with a given rel, and the text of given classes."""

    def __init__(self):
        super().__init__()
        self.edit: list[str] = []
        self.canonical: list[str] = []
        self.alternates: dict[str, list[str]] = {}  # <link rel="alternate" hreflang>
        self.switcher: dict[str, str] = {}  # the language switcher's links
        self.updated: list[str] = []
        self.source_facts = 0
        self._in_date = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("rel") == "edit":
            self.edit.append(a.get("href", ""))
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a.get("href", ""))
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates.setdefault(a["hreflang"], []).append(a.get("href", ""))
        if tag == "a" and "md-select__link" in (a.get("class") or "") and a.get("hreflang"):
            self.switcher[a["hreflang"]] = a.get("href", "")
        if a.get("data-md-component") == "source":
            self.source_facts += 1
        if "git-revision-date-localized-plugin-date" in (a.get("class") or ""):
            self._in_date += 1

    def handle_data(self, data):
        if self._in_date and data.strip():
            self.updated.append(data.strip())
            self._in_date -= 1


def read_links(html: Path) -> _Links:
    parser = _Links()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_edit_button_opens_the_page_in_its_own_language(built_site, name):
    repo_url = mkdocs_config()["repo_url"].rstrip("/")
    for lang in languages():
        links = read_links(built_page(built_site, name, lang))
        assert links.edit == [f"{repo_url}/edit/main/docs/{name}.{lang}.md"], (
            f"the {lang} page {name} should have one edit button, opening docs/{name}.{lang}.md "
            f"(repo_url + edit_uri in mkdocs.yml, feature content.action.edit): {links.edit}"
        )


def page_url(site_url: str, name: str, lang: str) -> str:
    """The full address of a page in the built site: `site_url` (the fixture: the address
    the site was built for and is served at) and the page's path."""
    return site_url + page_path(name, lang)


def test_site_map_lists_every_page_with_its_translations(built_site, site_url):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = ET.parse(built_site / "sitemap.xml").getroot().findall("s:url", ns)
    listed = {
        url.findtext("s:loc", namespaces=ns): {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)
        }
        for url in urls
    }
    expected = {
        page_url(site_url, name, lang): {
            other: page_url(site_url, name, other) for other in languages()
        }
        for name in PAGE_NAMES
        for lang in languages()
    }
    assert listed == expected, (
        "sitemap.xml should list every page in every language at its full URL, each with "
        "its translations as hreflang alternates (site_url in mkdocs.yml; the i18n plugin)"
    )


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_names_its_own_address_as_canonical(built_site, site_url, name):
    for lang in languages():
        links = read_links(built_page(built_site, name, lang))
        url = page_url(site_url, name, lang)
        assert links.canonical == [url], (
            f"the {lang} page {name} should name {url} as canonical "
            f"(site_url in mkdocs.yml): {links.canonical}"
        )


def test_every_page_names_its_translations_and_x_default_at_full_urls(built_site, site_url):
    """hreflang: each page's <link rel="alternate" hreflang> name its version in each
    language (itself included) and an x-default, the default language's version (Japanese),
    once each, at full URLs of this build (site_url), to pages that were built; and they are
    reciprocal: each page they name lists the same set. (mkdocs-static-i18n's alternates,
    made full URLs by hooks/hreflang.py; x-default: overrides/main.html.)"""
    found: dict[str, dict[str, str]] = {}
    problems = []
    for name in PAGE_NAMES:
        for lang in languages():
            here = page_url(site_url, name, lang)
            links = read_links(built_page(built_site, name, lang)).alternates
            if any(len(hrefs) != 1 for hrefs in links.values()):
                problems.append(f"{here}: an hreflang named more than once: {links}")
            found[here] = {hreflang: hrefs[0] for hreflang, hrefs in links.items()}
            expected = {other: page_url(site_url, name, other) for other in languages()}
            expected["x-default"] = page_url(site_url, name, default_language())
            if found[here] != expected:
                problems.append(f"{here}: hreflang links {found[here]}, expected {expected}")
    for here, alternates in found.items():
        for hreflang, href in alternates.items():
            path = urlparse(href).path
            if not href.startswith(site_url + "/"):
                problems.append(f"{here}: {hreflang} {href} is not a full URL of this build")
            elif not (built_site / path.lstrip("/") / "index.html").is_file():
                problems.append(f"{here}: {hreflang} {href} names a page that was not built")
            elif found.get(href) != alternates:
                problems.append(
                    f"{here}: not reciprocal: it names {href} as {hreflang}, which lists "
                    f"{found.get(href)}, not {alternates}"
                )
    assert not problems, "\n".join(problems)


def test_404_page_switches_to_the_home_page_of_each_language(built_site, site_url):
    homes = {lang: site_url + root(lang) for lang in languages()}
    for lang in languages():
        html = built_site / root(lang).lstrip("/") / "404.html"
        links = read_links(html)
        assert links.switcher == homes, (
            f"{html.relative_to(built_site)}: the language switcher should offer each "
            f"language's home page {homes}, not {links.switcher} (hooks/i18n_workarounds.py)"
        )
        assert links.alternates == {code: [home] for code, home in homes.items()}, (
            f"{html.relative_to(built_site)}: its hreflang links should name each "
            f"language's home page at its full URL: {links.alternates} (hooks/hreflang.py)"
        )


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_shows_when_it_was_last_updated(built_site, name):
    date_re = {"ja": r"\d{4}年\d{1,2}月\d{1,2}日", "en": r"[A-Z][a-z]+ \d{1,2}, \d{4}"}
    for lang in languages():
        links = read_links(built_page(built_site, name, lang))
        assert len(links.updated) == 1, (
            f"the {lang} page {name} should show one last-updated date "
            f"(plugin git-revision-date-localized in mkdocs.yml): {links.updated}"
        )
        assert re.fullmatch(date_re.get(lang, r".+"), links.updated[0]), (
            f"the {lang} page {name} shows its date as {links.updated[0]!r}, not in {lang}"
        )


def test_pages_do_not_ask_github_for_repository_facts(built_site):
    """Material's header link fetches stars and forks from api.github.com unless
    overrides/partials/source.html drops data-md-component="source"."""
    asking = [
        str(html.relative_to(built_site))
        for html in sorted(built_site.rglob("*.html"))
        if read_links(html).source_facts
    ]
    assert not asking, (
        "these pages would ask api.github.com for the repository's stars and forks: "
        f"{asking}. Keep overrides/partials/source.html (theme.custom_dir: overrides)"
    )


class _Meta(HTMLParser):
    """The page's <meta property|name=... content=...> tags, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (key := a.get("property") or a.get("name")):
            self.tags.append((key, a.get("content") or ""))


def front_matter(name: str, lang: str) -> dict:
    import yaml

    text = PAGES[name][lang].read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1]) if text.startswith("---\n") else {}


def site_name(lang: str) -> str:
    """The site's name in a language (mkdocs.yml: the i18n plugin's languages)."""
    config = mkdocs_config()
    for language in config["plugins"]["i18n"].config.languages:
        if language.locale == lang and language.site_name:
            return language.site_name
    return config["site_name"]


LOCALES = {"ja": "ja_JP", "en": "en_US"}


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_link_previews_are_in_the_pages_own_language(built_site, site_url, name):
    """A link pasted into Slack or X previews with the page's own title and description
    (overrides/main.html): Open Graph and a Twitter card, no image."""
    for lang in languages():
        parser = _Meta()
        parser.feed(built_page(built_site, name, lang).read_text(encoding="utf-8"))
        tags = dict(parser.tags)
        meta = front_matter(name, lang)
        title = site_name(lang) if name == "index" else meta["title"]
        expected = {
            "og:type": "website" if name == "index" else "article",
            "og:site_name": site_name(lang),
            "og:title": title,
            "og:description": meta["description"],
            "og:url": page_url(site_url, name, lang),
            "og:locale": LOCALES[lang],
            "twitter:card": "summary",
        }
        got = {key: tags.get(key) for key in expected}
        assert got == expected, f"the {lang} page {name}'s link preview tags"
        alternates = [value for key, value in parser.tags if key == "og:locale:alternate"]
        assert alternates == [LOCALES[other] for other in languages() if other != lang]


def test_search_override_is_materials_partial_with_a_dialog_name():
    """overrides/partials/search.html is Material's partial plus aria-label on the dialog:
    when a Material upgrade changes the partial, refresh the copy."""
    import material

    shipped = Path(material.__file__).parent / "templates" / "partials" / "search.html"
    ours = ROOT / "overrides" / "partials" / "search.html"
    body = ours.read_text(encoding="utf-8").split("-#}\n", 1)[1]
    upstream = shipped.read_text(encoding="utf-8").split("-#}\n", 1)[1]
    name = " aria-label=\"{{ lang.t('search') }}\""
    assert name in body, f"{ours.relative_to(ROOT)} no longer names the search dialog"
    assert body.replace(name, "", 1) == upstream, (
        f"Material's {shipped.name} changed: copy it to {ours.relative_to(ROOT)} again and "
        "add the dialog's aria-label"
    )


# Two files stand in for parts of Material's code, as they are in this version; the
# browser tests pin what they do, and a new Material may change it:
# - overrides/partials/javascripts/palette.html does the work of Material's palette
#   component (its bundle's mountPalette and watchPalette) and of its partial of that name;
# - hooks/material_mount.py writes the copy button Material's code block component adds
#   (renderClipboardButton), for its clipboard handler (setupClipboardJS), and expects
#   its table wrapper (renderTable) to stay as it is.
MATERIAL_CHECKED_WITH = "9.8.2"


def test_what_stands_in_for_materials_code_was_checked_against_this_material():
    from importlib.metadata import version

    installed = version("mkdocs-material")
    assert installed == MATERIAL_CHECKED_WITH, (
        f"mkdocs-material is {installed}: compare, in its repository (src/templates/), "
        "assets/javascripts/components/palette/ and partials/javascripts/palette.html with "
        "overrides/partials/javascripts/palette.html, and components/content/code/, "
        "components/content/table/ and integrations/clipboard/ with "
        "hooks/material_mount.py; bring them up to date, then set MATERIAL_CHECKED_WITH "
        f"to {installed!r}"
    )


def test_search_dialog_has_a_name_in_each_language(built_site):
    for lang, name in {"ja": "検索", "en": "Search"}.items():
        html = (built_site / root(lang).strip("/") / "index.html").read_text(encoding="utf-8")
        assert f'role="dialog" aria-label="{name}"' in html, f"the {lang} search dialog has no name"


# Katakana loanwords ending in -er/-or take the long vowel mark on this site (サーバー,
# ブラウザー, パラメーター, ユーザー): ドライバー too, never ドライバ.
SPELLINGS = {re.compile(r"ドライバ(?!ー)"): "ドライバー"}


def test_japanese_pages_spell_loanwords_one_way():
    problems = [
        f"{path.relative_to(ROOT)}:{number}: write {right}"
        for path in [*DOCS.glob("*.ja.md"), ROOT / "mkdocs.yml"]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for wrong, right in SPELLINGS.items()
        if wrong.search(line)
    ]
    assert not problems, "\n".join(problems)


def test_docs_dir_holds_only_pages_and_assets():
    stray = [p for p in DOCS.rglob("*") if p.is_file() and p.suffix in {".py", ".sql", ".sh"}]
    assert not stray, f"code files belong in snippets/, not docs/: {stray}"


# --- Load time (scripts/lighthouse.py measures it; these keep what it depends on) ---------


def test_code_lines_have_no_anchors(built_site):
    """A code block has no empty anchor per line (mkdocs.yml: pymdownx.highlight without
    anchor_linenums; there are no line numbers to link to): one element fewer per line,
    on pages where most elements are code. /en/causes/: 108 -> 93 KB of HTML.

    Tried and not kept (issue 12's notes): `content-visibility: auto` on off-screen code
    blocks made Lighthouse's accessibility audit of /en/frameworks/ see the footer over a
    code block's background (contrast 1.06, 96 instead of 100), and it saves no
    main-thread time: the median busy time of 5 loads was the same with it on code blocks
    or on every block of the article (most of that time is Material's bundle and its
    mount). Material's content.lazy left off-screen scrollable code without a tabindex
    (axe)."""
    for name in sorted(PAGES):
        for lang in languages():
            html = built_page(built_site, name, lang).read_text(encoding="utf-8")
            assert "__codelineno" not in html, f"{name} ({lang}): code lines have anchors again"


def test_scripts_wait_for_the_page_and_the_index_for_the_reader(built_site):
    """Every script with a src is deferred (overrides/main.html): the page is painted
    before Material's bundle runs. The search index script comes first: it must hold the
    bundle's request for search_index.json (docs/javascripts/search-on-demand.js; the
    browser tests check what it does)."""
    for name in sorted(PAGES):
        for lang in languages():
            html = built_page(built_site, name, lang).read_text(encoding="utf-8")
            tags = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html)
            files = [re.search(r'src="(?:[^"]*/)?([^"/]+)"', tag)[1] for tag in tags]
            assert files[:1] == ["search-on-demand.js"], f"{name} ({lang}): {files}"
            assert any(file.startswith("bundle.") for file in files), f"{name} ({lang}): {files}"
            blocking = [tag for tag in tags if not re.search(r"\sdefer\b", tag)]
            assert not blocking, f"{name} ({lang}): scripts that hold up the paint: {blocking}"


@pytest.mark.parametrize("script", ["lighthouse.py", "main_thread.py"])
def test_measurement_scripts_refuse_a_page_the_site_does_not_have(script):
    """A mistyped --pages address would be measured as the 404 page: the scripts refuse it
    before they build anything, and name the pages they know."""
    result = subprocess.run(
        [sys.executable, f"scripts/{script}", "--pages", "/en/causes/", "/en/causes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result
    assert "invalid choice: '/en/causes'" in result.stderr, result.stderr
    assert "'/en/causes/'" in result.stderr and "'/'" in result.stderr, result.stderr


def config_of(html: str) -> dict:
    """The page's Material configuration (<script id="__config">): features, texts."""
    found = re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no Material configuration in the page"
    return json.loads(found[1])


def test_every_code_block_has_one_copy_button_with_materials_text(built_site):
    """hooks/material_mount.py: a button in every <pre>, targeting that block's <code>,
    with the title Material gives its own button in the page's language. Material's
    content.code.copy stays off, or each block would get a second one (the browser
    tests count the buttons after Material's bundle ran)."""
    blocks_seen = 0
    for name in sorted(PAGES):
        for lang in languages():
            html = built_page(built_site, name, lang).read_text(encoding="utf-8")
            config = config_of(html)
            assert "content.code.copy" not in config["features"], f"{name} ({lang})"
            blocks = re.findall(r"<pre\b.*?</pre>", html, re.S)
            blocks_seen += len(blocks)
            title = config["translations"]["clipboard.copy"]
            for block in blocks:
                button = re.search(
                    rf'<button class="md-code__button" title="{re.escape(title)}"'
                    r' data-clipboard-target="#([^"]+)" data-md-type="copy">',
                    block,
                )
                assert button, f"{name} ({lang}): a block without its button: {block[:200]}"
                assert f'<code id="{button[1]}">' in block, f"{name} ({lang}): {button[0]}"
    assert blocks_seen, "no code block on any page"


def test_every_table_is_in_a_div_of_its_own(built_site):
    """hooks/material_mount.py: Material then wraps each table inside that <div>, not in
    the article, and restyles the <div>, not the article."""
    tables = 0
    for name in sorted(PAGES):
        for lang in languages():
            html = built_page(built_site, name, lang).read_text(encoding="utf-8")
            tables += html.count("<table")
            held = re.findall(r'<div class="table-holder"><table>.*?</table></div>', html, re.S)
            assert len(held) == html.count("<table"), f"{name} ({lang}): a table not held"
    assert tables, "no table on any page"


# --- Tables -----------------------------------------------------------------------------


class _HeaderCells(HTMLParser):
    """The text of every <th> in the page's article."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._open = False

    def handle_starttag(self, tag, _attrs):
        if tag == "th":
            self._open = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "th":
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.cells[-1] += data


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_table_column_has_a_header(built_site, name):
    """A table whose first header cell is empty (`| | a | b |`) leaves its first column's
    cells without a header for screen readers (axe: empty-table-header, and Lighthouse's
    td-has-header on large tables). scripts/accessibility.py audits every page in full;
    this keeps that one mistake out of every build."""
    for lang in languages():
        parser = _HeaderCells()
        parser.feed(built_page(built_site, name, lang).read_text(encoding="utf-8"))
        empty = [i for i, cell in enumerate(parser.cells) if not cell.strip()]
        assert not empty, f"{name} ({lang}): empty table header cells at {empty}"
