"""The built site in headless Chromium: search, the language switcher, 404 pages,
and no console errors or third-party requests.

The site is built once (`mkdocs build --strict`, the `built_site` fixture), served
on 127.0.0.1 by a stdlib HTTP server, and opened in Debian's Chromium through
Playwright. One browser serves the whole module.

Search: each query below is typed into the real search box, from the Japanese root
(/) and from the English root (/en/), and the expected page (or, for a fragment that
several pages show, one of them) must be among the top results. mkdocs-static-i18n
puts both languages in one search index, so the result list mixes Japanese and English pages. An error text or a setting should bring up the
page in the language the reader is browsing; a Japanese or English phrase, the page
in that language. The rank counts the results in that language, and "top" means
first or second of them. Many queries fail with Material's default search settings:
see `plugins: search:` in mkdocs.yml.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from browser import PageLog, search
from pages import default_language, languages, page_path, pages, root

TOP = 2

# One pytest-xdist worker runs this module: the browser starts once, not once per
# worker. test_site.py runs beside it on another worker (each builds the site, ~3 s).
pytestmark = pytest.mark.xdist_group("browser")

ERRORS = "error-messages"
ARTICLE = "mysql-server-has-gone-away"
CAUSES = "causes"
DRIVERS = "drivers"
# An error text, a fragment of one or its code is shown on every page about that
# error: the index, the article, the causes and the drivers page. Any of them is a
# right landing page (each explains the error and links to its fix); lunr's scoring
# decides which comes first. Texts only the index shows must bring up the index.
ANY_ERROR_PAGE = (ERRORS, ARTICLE, CAUSES, DRIVERS)


class Query(NamedTuple):
    text: str  # what the reader types or pastes, from / and from /en/
    page: str | tuple[str, ...]  # the page (or one of the pages) that must come up
    lang: str | None = None  # its language; None: the language of the root typed from

    @property
    def pages(self) -> tuple[str, ...]:
        return self.page if isinstance(self.page, tuple) else (self.page,)


QUERIES = [
    # A driver's whole error line, pasted as printed.
    Query(
        "sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'MySQL server has gone away')",
        ANY_ERROR_PAGE,
    ),
    Query("MySQLdb.OperationalError: (2006, 'Server has gone away')", ANY_ERROR_PAGE),
    Query(
        "MySQLdb.OperationalError: (2013, 'Lost connection to server during query')", ANY_ERROR_PAGE
    ),
    Query(
        """pymysql.err.OperationalError: (2006, "MySQL server has gone away (ConnectionResetError(104, 'Connection reset by peer'))")""",
        ANY_ERROR_PAGE,
    ),
    Query(
        "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
        ANY_ERROR_PAGE,
    ),
    Query(
        "mysql.connector.errors.OperationalError: 2055: Lost connection to MySQL server at '127.0.0.1:3306', system error: Errno 32: Broken pipe",
        ANY_ERROR_PAGE,
    ),
    Query(
        "sqlalchemy.exc.InterfaceError: (mysql.connector.errors.InterfaceError) 2013: Lost connection to MySQL server during query",
        ANY_ERROR_PAGE,
    ),
    Query(
        "pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query ([Errno 104] Connection reset by peer)')",
        ANY_ERROR_PAGE,
    ),
    Query("asyncmy.errors.OperationalError: (2006, 'MySQL server has gone away')", ANY_ERROR_PAGE),
    Query(
        "(4031, 'The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.')",
        ANY_ERROR_PAGE,
    ),
    Query("pymysql.err.InterfaceError: (0, '')", ERRORS),
    # Fragments of an error.
    Query("(2006,", ANY_ERROR_PAGE),
    Query("(2013,", ANY_ERROR_PAGE),
    Query("OperationalError", ANY_ERROR_PAGE),
    Query("MySQL server has gone away", ARTICLE),
    Query("Lost connection to MySQL server during query", ANY_ERROR_PAGE),
    Query("Connection reset by peer", ANY_ERROR_PAGE),
    Query("Broken pipe", ANY_ERROR_PAGE),
    Query("Can't reconnect until invalid transaction is rolled back", ARTICLE),
    # Error codes.
    Query("2006", ANY_ERROR_PAGE),
    Query("2013", ANY_ERROR_PAGE),
    Query("2055", ANY_ERROR_PAGE),
    Query("4031", ANY_ERROR_PAGE),
    Query("e3q8", ARTICLE),
    Query("CR_SERVER_GONE_ERROR", ERRORS),
    # Settings and code.
    Query("pool_pre_ping=True", ARTICLE),
    Query("pool_pre_ping", ARTICLE),
    Query("pool_recycle=3600", ARTICLE),
    Query("wait_timeout", ARTICLE),
    Query("interactive_timeout", ARTICLE),
    Query("init_command", ARTICLE),
    Query("create_engine(DATABASE_URL, pool_pre_ping=True)", ARTICLE),
    # Japanese, as a reader types it: without spaces, and with.
    Query("接続が切れる", ARTICLE, "ja"),
    Query("接続 切れる", ARTICLE, "ja"),
    Query("MySQLサーバー", ARTICLE, "ja"),
    Query("MySQL サーバー", ARTICLE, "ja"),
    Query("切断されます", (ARTICLE, CAUSES), "ja"),
    Query("アイドル接続", ARTICLE, "ja"),
    Query("アイドル 接続", ARTICLE, "ja"),
    Query("接続プール", ARTICLE, "ja"),
    Query("朝一番のリクエストだけが失敗する", ARTICLE, "ja"),
    Query("生存確認", ARTICLE, "ja"),
    Query("トランザクションをやり直す", ARTICLE, "ja"),
    Query("エラーメッセージ一覧", ERRORS, "ja"),
    Query("エラー メッセージ 一覧", ERRORS, "ja"),
    Query("ドライバごとの文言", ERRORS, "ja"),
    Query("非同期ドライバ", ERRORS, "ja"),
    Query("クライアントライブラリ", ERRORS, "ja"),
    # English phrases.
    Query("pooled connections die while idle", ARTICLE, "en"),
    Query("error messages by driver", ERRORS, "en"),
    Query("what a dropped connection looks like", ERRORS, "en"),
]


def in_language(paths: list[str], lang: str) -> list[str]:
    """The results a reader of `lang` looks at (the index holds both languages)."""
    others = [root(other) for other in languages() if other != default_language()]
    if lang == default_language():
        return [p for p in paths if not any(p.startswith(o) for o in others)]
    return [p for p in paths if p.startswith(root(lang))]


def search_cases():
    """(query, expected page path, language of the results to rank, root typed from)"""
    for query in QUERIES:
        for from_lang in languages():
            lang = query.lang or from_lang
            yield pytest.param(
                query.text,
                [page_path(name, lang) for name in query.pages],
                lang,
                from_lang,
                id=f"{root(from_lang)} {query.text}",
            )


def test_this_module_runs_on_one_worker(request):
    """The group above takes effect: with pytest-xdist's --dist loadgroup, a grouped
    test's id ends in @<group>. (pytest 9.2 broke that silently: pytest-xdist#1386.)"""
    if not getattr(request.config.option, "loadgroup", False):
        return  # a worker of --dist loadgroup only (-n 0: one process runs everything)
    assert request.node.nodeid.endswith("@browser"), (
        f"{request.node.nodeid}: xdist_group ignored; check the pytest and pytest-xdist versions"
    )


