"""The article docs/fork.{ja,en}.md: a pool that connected before the process forked,
its socket then used by two processes at once, and the fixes.

Snippets: snippets/fork/. multiprocessing's scripts run as a reader would
(runners.run_script), bounded by a timeout. gunicorn and Celery are the real tools: the
tests start them on the page's app (gunicorn on 127.0.0.1, a Celery worker on kombu's
filesystem transport, which needs no broker), in a process group of their own, and stop
the group by its pid when the test ends, whether it passed or not. Every wait is bounded.
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clients import linked_client_library, with_driver
from error_texts import (
    FORK_MYSQLCLIENT,
    FORK_PYMYSQL,
    code_of,
    exception_line,
    lines_shown,
    texts_on_page,
    without_sequence_numbers,
)
from runners import run_script

PAGE = "fork"
DRIVERS = ["mysqldb", "pymysql"]


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


# --- What the page shows ----------------------------------------------------------------


def normalised(line: str) -> str:
    """The parts that differ from run to run: PyMySQL's sequence numbers, the byte and
    position of a reply decoded as another's, and the "who" prefix of the scripts."""
    line = re.sub(r"^(parent|child \d): ", "", line)
    line = without_sequence_numbers(line)
    line = re.sub(r"byte 0x[0-9a-f]+ in position \d+", "byte 0xNN in position N", line)
    if linked_client_library() == "libmysqlclient":  # the page shows libmariadb's words
        line = line.replace("Lost connection to MySQL server", "Lost connection to server")
        line = line.replace("'MySQL server has gone away'", "'Server has gone away'")
    return line


def shown_for(driver: str) -> set[str]:
    block = FORK_MYSQLCLIENT if driver == "mysqldb" else FORK_PYMYSQL
    return {normalised(line) for line in lines_shown([block])}


def assert_on_the_page(lines: list[str], driver: str) -> None:
    shown = shown_for(driver)
    unknown = [line for line in lines if normalised(line) not in shown]
    block = FORK_MYSQLCLIENT if driver == "mysqldb" else FORK_PYMYSQL
    assert not unknown, f"errors the page does not show (add them to {block}): {unknown}"


def test_fork_texts_are_on_the_page_and_the_index():
    assert {FORK_PYMYSQL, FORK_MYSQLCLIENT} <= set(texts_on_page(PAGE))
    assert {FORK_PYMYSQL, FORK_MYSQLCLIENT} <= set(texts_on_page("error-messages"))


# --- multiprocessing ----------------------------------------------------------------------


@contextlib.contextmanager
def bounded():
    """A script that does not end in run_script's timeout fails the test."""
    try:
        yield
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"the script did not end in {expired.timeout} s (a hung process?)")


def printed_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The error lines a multiprocessing script printed (its last line: errors: N)."""
    assert result.returncode == 0, f"exit status {result.returncode}:\n{result.stderr}"
    *errors, last = result.stdout.splitlines()
    assert last == f"errors: {len(errors)}", result.stdout
    return errors


@pytest.mark.parametrize("driver", DRIVERS)
def test_multiprocessing_children_use_the_parents_connection(database_url, tmp_path, driver):
    """Parent and two forked children use the pool the parent filled: each process that
    gets the shared socket fails at least once, with one of the page's texts."""
    url = with_driver(database_url, driver)
    with bounded():
        result = run_script(snippet("multiprocessing_shared.py:shared"), url, tmp_path, timeout=90)
    errors = printed_errors(result)
    assert errors, "no error: parent and children shared the connection without a clash"
    assert_on_the_page(errors, driver)


@pytest.mark.parametrize("driver", DRIVERS)
def test_dispose_in_child_has_no_error(database_url, tmp_path, driver):
    """The same processes and statements; each child calls engine.dispose(close=False)
    first (Pool's initializer), and the parent keeps its connection."""
    url = with_driver(database_url, driver)
    with bounded():
        result = run_script(snippet("dispose_in_child.py:fix"), url, tmp_path, timeout=90)
    assert printed_errors(result) == []


# --- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(proc: subprocess.Popen, how: signal.Signals) -> None:
    """`how` to the process group (gunicorn's master and workers, or Celery's worker and its
    pool processes), then SIGKILL if it has not ended in 10 s. A Celery worker takes about
    8 s to shut down warm or cold here, and holds nothing the test needs: it gets SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, how)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def started(command: list[str], cwd: Path, url: str, stop: signal.Signals = signal.SIGTERM):
    """`command` in its own process group, stdout and stderr to files in `cwd`."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"}
    # O_APPEND ("ab"): lines written by several processes at once do not overwrite each other.
    with open(cwd / "stdout", "ab") as out, open(cwd / "stderr", "ab") as err:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
    try:
        yield proc
    finally:
        stop_group(proc, stop)


