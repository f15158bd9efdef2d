"""The built site in headless Chromium: search, the language switcher, 404 pages,
and no console errors or third-party requests.

The site is built once (`mkdocs build --strict`, the `built_site` fixture), served
on 127.0.0.1 by a stdlib HTTP server, and opened in Debian's Chromium through
Playwright. One browser serves the whole module.

Search: each query of search_queries.py, from the Japanese root (/) and from the English
root (/en/), must bring up the expected page (or, for a fragment that several pages show,
one of them) among the top results. The rank counts the results in the reader's language,
and "top" means first or second of them. Many queries fail with Material's default search
settings: see `plugins: search:` in mkdocs.yml. The queries go to Material's own search
worker all at once (browser.ask_search_worker), not through the box: typing each one took
most of this module's time. A few are typed into the box too, which must list exactly
what the worker answers.
"""

from __future__ import annotations

import collections
import json
import traceback
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError, PendingRollbackError

from accessibility_checks import SCHEMES
from browser import (
    NOTICE,
    RESULT_ITEMS,
    SEARCH_BOX,
    PageLog,
    ask_search_worker,
    result_meta_texts,
    search,
    search_pasted,
)
from clients import ASYNC_DRIVERS, SYNC_DRIVERS, with_driver
from main_thread_trace import load_once
from pages import languages, page_path, page_paths, pages, root
from runners import run_program, run_script
from search_queries import (
    ANY_ERROR_PAGE,
    PASTED_ERRORS,
    QUERIES,
    SESSIONS,
    TRACEBACKS,
    in_language,
    search_cases,
)

# A query finds its page when the page is among the first 3 results in the reader's language
# (the issues' bar; the results list shows 10). scripts/search_ranks.py prints each rank.
TOP = 3

# One pytest-xdist worker runs this module: the browser starts once, not once per
# worker. test_site.py runs beside it on another worker (each builds the site, ~3 s).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


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
def reader(browser):
    """One browser profile for the module, as one reader's: each test opens its own tab.
    A fresh profile per test (browser.new_page()) costs Chromium about a second of CPU."""
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture(scope="module")
def search_page(reader, site_url):
    """One open page per language root, reused by every query asked from it."""
    opened = {}

    def open_root(lang: str):
        if lang not in opened:
            page = reader.new_page()
            page.goto(site_url + root(lang))
            opened[lang] = page
        return opened[lang]

    yield open_root
    for page in opened.values():
        page.close()


@pytest.fixture(scope="module")
def answers(search_page) -> dict[tuple[str, str], list[str]]:
    """Every query's result pages from each language root, (root's language, query) ->
    paths: Material's search worker answers them all in about a second."""
    texts = [query.text for query in QUERIES + PASTED_ERRORS]
    return {
        (lang, text): paths
        for lang in languages()
        for text, paths in zip(texts, ask_search_worker(search_page(lang), texts), strict=True)
    }


@pytest.fixture(scope="module")
def typed(search_page):
    """The result pages of a query typed into the search box of a language root; each
    query is typed once, for the tests below that read it."""
    shown = {}

    def type_in(query: str, from_lang: str) -> list[str]:
        if (from_lang, query) not in shown:
            shown[from_lang, query] = search(search_page(from_lang), query)
        return shown[from_lang, query]

    return type_in


@pytest.fixture(scope="module")
def tab(reader):
    """One tab for the tests below: opening a tab costs Chromium about a CPU-second."""
    tab = reader.new_page()
    yield tab
    tab.close()


@pytest.fixture
def page(tab):
    """The module's tab, on a blank page, as a new tab would be; routes set by the test are
    removed after it."""
    tab.goto("about:blank")
    yield tab
    tab.unroute_all()


@pytest.fixture
def page_log(page, site_url):
    """Console errors and other origins' requests of `page`, recorded from here on."""
    log = PageLog(site_url)
    log.watch(page)
    yield log
    log.unwatch(page)


# --- Search ------------------------------------------------------------------------

