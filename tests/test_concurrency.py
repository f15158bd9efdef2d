"""The article docs/concurrency.{ja,en}.md: one Session (or AsyncSession) shared by
threads (or asyncio tasks), and the fix, a Session per thread or task from one factory.

Snippets: snippets/concurrency/. Each runs as a script (runners.run_script) in its own
process, bounded by a timeout: a driver that crashed or a thread that hung shows as an
exit status or a timeout, never as a crashed or hung test run. The threads meet at a
Barrier before each statement, so that they use the shared connection at the same moment.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
from datetime import datetime

import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from clients import with_driver
from error_texts import (
    GREENLETS_PYMYSQL,
    TASKS,
    THREADS_MYSQLCLIENT,
    THREADS_PYMYSQL,
    THREADS_PYMYSQL_CLOSED,
    exception_line,
    groups,
    lines_shown,
    without_docs_version,
    without_sequence_numbers,
)
from runners import run_script

PAGE = "concurrency"
# async_sessionmaker and the refusal of concurrent tasks came with SQLAlchemy 2.0.
SQLALCHEMY_1_4 = sqlalchemy.__version__.startswith("1.")


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


@contextlib.contextmanager
def bounded():
    """A script that does not end in run_script's timeout fails the test with its output."""
    try:
        yield
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"the script did not end in {expired.timeout} s (a thread or task hung):\n"
            f"{expired.stdout}"
        )


def printed_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, (
        f"the script ended with exit status {result.returncode} (a crash?):\n{result.stderr}"
    )
    return [line for line in result.stdout.splitlines() if not line.startswith("errors: ")]


def shared_session_errors_printed(database_url: str, driver: str, tmp_path) -> list[str]:
    """The error lines the page's reproduction prints with `driver`, run as a reader would."""
    with bounded():
        url = with_driver(database_url, driver)
        result = run_script(snippet("shared_session.py:shared"), url, tmp_path, timeout=90)
    return printed_errors(result)


def test_shared_session_mysqlclient_refuses_the_second_thread(database_url, tmp_path):
    """mysqlclient (2.3, as tested) notices the second thread and raises ProgrammingError
    with its own text, every time; the process does not crash."""
    errors = shared_session_errors_printed(database_url, "mysqldb", tmp_path)
    assert errors, "no error: the shared Session worked in both threads"
    page_line = groups(THREADS_MYSQLCLIENT)[0][0]
    assert set(errors) == {page_line}, errors


def unexplained_pymysql_errors(lines: list[str]) -> list[str]:
    """The lines the page does not account for. The thread that reads the other's packet gets
    one of PyMySQL's errors (THREADS_PYMYSQL, which the page shows whole) and closes the
    connection; a thread still reading from it then gets a ValueError from Python's I/O layer,
    whose text depends on the exact point of the read (the page shows the ones seen, as
    examples, THREADS_PYMYSQL_CLOSED). Anything else, a PyMySQL or SQLAlchemy error above
    all, is a line the page is missing."""
    pymysql_lines = {without_sequence_numbers(line) for line in lines_shown([THREADS_PYMYSQL])}
    assert any(without_sequence_numbers(line) in pymysql_lines for line in lines), (
        f"none of PyMySQL's errors that the page shows first: {lines}"
    )
    return [
        line
        for line in lines
        if without_sequence_numbers(line) not in pymysql_lines
        and not line.startswith("ValueError: ")
    ]


def test_shared_session_pymysql_mixes_up_the_packets(database_url, tmp_path):
    """PyMySQL has no such check: the two threads read each other's replies. Which error
    comes first differs from run to run; one of them comes within the snippet's 1,000
    statements per thread (under load, 100 were sometimes not enough: about 1 run in 12
    with -n auto)."""
    errors = shared_session_errors_printed(database_url, "pymysql", tmp_path)
    assert errors, "no error: the shared Session worked in both threads"
    unknown = unexplained_pymysql_errors(errors)
    assert not unknown, f"errors the page does not show (add them to {THREADS_PYMYSQL}): {unknown}"


def test_the_closed_connection_errors_on_the_page_are_pythons():
    """The page's examples of the other thread's error are all ValueErrors, as it says."""
    examples = lines_shown([THREADS_PYMYSQL_CLOSED])
    assert examples and all(line.startswith("ValueError: ") for line in examples), examples


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_session_per_thread_has_no_error(database_url, tmp_path, driver):
    """The same two threads and statements, a Session per request from one sessionmaker."""
    with bounded():
        result = run_script(
            snippet("session_per_thread.py:fix"),
            with_driver(database_url, driver),
            tmp_path,
            timeout=90,
        )
    assert printed_errors(result) == [], result.stdout
    assert result.stdout.splitlines()[-1] == "errors: 0", result.stdout