def ran_cleanly(result: subprocess.CompletedProcess[str]) -> None:
    """A page's file that run_script wrote to tmp_path and ran once as a script (`python
    app.py`): it imported, connected and defined its objects without an error. gunicorn
    and Celery then load that very file."""
    assert result.returncode == 0, f"the file failed as a script:\n{result.stderr}"


@contextlib.contextmanager
def gunicorn(tmp_path: Path, url: str, *options: str):
    """gunicorn serving the page's app.py with 3 sync workers on 127.0.0.1."""
    ran_cleanly(run_script(snippet("app.py:app"), url, tmp_path))
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "3", *options]
    command += ["--bind", f"127.0.0.1:{port}", "app:app"]
    with started(command, tmp_path, url) as proc:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"gunicorn did not come up on port {port} in 30 s "
                    f"(exit status {proc.poll()}):\n{(tmp_path / 'stderr').read_text()}"
                )
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"


def get(url: str) -> str:
    """The page's answer, "HTTP <status>" for an error status, or "no answer: <why>" when
    the worker closed the connection without one (a worker that crashed)."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.read().decode().strip()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as error:
        return f"no answer: {error!r}"


REQUESTS = 60


def concurrent_requests(url: str) -> collections.Counter:
    """60 requests, 8 at a time, as a busy site gets them (the workers' first uses of the
    inherited connection overlap: 3 or 4 fail, with 60 requests as with 200)."""
    with ThreadPoolExecutor(8) as pool:
        return collections.Counter(pool.map(get, [url] * REQUESTS))


def pids_per_connection(tmp_path: Path) -> dict[str, set[str]]:
    """What the page's checkout listener printed: which pids used each server connection."""
    used = collections.defaultdict(set)
    logged = (tmp_path / "stdout").read_text()
    for pid, connection in re.findall(r"pid (\d+) uses MySQL connection (\d+)", logged):
        used[connection].add(pid)
    return used


def driver_errors_logged(tmp_path: Path) -> list[str]:
    """The driver's exception lines in gunicorn's error log (the tracebacks' last lines)."""
    log = (tmp_path / "stderr").read_text()
    return re.findall(r"^(?:pymysql\.err|MySQLdb)\.\w+: .*$", log, re.M)


@pytest.mark.parametrize("driver", DRIVERS)
def test_preload_workers_share_one_connection(database_url, tmp_path, driver):
    """gunicorn --preload: the app connected in the master, and the workers use that
    connection; concurrent requests fail with 500s and the page's texts. The checkout
    listener (the page's "how to confirm") shows one connection id under several pids."""
    with gunicorn(tmp_path, with_driver(database_url, driver), "--preload") as url:
        answers = concurrent_requests(url)
        for _ in range(2):  # a race: rarely, no two first uses overlap in one burst
            if answers["HTTP 500"]:
                break
            answers += concurrent_requests(url)
    assert answers["HTTP 500"], f"no request failed in {answers.total()} requests: {answers}"
    shared = {c: pids for c, pids in pids_per_connection(tmp_path).items() if len(pids) > 1}
    assert shared, f"no connection used by two processes: {pids_per_connection(tmp_path)}"
    errors = driver_errors_logged(tmp_path)
    assert errors, (tmp_path / "stderr").read_text()
    assert_on_the_page(errors, driver)


def assert_one_process_per_connection(answers: collections.Counter, tmp_path: Path) -> None:
    assert answers == {"10000 bytes": REQUESTS}, answers
    used = pids_per_connection(tmp_path)
    assert len(used) >= 2, used  # the master's and at least one worker's
    assert all(len(pids) == 1 for pids in used.values()), used


def test_post_fork_dispose_gives_each_worker_its_own_connection(database_url, tmp_path):
    """The same app, --preload, with the page's gunicorn.conf.py (post_fork)."""
    ran_cleanly(run_script(snippet("gunicorn.conf.py:post_fork"), database_url, tmp_path))
    with gunicorn(tmp_path, database_url, "--preload", "--config", "gunicorn.conf.py") as url:
        answers = concurrent_requests(url)
    assert_one_process_per_connection(answers, tmp_path)