# Typed into the search box for real, from both roots: a pasted error line, a setting with
# its value, Japanese without spaces and with, an English phrase.
TYPED = [
    "sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'MySQL server has gone away')",
    "pool_pre_ping=True",
    "接続が切れる",
    "MySQL サーバー",
    "error messages by driver",
]
CASES = [pytest.param(*case, id=case.id) for case in search_cases()]
TYPED_CASES = [pytest.param(*case, id=case.id) for case in search_cases() if case.query in TYPED]
CASE_ARGS = ("query", "expected", "lang", "from_lang")


def assert_finds(results, query, expected, lang, from_lang):
    ranked = in_language(results, lang)
    assert set(expected) & set(ranked[:TOP]), (
        f"Searching {query!r} from {root(from_lang)}: expected one of {expected} among the first "
        f"{TOP} {lang} results, got {ranked} (all results: {results}). Check "
        f"`plugins: search:` in mkdocs.yml (separator, pipeline)."
    )


def test_the_query_list_covers_what_readers_type():
    japanese = [q for q in QUERIES if q.lang == "ja"]
    assert len(QUERIES) >= 30 and len(japanese) >= 10
    assert {q.lang for q in QUERIES} == {None, *languages()}
    for query in QUERIES:
        for name in query.pages:
            assert name in pages(), f"{query.text!r} expects a page that does not exist: {name}"
    assert len(TYPED_CASES) == len(TYPED) * len(languages()), "a TYPED query is not in QUERIES"


@pytest.mark.parametrize(CASE_ARGS, CASES)
def test_search_finds_the_page(answers, query, expected, lang, from_lang):
    assert_finds(answers[from_lang, query], query, expected, lang, from_lang)


@pytest.mark.parametrize(CASE_ARGS, TYPED_CASES)
def test_typing_into_the_search_box_finds_the_page(typed, query, expected, lang, from_lang):
    assert_finds(typed(query, from_lang), query, expected, lang, from_lang)


@pytest.mark.parametrize(
    ("query", "from_lang"),
    [
        pytest.param(case.query, case.from_lang, id=case.id)
        for case in search_cases()
        if case.query in TYPED
    ],
)
def test_the_search_box_shows_what_the_worker_answers(typed, answers, query, from_lang):
    """What test_search_finds_the_page ranks is what a reader sees: the same pages, in
    the same order."""
    assert typed(query, from_lang) == answers[from_lang, query]


# --- Pasted errors (docs/javascripts/error-search.js) ------------------------------------

# A pasted error "finds its page" on the same terms (issues 14 and 15).
PASTED_TOP = TOP
NOTICES = {
    "ja": ("次の語を除いた結果です: ", "次の語で検索した結果です: "),
    "en": ("Showing results without: ", "Showing results for: "),
}
PASTED_CASES = [pytest.param(*case, id=case.id) for case in search_cases(PASTED_ERRORS)]
PASTED_FROM = [
    pytest.param(case.query, case.from_lang, id=case.id) for case in search_cases(PASTED_ERRORS)
]
TYPED_FROM = [
    pytest.param(case.query, case.from_lang, id=case.id)
    for case in search_cases()
    if case.query in TYPED
]


def no_results_text(page) -> str:
    """What Material's result count line says when the worker found nothing, in the
    page's language ("No matching documents")."""
    return json.loads(page.locator("#__config").text_content())["translations"][
        "search.result.none"
    ]


def search_pasted_watched(page, query: str, paste: bool = False):
    """search_pasted(), and every text the result count line showed meanwhile."""
    with result_meta_texts(page) as shown:
        results, box, notice = search_pasted(page, query, paste=paste)
    return results, box, notice, shown


def assert_no_flash(page, query, shown):
    """The script searched again without Material showing the first, empty answer."""
    assert no_results_text(page) not in shown, (
        f"{no_results_text(page)!r} flashed before the results of {query!r}: {shown}"
    )


