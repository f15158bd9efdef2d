"""The article docs/connect-errors.{ja,en}.md: errors while opening a connection, and
connect_timeout.

Snippets: snippets/connect_errors/. The unreachable servers are on 127.0.0.1
(tests/unreachable.py): a closed port, a listen queue that drops connection requests,
a server that accepts and never greets, and a proxy (tests/middlebox.py) that accepts
and closes because its server is down.

A wait without a timeout is shown by running check_connection.py as a script: still
blocked after a few seconds, it is killed (runners.run_script's timeout). The timeouts
are shown with connect_timeout.py loaded in this process, its values shortened to
seconds, the attempt in a thread that the test waits on for a bounded time.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import threading
import time
import traceback

import aiomysql
import asyncmy
import pymysql
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from clients import ASYNC_DRIVERS, DRIVERS, SYNC_DRIVERS, linked_client_library
from disconnects import shortened_timeouts
from error_texts import (
    CONNECT_CLOSED,
    CONNECT_NO_GREETING,
    CONNECT_REFUSED,
    CONNECT_TIMED_OUT,
    exception_line,
    groups,
    without_port,
)
from middlebox import Middlebox
from runners import run_script
from unreachable import FullListenQueue, SilentServer, closed_port

PAGE = "connect_errors"
CHECK = "connect_errors/check_connection.py"
CONNECT_TIMEOUT = "connect_errors/connect_timeout.py"
STILL_WAITING_AFTER = 3  # seconds a connection attempt without a timeout is given
SHORTENED = 2  # the snippet's timeouts, shortened for the tests
PAST_THE_TIMEOUT = 1.5  # seconds waited beyond a timeout that should not end the wait


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


def url_to(port: int, driver: str) -> str:
    return f"mysql+{driver}://user:secret@127.0.0.1:{port}/app"


def trimmed(text: str) -> str:
    """Without trailing spaces (mysql-connector's 3024 text has them after `3024:`)."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def without_system_error(text: str) -> str:
    """libmariadb's text for a connection closed before the greeting ends with a leftover
    errno that differs from run to run (115 or 11 in the tests): the page says so."""
    return re.sub(r"system error: \d+", "system error: N", text)


def on_the_page(error: BaseException, section: str) -> None:
    shown = [trimmed("\n".join(group)) for group in groups(section)]
    line = trimmed(without_port(exception_line(error)))
    if section == CONNECT_CLOSED:
        shown, line = [without_system_error(t) for t in shown], without_system_error(line)
    assert line in shown, f"not on the page ({section}):\n{line}\nThe page shows:\n" + "\n".join(
        shown
    )


def connect_error(url: str, **options) -> DBAPIError:
    """Open one connection with a new engine; return SQLAlchemy's error."""
    engine = create_engine(url, **options)
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect():
            pass
        return caught.value
    finally:
        engine.dispose()


async def async_connect_error(url: str, **options) -> DBAPIError:
    engine = create_async_engine(url, **options)
    try:
        async with asyncio.timeout(10):  # only so that a failure cannot hang the suite
            async with engine.connect():
                pass
    except DBAPIError as error:
        return error
    finally:
        await engine.dispose()
    pytest.fail("connected: expected an error")


def any_driver_connect_error(url: str, driver: str, **options) -> DBAPIError:
    if driver in ASYNC_DRIVERS:
        return asyncio.run(async_connect_error(url, **options))
    return connect_error(url, **options)


async def async_attempt(url: str, connect_args: dict, wait: float):
    """Open one connection; ("error", e), or ("waiting", None) after `wait` seconds."""
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with asyncio.timeout(wait):
            async with engine.connect():
                return ("connected", None)
    except TimeoutError:
        return ("waiting", None)
    except DBAPIError as error:
        return ("error", error)
    finally:
        await engine.dispose()


@pytest.fixture
def silent_server():
    with SilentServer() as server:
        yield server


@pytest.fixture
def full_listen_queue():
    with FullListenQueue() as queue:
        yield queue


# --- Nothing listens on the port: refused at once -----------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_closed_port_is_refused_at_once(driver):
    error = any_driver_connect_error(url_to(closed_port(), driver), driver)
    assert error.orig.args[0] in {2002, 2003} or error.orig.errno == 2003, error
    if driver == "mysqldb" and linked_client_library() != "libmariadb":
        return  # the page shows libmariadb's text; libmysqlclient's is from MySQL's docs
    on_the_page(error.orig, CONNECT_REFUSED)


# --- How to tell a connect failure from a pooled connection that went away ----------------


def test_connect_failure_is_raised_by_the_pool_creator_without_sql():
    error = connect_error(url_to(closed_port(), "pymysql"))
    where = "".join(traceback.format_exception(error))
    assert "_invoke_creator" in where, where
    assert "[SQL:" not in str(error), str(error)
    assert not error.connection_invalidated


def test_pooled_connection_that_went_away_fails_executing_with_sql(database_url, admin_engine):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            own_id = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        with admin_engine.connect() as admin:
            admin.exec_driver_sql(f"KILL CONNECTION {own_id}")
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    where = "".join(traceback.format_exception(caught.value))
    assert "do_execute" in where and "_invoke_creator" not in where, where
    assert "[SQL: SELECT 1]" in str(caught.value)
    assert caught.value.connection_invalidated


@pytest.mark.parametrize("fix", ["pool_pre_ping", "pool_recycle"])
def test_pool_fixes_do_not_help_a_connect_failure(fix):
    options = {"pool_pre_ping": True} if fix == "pool_pre_ping" else {"pool_recycle": 1}
    error = connect_error(url_to(closed_port(), "pymysql"), **options)
    assert error.orig.args[0] == 2003, error


# --- A connection request nobody answers (dropped SYN) -----------------------------------


def still_waiting(url: str, tmp_path) -> bool:
    """check_connection.py run as a script: True if it is still connecting after
    STILL_WAITING_AFTER seconds (it is then killed)."""
    try:
        result = run_script(CHECK, url, tmp_path, timeout=STILL_WAITING_AFTER)
    except subprocess.TimeoutExpired:
        return True
    pytest.fail(f"it ended (exit status {result.returncode}):\n{result.stderr[-2000:]}")


@pytest.mark.parametrize("driver", ["mysqldb", "mysqlconnector"])
def test_unanswered_connect_waits_without_connect_timeout(full_listen_queue, driver, tmp_path):
    """No connect timeout by default: the wait lasts until Linux gives up (about 2 min)."""
    assert still_waiting(url_to(full_listen_queue.port, driver), tmp_path)


def test_aiomysql_waits_for_an_unanswered_connect_by_default(full_listen_queue):
    url = url_to(full_listen_queue.port, "aiomysql")
    outcome, _ = asyncio.run(async_attempt(url, {}, STILL_WAITING_AFTER))
    assert outcome == "waiting", outcome


def test_pymysql_and_asyncmy_default_connect_timeout_is_10_seconds():
    """The drivers' own default, from their signatures; aiomysql has none."""
    assert (
        inspect.signature(pymysql.connections.Connection).parameters["connect_timeout"].default
        == 10
    )
    assert (
        inspect.signature(asyncmy.connection.Connection).parameters["connect_timeout"].default == 10
    )
    assert inspect.signature(aiomysql.connect).parameters["connect_timeout"].default is None


def connect_in_background(engine) -> dict:
    """engine.connect() in a thread, waited on for at most SHORTENED + 10 s: the error
    and how long it took, or "hung"."""
    outcome: dict = {}

    def attempt():
        started = time.monotonic()
        try:
            with engine.connect():
                outcome["connected"] = True
        except DBAPIError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=SHORTENED + 10)
    outcome["hung"] = thread.is_alive()
    return outcome


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_connect_timeout_ends_an_unanswered_connect(full_listen_queue, driver, engines):
    url = url_to(full_listen_queue.port, driver)
    engine = engines.snippet_engine(CONNECT_TIMEOUT, url)
    seen = shortened_timeouts(
        engine, "connect_timeout", seconds=SHORTENED
    )  # read_timeout stays 30 s
    outcome = connect_in_background(engine)
    assert not outcome["hung"] and "error" in outcome, outcome
    assert outcome["seconds"] < SHORTENED + 5, outcome
    assert seen.get("connect_timeout"), seen
    if driver == "mysqldb" and linked_client_library() != "libmariadb":
        return
    on_the_page(outcome["error"].orig, CONNECT_TIMED_OUT)