@pytest.mark.parametrize("driver", ["aiomysql", "asyncmy"])
def test_shared_async_session_is_refused_by_sqlalchemy(database_url, tmp_path, driver):
    """asyncio.gather over one new AsyncSession: the first task opens the connection, and
    SQLAlchemy refuses each of the other four with the same text, whichever the driver."""
    url = with_driver(database_url, driver)
    with bounded():
        result = run_script(snippet("shared_async_session.py:shared"), url, tmp_path, timeout=90)
    errors = printed_errors(result)
    assert result.stderr == "", result.stderr
    if SQLALCHEMY_1_4:  # the refusal is SQLAlchemy 2.0's (the page says so): 1.4 lets them in
        assert not any("provisioning a new connection" in line for line in errors), errors
        return
    page_line = groups(TASKS)[0][0]
    expected = page_line + " (Background on this error at: https://sqlalche.me/e/NN/isce)"
    assert [without_docs_version(line) for line in errors] == [expected] * 4, errors


@pytest.mark.parametrize("driver", ["aiomysql", "asyncmy"])
def test_session_per_task_has_no_error(database_url, tmp_path, driver):
    """The same five tasks, an AsyncSession per task from one async_sessionmaker."""
    with bounded():
        result = run_script(
            snippet("session_per_task.py:fix"),
            with_driver(database_url, driver),
            tmp_path,
            timeout=90,
        )
    if SQLALCHEMY_1_4:  # async_sessionmaker is SQLAlchemy 2.0's (the page says so)
        assert "cannot import name 'async_sessionmaker'" in result.stderr, result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tasks done: 5\n", result.stdout


def shared_session_errors(engine) -> list[BaseException]:
    """The reproduction's workload in this process: two threads, one Session that holds a
    connection, each statement sent by both threads at once; the errors, bounded in time."""
    session = Session(engine)
    session.execute(text("SELECT 1"))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def handle_requests():
        try:
            for _ in range(1000):
                start.wait(timeout=10)
                session.execute(text("SELECT REPEAT('x', 10000)")).all()
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=handle_requests, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung for 60 s"
    with contextlib.suppress(Exception):  # the connection may be broken: discard it
        session.close()
    return errors


FIXES = {"pre_ping": {"pool_pre_ping": True}, "recycle": {"pool_recycle": 1}}


@pytest.mark.parametrize("fix", FIXES)
def test_pool_fixes_do_not_help_a_shared_session(database_url, engines, fix):
    """The causes page's row: pre-ping and recycle act when a connection is checked out
    from the pool; a shared Session already holds its connection, alive, and still fails
    (with mysqlclient and with PyMySQL)."""
    for driver in ("mysqldb", "pymysql"):
        engine = engines.create(with_driver(database_url, driver), **FIXES[fix])
        assert shared_session_errors(engine), f"no error with {driver} and {FIXES[fix]}"


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_pasted_lines_of_a_shared_session_are_on_the_page(database_url, engines, driver):
    """Both lines a reader pastes (the driver's exception and SQLAlchemy's, or a bare
    exception SQLAlchemy does not wrap) are in the page's block for the driver."""
    errors = shared_session_errors(engines.create(with_driver(database_url, driver)))
    assert errors, "no error: the shared Session worked in both threads"
    lines = []
    for error in errors:
        if isinstance(error, DBAPIError):
            lines += [exception_line(error.orig), exception_line(error).splitlines()[0]]
        else:
            lines += [exception_line(error)]
    if driver == "mysqldb":
        shown = set(lines_shown([THREADS_MYSQLCLIENT]))
        unknown = [line for line in lines if line not in shown]
    else:
        unknown = unexplained_pymysql_errors(lines)
    assert not unknown, f"lines the page does not show: {unknown}"


# --- gevent: greenlets, the drivers, and one Session shared by greenlets -----------------

GEVENT_LAST_LINE = re.compile(r"errors: (\d+), wrong replies: (\d+)")


def server_statements(output: str) -> list[tuple[int, datetime, datetime]]:
    """The lines `connection ID: START to END` the overlap snippet prints, in the order the
    statements began: each greenlet's connection id, and the server's clock (SYSDATE(6))
    when its statement began and when it ended."""
    found = re.findall(r"^connection (\d+): (\S+) to (\S+)$", output, re.M)
    assert len(found) == 2, output
    at = [datetime.strptime(time, "%H:%M:%S.%f") for _, *times in found for time in times]
    statements = zip([int(ident) for ident, *_ in found], at[::2], at[1::2], strict=True)
    return sorted(statements, key=lambda statement: statement[1])