def assert_pasted_finds(results, query, expected, lang, from_lang):
    ranked = in_language(results, lang)
    assert set(expected) & set(ranked[:PASTED_TOP]), (
        f"Pasting {query!r} from {root(from_lang)}: expected one of {expected} among the first "
        f"{PASTED_TOP} {lang} results, got {ranked} (all results: {results}). Is "
        f"docs/javascripts/error-search.js in mkdocs.yml's extra_javascript?"
    )


@pytest.mark.parametrize(("query", "from_lang"), PASTED_FROM)
def test_pasted_error_finds_nothing_with_materials_search_alone(answers, query, from_lang):
    """Why the script exists: Material's worker, asked directly, answers these with nothing."""
    assert answers[from_lang, query] == []


@pytest.mark.parametrize(CASE_ARGS, PASTED_CASES)
def test_pasted_error_finds_its_page_and_names_the_words_left_out(
    search_page, query, expected, lang, from_lang
):
    page = search_page(from_lang)
    results, box, notice, shown = search_pasted_watched(page, query)
    assert_pasted_finds(results, query, expected, lang, from_lang)
    assert_no_flash(page, query, shown)
    assert box == query, "the box keeps what the reader typed"
    # The notice names the words left out, or (none was) the words searched.
    without, searched = NOTICES[from_lang]
    assert notice.startswith((without, searched)), f"no notice: {notice!r}"
    if notice.startswith(without):
        left_out = notice.removeprefix(without).split(", ")
        assert all(word and word in query for word in left_out), left_out


@pytest.mark.parametrize(("query", "from_lang"), TYPED_FROM)
def test_a_query_that_finds_pages_is_searched_as_typed_with_no_notice(
    search_page, answers, query, from_lang
):
    """The script leaves alone a query that finds pages: the box lists what Material's
    worker answers for the query as typed, and no notice."""
    results, box, notice = search_pasted(search_page(from_lang), query)
    assert (results, box, notice) == (answers[from_lang, query], query, "")


# A paste of several lines, or with a traceback's marks, is reduced to its exception line
# (SQLAlchemy's, else the driver's), noise removed: what the box then shows. The script's
# extractError(), run in the page; the first lines are the pastes of TRACEBACKS, in order.
EXTRACTED = [
    "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
    "sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'MySQL server has gone away')",
    "sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2013, 'Lost connection to server during query')",
    "sqlalchemy.exc.PendingRollbackError: Can't reconnect until invalid transaction is rolled back. Please rollback() fully before proceeding",
    "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query ([WinError 10054] An existing connection was forcibly closed by the remote host)')",
    """sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2003, "Can't connect to MySQL server on 'db-primary' ([Errno -2] Name or service not known)")""",
    "sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'Server has gone away')",
]
EXTRACTIONS = [
    *zip((query.text for query in TRACEBACKS), EXTRACTED, strict=True),
    # The driver's line when SQLAlchemy's is not in the paste; a log line's prefix removed.
    (
        "Traceback (most recent call last):\n"
        '  File "/app/db.py", line 9, in ping\n'
        "    cursor.execute(sql)\n"
        "pymysql.err.OperationalError: (2006, \"MySQL server has gone away (BrokenPipeError(32, 'Broken pipe'))\")",
        "pymysql.err.OperationalError: (2006, \"MySQL server has gone away (BrokenPipeError(32, 'Broken pipe'))\")",
    ),
    (
        "[2026-11-25T03:12:44Z] [ERROR] worker failed: mysql.connector.errors.OperationalError: 2055: Lost connection to MySQL server at '127.0.0.1:3306', system error: 32 Broken pipe\n"
        "    at /srv/app/worker.py line 12",
        "mysql.connector.errors.OperationalError: 2055: Lost connection to MySQL server at '127.0.0.1:3306', system error: 32 Broken pipe",
    ),
    # SQLAlchemy's exceptions whose names do not end in Error (MissingGreenlet), with a
    # source line under the last frame that names SQLAlchemy's objects.
    (
        "Traceback (most recent call last):\n"
        '  File "/app/jobs.py", line 14, in main\n'
        '    rows = conn.sync_connection.execute(sqlalchemy.text("SELECT 1"))\n'
        '  File "/app/.venv/lib/python3.12/site-packages/sqlalchemy/util/_concurrency_py3k.py", line 123, in await_only\n'
        "    raise exc.MissingGreenlet(\n"
        "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here. "
        "Was IO attempted in an unexpected place? (Background on this error at: https://sqlalche.me/e/20/xd2s)",
        "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here. "
        "Was IO attempted in an unexpected place?",
    ),
    # A source line that names an exception is not the error.
    (
        "    except OperationalError:\n        raise\nasyncmy.errors.OperationalError: (2013, 'Lost connection to MySQL server during query')",
        "asyncmy.errors.OperationalError: (2013, 'Lost connection to MySQL server during query')",
    ),
]
TRACEBACK_CASES = [pytest.param(*case, id=case.id) for case in search_cases(TRACEBACKS)]