def test_without_preload_each_worker_connects_itself(database_url, tmp_path):
    """The same app without --preload: each worker imports it, so creates its engine,
    after the fork."""
    with gunicorn(tmp_path, database_url) as url:
        answers = concurrent_requests(url)
    assert_one_process_per_connection(answers, tmp_path)


# --- Celery -------------------------------------------------------------------------------

TASKS = 60


def celery_results(tmp_path: Path, url: str, with_fix: bool) -> collections.Counter:
    """A real Celery worker (prefork pool, 3 processes) on the page's tasks.py (without its
    worker_process_init handler unless `with_fix`), through kombu's filesystem transport in
    tmp_path; TASKS tasks sent, and how each ended according to the worker's log:
    "succeeded" or the exception it raised."""
    from celery import Celery

    ran_cleanly(run_script(snippet("tasks.py:tasks"), url, tmp_path))
    if not with_fix:
        tasks_py = tmp_path / "tasks.py"
        tasks_py.write_text(without_signal_handler(tasks_py.read_text()), encoding="utf-8")
    for folder in ("data_in", "data_out", "control"):
        (tmp_path / folder).mkdir()
    producer = Celery("producer", broker="filesystem://")
    producer.conf.broker_transport_options = {  # the worker reads data_in, writes data_out
        "data_folder_in": str(tmp_path / "data_out"),
        "data_folder_out": str(tmp_path / "data_in"),
        "control_folder": str(tmp_path / "control"),
    }
    for _ in range(TASKS):
        producer.send_task("tasks.count_bytes")
    command = [sys.executable, "-m", "celery", "--app", "tasks", "--broker", "filesystem://"]
    command += ["worker", "--pool", "prefork", "--concurrency", "3", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    ended = re.compile(r"Task tasks\.count_bytes\[[^]]+\] (succeeded|raised unexpected: .*)")
    with started(command, tmp_path, url, stop=signal.SIGKILL) as proc:
        deadline = time.monotonic() + 60
        while len(outcomes := ended.findall((tmp_path / "stderr").read_text())) < TASKS:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the Celery worker ran {len(outcomes)} of {TASKS} tasks in 60 s "
                    f"(exit status {proc.poll()}):\n{(tmp_path / 'stderr').read_text()}"
                )
            time.sleep(0.2)
    return collections.Counter(outcomes)


def without_signal_handler(tasks_py: str) -> str:
    """tasks.py as the page shows it, minus the worker_process_init handler (the fix):
    from its decorator to the end of the function."""
    handler = re.compile(r"^@worker_process_init\.connect\n(?:.*\n)*?(?=\n\n)", re.M)
    without, found = handler.subn("", tasks_py)
    assert found == 1, tasks_py
    return without


@pytest.mark.parametrize("driver", DRIVERS)
def test_celery_pool_processes_share_the_workers_connection(database_url, tmp_path, driver):
    """tasks.py without the signal handler: the worker's main process connected at import,
    its prefork pool processes inherit that connection, and tasks fail."""
    # The processes fail only when their uses of the one socket overlap: usually a few of
    # 60 tasks do, but a busy machine can run a whole batch without an overlap. Up to 3
    # batches, each with a fresh worker; the test fails if none has a failed task.
    for batch in range(3):
        folder = tmp_path / f"batch{batch}"
        folder.mkdir()
        outcomes = celery_results(folder, with_driver(database_url, driver), with_fix=False)
        failed = [
            o.removeprefix("raised unexpected: ") for o in outcomes.elements() if o != "succeeded"
        ]
        if failed:
            break
    assert failed, f"no task failed in 3 batches of {TASKS}: {outcomes}"
    # Celery logs repr(exc): OperationalError("(pymysql.err.OperationalError) (2014, ...)")
    shown = {re.sub(r"^sqlalchemy\.exc\.\w+: ", "", line) for line in shown_for(driver)}
    inside = [re.sub(r"^\w+\((.*)\)$", r"\1", line)[1:-1] for line in failed]
    inside = [line.replace("\\'", "'") for line in inside]
    unknown = [line for line in inside if normalised(line) not in shown]
    assert not unknown, f"errors the page does not show: {unknown}"


def test_worker_process_init_gives_each_process_its_own_pool(database_url, tmp_path):
    """The page's tasks.py, with its worker_process_init handler: every task succeeds."""
    outcomes = celery_results(tmp_path, database_url, with_fix=True)
    assert outcomes == {"succeeded": TASKS}, outcomes


