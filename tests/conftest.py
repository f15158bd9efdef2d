"""The tests' fixtures: a real server and a throwaway database on it, engines that are
disposed after each test, short idle timeouts, and the built site in a browser.

Where the server comes from: servers.py. Helpers the tests call directly live by theme:
runners.py (running snippets), disconnects.py (idle timeout, KILL), middlebox.py (a TCP
proxy that ends connections), pool.py (watching the pool), error_texts.py and
page_output.py (comparing with the page), browser.py (the site in Chromium).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from browser import BuildFailed, built_and_served, launch_chromium, missing_browser
from disconnects import IdleTimeout
from middlebox import Middlebox
from runners import load_snippet
from servers import (
    LOCAL_SERVER,
    NO_SERVER,
    URL_VARIABLE,
    OwnedServer,
    local_server_url,
    url_from_environment,
)

if LOCAL_SERVER:  # pytest-mysql's process fixtures, found by pytest here
    from servers import restartable_server, throwaway_server  # noqa: F401


def pytest_xdist_auto_num_workers() -> int:
    """-n auto: one worker more than there are cores. The database scenarios spend most of
    their time waiting (on the server, on timeouts), the browser tests on Chromium's CPU:
    measured on 2 cores, 3 workers took 76 s and 96 CPU-seconds, 4 workers 67 s and 110
    (scripts/measure_suite.py)."""
    return (os.cpu_count() or 1) + 1


# --- The server and the test database -------------------------------------------------


@pytest.fixture(scope="session")
def server_url(request: pytest.FixtureRequest) -> URL:
    """URL of the server (no database), from DATABASE_URL or a throwaway local server."""
    if value := os.environ.get(URL_VARIABLE):
        url = url_from_environment(value)
        where = f"{URL_VARIABLE} ({url.render_as_string(hide_password=True)})"
    elif LOCAL_SERVER:
        url = local_server_url(request.getfixturevalue("throwaway_server"))
        where = f"the throwaway server started from {LOCAL_SERVER['mysqld_exec']}"
    else:
        pytest.fail(NO_SERVER, pytrace=False)

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        pytest.fail(f"Cannot connect to {where}:\n  {exc.orig}\n\n{NO_SERVER}", pytrace=False)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def admin_engine(server_url: URL) -> Iterator[Engine]:
    """A connection pool to the server itself, for creating and dropping the test database."""
    # pre-ping: on a server with a short wait_timeout, the final DROP DATABASE still works.
    engine = create_engine(server_url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(server_url: URL, admin_engine: Engine) -> Iterator[str]:
    """URL of a database that exists only for this test run (created here, dropped after)."""
    name = f"gone_away_test_{secrets.token_hex(4)}"
    with admin_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture(scope="session")
def server_sends_4031(admin_engine: Engine) -> bool:
    """Whether the server sends error 4031 before it closes an idle connection
    (MySQL 8.0.24 and later; MariaDB never)."""
    with admin_engine.connect() as conn:
        version = conn.execute(text("SELECT VERSION()")).scalar_one()
    if "mariadb" in version.lower():
        return False
    return tuple(int(n) for n in re.findall(r"\d+", version)[:3]) >= (8, 0, 24)


@pytest.fixture(scope="session")
def owned_server(request: pytest.FixtureRequest) -> Iterator[OwnedServer]:
    """A throwaway server of the suite's own, even when DATABASE_URL names another one.

    Restarting a server or changing its GLOBAL settings is never done to a server
    the suite did not start. Without a local mariadbd/mysqld these tests say so.
    """
    if not LOCAL_SERVER:
        pytest.skip(
            "needs a server the suite starts itself (a local mariadbd or mysqld): "
            f"a server named by {URL_VARIABLE} is never restarted or reconfigured. "
            "Install mariadb-server to run this test."
        )
    proc = request.getfixturevalue("restartable_server")
    url = local_server_url(proc)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS owned CHARACTER SET utf8mb4")
    engine.dispose()
    server = OwnedServer(url.set(database="owned").render_as_string(hide_password=False), proc)
    yield server
    server.stop_for_good()


# --- Engines and idle timeouts, one test at a time ------------------------------------


class Engines:
    """The engines one test makes, disposed when it ends (passed or failed)."""

    def __init__(self) -> None:
        self._made: list[Engine | AsyncEngine] = []

    def create(self, url: str, **options) -> Engine:
        return self._keep(create_engine(url, **options))

    def create_async(self, url: str, **options) -> AsyncEngine:
        return self._keep(create_async_engine(url, **options))

    def load_snippet(self, target: str, database_url: str) -> dict:
        """runners.load_snippet, the snippet's `engine` disposed with the others."""
        namespace = load_snippet(target, database_url)
        self._keep(namespace["engine"])
        return namespace

    def snippet_engine(self, target: str, database_url: str) -> Engine | AsyncEngine:
        """The `engine` a snippet creates, exactly as the page shows it."""
        return self.load_snippet(target, database_url)["engine"]

    def _keep(self, engine):
        self._made.append(engine)
        return engine

    def dispose_all(self) -> None:
        for engine in reversed(self._made):
            if isinstance(engine, AsyncEngine):
                # Its connections belong to the event loop of the test's asyncio.run(),
                # which disposes the engine itself; this only forgets what a failed test
                # left in the pool.
                engine.sync_engine.dispose(close=False)
            else:
                engine.dispose()
        self._made.clear()


@pytest.fixture
def engines() -> Iterator[Engines]:
    made = Engines()
    yield made
    made.dispose_all()


@pytest.fixture
def idle_timeout() -> IdleTimeout:
    """Shorten the server's idle timeout for this test's connections, and wait past it."""
    return IdleTimeout()


@pytest.fixture
def middlebox(server_url) -> Iterator[Middlebox]:
    """A TCP proxy in front of the server that can end its connections the way a load
    balancer, a NAT or (emulated) a MySQL 8.0.24+ server does (tests/middlebox.py)."""
    if server_url.query.get("unix_socket"):
        pytest.skip("the middlebox is a TCP proxy: this server is reached by a unix socket")
    with Middlebox(server_url.host, server_url.port or 3306) as box:
        yield box


# --- The built site, served, in a browser ------------------------------------------------


@pytest.fixture(scope="session")
def served_site(tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """The site built once per run with `mkdocs build --strict` into a temporary directory,
    served on 127.0.0.1, and built for that address (SITE_URL): its full URLs (canonical,
    hreflang, og:url, sitemap.xml) point at this server, never at the public site.
    Yields (the directory, the base URL without a trailing slash)."""
    site = tmp_path_factory.mktemp("site")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(built_and_served(site))
        except BuildFailed as failure:
            pytest.fail(str(failure), pytrace=False)
        yield site, url


@pytest.fixture(scope="session")
def built_site(served_site) -> Path:
    """The built site's directory (see served_site)."""
    return served_site[0]


@pytest.fixture(scope="session")
def site_url(served_site) -> str:
    """Where the built site is served, and the address it was built for: its site_url
    without the trailing slash (http://127.0.0.1:<port>)."""
    return served_site[1]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, or CHROMIUM_EXECUTABLE), one per test module."""
    from playwright.sync_api import sync_playwright

    if why := missing_browser():
        pytest.fail(why, pytrace=False)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
