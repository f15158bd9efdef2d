"""The article docs/look-alikes.{ja,en}.md: errors readers take for a dropped connection.

Snippets: snippets/look_alikes/. Each section's error is produced against a real server
and compared with the page's block in snippets/error_messages/messages.txt; then the
page's fix runs the same steps without the error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import NullPool

from clients import SYNC_DRIVERS, with_driver
from error_texts import (
    NO_ROWS,
    POOL_TIMEOUT,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_CONNECTIONS_MORE,
    code_of,
    exception_line,
    lines_shown,
    without_docs_version,
)
from runners import run_script, run_sql

PAGE = "look_alikes"
DEFAULT_POOL_TIMEOUT = 30  # seconds: SQLAlchemy's default pool_timeout, as the page's text shows


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


# --- QueuePool limit ... reached: connections that never go back to the pool -----------


def shorten_pool_timeout(engine, seconds: int = 2) -> None:
    """The test waits 2 s for a free connection instead of the default 30 s."""
    engine.pool._timeout = seconds


def as_on_the_page(line: str, seconds: int = 2) -> str:
    """The line with the default timeout the page shows, and its docs link's version."""
    line = line.replace(f"timeout {seconds:.2f}", f"timeout {DEFAULT_POOL_TIMEOUT:.2f}")
    return without_docs_version(line)


def test_sessions_never_closed_exhaust_the_pool(database_url, engines):
    namespace = engines.load_snippet(snippet("pool_leak.py"), database_url)
    engine, handle_request = namespace["engine"], namespace["handle_request"]
    shorten_pool_timeout(engine)
    try:
        for _ in range(5 + 10):  # pool_size + max_overflow: every connection is taken
            handle_request()
        with pytest.raises(PoolTimeoutError) as caught:
            handle_request()
        # Not a disconnect: each of the 15 connections still works.
        assert {s.execute(text("SELECT 1")).scalar_one() for s in namespace["kept"]} == {1}
    finally:
        for session in namespace["kept"]:
            session.close()
    (page_line,) = lines_shown([POOL_TIMEOUT])
    assert as_on_the_page(exception_line(caught.value)) == without_docs_version(page_line)


def test_sessions_closed_after_each_request_give_their_connection_back(database_url, engines):
    namespace = engines.load_snippet(snippet("pool_fix.py"), database_url)
    engine, handle_request = namespace["engine"], namespace["handle_request"]
    shorten_pool_timeout(engine)
    for _ in range(3 * (5 + 10)):  # far more requests than the pool has connections
        handle_request()
    assert engine.pool.checkedout() == 0


# --- This result object does not return rows ---------------------------------------------


def test_fetching_rows_from_an_update_raises_resource_closed(database_url, tmp_path):
    result = run_script(snippet("no_rows.py"), database_url, tmp_path)
    assert result.returncode != 0, result.stdout
    (page_line,) = lines_shown([NO_ROWS])
    assert result.stderr.strip().splitlines()[-1] == page_line, result.stderr


def test_rowcount_tells_what_an_update_did(database_url, tmp_path):
    result = run_script(snippet("no_rows_fix.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "rows updated: 1\n"


# --- Too many connections ------------------------------------------------------------------

MAX_CONNECTIONS = 10  # the lowest value MariaDB accepts


@pytest.fixture
def few_connections_allowed(owned_server, engines):
    """The suite's own server, with max_connections lowered for the test."""
    admin = engines.create(owned_server.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    admin = admin.connect()
    admin.exec_driver_sql(f"SET GLOBAL max_connections = {MAX_CONNECTIONS}")
    try:
        yield owned_server.url, admin
    finally:
        admin.exec_driver_sql("SET GLOBAL max_connections = DEFAULT")
        admin.close()


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_more_pooled_connections_than_the_server_allows(few_connections_allowed, driver, engines):
    url, _ = few_connections_allowed
    engine = engines.create(with_driver(url, driver))  # pool_size=5, max_overflow=10
    held = []
    try:
        with pytest.raises(DBAPIError) as caught:  # noqa: PT012 (until one connect fails)
            for _ in range(5 + 10):
                held.append(engine.connect())
    finally:
        for conn in held:
            conn.close()
    error = caught.value
    assert code_of(error.orig) == 1040, error
    assert len(held) < 5 + 10, "the pool opened every connection"
    assert not engine.dialect.is_disconnect(error.orig, None, None)
    lines = [exception_line(error.orig), exception_line(error).splitlines()[0]]
    shown = lines_shown([TOO_MANY_CONNECTIONS, TOO_MANY_CONNECTIONS_MORE])
    assert [line for line in lines if line not in shown] == [], lines


def test_pools_sized_below_max_connections_fit(few_connections_allowed, engines):
    """Two processes' pools of sized_pool.py (4 connections each) and the admin connection
    stay within max_connections = 10; the page's query shows the peak."""
    url, admin = few_connections_allowed
    held = []
    try:
        for _process in range(2):
            engine = engines.snippet_engine(snippet("sized_pool.py"), url)
            size = engine.pool.size() + engine.pool._max_overflow
            assert size == 4
            held += [engine.connect() for _ in range(size)]
        assert {conn.execute(text("SELECT 1")).scalar_one() for conn in held} == {1}
    finally:
        for conn in held:
            conn.close()
    _, rows = run_sql(snippet("max_connections.sql"), admin)
    ((name, peak),) = rows
    assert name == "Max_used_connections" and int(peak) >= 2 * 4 + 1


# --- Commands out of sync (2014) ------------------------------------------------------------


def test_2014_is_a_disconnect_for_sqlalchemy():
    import MySQLdb

    dialect = create_engine("mysql+mysqldb://").dialect
    error = MySQLdb.OperationalError(2014, "Commands out of sync; you can't run this command now")
    assert dialect.is_disconnect(error, None, None)


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_multi_statement_text_did_not_go_out_of_sync(database_url, driver, engines):
    """Several statements in one execute(), with the MULTI_STATEMENTS client flag: the
    drivers read the remaining results themselves, and only the first result comes back."""
    if driver == "mysqldb":
        from MySQLdb.constants import CLIENT
    else:
        from pymysql.constants import CLIENT
    url = with_driver(database_url, driver)
    engine = engines.create(url, connect_args={"client_flag": CLIENT.MULTI_STATEMENTS})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1; SELECT 2")).all() == [(1,)]
        assert conn.execute(text("SELECT 3")).scalar_one() == 3  # no 2014