def test_confirm_snippet_runs_alone(database_url, tmp_path):
    """The "how to confirm" lines (the top of app.py) run as they are, and print nothing
    until a connection is checked out; the gunicorn tests read what they print."""
    result = run_script(snippet("app.py:confirm"), database_url, tmp_path)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


# --- Pool settings do not help --------------------------------------------------------------


@contextlib.contextmanager
def forked(child):
    """os.fork() in this process: the child runs child() and exits with its return value
    (99 if it raised), never returning into pytest; the body of the with block runs in the
    parent meanwhile. Yields a list that gets the child's exit status; a child that has not
    ended 60 s after the block is killed by its pid, and the test fails."""
    with warnings.catch_warnings():  # Python 3.12+ warns when the process has threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        code = 99
        try:
            code = child()
        finally:
            os._exit(code)
    status: list[int] = []
    try:
        yield status
        deadline = time.monotonic() + 60
        while (ended := os.waitpid(pid, os.WNOHANG)) == (0, 0):
            assert time.monotonic() < deadline, "the forked child hung for 60 s"
            time.sleep(0.05)
        pid = 0
        status.append(os.waitstatus_to_exitcode(ended[1]))
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def errors_running_queries(engine) -> int:
    """The reproduction's workload: 200 statements, each on a connection from the pool."""
    errors = 0
    for _ in range(200):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT REPEAT('x', 10000)")).all()
        except Exception:
            errors += 1
    return errors


def errors_in_parent_and_forked_child(engine) -> tuple[int, int]:
    """The pool holds a connection, a child is forked, and both run the workload."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with forked(lambda: min(errors_running_queries(engine), 98)) as child:
        parent = errors_running_queries(engine)
    assert child != [99], "the child failed outside the statements"
    return parent, child[0]


POOL_SETTINGS = {"pre_ping": {"pool_pre_ping": True}, "recycle": {"pool_recycle": 1}}


@pytest.mark.parametrize("setting", POOL_SETTINGS)
def test_pool_settings_do_not_help_after_fork(database_url, engines, setting):
    """The causes page's row: pre-ping checks that the connection is alive, and it is;
    recycle replaces it by age. Parent and child still share the socket, and fail.
    read_timeout as in the page's snippets: a process whose reply the other took fails with
    2013 instead of waiting for ever (without it, one 1.4 run here hung in the parent)."""
    for driver in DRIVERS:
        url = with_driver(database_url, driver)
        engine = engines.create(url, connect_args={"read_timeout": 5}, **POOL_SETTINGS[setting])
        parent, child = errors_in_parent_and_forked_child(engine)
        assert parent + child > 0, f"no error with {driver} and {POOL_SETTINGS[setting]}"


@pytest.mark.parametrize("driver", DRIVERS)
def test_plain_dispose_in_the_child_closes_the_parents_connection(database_url, engines, driver):
    """Why close=False: engine.dispose() in the child closes the pooled connections, and
    that one is the parent's too; the parent's next statement on it fails."""
    engine = engines.create(with_driver(database_url, driver))
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))

    def dispose_and_exit() -> int:
        engine.dispose()
        return 0

    with forked(dispose_and_exit) as child:
        pass
    assert child == [0]
    with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert caught.value.connection_invalidated
    assert code_of(caught.value.orig) in {2006, 2013}, caught.value


@pytest.mark.parametrize("driver", DRIVERS)
def test_thread_id_is_the_servers_connection_id(database_url, engines, driver):
    """The confirm snippet prints the DBAPI connection's thread_id(): the server's id of
    the connection, CONNECTION_ID() (the Id column of SHOW PROCESSLIST)."""
    with engines.create(with_driver(database_url, driver)).connect() as conn:
        server_id = conn.execute(text("SELECT CONNECTION_ID()")).scalar()
        assert conn.connection.dbapi_connection.thread_id() == server_id


@pytest.mark.parametrize("driver", DRIVERS)
def test_read_timeout_turns_a_lost_reply_into_2013(database_url, engines, driver):
    """The snippets' read_timeout: a process that waits for a reply longer than that fails
    with 2013 (PyMySQL's text adds "(timed out)"), which is on the page. A reply that does
    not come within 1 s stands in for the one another process read."""
    url = with_driver(database_url, driver)
    engine = engines.create(url, connect_args={"read_timeout": 1})
    with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT SLEEP(3)"))
    assert code_of(caught.value.orig) == 2013
    line = exception_line(caught.value.orig)
    assert ("(timed out)" in line) == (driver == "pymysql"), line
    assert_on_the_page([line], driver)
