"""A real MySQL-protocol server for the tests, and a throwaway database on it.

Where the server comes from, in this order:

1. ``DATABASE_URL`` (the same variable the snippets read), e.g. the docker compose
   services or a CI service container. Only the host, port and credentials are used:
   the suite creates its own database ``gone_away_test_<random>`` and drops it at
   the end. It changes server settings only at session scope.
2. Otherwise a throwaway server started from a local ``mariadbd``/``mysqld`` by
   pytest-mysql, in a temporary directory, listening on 127.0.0.1 at a free port,
   stopped and deleted after the run.
3. Otherwise every test that needs a server errors with one message that says how
   to get one. Nothing is skipped for want of a server.

Tests that restart a server or change a GLOBAL setting use `owned_server`, a second
throwaway server, never the DATABASE_URL one; without a local mariadbd/mysqld they
skip and say why (the only skips in the suite).
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import shutil
import socket
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_mysql import factories
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from browser import BuildFailed, build_site, launch_chromium, missing_browser, serve

URL_VARIABLE = "DATABASE_URL"

NO_SERVER = f"""\
No MySQL-protocol server for the tests. Get one of these:
  * install a local server and the suite starts a throwaway one by itself:
        sudo apt-get install mariadb-server        (Debian/Ubuntu)
  * or start one with Docker and point the suite at it:
        docker compose up -d --wait mysql
        export {URL_VARIABLE}='mysql+mysqldb://root:gone-away@127.0.0.1:3306/'
  * or set {URL_VARIABLE} to any MySQL/MariaDB server where that user may
    CREATE and DROP a database (the suite only touches its own database)."""

# Debian keeps server binaries in /usr/sbin, which is not on a normal user's PATH.
_SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"]
)


def _which(*names: str) -> str | None:
    for name in names:
        if found := shutil.which(name, path=_SEARCH_PATH):
            return found
    return None


def _local_server() -> dict | None:
    """pytest-mysql settings for a local MariaDB or MySQL installation, if there is one."""
    mariadbd = _which("mariadbd")
    if mariadbd:
        return {
            "mysqld_exec": mariadbd,
            "mysqld_safe": _which("mariadbd-safe", "mysqld_safe"),
            "admin_executable": _which("mariadb-admin", "mysqladmin"),
            "install_db": _which("mariadb-install-db", "mysql_install_db"),
            # A throwaway server on loopback with no accounts to set up: this works
            # the same whether the tests run as root (CI) or as a normal user.
            "params": "--skip-grant-tables --bind-address=127.0.0.1 --skip-log-bin"
            " --expire-logs-days=0 --innodb-buffer-pool-size=32M",
        }
    mysqld = _which("mysqld")
    if mysqld:
        # Oracle MySQL: pytest-mysql runs `mysqld --initialize-insecure`, which
        # creates root@localhost without a password; the tests use the socket.
        return {
            "mysqld_exec": mysqld,
            "mysqld_safe": _which("mysqld_safe"),
            "admin_executable": _which("mysqladmin"),
            "params": "--bind-address=127.0.0.1 --skip-log-bin",
        }
    return None


LOCAL_SERVER = _local_server()
# pytest-mysql passes `user` to mysql_install_db and mysqld_safe as the operating-system
# account that owns the data directory: the account running the tests (root only in CI
# containers). The tests themselves connect as root (see _local_server_url).
_OS_USER = getpass.getuser()
if LOCAL_SERVER and all(LOCAL_SERVER.get(k) for k in ("mysqld_safe", "admin_executable")):
    throwaway_server = factories.mysql_proc(host="127.0.0.1", user=_OS_USER, **LOCAL_SERVER)
    # A second one, only for tests that restart or reconfigure the server.
    restartable_server = factories.mysql_proc(host="127.0.0.1", user=_OS_USER, **LOCAL_SERVER)
else:
    LOCAL_SERVER = None


def _local_server_url(proc) -> URL:
    if "mariadbd" in str(LOCAL_SERVER["mysqld_exec"]):
        return URL.create("mysql+mysqldb", username="root", host="127.0.0.1", port=proc.port)
    return URL.create(
        "mysql+mysqldb", username="root", host="localhost", query={"unix_socket": proc.unixsocket}
    )


def _url_from_environment(value: str) -> URL:
    try:
        url = make_url(value)
    except ArgumentError:
        pytest.fail(
            f"{URL_VARIABLE}={value!r} is not a database URL.\n"
            f"Expected e.g. mysql+mysqldb://USER:PASSWORD@HOST:3306/\n\n{NO_SERVER}",
            pytrace=False,
        )
    if url.get_backend_name() not in {"mysql", "mariadb"} or url.get_driver_name() != "mysqldb":
        pytest.fail(
            f"{URL_VARIABLE} must be a mysql+mysqldb:// URL (the driver every snippet on "
            f"the site uses), got {url.drivername}://...\n"
            f"Expected e.g. mysql+mysqldb://USER:PASSWORD@HOST:3306/",
            pytrace=False,
        )
    return url._replace(database=None)  # URL.set() treats None as "unchanged"


@pytest.fixture(scope="session")
def server_url(request: pytest.FixtureRequest) -> URL:
    """URL of the server (no database), from DATABASE_URL or a throwaway local server."""
    if value := os.environ.get(URL_VARIABLE):
        url = _url_from_environment(value)
        where = f"{URL_VARIABLE} ({url.render_as_string(hide_password=True)})"
    elif LOCAL_SERVER:
        url = _local_server_url(request.getfixturevalue("throwaway_server"))
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
def server_is_mysql_8_0_24_or_later(admin_engine: Engine) -> bool:
    """Whether the server sends error 4031 before it closes an idle connection."""
    with admin_engine.connect() as conn:
        version = conn.execute(text("SELECT VERSION()")).scalar_one()
    if "mariadb" in version.lower():
        return False
    return tuple(int(n) for n in re.findall(r"\d+", version)[:3]) >= (8, 0, 24)


@dataclass
class OwnedServer:
    """A server this test run started itself, so tests may restart or reconfigure it."""

    url: str  # URL of a database on it
    process: object  # pytest-mysql's executor

    def restart(self) -> None:
        self.process.stop()
        self.process.start()
        assert _answers_on_its_socket(self.process), _server_state(self.process)


def _answers_on_its_socket(proc) -> bool:
    """Whether `mysqladmin ping` reaches the server on its unix socket (as shutdown does)."""
    ping = [proc.admin_exec, f"--socket={proc.unixsocket}", "--user=root", "ping"]
    return subprocess.run(ping, capture_output=True, timeout=30).returncode == 0


def _server_state(proc) -> str:
    """What a failed stop needs explained: socket, pid file, port, and the server's log."""
    with socket.socket() as probe:
        port_open = probe.connect_ex(("127.0.0.1", proc.port)) == 0
    log = Path(proc.logfile_path)
    tail = log.read_text(errors="replace").splitlines()[-25:] if log.exists() else ["(no log)"]
    return "\n".join(
        [
            f"The suite's own server on port {proc.port} does not answer on its socket:",
            f"  socket {proc.unixsocket} exists: {Path(proc.unixsocket).exists()}",
            f"  pid file {proc.pidfile} exists: {Path(proc.pidfile).exists()}",
            f"  TCP port accepts connections: {port_open}",
            f"Last lines of {log}:",
            *tail,
        ]
    )


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
    url = _local_server_url(proc)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS owned CHARACTER SET utf8mb4")
    engine.dispose()
    yield OwnedServer(url.set(database="owned").render_as_string(hide_password=False), proc)
    _stop_for_good(proc)


