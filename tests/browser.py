"""The built site in a real browser: the build, a local web server and headless Chromium.

One way to build the site and one way to start Chromium, for conftest.py's fixtures
(built_site, browser) and for the scripts (site_in_browser). Chromium is Debian's
(``apt-get install chromium``), driven by Playwright for Python; Playwright's own
browser downloads are not used.
"""

from __future__ import annotations

import contextlib
import functools
import gzip as gzip_module
import json
import mimetypes
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

# Debian's chromium by default; CHROMIUM_EXECUTABLE names another Chromium-based browser
# (the GitHub workflow points it at the runner's Google Chrome).
CHROMIUM = Path(os.environ.get("CHROMIUM_EXECUTABLE") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these, Chromium phones home to Google hosts at start-up.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent  # the repository

NO_CHROMIUM = f"""\
The browser tests need Chromium at {CHROMIUM}. Install it:
    sudo apt-get install chromium        (Debian/Ubuntu)
or set CHROMIUM_EXECUTABLE to another Chromium or Chrome binary.
(Playwright's own browser download is not used.)"""


def missing_browser() -> str | None:
    """Why the browser tests cannot run, or None."""
    return None if CHROMIUM.is_file() else NO_CHROMIUM


# --- A static host for the built site --------------------------------------------


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves the built site like a static host: a missing page gets the nearest
    404.html up the directory tree (so /en/missing/ gets /en/404.html), status 404."""

    def log_message(self, format, *args):  # keep the test output clean
        pass

    def send_error(self, code, message=None, explain=None):
        page = self._nearest_404() if code == HTTPStatus.NOT_FOUND else None
        if page is None:
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _nearest_404(self) -> Path | None:
        root = Path(self.directory).resolve()
        here = Path(self.translate_path(self.path)).resolve()
        for folder in [here, *here.parents]:
            if folder != root and root not in folder.parents:
                break
            if (folder / "404.html").is_file():
                return folder / "404.html"
        return None


class _GzipSiteHandler(_SiteHandler):
    """The site handler, sending a pre-compressed file.gz (see compress()) when the browser
    accepts gzip, as GitHub Pages and most static hosts compress text."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.endswith("/"):
            path = path / "index.html"
        packed = path.with_name(path.name + ".gz")
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not packed.is_file():
            return super().send_head()
        body = packed.open("rb")
        self.send_response(HTTPStatus.OK)
        self.send_header(
            "Content-Type", mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(packed.stat().st_size))
        self.end_headers()
        return body


COMPRESSED = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"}


def compress(site: Path) -> None:
    """Write file.gz next to every text file of the built site, for serve(gzip=True)."""
    for file in site.rglob("*"):
        if file.suffix in COMPRESSED and file.is_file():
            file.with_name(file.name + ".gz").write_bytes(
                gzip_module.compress(file.read_bytes(), 9)
            )


@contextlib.contextmanager
def serve(site: Path, port: int = 0, gzip: bool = False) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 at `port` (0: a free one); yields the base URL (no trailing
    slash). With gzip, pre-compressed files (compress()) go to browsers that accept them."""
    handler = _GzipSiteHandler if gzip else _SiteHandler
    server = ThreadingHTTPServer((HOST, port), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class BuildFailed(Exception):
    """`mkdocs build --strict` failed or printed a warning; the message holds its log."""


def build_site(dest: Path, site_url: str | None = None) -> Path:
    """Build the site into `dest` with `mkdocs build --strict`, as CI does; returns `dest`.
    `site_url`: the address the site will be served at (SITE_URL, read by mkdocs.yml);
    the pages' full URLs (canonical, hreflang, og:url, sitemap.xml) start with it.

    Strict mode fails on warnings it knows of; any other WARNING line fails here too."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # material's end-of-life banner
    if site_url is not None:
        env["SITE_URL"] = site_url
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(dest)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise BuildFailed(f"mkdocs build --strict failed:\n{log}")
    if warnings := [line for line in log.splitlines() if "WARNING" in line]:
        raise BuildFailed("mkdocs build printed warnings:\n" + "\n".join(warnings))
    return dest


@contextlib.contextmanager
def built_and_served(site: Path, gzip: bool = False) -> Iterator[str]:
    """Serve `site` on a free port of 127.0.0.1, then build the site into it for that
    address (site_url), so that its full URLs point at this server: Material fetches
    sitemap.xml next to each hreflang link (hooks/hreflang.py), and a site built for
    another address would send the browser there. Yields the base URL (no trailing
    slash). With gzip, as serve(gzip=True), the files compressed after the build."""
    with serve(site, gzip=gzip) as url:  # the port is bound before the build
        build_site(site, site_url=url + "/")
        if gzip:
            compress(site)
        yield url


# How long Playwright's expect() waits for a page to reach a state (5 s by default). Material's
# search worker builds its index after the page loads: on a loaded 2-core machine (the suite
# runs 3 browser workers) that took more than 5 s a few times. A bound, not a speed target.
EXPECT_TIMEOUT_MS = 20_000


def launch_chromium(playwright):
    """Headless Chromium (Debian's, or CHROMIUM_EXECUTABLE) from a Playwright instance."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextlib.contextmanager
def site_in_browser(gzip: bool = False) -> Iterator[tuple[str, object]]:
    """For the scripts: the site built into a temporary directory for the address it is
    served at on 127.0.0.1 (built_and_served, gzipped with `gzip`), and headless Chromium;
    yields (base URL, browser). Exits if there is no Chromium or the build fails."""
    from playwright.sync_api import sync_playwright

    if why := missing_browser():
        sys.exit(why)
    with tempfile.TemporaryDirectory() as site, contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(built_and_served(Path(site), gzip=gzip))
        except BuildFailed as failure:
            sys.exit(str(failure))
        playwright = stack.enter_context(sync_playwright())
        browser = launch_chromium(playwright)
        try:
            yield url, browser
        finally:
            browser.close()


# --- What a page did -----------------------------------------------------------------


@dataclass
class PageLog:
    """Console errors and requests to other origins than `site` (the served site's base
    URL: another host, or another port of 127.0.0.1), recorded while a page is open."""

    site: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    # The sitemap.xml files requested (Material's language switcher fetches one next to each
    # hreflang link): URL -> HTTP status, None until (unless) a response comes.
    site_maps: dict[str, int | None] = field(default_factory=dict)

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._uncaught)
        page.on("request", self._request)
        page.on("response", self._response)

    def unwatch(self, page) -> None:
        page.remove_listener("console", self._console)
        page.remove_listener("pageerror", self._uncaught)
        page.remove_listener("request", self._request)
        page.remove_listener("response", self._response)

    def _uncaught(self, error) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def _request(self, request) -> None:
        url = urlparse(request.url)
        web = url.scheme in {"http", "https", "ws", "wss"}
        if web and url.netloc != urlparse(self.site).netloc:
            self.foreign_requests.append(request.url)
        if url.path.endswith("/sitemap.xml"):
            self.site_maps.setdefault(request.url, None)

    def _response(self, response) -> None:
        if urlparse(response.url).path.endswith("/sitemap.xml"):
            self.site_maps[response.url] = response.status


# --- Material's search -----------------------------------------------------------------

# The messages between Material's page script and its search worker
# (src/templates/assets/javascripts/integrations/search/worker/message: a const enum).
SETUP, READY, QUERY, RESULT = range(4)
# The result list shows its first 10 pages at once and 4 more each time the reader scrolls
# to its end (components/search/result); search() reads what is shown.
SHOWN = 10
# Material's search box, and the items of its result list (one per page).
SEARCH_BOX = "input.md-search__input"
RESULT_ITEMS = "ol.md-search-result__list > li.md-search-result__item"

# Material's search without its search box: the steps of its page script, in the page.
# Config, index URL and SETUP message: assets/javascripts/_/index.ts, bundle.ts
# (fetchSearchIndex), integrations/search/worker/_ (setupSearchWorker). The query: the box
# sends its value as is (components/search/query: an <input> drops line breaks); the worker
# transforms and segments it (integrations/search/query).
# The result list (templates/search, renderSearchResultItem): one item per page, in the
# worker's order, none dropped (a score threshold only folds a page's sections); the item's
# first link is the page's article, the group's first document without a #.
_ASK_THE_WORKER = """
async ({ queries, timeout, type }) => {
  const config = JSON.parse(document.querySelector("#__config").textContent)
  const base = `${new URL(config.base, location.href)}`
  const response = await fetch(new URL("search/search_index.json", base))
  if (!response.ok) throw new Error(`search_index.json: HTTP ${response.status}`)
  const index = await response.json()

  const worker = new Worker(config.search)
  const answer = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${timeout} ms`)), timeout)
    worker.onmessage = event => { clearTimeout(timer); resolve(event.data) }
    worker.onerror = event => {
      clearTimeout(timer)
      reject(new Error(event.message || `search worker ${config.search} failed`))
    }
  })
  const ask = async (message, expected) => {
    const answered = answer()
    worker.postMessage(message)
    const reply = await answered
    if (reply.type !== expected) throw new Error(`search worker replied ${reply.type}`)
    return reply
  }
  const box = document.createElement("input")  // the value as the box holds it
  const value = query => { box.value = query; return box.value }
  const page = group => {
    const docs = [...group]
    const parent = docs.findIndex(doc => !`${new URL(doc.location, base)}`.includes("#"))
    const [article] = docs.splice(parent, 1)
    return new URL(article.location, base).pathname
  }

  try {
    const options = { suggest: config.features.includes("search.suggest") }
    const setup = { config: index.config, docs: index.docs, options }
    await ask({ type: type.SETUP, data: setup }, type.READY)
    const results = []
    for (const query of queries) {
      const { data } = await ask({ type: type.QUERY, data: value(query) }, type.RESULT)
      results.push(data.items.map(page))
    }
    return results
  } finally {
    worker.terminate()
  }
}
"""


def ask_search_worker(page, queries: list[str], timeout_ms: int = 30_000) -> list[list[str]]:
    """For each query, the result pages' paths in order, as the search box would show them.

    Material's own search worker, started in `page` as Material starts it and fed the same
    search_index.json: what typing gets, without typing each query and waiting for the list
    to render. `timeout_ms`: for each answer of the worker.
    """
    types = {"SETUP": SETUP, "READY": READY, "QUERY": QUERY, "RESULT": RESULT}
    answers = page.evaluate(
        _ASK_THE_WORKER, {"queries": queries, "timeout": timeout_ms, "type": types}
    )
    return [paths[:SHOWN] for paths in answers]


# --- Material's search box -----------------------------------------------------------


def search(page, query: str) -> list[str]:
    """Type `query` into the page's search box; return the result pages' paths, in order.

    Material searches on key-up (a paste is Ctrl+V), so the text is filled in and a key
    is pressed. To know that the results on screen belong to this query, the box is
    cleared first and the placeholder awaited; then the first change of the result
    count line is this query's answer.
    """
    from playwright.sync_api import expect

    config = json.loads(page.locator("#__config").text_content())
    placeholder = config["translations"]["search.result.placeholder"]
    box = page.locator(SEARCH_BOX)
    meta = page.locator(".md-search-result__meta")

    box.fill("")
    box.press("End")
    expect(meta).to_have_text(placeholder)
    box.fill(query)
    box.press("End")
    expect(meta).not_to_have_text(placeholder)
    return page.locator(RESULT_ITEMS).evaluate_all(
        "items => items.map(item => new URL(item.querySelector('a').href).pathname)"
    )


# --- The site's script for pasted errors (docs/javascripts/error-search.js) -------------

# The notice it shows under the search box when it left words out.
NOTICE = ".error-search-notice"

_PASTE = """
([box, text]) => {
  // A paste as the browser delivers it. Without a script that takes it over, the
  // browser inserts the text, its line breaks removed (an <input> holds one line).
  const clipboardData = new DataTransfer()
  clipboardData.setData("text/plain", text)
  const paste = new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true })
  if (box.dispatchEvent(paste)) {
    box.setRangeText(text.replace(/[\\r\\n]/g, ""), box.selectionStart, box.selectionEnd, "end")
    box.dispatchEvent(new Event("input", { bubbles: true }))
  }
}
"""


# Every text the result count line shows, from the mutations Material makes to it (it sets
# textContent: each text is a node added).
_WATCH_META = """
meta => {
  const shown = []
  const observer = new MutationObserver(records => {
    for (const record of records) {
      if (record.type === "characterData") shown.push(record.target.data)
      for (const node of record.addedNodes) shown.push(node.textContent)
    }
  })
  observer.observe(meta, { childList: true, characterData: true, subtree: true })
  return () => {
    for (const record of observer.takeRecords())
      for (const node of record.addedNodes) shown.push(node.textContent)
    observer.disconnect()
    return shown
  }
}
"""


@contextlib.contextmanager
def result_meta_texts(page) -> Iterator[list[str]]:
    """Every text the search's result count line (.md-search-result__meta: "Type to start
    searching", "No matching documents", "24 matching documents") shows while the block
    runs, in order; the list is filled when the block ends. A MutationObserver records
    them, so a text shown for a moment is caught too."""
    meta = page.locator(".md-search-result__meta").first.element_handle()
    stop = meta.evaluate_handle(_WATCH_META)
    shown: list[str] = []
    try:
        yield shown
    finally:
        shown.extend(stop.evaluate("stop => stop()"))
        stop.dispose()


def search_pasted(page, text: str, paste: bool = False) -> tuple[list[str], str, str]:
    """Type (or, with `paste`, paste) `text` into the empty search box and wait until the
    result list shows pages; returns (the pages' paths, the box's text, the notice shown
    or ""). When no page comes within 10 s, the paths are [] (what the reader is left
    with). Unlike search(), it waits past a first "No matching documents": the script
    searches again after it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    config = json.loads(page.locator("#__config").text_content())
    placeholder = config["translations"]["search.result.placeholder"]
    box = page.locator(SEARCH_BOX)
    items = page.locator(RESULT_ITEMS)

    box.fill("")
    box.press("End")
    expect(page.locator(".md-search-result__meta").first).to_have_text(placeholder)
    if paste:
        page.evaluate(_PASTE, [box.element_handle(), text])
    else:
        box.fill(text)
    box.press("End")
    # The text the box shows (its `value` may be the script's fallback query).
    shows = (
        "box => Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').get.call(box)"
    )
    try:
        items.first.wait_for(state="attached", timeout=10_000)
    except PlaywrightTimeout:
        return [], box.evaluate(shows), ""
    paths = items.evaluate_all(
        "items => items.map(item => new URL(item.querySelector('a').href).pathname)"
    )
    notice = page.locator(NOTICE)
    shown = notice.count() and notice.is_visible()
    return paths, box.evaluate(shows), notice.inner_text() if shown else ""
