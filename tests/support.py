"""Helpers the tests share. Nothing here is shown on the site."""

from __future__ import annotations

import re
import time
import types
from collections.abc import Sequence

import sqlalchemy
from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from pages import render

# Moved to runners.py; re-exported here until every module imports them from there.
from runners import copy_of_repository, load_snippet, run_script, run_shell  # noqa: F401

# The drivers the pages cover, by their SQLAlchemy URL name (mysql+<name>://).
SYNC_DRIVERS = ["mysqldb", "pymysql", "mysqlconnector"]
ASYNC_DRIVERS = ["aiomysql", "asyncmy"]

# Error codes SQLAlchemy's MySQL dialect treats as "the connection is gone"
# (MySQLDialect.is_disconnect) that an idle timeout can produce.
IDLE_DISCONNECT_CODES = {2006, 2013, 4031}

# SQLAlchemy 1.4 (the source article's version) differs in a few tested places.
SQLALCHEMY_1_4 = sqlalchemy.__version__.startswith("1.")


def drop_idle_connections_after(engine: Engine, seconds: int = 1) -> Engine:
    """Make the server close this engine's connections after `seconds` idle.

    ``SET SESSION`` on each new connection of this engine only: the server's global
    settings and every other client are left alone. This is how the tests turn the
    default 8 hours into a second.
    """

    observer_url = with_driver(engine.url.render_as_string(hide_password=False), "mysqldb")

    @event.listens_for(engine, "connect")
    def set_session_wait_timeout(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET SESSION wait_timeout = {int(seconds)}")
        cursor.execute("SELECT CONNECTION_ID()")
        _SHORT_LIVED[cursor.fetchone()[0]] = observer_url
        cursor.close()

    return engine


# Connections given a short wait_timeout, not yet seen dropped: server thread id -> URL.
_SHORT_LIVED: dict[int, str] = {}
_STILL_CONNECTED = text(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN :ids"
).bindparams(bindparam("ids", expanding=True))


def wait_past_timeout(seconds: int = 1, limit: float = 30) -> None:
    """Sleep past `seconds` of idleness, then wait until the server has really dropped
    the connections drop_idle_connections_after() shortened.

    The server notices an idle connection on its own schedule; on a loaded machine
    that can be later than the timeout plus a margin. It closes the socket, then
    removes the connection from its process list, so once PROCESSLIST no longer shows
    them the client's next statement meets a closed connection.
    """
    time.sleep(seconds + 1)
    by_url: dict[str, list[int]] = {}
    for thread_id, url in _SHORT_LIVED.items():
        by_url.setdefault(url, []).append(thread_id)
    _SHORT_LIVED.clear()
    for url, ids in by_url.items():
        observer = create_engine(url, poolclass=NullPool)
        try:
            with observer.connect() as conn:
                deadline = time.monotonic() + limit
                while left := conn.execute(_STILL_CONNECTED, {"ids": ids}).scalars().all():
                    assert time.monotonic() < deadline, (
                        f"the server still has connections {left} {limit} s after "
                        f"their wait_timeout of {seconds} s"
                    )
                    time.sleep(0.05)
        finally:
            observer.dispose()


MYSQL_8_0_24_TEXTS = "error_messages/messages.txt:mysql_8_0_24"


def assert_mysql_8_farewell(lines: Sequence[str], server_is_mysql_8_0_24_or_later: bool) -> None:
    """A 4031 (MySQL 8.0.24+ tells the client why it closes an idle connection).

    The message comes from the server, so every driver that reads it shows the same
    words; the page shows them once, in the "MySQL 8.0.24 and later" block.
    """
    assert server_is_mysql_8_0_24_or_later, f"4031 from a server that should not send it: {lines}"
    page_message = re.search(r"\(4031, '([^']*)'\)", render(MYSQL_8_0_24_TEXTS))[1]
    for line in lines:
        assert page_message in line, (
            f"4031 from this server says something else than the page:\n  {line}\n"
            f"page: {page_message}"
        )


def count_pings(engine: Engine, monkeypatch) -> list:
    """Record every ping the engine's pool sends (pool_pre_ping); returns the list."""
    pings: list = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection):
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    return pings