# --- Fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def search_page(browser, site_url):
    """One open page per language root, reused by every query typed from it."""
    opened = {}

    def open_root(lang: str):
        if lang not in opened:
            page = browser.new_page()
            page.goto(site_url + root(lang))
            opened[lang] = page
        return opened[lang]

    yield open_root
    for page in opened.values():
        page.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


# --- Search ------------------------------------------------------------------------


def test_the_query_list_covers_what_readers_type():
    japanese = [q for q in QUERIES if q.lang == "ja"]
    assert len(QUERIES) >= 30 and len(japanese) >= 10
    assert {q.lang for q in QUERIES} == {None, *languages()}
    for query in QUERIES:
        for name in query.pages:
            assert name in pages(), f"{query.text!r} expects a page that does not exist: {name}"


@pytest.mark.parametrize(("query", "expected", "lang", "from_lang"), list(search_cases()))
def test_search_finds_the_page(search_page, query, expected, lang, from_lang):
    results = search(search_page(from_lang), query)
    ranked = in_language(results, lang)
    assert set(expected) & set(ranked[:TOP]), (
        f"Searching {query!r} from {root(from_lang)}: expected one of {expected} among the first "
        f"{TOP} {lang} results, got {ranked} (all results: {results}). Check "
        f"`plugins: search:` in mkdocs.yml (separator, pipeline)."
    )


# --- Language switcher -------------------------------------------------------------


SWITCHES = [
    pytest.param(name, source, target, id=f"{page_path(name, source)} -> {target}")
    for name in sorted(pages())
    for source in languages()
    for target in languages()
    if source != target
]


@pytest.mark.parametrize(("name", "source", "target"), SWITCHES)
def test_language_switcher_lands_on_the_same_page(page, site_url, name, source, target):
    page.goto(site_url + page_path(name, source))
    page.locator(".md-header__option .md-select").hover()
    page.locator(f".md-select__link[hreflang={target}]").click()
    page.wait_for_url(site_url + page_path(name, target))
    assert page.locator("html").get_attribute("lang") == target


# --- 404 ---------------------------------------------------------------------------


NOT_FOUND = {"ja": "ページが見つかりません", "en": "Page not found"}


@pytest.mark.parametrize("lang", languages())
def test_missing_page_shows_a_404_in_the_readers_language(page, site_url, lang):
    log = PageLog()
    log.watch(page)
    url = site_url + root(lang) + "no-such-page/"
    response = page.goto(url)
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == lang
    assert NOT_FOUND[lang] in page.locator("h1").inner_text()
    # The page is styled and its links work from any depth.
    assert page.locator(".md-header").is_visible()
    home = page.locator("article a").first
    home.click()
    page.wait_for_url(site_url + root(lang))
    # The browser reports the 404 of the page itself, and nothing else.
    errors = [e for e in log.console_errors if not e.endswith(f"({url})")]
    assert not errors


# --- Console and network -----------------------------------------------------------


PAGE_URLS = [page_path(name, lang) for name in sorted(pages()) for lang in languages()]


@pytest.mark.parametrize("path", PAGE_URLS)
def test_page_logs_no_errors_and_loads_only_from_this_site(page, site_url, path):
    log = PageLog()
    log.watch(page)
    page.goto(site_url + path)
    search(page, "2006")  # loads the search worker, its index and language support
    page.wait_for_load_state("networkidle")
    assert not log.console_errors, f"{path} logged errors: {log.console_errors}"
    assert not log.foreign_requests, f"{path} requested other hosts: {log.foreign_requests}"
