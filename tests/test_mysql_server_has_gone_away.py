"""The article docs/mysql-server-has-gone-away.{ja,en}.md, scenario by scenario.

Snippets: snippets/mysql_server_has_gone_away/. Every test runs the snippet text the
page shows (pages.render), against a real server, with the server's idle timeout
shortened to one second for the test's own connections only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, PendingRollbackError

from clients import linked_client_library
from error_texts import (
    ERROR_TUPLE,
    FAREWELL_4031,
    IDLE_DISCONNECT_CODES,
    SECTIONS,
    exception_line,
    lines_shown,
    texts_on_page,
    without_docs_version,
    without_error_tuple,
)
from page_output import mysql_table, output_pattern, without_object_addresses
from pages import DOCS, render
from pool import checked_out_id, connection_id, count_pings, pool_sees_connections_aged
from runners import load_snippet, run_script, run_shell, run_sql
from settings import WAIT_TIMEOUT_DEFAULT, assert_recycles_before

PAGE = "mysql_server_has_gone_away"


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


def error_lines_on_page() -> list[str]:
    """The error lines the page shows (the index's texts, for every client)."""
    return lines_shown(texts_on_page("mysql-server-has-gone-away"))


def use_then_idle(engine, idle_timeout):
    """Use a pooled connection, give it back, and leave it idle past the timeout."""
    first_id = checked_out_id(engine)
    idle_timeout.wait()
    return first_id


# --- The symptom and the cause ----------------------------------------------------


def test_idle_connection_fails_without_a_fix(
    database_url, server_sends_4031, engines, idle_timeout
):
    engine = idle_timeout.shorten(engines.create(database_url))
    use_then_idle(engine, idle_timeout)

    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))

    error = caught.value
    assert error.orig.args[0] in IDLE_DISCONNECT_CODES
    assert error.connection_invalidated, "SQLAlchemy should see this as a disconnect"
    # What the reader would paste is on the page: under their client library, or in the
    # block of the farewell MySQL 8.0.24+ sends.
    line = exception_line(error.orig)
    if error.orig.args[0] == 4031:
        assert server_sends_4031 and line in lines_shown([FAREWELL_4031])
    else:
        assert line in lines_shown([SECTIONS[linked_client_library()]])

    # The failed call invalidated the pool: the next checkout opens a new connection.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_reproduce_script_fails_with_the_error_shown(database_url, tmp_path):
    result = run_script(snippet("reproduce.py"), database_url, tmp_path)

    assert result.returncode == 1, result.stderr
    shown = render(snippet("reproduce.txt"))
    # The page shows the error this machine's server and client produce; other
    # server/client pairs give another (code, message) from the list on the page.
    actual = ERROR_TUPLE.findall(result.stderr)
    assert actual, result.stderr
    for code, _ in actual:
        assert int(code) in IDLE_DISCONNECT_CODES
    dbapi_line = next(line for line in result.stderr.splitlines() if line.startswith("MySQLdb."))
    assert dbapi_line in error_lines_on_page()
    # The page's own example is a real text of the index, and the one this client gives.
    shown_lines = [line for line in shown.splitlines() if ERROR_TUPLE.search(line)]
    assert shown_lines and all(line in error_lines_on_page() for line in shown_lines), shown_lines
    if linked_client_library() == "libmariadb" and int(actual[0][0]) in {2006, 2013}:
        assert dbapi_line in shown_lines, (
            f"the page shows {shown_lines}, this client said {dbapi_line}"
        )

    def shape(text: str) -> str:
        return without_docs_version(without_error_tuple(text))

    assert output_pattern(shape(shown)).search(shape(result.stderr)), result.stderr


def test_wait_timeout_query_shows_the_servers_default(database_url, engines):
    engine = engines.create(database_url)
    with engine.connect() as conn:
        conn.execute(text("SET SESSION wait_timeout = 5"))  # the query must show GLOBAL
        table = mysql_table(*run_sql(snippet("inspect.sql:wait_timeout"), conn))
    assert table == render(snippet("inspect.txt:wait_timeout")), (
        "The page shows MySQL's default global wait_timeout (28800). "
        f"This server returned:\n{table}"
    )