# --- Connected, and the server never greets ------------------------------------------------


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_no_greeting_waits_without_timeouts(silent_server, driver, tmp_path):
    """PyMySQL too: its default connect_timeout (10 s) covers the TCP connection only."""
    assert still_waiting(url_to(silent_server.port, driver), tmp_path)


# Which of connect_timeout.py's two timeouts ends the wait for the greeting (observed).
ENDS_THE_WAIT_FOR_THE_GREETING = {
    "mysqldb": "connect_timeout",
    "mysqlconnector": "connect_timeout",
    "pymysql": "read_timeout",
}


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_timeout_ends_the_wait_for_the_greeting(silent_server, driver, engines):
    """connect_timeout.py, the one timeout that ends the wait shortened to 2 s (the other
    stays at its value: 10 s or 30 s, longer than the test waits)."""
    url = url_to(silent_server.port, driver)
    engine = engines.snippet_engine(CONNECT_TIMEOUT, url)
    timeout = ENDS_THE_WAIT_FOR_THE_GREETING[driver]
    seen = shortened_timeouts(engine, timeout, seconds=SHORTENED)
    outcome = connect_in_background(engine)
    assert not outcome["hung"] and "error" in outcome, f"{timeout} should end it: {outcome}"
    assert outcome["seconds"] < SHORTENED + 5, outcome
    assert seen.get(timeout), seen
    if driver == "mysqldb" and linked_client_library() != "libmariadb":
        return
    on_the_page(outcome["error"].orig, CONNECT_NO_GREETING)


