"""The article docs/mysql-server-has-gone-away.{ja,en}.md, scenario by scenario.

Snippets: snippets/mysql_server_has_gone_away/. Every test runs the snippet text the
page shows (pages.render), against a real server, with the server's idle timeout
shortened to one second for the test's own connections only.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, PendingRollbackError

from pages import render
from support import (
    IDLE_DISCONNECT_CODES,
    connection_id,
    drop_idle_connections_after,
    exception_line,
    linked_client_library,
    load_snippet,
    mysql_table,
    output_pattern,
    pool_clock_moved_forward,
    run_script,
    run_shell,
    wait_past_timeout,
)

PAGE = "mysql_server_has_gone_away"


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


ERROR_TEXTS = {  # the page shows the texts of the error index (docs/error-messages)
    "libmysqlclient": "error_messages/messages.txt:libmysqlclient",
    "libmariadb": "error_messages/messages.txt:libmariadb",
    "pymysql": "error_messages/messages.txt:pymysql",
    "mysql_8_0_24": "error_messages/messages.txt:mysql_8_0_24",
}


def error_lines_on_page(which: str | None = None) -> list[str]:
    """The error lines the page lists for one client (or all of them)."""
    targets = [ERROR_TEXTS[which]] if which else ERROR_TEXTS.values()
    return [line for t in targets for line in render(t).splitlines()]


def use_then_idle(engine):
    """Use a pooled connection, give it back, and leave it idle past the timeout."""
    with engine.connect() as conn:
        first_id = connection_id(conn)
    wait_past_timeout()
    return first_id


# --- The symptom and the cause ----------------------------------------------------


def test_idle_connection_fails_without_a_fix(database_url):
    engine = drop_idle_connections_after(create_engine(database_url))
    use_then_idle(engine)

    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))

    error = caught.value
    assert error.orig.args[0] in IDLE_DISCONNECT_CODES
    assert error.connection_invalidated, "SQLAlchemy should see this as a disconnect"
    # What the reader would paste is on the page, under their client library.
    line = exception_line(error.orig)
    assert line in error_lines_on_page()
    if error.orig.args[0] in {2006, 2013}:
        assert line in error_lines_on_page(linked_client_library())

    # The failed call invalidated the pool: the next checkout opens a new connection.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_reproduce_script_fails_with_the_error_shown(database_url, tmp_path):
    result = run_script(snippet("reproduce.py"), database_url, tmp_path)

    assert result.returncode == 1, result.stderr
    shown = render(snippet("reproduce.txt"))
    # The page shows the error this machine's server and client produce; other
    # server/client pairs give another (code, message) from the list on the page.
    error_tuple = re.compile(r"\((\d{4}), (['\"]).*\2\)$", re.M)
    actual = error_tuple.findall(result.stderr)
    assert actual, result.stderr
    for code, _ in actual:
        assert int(code) in IDLE_DISCONNECT_CODES
    dbapi_line = next(line for line in result.stderr.splitlines() if line.startswith("MySQLdb."))
    assert dbapi_line in error_lines_on_page()

    def normalize(s: str) -> str:
        s = error_tuple.sub("(CODE, MESSAGE)", s)
        return re.sub(r"sqlalche\.me/e/\d+/", "sqlalche.me/e/NN/", s)

    assert output_pattern(normalize(shown)).search(normalize(result.stderr)), result.stderr


def test_wait_timeout_query_shows_the_servers_default(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        result = conn.exec_driver_sql(render(snippet("inspect.sql:wait_timeout")))
        table = mysql_table(list(result.keys()), result.fetchall())
    engine.dispose()
    assert table == render(snippet("inspect.txt:wait_timeout")), (
        "The page shows MySQL's default global wait_timeout (28800). "
        f"This server returned:\n{table}"
    )


def test_processlist_query_finds_an_idle_connection(database_url):
    engine = create_engine(database_url)
    with engine.connect() as idle, engine.connect() as observer:
        idle_id = connection_id(idle)
        wait_past_timeout()  # idle for a second or more
        result = observer.exec_driver_sql(render(snippet("inspect.sql:processlist")))
        columns, rows = list(result.keys()), [tuple(r) for r in result]
    engine.dispose()

    row = next((r for r in rows if r[0] == idle_id), None)
    assert row is not None, f"connection {idle_id} not listed as idle: {rows}"
    record = dict(zip(columns, row, strict=True))
    assert record["command"] == "Sleep"
    assert record["time"] >= 1
    # The example output on the page has the columns the query returns.
    header = render(snippet("inspect.txt:processlist")).splitlines()[1]
    assert [name.strip() for name in header.strip("|").split("|")] == columns


def test_database_url_example_is_a_working_mysqlclient_url(database_url, tmp_path):
    result = run_shell(snippet("database_url.sh"), tmp_path, then='echo "$DATABASE_URL"')
    assert result.returncode == 0, result.stderr
    example = make_url(result.stdout.strip())
    assert example.drivername == "mysql+mysqldb"
    assert example.database and example.username and example.password and example.port

    # The same URL pointed at the test server: its options are understood.
    ours = make_url(database_url)
    url = example.set(
        username=ours.username,
        password=ours.password,
        host=ours.host,
        port=ours.port,
        database=ours.database,
        query={**example.query, **ours.query},
    )
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT @@character_set_client")).scalar_one() == "utf8mb4"
    engine.dispose()


def test_session_checks_out_once_per_transaction(database_url, tmp_path):
    """Corrects the source: a connection is not checked out per SQL statement."""
    result = run_script(snippet("checkout_timing.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == render(snippet("checkout_timing.txt"))


# --- Fix 1: pool_pre_ping -----------------------------------------------------------


def test_pre_ping_replaces_a_dead_connection(database_url):
    engine = load_snippet(snippet("pre_ping.py"), database_url)["engine"]
    drop_idle_connections_after(engine)
    first_id = use_then_idle(engine)

    with engine.connect() as conn:  # same scenario as without the fix: no error
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert connection_id(conn) != first_id, "the dead connection was replaced"
    engine.dispose()


def test_pre_ping_cost_measurement_runs(database_url, tmp_path):
    result = run_script(snippet("measure_pre_ping.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    shown = render(snippet("measure_pre_ping.txt")).splitlines()
    actual = result.stdout.splitlines()

    def shape(line: str) -> str:
        return re.sub(r"\s*\d+\.\d", " N", line)

    assert [shape(line) for line in actual] == [shape(line) for line in shown]
    timings = [float(n) for n in re.findall(r"(\d+\.\d) µs", result.stdout)]
    assert len(timings) == 2 and all(t > 0 for t in timings)


# --- Fix 2: pool_recycle ------------------------------------------------------------


def test_recycle_below_wait_timeout_replaces_the_connection(database_url, monkeypatch):
    """The snippet's pool_recycle, judged against the server's real wait_timeout.

    The server drops the connection after 1 s (session setting); the pool's clock is
    moved forward by the server's global wait_timeout (8 hours by default), so the
    pool sees a connection as old as the one that failed in production.
    """
    engine = load_snippet(snippet("recycle.py"), database_url)["engine"]
    drop_idle_connections_after(engine)
    with engine.connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
        first_id = connection_id(conn)
    wait_past_timeout()
    pool_clock_moved_forward(monkeypatch, global_timeout)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1, (
            f"pool_recycle={engine.pool._recycle} must be below wait_timeout={global_timeout}"
        )
        assert connection_id(conn) != first_id
    engine.dispose()


def test_recycle_below_the_timeout_prevents_the_error(database_url):
    """In real time: wait_timeout 2 s, pool_recycle 1 s."""
    engine = drop_idle_connections_after(create_engine(database_url, pool_recycle=1), 2)
    with engine.connect() as conn:
        first_id = connection_id(conn)
    wait_past_timeout(2)  # past both: the server has closed it, the pool recycles it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert connection_id(conn) != first_id
    engine.dispose()


def test_recycle_above_the_timeout_does_not_help(database_url):
    """In real time: wait_timeout 1 s, pool_recycle 60 s. The connection dies first."""
    engine = drop_idle_connections_after(create_engine(database_url, pool_recycle=60), 1)
    use_then_idle(engine)
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert caught.value.orig.args[0] in IDLE_DISCONNECT_CODES
    engine.dispose()


def test_both_fixes_together(database_url):
    engine = load_snippet(snippet("both.py"), database_url)["engine"]
    drop_idle_connections_after(engine)
    first_id = use_then_idle(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert connection_id(conn) != first_id
    engine.dispose()


# --- Caveats ---------------------------------------------------------------------


def test_connection_held_checked_out_fails_even_with_pre_ping(database_url):
    engine = load_snippet(snippet("pre_ping.py"), database_url)["engine"]
    drop_idle_connections_after(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        wait_past_timeout()  # idle while checked out: the pool never sees it
        with pytest.raises(OperationalError) as caught:
            conn.execute(text("SELECT 1"))
    assert caught.value.orig.args[0] in IDLE_DISCONNECT_CODES
    assert caught.value.connection_invalidated
    engine.dispose()


def test_lost_transaction_must_be_rolled_back_and_retried_whole(database_url):
    # future=True: 2.x-style commit/rollback on SQLAlchemy 1.4 too (the default on 2.x).
    engine = create_engine(database_url, pool_pre_ping=True, future=True)
    drop_idle_connections_after(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE lost_transaction (id INT PRIMARY KEY)"))

    with engine.connect() as conn:
        conn.execute(text("INSERT INTO lost_transaction VALUES (1)"))  # transaction begins
        wait_past_timeout()
        with pytest.raises(OperationalError):
            conn.execute(text("INSERT INTO lost_transaction VALUES (2)"))
        with pytest.raises(
            PendingRollbackError, match="Can't reconnect until invalid transaction is rolled back"
        ):
            conn.execute(text("SELECT 1"))
        conn.rollback()
        # The server discarded the first INSERT with the connection: redo the whole unit.
        assert conn.execute(text("SELECT COUNT(*) FROM lost_transaction")).scalar_one() == 0
    engine.dispose()
