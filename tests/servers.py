"""Where the tests' MySQL-protocol server comes from, and the one the suite owns.

In this order:

1. ``DATABASE_URL`` (the same variable the snippets read), e.g. the docker compose
   services or a CI service container. Only the host, port and credentials are used:
   the suite creates its own database ``gone_away_test_<random>`` and drops it at
   the end. It changes server settings only at session scope.
2. Otherwise a throwaway server started from a local ``mariadbd``/``mysqld`` by
   pytest-mysql, in a temporary directory, listening on 127.0.0.1 at a free port,
   stopped and deleted after the run.
3. Otherwise every test that needs a server errors with one message that says how
   to get one (NO_SERVER). Nothing is skipped for want of a server.

Tests that restart a server or change a GLOBAL setting use a second throwaway server
(OwnedServer), never the DATABASE_URL one.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_mysql import factories
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

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
if LOCAL_SERVER and not all(LOCAL_SERVER.get(k) for k in ("mysqld_safe", "admin_executable")):
    LOCAL_SERVER = None
if LOCAL_SERVER:
    # pytest-mysql passes `user` to mysql_install_db and mysqld_safe as the operating-system
    # account that owns the data directory: the account running the tests (root only in CI
    # containers). The tests themselves connect as root (see local_server_url).
    _OS_USER = getpass.getuser()
    throwaway_server = factories.mysql_proc(host="127.0.0.1", user=_OS_USER, **LOCAL_SERVER)
    # A second one, only for tests that restart or reconfigure the server.
    restartable_server = factories.mysql_proc(host="127.0.0.1", user=_OS_USER, **LOCAL_SERVER)


def local_server_url(proc) -> URL:
    """The root account of a server pytest-mysql started (no database)."""
    if "mariadbd" in str(LOCAL_SERVER["mysqld_exec"]):
        return URL.create("mysql+mysqldb", username="root", host="127.0.0.1", port=proc.port)
    return URL.create(
        "mysql+mysqldb", username="root", host="localhost", query={"unix_socket": proc.unixsocket}
    )


def url_from_environment(value: str) -> URL:
    """DATABASE_URL as a server URL (its database dropped), or a test failure that says
    what is wrong with it."""
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


@dataclass
class OwnedServer:
    """A server this test run started itself, so tests may restart or reconfigure it."""

    url: str  # URL of a database on it
    process: object  # pytest-mysql's executor

    def restart(self) -> None:
        self.process.stop()
        self.process.start()
        assert answers_on_its_socket(self.process), server_state(self.process)

    def stop_for_good(self) -> None:
        """Stop the server at the end of the run, whatever state it is in.

        pytest-mysql's stop asks the server to shut down through its socket and raises
        if that fails, which would leave mysqld_safe and the server running. CI once saw
        that happen at the end of a run whose tests had all passed. Here a failed
        shutdown is followed by a kill, and reported with what is needed to find out why.
        """
        proc = self.process
        try:
            proc.stop()
        except Exception as error:  # anything: the server must not outlive the run
            state = server_state(proc)
            proc.kill()
            # Shown in the warnings summary; pyproject.toml keeps this one from failing the run.
            warnings.warn(
                f"The suite's restartable server did not shut down cleanly ({error!r}); "
                f"it was killed instead.\n{state}",
                pytest.PytestWarning,
                stacklevel=1,
            )
        proc.shutdown = lambda: None  # stopped: pytest-mysql's own stop has nothing to do


def answers_on_its_socket(proc) -> bool:
    """Whether `mysqladmin ping` reaches the server on its unix socket (as shutdown does)."""
    ping = [proc.admin_exec, f"--socket={proc.unixsocket}", "--user=root", "ping"]
    return subprocess.run(ping, capture_output=True, timeout=30).returncode == 0


def server_state(proc) -> str:
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