def test_pymysql_connect_timeout_does_not_end_the_wait_for_the_greeting(silent_server):
    """PyMySQL with connect_timeout alone (2 s) still waits: the script is killed."""
    engine_args = {"connect_args": {"connect_timeout": SHORTENED}}
    engine = create_engine(url_to(silent_server.port, "pymysql"), **engine_args)
    outcome: dict = {}

    def attempt():
        try:
            with engine.connect():
                pass
        except DBAPIError as error:
            outcome["error"] = error

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=SHORTENED + PAST_THE_TIMEOUT)
    waiting = thread.is_alive()
    silent_server.close()  # the waiting client gets EOF and gives up
    thread.join(timeout=10)
    engine.dispose()
    assert waiting, f"expected PyMySQL to wait past connect_timeout: {outcome}"


def test_asyncmy_read_timeout_ends_the_wait_for_the_greeting(silent_server):
    url = url_to(silent_server.port, "asyncmy")
    waited = asyncio.run(
        async_attempt(url, {"connect_timeout": SHORTENED}, SHORTENED + PAST_THE_TIMEOUT)
    )
    assert waited[0] == "waiting", f"connect_timeout alone should not end it: {waited}"
    connect_args = {"connect_timeout": 10, "read_timeout": SHORTENED}
    outcome, error = asyncio.run(async_attempt(url, connect_args, SHORTENED + 10))
    assert outcome == "error", outcome
    on_the_page(error.orig, CONNECT_NO_GREETING)


def test_aiomysql_waits_for_the_greeting_until_asyncio_timeout(silent_server):
    """aiomysql has no read timeout: connect_timeout does not end it, asyncio.timeout() does."""
    url = url_to(silent_server.port, "aiomysql")
    outcome, _ = asyncio.run(
        async_attempt(url, {"connect_timeout": SHORTENED}, SHORTENED + PAST_THE_TIMEOUT)
    )
    assert outcome == "waiting", outcome


# --- Connected, and closed before the greeting (a proxy whose server is down) -----------


@pytest.mark.parametrize("driver", DRIVERS)
def test_proxy_with_its_server_down_closes_before_the_greeting(driver):
    with Middlebox("127.0.0.1", closed_port()) as proxy:
        error = any_driver_connect_error(url_to(proxy.port, driver), driver)
    if driver == "mysqldb" and linked_client_library() != "libmariadb":
        return
    on_the_page(error.orig, CONNECT_CLOSED)