def connection_id(conn) -> int:
    return conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()


def with_driver(database_url: str, driver: str) -> str:
    """The same database URL with another driver: mysql+mysqldb://... -> mysql+<driver>://..."""
    url = make_url(database_url).set(drivername=f"mysql+{driver}")
    return url.render_as_string(hide_password=False)


def linked_client_library() -> str:
    """Which C library mysqlclient was built against: libmariadb reports 3.x."""
    import MySQLdb

    version = MySQLdb._mysql.get_client_info()
    return "libmariadb" if int(version.split(".")[0]) < 5 else "libmysqlclient"


RUNNING_SQL = text("SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = :id")


def kill_once_running(conn, victim_id: int, what: str = "CONNECTION", timeout: float = 10) -> None:
    """From `conn`, KILL `what` `victim_id` as soon as the victim is running its SLEEP().

    Waiting for PROCESSLIST to show the statement (instead of a fixed delay) makes sure
    the kill lands during the query, however slow the machine is.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = conn.execute(RUNNING_SQL, {"id": victim_id}).scalar()
        if info and info.upper().startswith("SELECT SLEEP"):
            break
        time.sleep(0.02)
    else:
        raise AssertionError(f"connection {victim_id} did not start its SLEEP() in {timeout} s")
    conn.execute(text(f"KILL {what} {victim_id}"))


def exception_line(exc: BaseException) -> str:
    """The last line of a traceback for `exc`, e.g. ``MySQLdb.OperationalError: (2006, ...)``."""
    cls = type(exc)
    module = cls.__module__
    name = cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"
    return f"{name}: {exc}"


def mysql_table(
    columns: Sequence[str], rows: Sequence[Sequence], nullable: Sequence[str] = ()
) -> str:
    """Format a result the way the ``mysql``/``mariadb`` command-line client prints it.

    The client makes a column that may hold NULL at least 4 wide (``NULL``).
    """
    cells = [[("NULL" if v is None else str(v)) for v in row] for row in rows]
    widths = [
        max([len(str(c)), 4 if c in nullable else 0] + [len(r[i]) for r in cells])
        for i, c in enumerate(columns)
    ]
    numeric = [all(isinstance(row[i], int) for row in rows) and rows for i in range(len(columns))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(values, header=False):
        out = []
        for i, v in enumerate(values):
            out.append(v.rjust(widths[i]) if numeric[i] and not header else v.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    lines = [rule, line(list(columns), header=True), rule]
    lines += [line(r) for r in cells]
    if cells:
        lines.append(rule)
    return "\n".join(lines)


def output_pattern(shown: str) -> re.Pattern[str]:
    """A regex for output shown on a page, where a line ``  ...`` stands for any lines."""
    parts = []
    for line in shown.splitlines():
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(re.escape(line) + r"\n")
    return re.compile("".join(parts))


def pool_sees_connections_aged(monkeypatch, opened_at: float, limit: float) -> None:
    """Make SQLAlchemy's pool see the connections opened since `opened_at` (a time.time()
    taken before the first checkout) as just past `limit` seconds old.

    The server really has closed the connection after its 1-second session timeout;
    this makes the pool judge `pool_recycle` against the limit the page talks about
    (wait_timeout's 8 hours, a load balancer's 350 s). Half a second past it: a
    pool_recycle even one second above the limit lets the dead connection through.
    Only the pool's age checks see the moved clock.
    """
    import sqlalchemy.pool.base as pool_base

    offset = opened_at + limit + 0.5 - time.time()
    real_time = time.time
    monkeypatch.setattr(pool_base, "time", types.SimpleNamespace(time=lambda: real_time() + offset))