def test_processlist_query_lists_idle_connections_longest_first(database_url, engines):
    engine = engines.create(database_url)
    with engine.connect() as older, engine.connect() as newer, engine.connect() as observer:
        older_id = connection_id(older)
        time.sleep(1.1)
        newer_id = connection_id(newer)
        time.sleep(1.1)  # older idle for 2 s, newer for 1 s; observer busy running the query
        columns, rows = run_sql(snippet("inspect.sql:processlist"), observer)

    records = [dict(zip(columns, row, strict=True)) for row in rows]
    ids = [record["id"] for record in records]
    assert older_id in ids and newer_id in ids, f"both idle connections listed: {rows}"
    assert ids.index(older_id) < ids.index(newer_id), "the longest idle comes first"
    assert all(record["command"] == "Sleep" for record in records), rows
    times = [record["time"] for record in records]
    assert times == sorted(times, reverse=True), rows


def test_processlist_example_output_is_what_the_query_returns():
    """The page's example rows (not from the test server) have the query's shape."""
    shown = render(snippet("inspect.txt:processlist"))
    lines = shown.splitlines()
    header = [name.strip() for name in lines[1].strip("|").split("|")]
    rows = [
        tuple(int(v) if v.isdigit() else v for v in (c.strip() for c in line.strip("|").split("|")))
        for line in lines[3:-1]
    ]
    assert header == ["id", "user", "host", "db", "command", "time"]
    # db is NULL for a connection without a default database.
    assert mysql_table(header, rows, nullable=["db"]) == shown, "as the mysql client prints it"
    assert all(row[4] == "Sleep" for row in rows)
    times = [row[5] for row in rows]
    assert times == sorted(times, reverse=True) and max(times) < 28800, times