@pytest.fixture(scope="module")
def extracted(search_page) -> list[str]:
    """extractError() of each text of EXTRACTIONS, in the page (one evaluate)."""
    return search_page("en").evaluate(
        "texts => texts.map(text => window.errorSearch.extractError(text))",
        [text for text, _ in EXTRACTIONS],
    )


@pytest.mark.parametrize("case", range(len(EXTRACTIONS)))
def test_extraction_keeps_the_exception_line_without_noise(extracted, case):
    text, line = EXTRACTIONS[case]
    assert extracted[case] == line, f"from the paste:\n{text}"


def test_a_plain_query_is_not_taken_for_a_traceback(search_page):
    looks = search_page("en").evaluate(
        "texts => texts.map(text => window.errorSearch.looksLikeTraceback(text))",
        [query.text for query in QUERIES] + [text for text, _ in EXTRACTIONS],
    )
    assert looks == [False] * len(QUERIES) + [True] * len(EXTRACTIONS)


@pytest.mark.parametrize(CASE_ARGS, TRACEBACK_CASES)
def test_pasted_traceback_finds_its_page(search_page, query, expected, lang, from_lang):
    page = search_page(from_lang)
    results, box, _, shown = search_pasted_watched(page, query, paste=True)
    assert_pasted_finds(results, query, expected, lang, from_lang)
    assert_no_flash(page, query, shown)
    assert box == EXTRACTED[[q.text for q in TRACEBACKS].index(query)], "the box shows the line"


@pytest.mark.parametrize("from_lang", languages())
def test_text_on_no_page_still_shows_no_matching_documents(search_page, from_lang):
    """The script keeps an empty answer from Material only while it searches again: with
    nothing on any page to search, Material shows its "No matching documents"."""
    page = search_page(from_lang)
    query = "qzxv wvuq"
    with result_meta_texts(page) as shown:
        results = search(page, query)  # until the count line leaves the placeholder
    assert results == [] and shown[-1:] == [no_results_text(page)], shown
    assert not page.locator(NOTICE).is_visible()


# --- Tracebacks the suite produces, pasted whole ------------------------------------------
#
# Each scenario runs for real against the server and its whole traceback, as Python prints
# it, is pasted into the box from / and /en/: the box must show SQLAlchemy's exception line
# of that traceback, and the page that explains the error must be among the first results.

ARTICLE_REPRODUCTION = "mysql_server_has_gone_away/reproduce.py"
HELD_SESSION = "sessions/held_session.py"


def whole_traceback(error: BaseException) -> str:
    """What Python prints for `error` left uncaught: the chain, each traceback, each line."""
    return "".join(traceback.format_exception(error))


def sqlalchemy_line(printed: str) -> str:
    """The last line of a traceback that starts with SQLAlchemy's exception (its message;
    SQL, parameters and link are on the lines after it, or after it on its line)."""
    line = [line for line in printed.splitlines() if line.startswith("sqlalchemy.")][-1]
    return " ".join(line.split(" (Background on this error at:")[0].split())