def _stop_for_good(proc) -> None:
    """Stop the restartable server at the end of the run, whatever state it is in.

    pytest-mysql's stop asks the server to shut down through its socket and raises if
    that fails, which would leave mysqld_safe and the server running. CI once saw that
    happen at the end of a run whose tests had all passed. Here a failed shutdown is
    followed by a kill, and reported with what is needed to find out why.
    """
    try:
        proc.stop()
    except Exception as error:  # anything: the server must not outlive the run
        state = _server_state(proc)
        proc.kill()
        proc.shutdown = lambda: None  # stopped: pytest-mysql's own stop has nothing to do
        # Shown in the warnings summary; pyproject.toml keeps this one from failing the run.
        warnings.warn(
            f"The suite's restartable server did not shut down cleanly ({error!r}); "
            f"it was killed instead.\n{state}",
            pytest.PytestWarning,
            stacklevel=1,
        )
    proc.shutdown = lambda: None


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site built once per run with `mkdocs build --strict`, in a temporary directory."""
    try:
        return build_site(tmp_path_factory.mktemp("site"))
    except BuildFailed as failure:
        pytest.fail(str(failure), pytrace=False)


@pytest.fixture(scope="module")
def site_url(built_site) -> Iterator[str]:
    """The built site served on 127.0.0.1 (no trailing slash), for one test module."""
    with serve(built_site) as url:
        yield url


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