def test_session_value_through_the_engine_is_the_global_one(database_url, tmp_path):
    result = run_script(snippet("session_wait_timeout.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not result.stderr, "the page shows no output on stderr"
    assert result.stdout.rstrip("\n") == render(snippet("session_wait_timeout.txt"))


def test_session_value_through_the_engine_shows_an_init_command(database_url, tmp_path):
    """What the page warns about: the connection's own value can differ from the global."""
    url = make_url(database_url).update_query_dict(
        {"init_command": "SET SESSION wait_timeout = 60"}
    )
    result = run_script(
        snippet("session_wait_timeout.py"), url.render_as_string(hide_password=False), tmp_path
    )
    assert result.returncode == 0, result.stderr
    global_value = re.fullmatch(r"global: (\d+), this connection: 60", result.stdout.strip())
    assert global_value and global_value[1] != "60", result.stdout


def test_database_url_example_is_a_working_mysqlclient_url(database_url, tmp_path, engines):
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
    engine = engines.create(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT @@character_set_client")).scalar_one() == "utf8mb4"


def test_session_checks_out_once_per_transaction(database_url, tmp_path):
    """Corrects the source: a connection is not checked out per SQL statement."""
    result = run_script(snippet("checkout_timing.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not result.stderr, "the page shows no output on stderr"
    assert result.stdout.rstrip("\n") == render(snippet("checkout_timing.txt"))


# --- Fix 1: pool_pre_ping -----------------------------------------------------------


def test_pre_ping_replaces_a_dead_connection(database_url, engines, idle_timeout):
    engine = engines.snippet_engine(snippet("pre_ping.py"), database_url)
    idle_timeout.shorten(engine)
    first_id = use_then_idle(engine, idle_timeout)

    with engine.connect() as conn:  # same scenario as without the fix: no error
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert connection_id(conn) != first_id, "the dead connection was replaced"


def test_pre_ping_cost_measurement_measures_what_it_says(
    database_url, monkeypatch, capsys, engines
):
    """Run in this process, with spies: the first engine never pings, the second pings
    at every checkout, and each printed figure is the best batch divided by its size."""
    import timeit

    import sqlalchemy

    engines, batches = [], []
    real_create_engine, real_repeat = sqlalchemy.create_engine, timeit.repeat

    def create_engine_spy(*args, **kwargs):
        engine = real_create_engine(*args, **kwargs)
        engines.append((kwargs.get("pool_pre_ping"), count_pings(engine, monkeypatch)))
        return engine

    def repeat_spy(stmt, number, repeat):
        times = real_repeat(stmt, number=number, repeat=repeat)
        batches.append((min(times), number, repeat))
        return times

    monkeypatch.setattr(sqlalchemy, "create_engine", create_engine_spy)
    monkeypatch.setattr(timeit, "repeat", repeat_spy)
    load_snippet(snippet("measure_pre_ping.py"), database_url)
    printed = capsys.readouterr().out.splitlines()

    (off, off_pings), (on, on_pings) = engines
    (_, number, repeat), _ = batches
    assert (off, on) == (False, True)
    assert not off_pings, "the engine without pre-ping pinged"
    assert len(on_pings) == number * repeat, "pre-ping: one ping per checkout"
    for line, (best, number, _) in zip(printed, batches, strict=True):
        shown = float(re.search(r"(\d+\.\d) µs", line)[1])
        assert abs(shown - best / number * 1e6) <= 0.05 + 1e-9, (line, best, number)


def test_pre_ping_cost_script_prints_what_the_page_shows(database_url, tmp_path):
    result = run_script(snippet("measure_pre_ping.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not result.stderr, "the page shows no output on stderr"
    shown = render(snippet("measure_pre_ping.txt")).splitlines()
    actual = result.stdout.splitlines()

    def shape(line: str) -> str:
        return re.sub(r"\s*\d+\.\d", " N", line)

    assert [shape(line) for line in actual] == [shape(line) for line in shown]
    timings = [float(n) for n in re.findall(r"(\d+\.\d) µs", result.stdout)]
    assert len(timings) == 2 and all(t > 0 for t in timings)
    # The page's figures: the ping costs something (measured on the test machine).
    without_ping, with_ping = (float(n) for n in re.findall(r"(\d+\.\d) µs", "\n".join(shown)))
    assert with_ping > without_ping


# --- Fix 2: pool_recycle ------------------------------------------------------------


def test_recycle_below_wait_timeout_replaces_the_connection(
    database_url, monkeypatch, engines, idle_timeout
):
    """The snippet's pool_recycle, judged against the server's real wait_timeout.

    The server drops the connection after 1 s (session setting); the pool's clock is
    moved forward so that the pool sees the connection just past the server's global
    wait_timeout (8 hours by default), as old as the one that failed in production.
    """
    engine = engines.snippet_engine(snippet("recycle.py"), database_url)
    idle_timeout.shorten(engine)
    opened_at = time.time()
    with engine.connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
        first_id = connection_id(conn)
    idle_timeout.wait()
    pool_sees_connections_aged(monkeypatch, opened_at, global_timeout)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1, (
            f"pool_recycle={engine.pool._recycle} must be below wait_timeout={global_timeout}"
        )
        assert connection_id(conn) != first_id


@pytest.mark.parametrize("target", [snippet("recycle.py"), snippet("both.py")])
def test_recommended_recycle_leaves_a_margin_below_wait_timeout(target):
    """The value a reader copies, held to the page's rule (the scenario tests above move
    the pool's clock instead of waiting 8 hours)."""
    assert_recycles_before(target, WAIT_TIMEOUT_DEFAULT)


def test_page_names_the_limit_and_margin_the_rule_tests_use():
    for lang, margin in (("ja", "1 割"), ("en", "a tenth")):
        page = (DOCS / f"mysql-server-has-gone-away.{lang}.md").read_text(encoding="utf-8")
        assert f"{WAIT_TIMEOUT_DEFAULT}" in page and margin in page, lang


def test_recycle_below_the_timeout_prevents_the_error(database_url, engines, idle_timeout):
    """In real time: wait_timeout 2 s, pool_recycle 1 s."""
    engine = idle_timeout.shorten(engines.create(database_url, pool_recycle=1), 2)
    with engine.connect() as conn:
        first_id = connection_id(conn)
    idle_timeout.wait()  # past both: the server has closed it, the pool recycles it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert connection_id(conn) != first_id


def test_recycle_above_the_timeout_does_not_help(database_url, engines, idle_timeout):
    """In real time: wait_timeout 1 s, pool_recycle 60 s. The connection dies first."""
    engine = idle_timeout.shorten(engines.create(database_url, pool_recycle=60), 1)
    use_then_idle(engine, idle_timeout)
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert caught.value.orig.args[0] in IDLE_DISCONNECT_CODES


def test_both_fixes_together(database_url, monkeypatch, engines, idle_timeout):
    """Pre-ping replaces a connection the server dropped before its age was up;
    pool_recycle replaces an over-age one first, and the new connection is not pinged."""
    engine = engines.snippet_engine(snippet("both.py"), database_url)
    idle_timeout.shorten(engine)
    pings = count_pings(engine, monkeypatch)

    first_id = use_then_idle(
        engine, idle_timeout
    )  # dropped by the server after 1 s: young, but dead
    opened_at = time.time()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
        second_id = connection_id(conn)
    assert second_id != first_id and len(pings) == 1, "pre-ping found it dead and replaced it"

    pool_sees_connections_aged(monkeypatch, opened_at, global_timeout)  # alive, but over-age
    with engine.connect() as conn:
        assert connection_id(conn) != second_id, "pool_recycle replaced the over-age connection"
    assert len(pings) == 1, "the recycled connection is new: no ping"


# --- Check that a fix is working -----------------------------------------------------


def test_pool_log_shows_the_replaced_connection(database_url, tmp_path):
    result = run_script(snippet("pool_log.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    printed = result.stderr.splitlines() + result.stdout.splitlines()
    shown = render(snippet("pool_log.txt")).splitlines()
    assert [without_object_addresses(line) for line in printed] == [
        without_object_addresses(line) for line in shown
    ], result.stderr + result.stdout


def test_pool_log_names_a_recycled_connection(database_url, monkeypatch, caplog, engines):
    """The page: with pool_recycle, the pool logs "exceeded timeout; recycling"."""
    engine = engines.snippet_engine(snippet("recycle.py"), database_url)
    opened_at = time.time()
    with engine.connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
    pool_sees_connections_aged(monkeypatch, opened_at, global_timeout)
    with caplog.at_level("INFO", logger="sqlalchemy.pool"), engine.connect():
        pass
    assert any(
        re.fullmatch(r"Connection <.*> exceeded timeout; recycling", record.getMessage())
        for record in caplog.records
    ), caplog.text


ECHO_POOL_BESIDE_BASIC_CONFIG = """\
import logging, os, time
from sqlalchemy import create_engine, text
logging.basicConfig(level=logging.INFO)
engine = create_engine(os.environ["DATABASE_URL"], pool_recycle=1, echo_pool=True)
for _ in range(2):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    time.sleep(1.5)
"""


def test_echo_pool_beside_basic_config_prints_each_line_twice(database_url, tmp_path):
    """The page: echo_pool=True adds SQLAlchemy's own handler (standard output), so with
    logging.basicConfig() (standard error) each pool line appears twice."""
    script = tmp_path / "echo_pool.py"
    script.write_text(ECHO_POOL_BESIDE_BASIC_CONFIG, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    recycled = re.compile(r"Connection <.*> exceeded timeout; recycling")
    assert [line for line in result.stdout.splitlines() if recycled.search(line)], result.stdout
    assert [line for line in result.stderr.splitlines() if recycled.search(line)], result.stderr


# --- Caveats ---------------------------------------------------------------------


def test_connection_held_checked_out_fails_even_with_pre_ping(database_url, engines, idle_timeout):
    engine = engines.snippet_engine(snippet("pre_ping.py"), database_url)
    idle_timeout.shorten(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        idle_timeout.wait()  # idle while checked out: the pool never sees it
        with pytest.raises(OperationalError) as caught:
            conn.execute(text("SELECT 1"))
    assert caught.value.orig.args[0] in IDLE_DISCONNECT_CODES
    assert caught.value.connection_invalidated


def test_lost_transaction_must_be_rolled_back_and_retried_whole(
    database_url, engines, idle_timeout
):
    # future=True: 2.x-style commit/rollback on SQLAlchemy 1.4 too (the default on 2.x).
    engine = engines.create(database_url, pool_pre_ping=True, future=True)
    idle_timeout.shorten(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE lost_transaction (id INT PRIMARY KEY)"))

    with engine.connect() as conn:
        conn.execute(text("INSERT INTO lost_transaction VALUES (1)"))  # transaction begins
        idle_timeout.wait()
        with pytest.raises(OperationalError):
            conn.execute(text("INSERT INTO lost_transaction VALUES (2)"))
        with pytest.raises(
            PendingRollbackError, match="Can't reconnect until invalid transaction is rolled back"
        ):
            conn.execute(text("SELECT 1"))
        conn.rollback()
        # The server discarded the first INSERT with the connection: redo the whole unit.
        assert conn.execute(text("SELECT COUNT(*) FROM lost_transaction")).scalar_one() == 0