def assert_pasted_traceback_finds(search_page, printed: str, page_names) -> None:
    for lang in languages():
        page = search_page(lang)
        results, box, _, shown = search_pasted_watched(page, printed, paste=True)
        expected = [page_path(name, lang) for name in page_names]
        assert_pasted_finds(results, printed, expected, lang, lang)
        assert box == sqlalchemy_line(printed), (box, printed)
        assert "[SQL:" not in box and "sqlalche.me" not in box, box
        assert_no_flash(page, printed, shown)


# The article's reproduction (an idle connection the server closed), run as a reader runs
# it: the traceback it prints on stderr.
@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_pasted_traceback_of_the_articles_reproduction_finds_its_page(
    search_page, database_url, tmp_path, driver
):
    result = run_script(ARTICLE_REPRODUCTION, with_driver(database_url, driver), tmp_path)
    printed = result.stderr
    assert result.returncode == 1 and "Traceback (most recent call last)" in printed, printed
    assert_pasted_traceback_finds(search_page, printed, ANY_ERROR_PAGE)


# The drivers page's asyncio case (tests/test_drivers.py runs it in-process): a pooled
# connection left idle past the server's timeout, then used again, here in a program as a
# reader writes it, run as a reader runs it. (Playwright's sync API keeps this thread's
# event loop busy: asyncio.run() cannot run in the test's process.) Its DATABASE_URL asks
# the server to close idle connections after 1 s (IdleTimeout.shorten_url).
ASYNC_REPRODUCTION = """\
import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def main():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    await asyncio.sleep(2)  # idle for longer than wait_timeout: the server closes it
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


asyncio.run(main())
"""


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_pasted_traceback_of_an_async_idle_failure_finds_its_page(
    search_page, database_url, idle_timeout, tmp_path, driver
):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    result = run_program(ASYNC_REPRODUCTION, "reproduce_async.py", url, tmp_path)
    printed = result.stderr
    assert result.returncode == 1 and "sqlalchemy.exc.OperationalError" in printed, printed
    assert_pasted_traceback_finds(search_page, printed, ANY_ERROR_PAGE)


# The sessions page's module-level Session: the server closes its idle connection, one
# request fails with the driver's error, the next one, without rollback(), with
# PendingRollbackError. The page that explains it is the sessions page.
@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_pasted_traceback_of_pending_rollback_finds_the_sessions_page(
    search_page, database_url, engines, idle_timeout, driver
):
    app = engines.load_snippet(HELD_SESSION, with_driver(database_url, driver))
    idle_timeout.shorten(app["engine"])
    try:
        app["handle_request"]()
        idle_timeout.wait()
        with pytest.raises(OperationalError):
            app["handle_request"]()
        with pytest.raises(PendingRollbackError) as caught:
            app["handle_request"]()
    finally:
        app["session"].close()
    printed = whole_traceback(caught.value)
    assert "Can't reconnect until invalid transaction is rolled back" in printed, printed
    assert_pasted_traceback_finds(search_page, printed, [SESSIONS])


# --- The search index, fetched when the reader goes to search -------------------------
# (docs/javascripts/search-on-demand.js: Material's bundle would fetch it on every load.)


def is_index(url: str) -> bool:
    return url.split("?")[0].endswith("/search/search_index.json")


def index_requests(page) -> list[str]:
    """The search index requests `page` makes from here on (a list that grows)."""
    requested: list[str] = []
    page.on("request", lambda request: is_index(request.url) and requested.append(request.url))
    return requested