@pytest.mark.parametrize(("driver", "together"), [("mysqldb", False), ("pymysql", True)])
def test_greenlets_wait_on_the_server_together_only_with_pymysql(
    database_url, tmp_path, driver, together
):
    """Under gevent, two greenlets run SELECT SLEEP(1), a Session each. The server's own
    clock says whether the two statements ran at the same time: with PyMySQL (pure Python,
    its socket patched by gevent) they do, on two connections; with mysqlclient (its C
    library reads the socket itself, the whole process waits) the second statement begins
    only after the first has ended."""
    url = with_driver(database_url, driver)
    with bounded():
        result = run_script(snippet("greenlets_overlap.py:overlap"), url, tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    (id_a, _, end_a), (id_b, start_b, _) = server_statements(result.stdout)
    assert (start_b < end_a) is together, result.stdout
    if together:
        assert id_a != id_b, result.stdout
    assert result.stdout.splitlines()[-1] == f"at the same time on the server: {together}"


def gevent_outcome(result: subprocess.CompletedProcess[str]) -> tuple[list[str], int, int]:
    """What a shared-Session snippet under gevent printed: the error lines, and the counts of
    its last line (errors, replies that answered another greenlet's statement)."""
    assert result.returncode == 0, result.stderr
    *lines, last = result.stdout.splitlines()
    counts = GEVENT_LAST_LINE.fullmatch(last)
    assert counts, result.stdout
    errors = [line for line in lines if " sent " not in line]
    return errors, int(counts[1]), int(counts[2])


def without_file_number(line: str) -> str:
    """The file descriptor in <_io.BufferedReader name=5> differs from run to run."""
    return re.sub(r"name=\d+>", "name=N>", line)


def test_greenlets_sharing_a_session_pymysql_read_each_others_replies(database_url, tmp_path):
    """PyMySQL under gevent: while one greenlet waits for its reply, the other sends its
    statement on the same connection and asks the same reader for a reply. Both greenlets
    run in one thread, so the reader refuses it as a reentrant call (not the packet errors
    of two threads); PyMySQL's attempt to close the connection fails the same way, so the
    connection stays open, and the first greenlet goes on, one reply behind: it gets the
    other greenlet's reply, then its own previous one, without any error."""
    url = with_driver(database_url, "pymysql")
    with bounded():
        result = run_script(snippet("greenlets_shared_session.py:shared"), url, tmp_path, 60)
    errors, error_count, wrong_replies = gevent_outcome(result)
    shown = {without_file_number(line) for line in lines_shown([GREENLETS_PYMYSQL])}
    assert error_count == len(errors) >= 1, result.stdout
    unknown = [line for line in errors if without_file_number(line) not in shown]
    assert not unknown, f"errors the page does not show ({GREENLETS_PYMYSQL}): {unknown}"
    assert wrong_replies >= 1, f"no greenlet read another's reply:\n{result.stdout}"
    # The greenlet that goes on is one reply late: the other's first reply, then its own
    # previous ones (a sent a-1, received b-0; a sent a-2, received a-1; ...).
    late = re.findall(r"^(\w) sent \w-(\d+), received (\w)-(\d+)$", result.stdout, re.M)
    assert len(late) == wrong_replies, result.stdout
    (name, _, first_from, _), *rest = late
    assert first_from != name, result.stdout
    assert all(
        (sender, whose, int(got)) == (name, name, int(sent) - 1)
        for sender, sent, whose, got in rest
    ), result.stdout


def test_greenlets_sharing_a_session_mysqlclient_take_turns(database_url, tmp_path):
    """mysqlclient under gevent: a greenlet never gives way while mysqlclient waits for the
    server, so the greenlets use the shared Session in turn: no error, no wrong reply (and
    no concurrency either: the test above)."""
    url = with_driver(database_url, "mysqldb")
    with bounded():
        result = run_script(snippet("greenlets_shared_session.py:shared"), url, tmp_path, 60)
    assert gevent_outcome(result) == ([], 0, 0), result.stdout


def test_session_per_greenlet_has_no_error(database_url, tmp_path):
    """The same two greenlets and statements with PyMySQL, a Session per request from one
    sessionmaker: every reply is the greenlet's own, no error."""
    url = with_driver(database_url, "pymysql")
    with bounded():
        result = run_script(snippet("session_per_greenlet.py:fix"), url, tmp_path, timeout=60)
    assert gevent_outcome(result) == ([], 0, 0), result.stdout