def open_without_searching(page, url: str) -> None:
    """Open `url` and let it load; the search index must not have been fetched."""
    requested = index_requests(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")  # Material's bundle ran and fetched what it fetches
    assert not requested, f"the search index was fetched before the reader searched: {requested}"


def go_to_search(page, how: str) -> None:
    """What a reader does to search: click the box, press Material's `/` shortcut, or tap
    the header's search icon on a phone-sized screen."""
    if how == "click":
        page.locator(SEARCH_BOX).click()
    elif how == "shortcut":
        page.locator("article").click()  # the focus is on the page, not in a field
        page.keyboard.press("/")
    else:
        page.set_viewport_size({"width": 400, "height": 800})
        page.locator("label.md-header__button[for=__search]").click()


@pytest.mark.parametrize("how", ["click", "shortcut", "tap"])
@pytest.mark.parametrize("lang", languages())
def test_the_search_index_waits_until_the_reader_goes_to_search(page, site_url, lang, how):
    size = page.viewport_size
    open_without_searching(page, site_url + page_path("causes", lang))
    try:
        with page.expect_response(lambda response: is_index(response.url)) as response:
            go_to_search(page, how)
        assert response.value.ok
        box = page.locator(SEARCH_BOX)
        assert box.evaluate("box => box === document.activeElement")
        results = search(page, "pool_pre_ping=True")
        assert page_path("causes", lang) in results, results
    finally:
        page.set_viewport_size(size)  # the module's tab, as the next test expects it


def test_a_pointer_over_the_search_box_fetches_the_index_ahead(page, site_url):
    """A head start on a desktop: the index comes while the reader moves to the box."""
    open_without_searching(page, site_url + page_path("causes", "en"))
    with page.expect_response(lambda response: is_index(response.url)):
        page.locator(SEARCH_BOX).hover()


@pytest.mark.parametrize("lang", languages())
def test_text_typed_before_the_index_arrives_is_searched_when_it_does(page, site_url, lang):
    """The index request is held until the text is in the box: Material sends the text to
    its worker once the index is in."""
    held = []
    page.route("**/search/search_index.json", lambda route: held.append(route))
    page.goto(site_url + page_path("causes", lang))
    box = page.locator(SEARCH_BOX)
    box.fill("pool_pre_ping=True")
    box.press("End")
    for _ in range(200):  # the request reaches the route handler (at most 10 s)
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "no search index request after the reader typed into the box"
    results = page.locator(f"{RESULT_ITEMS} a")
    expect(results).to_have_count(0)
    held[0].continue_()
    expect(results.first).to_be_attached()
    paths = results.evaluate_all("links => links.map(link => new URL(link.href).pathname)")
    assert page_path("causes", lang) in paths, paths


def test_a_search_result_link_highlights_its_terms_at_once(page, site_url):
    """A search result opens its page with ?h=<terms> (search.highlight): the terms are
    marked without the reader going to the search box, so the index is fetched at once."""
    requested = index_requests(page)
    page.goto(site_url + page_path("causes", "en") + "?h=pool_pre_ping")
    expect(page.locator("article mark[data-md-highlight]").first).to_be_visible()
    assert requested


def test_a_page_opened_with_a_query_shows_its_results(page, site_url):
    """?q=<query> opens the search with that query (Material): it needs the index at once."""
    page.goto(site_url + root("en") + "?q=pool_pre_ping")
    first = page.locator(f"{RESULT_ITEMS} a").first
    expect(first).to_be_visible()


# --- The colour palette (overrides/partials/javascripts/palette.html) -----------------
# Applied while the header is parsed, not by Material's bundle: the tests that open a page
# with the bundle blocked show that. Each test is a first visit (its own browser profile:
# the palette the reader chooses is kept in localStorage).

TOGGLE = "label[for^=__palette_]:not([hidden])"  # the toggle button shown
BUNDLE = "**/assets/javascripts/bundle.*.min.js"  # Material's components


@pytest.fixture
def first_visit(browser):
    """A reader's first visit, in a browser whose system colour scheme is "light" or
    "dark": a new profile, closed after the test."""
    opened = []

    def open_page(scheme: str):
        context = browser.new_context(color_scheme=scheme)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        context.close()


def palette_shown(page) -> dict:
    """What the page shows of its palette: <body>'s scheme, the toggle button shown (its
    `for`, the palette it switches to), the colour <meta> elements, and the header's
    background colour as #rrggbb."""
    return page.evaluate(
        """toggle => {
            const metas = name => [...document.querySelectorAll(`meta[name=${name}]`)]
                .map(meta => meta.content)
            const rgb = getComputedStyle(document.querySelector("header")).backgroundColor
            return {
                scheme: document.body.dataset.mdColorScheme,
                toggles: [...document.querySelectorAll(toggle)].map(label => label.htmlFor),
                colorScheme: metas("color-scheme"),
                themeColor: metas("theme-color"),
                header: "#" + rgb.match(/\\d+/g).slice(0, 3)
                    .map(value => (+value).toString(16).padStart(2, "0")).join(""),
            }
        }""",
        TOGGLE,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", languages())
def test_a_first_visit_gets_the_systems_scheme_before_materials_bundle_runs(
    first_visit, site_url, lang, scheme
):
    page = first_visit(scheme)
    page.route(BUNDLE, lambda route: route.abort())
    page.goto(site_url + page_path("causes", lang))
    shown = palette_shown(page)
    assert shown["scheme"] == SCHEMES[scheme]
    # The button shown switches to the other palette: light is __palette_0, dark _1.
    assert shown["toggles"] == ["__palette_1" if scheme == "light" else "__palette_0"]
    assert shown["colorScheme"] == [scheme]
    assert shown["themeColor"] == [shown["header"]]
    # The classes the bundle would set, set before it.
    assert page.locator("html").get_attribute("class").split() == ["js", "js-focus-visible"]


def switching_marks(page) -> None:
    """Record in `window.switching`, from here on, each time <body>'s
    data-md-color-switching (Material's CSS: no transitions) is set or removed."""
    page.evaluate(
        """() => {
            window.switching = []
            new MutationObserver(changes => changes.forEach(change => window.switching.push(
                document.body.hasAttribute("data-md-color-switching") ? "set" : "removed"
            ))).observe(document.body, {attributeFilter: ["data-md-color-switching"]})
        }"""
    )


@pytest.mark.parametrize("lang", languages())
def test_the_toggle_switches_the_palette_and_the_next_page_keeps_it(first_visit, site_url, lang):
    page = first_visit("light")
    page.goto(site_url + page_path("causes", lang))
    page.wait_for_load_state("networkidle")  # Material's bundle has run
    switching_marks(page)
    page.locator(TOGGLE).click()
    shown = palette_shown(page)
    assert shown["scheme"] == "slate"
    assert shown["toggles"] == ["__palette_0"]
    # One of each <meta>: Material's own palette component did not run as well.
    assert shown["colorScheme"] == ["dark"]
    assert shown["themeColor"] == [shown["header"]]
    # Transitions were off while the colours changed, and are on again.
    assert page.evaluate("window.switching") == ["set", "removed"]

    page.route(BUNDLE, lambda route: route.abort())
    page.goto(site_url + page_path("sessions", lang))
    assert palette_shown(page)["scheme"] == "slate"  # the reader's choice, at once
    page.unroute(BUNDLE)
    page.goto(site_url + page_path("sessions", lang))
    page.locator(TOGGLE).click()
    assert palette_shown(page)["scheme"] == "default"


def test_enter_on_the_toggle_switches_to_the_next_palette(first_visit, site_url):
    """As in Material: Enter in the toggle picks the next palette and moves the focus to it."""
    page = first_visit("light")
    page.goto(site_url + page_path("causes", "en"))
    page.locator("#__palette_0").focus()
    page.keyboard.press("Enter")
    assert palette_shown(page)["scheme"] == "slate"
    assert page.evaluate("document.activeElement.id") == "__palette_1"
    page.keyboard.press("Enter")
    assert palette_shown(page)["scheme"] == "default"


# --- Copy buttons and tables (hooks/material_mount.py) -----------------------------------
# The copy buttons are in the HTML; Material's bundle does the copying. Each table sits in
# a <div> of its own, where Material's bundle wraps it.


def materials_text(page, key: str) -> str:
    """One of Material's texts in the page's language (its configuration in the page)."""
    return page.evaluate(
        "key => JSON.parse(document.getElementById('__config').textContent).translations[key]",
        key,
    )


@pytest.mark.parametrize("lang", languages())
def test_copy_button_copies_its_code_block_with_materials_handler(browser, site_url, lang):
    """The button of a block halfway down a page copies that block's code, and Material
    says so ("Copied to clipboard" in the page's language). Material's bundle added no
    button of its own."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(site_url + page_path("sessions", lang))
        blocks = page.locator("pre:has(> code)")
        assert page.locator(".md-code__button").count() == blocks.count() > 4
        block = blocks.nth(4)
        block.hover()
        block.locator(".md-code__button").click()
        expect(page.locator(".md-dialog")).to_have_text(materials_text(page, "clipboard.copied"))
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == block.locator("code").inner_text().rstrip()
        assert "\n" in copied  # a whole block, not a line of it
    finally:
        context.close()


@pytest.mark.parametrize("lang", languages())
def test_a_tables_div_takes_no_space_around_materials_wrapper(page, site_url, lang):
    """Material wrapped each table inside its <div>; the <div> has no margin, padding or
    border, and its box is its content's (the wrapper's margins reach the article as
    before)."""
    page.goto(site_url + page_path("causes", lang))
    holders = page.evaluate(
        """() => [...document.querySelectorAll(".table-holder")].map(holder => {
            const wrapper = holder.firstElementChild
            const style = getComputedStyle(holder)
            const [outer, inner] = [holder, wrapper].map(e => e.getBoundingClientRect())
            return {
                children: holder.children.length,
                wrapper: wrapper.className,
                box: ["margin", "padding", "border-width"].map(p => style[p]),
                top: outer.top - inner.top,
                height: outer.height - inner.height,
            }
        })"""
    )
    assert len(holders) == 3
    for holder in holders:
        assert holder == {
            "children": 1,
            "wrapper": "md-typeset__scrollwrap",
            "box": ["0px", "0px", "0px"],
            "top": 0,
            "height": 0,
        }


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
def test_missing_page_shows_a_404_in_the_readers_language(page, page_log, site_url, lang):
    log = page_log
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


PAGE_URLS = page_paths()


@pytest.mark.parametrize("path", PAGE_URLS)
def test_page_logs_no_errors_and_loads_only_from_this_site(page, page_log, site_url, path):
    log = page_log
    page.goto(site_url + path)
    search(page, "2006")  # loads the search worker, its index and language support
    page.wait_for_load_state("networkidle")
    assert not log.console_errors, f"{path} logged errors: {log.console_errors}"
    assert not log.foreign_requests, f"{path} requested other hosts: {log.foreign_requests}"
    # The language switcher's site maps: one next to each hreflang link (full URLs from
    # site_url, hooks/hreflang.py; the site is built for the address it is served at).
    alternates = page.locator("link[rel=alternate][hreflang]").evaluate_all(
        "links => links.map(link => link.href)"
    )
    assert log.site_maps == {urljoin(href, "sitemap.xml"): 200 for href in alternates}, (
        f"{path}: Material should fetch sitemap.xml next to each hreflang link {alternates}"
    )


# --- The measurement script (scripts/main_thread.py) ---------------------------------


def test_main_thread_script_still_reads_chromiums_trace(browser, site_url):
    """scripts/main_thread.py (main_thread_trace) reads Chromium's trace by event names
    (navigationStart and firstContentfulPaint with their navigationId, RunTask, ParseHTML,
    EvaluateScript, UpdateLayoutTree's elementCount): a Chromium that renames them would
    make it print nothing useful. One load of the article, CPU slowed
    down as the script does: the page's parse, style and layout and Material's bundle are
    among the tasks, Material's mount restyles elements after the first paint, and each
    measure is a part of the one before."""
    url = site_url + page_path("mysql-server-has-gone-away", "en")
    load = load_once(browser, url, 4)
    work = collections.Counter()
    for task in load.tasks:
        work.update(task.work)
    assert any(name.startswith("evaluate bundle.") for name in work), work
    assert work["parse HTML"] > 0 and work["style"] > 0 and work["layout"] > 0, work
    assert 0 < load.fcp and 0 <= load.blocking <= load.after_fcp < load.busy, load
    assert load.restyled > 0, "no element restyled after the first paint"
