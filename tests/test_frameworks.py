"""The article docs/frameworks.{ja,en}.md: where the pool options go in FastAPI,
Flask-SQLAlchemy and SQLModel apps, each tested through a real idle timeout.

Snippets: snippets/frameworks/. The FastAPI apps are served by uvicorn on 127.0.0.1
(runners.run_server, stopped by pid) and requested over HTTP with httpx. The app's
DATABASE_URL carries an init_command that shortens the server's idle timeout to one
second for the app's connections only (disconnects.IdleTimeout.shorten_url).

Flask-SQLAlchemy 3.1 and SQLModel require SQLAlchemy 2.0: the SQLAlchemy 1.4 run does
not install them (noxfile.py, NEEDS_SQLALCHEMY_2), and their tests check that instead.
"""

from __future__ import annotations

import importlib.util
import re
import time

import httpx
import pytest
import sqlalchemy

from clients import ASYNC_PRE_PING_FAILS, linked_client_library, with_driver
from error_texts import (
    IDLE_DISCONNECT_CODES,
    lines_shown,
    section_for,
    without_docs_version,
    without_error_tuple,
)
from page_output import output_pattern
from pages import render
from pool import count_pings, pool_sees_connections_aged
from runners import load_snippet, run_script, run_server, serve_module

PAGE = "frameworks"
SQLALCHEMY_1_4 = sqlalchemy.__version__.startswith("1.")
FLASK = ["flask", "--app", "{module}", "run", "--host", "127.0.0.1", "--port", "{port}"]
UVICORN = ["uvicorn", "{module}:app", "--host", "127.0.0.1", "--port", "{port}"]
PRE_PING = ("pool_pre_ping=True", "")  # the fix taken out: create_engine(url, )
LOG_ERROR = re.compile(r"^\S+: \((\d{4}), .*\)$", re.M)


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


def not_installed_on_sqlalchemy_1_4(module: str) -> bool:
    """Flask-SQLAlchemy 3.1 and SQLModel require SQLAlchemy 2.0: on 1.4, assert that the
    run left them out (noxfile.py NEEDS_SQLALCHEMY_2) and tell the caller to stop there."""
    if not SQLALCHEMY_1_4:
        return False
    assert importlib.util.find_spec(module) is None, (
        f"{module} is installed beside SQLAlchemy {sqlalchemy.__version__}: the 1.4 run "
        "should leave it out (noxfile.py NEEDS_SQLALCHEMY_2)"
    )
    return True


def get(server, path="/now") -> httpx.Response:
    """One request on a new HTTP connection, as curl would make it (uvicorn closes the
    connection after a request whose app raised)."""
    return httpx.get(server.url + path, timeout=30)


def requests_after_idle(server, program_url, idle_timeout, count=2) -> list[int]:
    """One request, the app's connections idle past the timeout, then `count` more."""
    first = get(server)
    assert first.status_code == 200, f"{first.status_code}\n{server.log()}"
    idle_timeout.watch_database(program_url)
    idle_timeout.wait()
    return [get(server).status_code for _ in range(count)]


def log_with(server, text: str, timeout: float = 10) -> str:
    """The server's log once it contains `text` (a traceback is written after the 500 has
    been sent)."""
    deadline = time.monotonic() + timeout
    while text not in (log := server.log()):
        assert time.monotonic() < deadline, f"{text!r} not logged in {timeout} s:\n{log}"
        time.sleep(0.05)
    return log


def logged_events(server, count: int, timeout: float = 10) -> list[str]:
    """The app's own lines ("dependency: ...", "session used: ..."), once there are
    `count` of them (background tasks run after the response is sent)."""
    deadline = time.monotonic() + timeout
    while True:
        events = re.findall(r"^(?:dependency|session used): .*$", server.log(), re.M)
        if len(events) >= count:
            return events
        assert time.monotonic() < deadline, f"{count} events expected:\n{server.log()}"
        time.sleep(0.05)


def driver_errors_logged(log: str) -> list[str]:
    """The driver's lines in uvicorn's traceback: ``MySQLdb.OperationalError: (2013, ...)``."""
    return [m[0] for m in LOG_ERROR.finditer(log) if not m[0].startswith("sqlalchemy.")]


def first_request_after_idle_fails(server, url, idle_timeout) -> str:
    """`server` runs the app with its fix taken out: one request, the connections idle past
    the server's timeout, then two more. The first of those gets a 500, the next one works.
    Returns the server's log, with the traceback."""
    statuses = requests_after_idle(server, url, idle_timeout)
    log = log_with(server, "sqlalchemy.exc.OperationalError")
    assert statuses == [500, 200], log
    return log


def every_request_succeeds_after_idle(server, url, idle_timeout) -> None:
    """`server` runs the app as the page shows it: the same requests all work, and nothing
    is logged."""
    statuses = requests_after_idle(server, url, idle_timeout)
    log = server.log()
    assert statuses == [200, 200], log
    assert "Traceback" not in log, log


def assert_driver_errors_shown(log: str, driver: str) -> list[str]:
    """The driver's error lines in `log`: there are some, and the page shows each."""
    errors = driver_errors_logged(log)
    assert errors and set(errors) <= set(lines_shown([section_for(driver)])), log
    return errors


# --- FastAPI, the original setting ------------------------------------------------------


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_fastapi_first_request_after_idle_fails_without_pre_ping(
    database_url, tmp_path, idle_timeout, driver
):
    """The original article's app: without pool_pre_ping, the first request after the
    idle timeout gets a 500, the log shows the driver's 2006/2013; the next one works."""
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(snippet("fastapi_app.py"), url, tmp_path, UVICORN, edit=PRE_PING) as server:
        log = first_request_after_idle_fails(server, url, idle_timeout)
    errors = assert_driver_errors_shown(log, driver)
    assert all(int(LOG_ERROR.match(e)[1]) in IDLE_DISCONNECT_CODES for e in errors), errors
    if driver == "mysqldb":  # the log the page shows: uvicorn's, the same shape

        def shape(text: str) -> str:
            text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
            return without_docs_version(without_error_tuple(text))

        shown = render(snippet("fastapi_log.txt"))
        assert output_pattern(shape(shown)).search(shape(log)), log
        if linked_client_library() == "libmariadb":  # as tested: the page's very line
            assert [line for line in shown.splitlines() if line.startswith("MySQLdb.")] == errors


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_fastapi_pre_ping_every_request_succeeds(database_url, tmp_path, idle_timeout, driver):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(snippet("fastapi_app.py"), url, tmp_path, UVICORN) as server:
        every_request_succeeds_after_idle(server, url, idle_timeout)


@pytest.mark.parametrize("driver", ["aiomysql", "asyncmy"])
def test_fastapi_async_first_request_after_idle_fails_without_pre_ping(
    database_url, tmp_path, idle_timeout, driver
):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(
        snippet("fastapi_async_app.py"), url, tmp_path, UVICORN, edit=PRE_PING
    ) as server:
        log = first_request_after_idle_fails(server, url, idle_timeout)
    errors = assert_driver_errors_shown(log, driver)
    assert all(int(LOG_ERROR.match(e)[1]) in IDLE_DISCONNECT_CODES for e in errors), errors


@pytest.mark.parametrize("driver", ["aiomysql", "asyncmy"])
def test_fastapi_async_pre_ping_every_request_succeeds(
    database_url, tmp_path, idle_timeout, driver
):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(snippet("fastapi_async_app.py"), url, tmp_path, UVICORN) as server:
        if ASYNC_PRE_PING_FAILS:
            # The drivers page's quirk (SQLAlchemy 1.4.50+ with PyMySQL 1.2+): the ping of
            # every pooled connection raises TypeError, so the second request already fails.
            assert [get(server).status_code for _ in range(2)] == [200, 500], server.log()
            log = log_with(server, "TypeError")
            assert "reconnect" in log, log
            return
        every_request_succeeds_after_idle(server, url, idle_timeout)


# --- FastAPI: background tasks and the request's session --------------------------------------

EXIT_ORDER_APP = """
import os
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])


def get_session():
    with Session(engine) as session:
        yield session
    print("dependency: session closed", flush=True)


SessionDep = Annotated[Session, Depends(get_session{scope})]
app = FastAPI()


def use(session):
    print(f"session used: in transaction {session.in_transaction()}", flush=True)


@app.get("/background")
def background(session: SessionDep, tasks: BackgroundTasks):
    session.execute(text("SELECT 1"))
    tasks.add_task(use, session)
    return {}


@app.get("/stream")
def stream(session: SessionDep):
    session.execute(text("SELECT 1"))

    def body():
        use(session)
        yield "done"

    return StreamingResponse(body())
"""
USED_OPEN = "session used: in transaction True"
USED_CLOSED = "session used: in transaction False"
CLOSED = "dependency: session closed"


@pytest.mark.parametrize("path", ["/background", "/stream"])
@pytest.mark.parametrize(
    ("scope", "order"),
    [("", [USED_OPEN, CLOSED]), (', scope="function"', [CLOSED, USED_CLOSED])],
    ids=["default", "scope_function"],
)
def test_fastapi_yield_dependency_exit_and_response(database_url, tmp_path, scope, order, path):
    """What the installed FastAPI does (0.118 and later, per its release notes): the code
    after `yield` runs once the response is sent, after its background tasks and its
    stream; with Depends(scope="function") (0.121 and later) it runs before them, and
    they get a closed session."""
    app = tmp_path / "exit_order.py"
    app.write_text(EXIT_ORDER_APP.replace("{scope}", scope), encoding="utf-8")
    with serve_module("exit_order", database_url, tmp_path, UVICORN) as server:
        assert get(server, path).status_code == 200, server.log()
        events = logged_events(server, 2)
    assert events == order, server.log()


def visits_recorded(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one()


def test_fastapi_background_task_with_its_own_session_after_idle(
    database_url, tmp_path, idle_timeout, engines
):
    """The page's pattern: the background task opens a Session of its own, from the same
    engine with pre-ping. Through the idle timeout every request succeeds and every
    background task writes its row."""
    url = idle_timeout.shorten_url(database_url)
    with run_server(snippet("fastapi_background.py"), url, tmp_path, UVICORN) as server:
        statuses = requests_after_idle(server, url, idle_timeout)
        observer = engines.create(database_url)
        deadline = time.monotonic() + 10
        while (recorded := visits_recorded(observer)) < 3:
            assert time.monotonic() < deadline, f"{recorded} visits recorded:\n{server.log()}"
            time.sleep(0.05)
        log = server.log()
    assert statuses == [200, 200], log
    assert recorded == 3, log
    assert "Traceback" not in log, log


# --- Flask-SQLAlchemy ---------------------------------------------------------------------


def test_flask_sqlalchemy_first_request_after_idle_fails_without_engine_options(
    database_url, tmp_path, idle_timeout
):
    """Without SQLALCHEMY_ENGINE_OPTIONS, Flask-SQLAlchemy's own pool_recycle of 7200 s
    does not help a server that closes idle connections sooner: a 500, the 2006/2013 in
    the log; its teardown removed the failed session, so the next request works."""
    if not_installed_on_sqlalchemy_1_4("flask_sqlalchemy"):
        return
    url = idle_timeout.shorten_url(database_url)
    options = ('app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}\n', "")
    with run_server(snippet("flask_app.py"), url, tmp_path, FLASK, edit=options) as server:
        log = first_request_after_idle_fails(server, url, idle_timeout)
    assert_driver_errors_shown(log, "mysqldb")


def test_flask_sqlalchemy_engine_options_pre_ping_every_request_succeeds(
    database_url, tmp_path, idle_timeout
):
    if not_installed_on_sqlalchemy_1_4("flask_sqlalchemy"):
        return
    url = idle_timeout.shorten_url(database_url)
    with run_server(snippet("flask_app.py"), url, tmp_path, FLASK) as server:
        every_request_succeeds_after_idle(server, url, idle_timeout)


def flask_sqlalchemy_default_engine(database_url: str):
    """An app with Flask-SQLAlchemy's defaults (no SQLALCHEMY_ENGINE_OPTIONS) and its engine."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    app = Flask("defaults")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db = SQLAlchemy(app)
    with app.app_context():
        return app, db, db.engine


@pytest.mark.parametrize(("idle_for", "fails"), [(7000, True), (7200, False)])
def test_flask_sqlalchemy_recycles_mysql_connections_after_7200_seconds(
    database_url, idle_timeout, monkeypatch, idle_for, fails
):
    """Flask-SQLAlchemy 3.1 sets pool_recycle=7200 for mysql:// URLs (its source): a
    connection the pool sees as 7,000 s old is handed out (dead here: the server closed
    it), one 7,200.5 s old is replaced. No pre-ping by default."""
    if not_installed_on_sqlalchemy_1_4("flask_sqlalchemy"):
        return
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    app, db, engine = flask_sqlalchemy_default_engine(database_url)
    try:
        idle_timeout.shorten(engine)
        pings = count_pings(engine, monkeypatch)
        opened_at = time.time()
        with app.app_context():
            db.session.execute(text("SELECT 1"))
        idle_timeout.wait()
        pool_sees_connections_aged(monkeypatch, opened_at, idle_for)
        with app.app_context():
            if fails:
                with pytest.raises(OperationalError):
                    db.session.execute(text("SELECT 1"))
            else:
                assert db.session.execute(text("SELECT 1")).scalar_one() == 1
        assert pings == [], "Flask-SQLAlchemy turned pre-ping on by itself"
    finally:
        engine.dispose()


# --- SQLModel -------------------------------------------------------------------------------


def test_sqlmodel_first_request_after_idle_fails_without_pre_ping(
    database_url, tmp_path, idle_timeout
):
    if not_installed_on_sqlalchemy_1_4("sqlmodel"):
        return
    url = idle_timeout.shorten_url(database_url)
    with run_server(snippet("sqlmodel_app.py"), url, tmp_path, UVICORN, edit=PRE_PING) as server:
        log = first_request_after_idle_fails(server, url, idle_timeout)
    assert_driver_errors_shown(log, "mysqldb")


def test_sqlmodel_pre_ping_every_request_succeeds(database_url, tmp_path, idle_timeout):
    if not_installed_on_sqlalchemy_1_4("sqlmodel"):
        return
    url = idle_timeout.shorten_url(database_url)
    with run_server(snippet("sqlmodel_app.py"), url, tmp_path, UVICORN) as server:
        every_request_succeeds_after_idle(server, url, idle_timeout)


# --- Options that never arrive: engine_from_config ------------------------------------------


def pings_after_idle(engine, idle_timeout, monkeypatch, seen_as_aged: float | None = None):
    """Use a connection, leave it idle past the timeout, use the pool again; returns the
    pings sent and the error of the second use (None if it worked). `seen_as_aged`: the
    pool sees the connection as that many seconds old (past a pool_recycle of as much)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    idle_timeout.shorten(engine)
    pings = count_pings(engine, monkeypatch)
    opened_at = time.time()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    idle_timeout.wait()
    if seen_as_aged is not None:
        pool_sees_connections_aged(monkeypatch, opened_at, seen_as_aged)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as error:
        return pings, error
    return pings, None


def test_engine_from_config_with_prefix_pings(database_url, engines, idle_timeout, monkeypatch):
    engine = engines.snippet_engine(snippet("engine_from_config.py"), database_url)
    pings, error = pings_after_idle(engine, idle_timeout, monkeypatch)
    assert error is None, error
    assert len(pings) == 1, "a ping at the checkout of the pooled connection"


def test_engine_from_config_without_prefix_neither_pings_nor_recycles(
    database_url, engines, idle_timeout, monkeypatch
):
    """Neither unprefixed key arrives: no ping, and a connection the pool sees as past
    the 3600 s of its pool_recycle is handed out all the same (dead)."""
    engine = engines.snippet_engine(snippet("engine_from_config_no_prefix.py"), database_url)
    pings, error = pings_after_idle(engine, idle_timeout, monkeypatch, seen_as_aged=3600)
    assert pings == [], "the unprefixed pool_pre_ping reached the engine"
    assert error is not None and error.connection_invalidated, error


@pytest.mark.parametrize("value", ["true", "false", "0", "no"])
def test_engine_from_config_pre_ping_string_is_not_coerced(
    database_url, engines, monkeypatch, value
):
    """engine_from_config coerces pool_recycle and pool_size to int (the dialect's
    engine_config_types), not pool_pre_ping: any non-empty string, "false" too, turns
    pre-ping on."""
    namespace = load_snippet(snippet("engine_from_config.py"), database_url)
    namespace["engine"].dispose()
    settings = {**namespace["settings"], "sqlalchemy.pool_pre_ping": value}
    engine = engines._keep(namespace["engine_from_config"](settings, prefix="sqlalchemy."))
    pings = count_pings(engine, monkeypatch)
    for _ in range(2):  # a new connection is not pinged; the pooled one is
        with engine.connect():
            pass
    assert len(pings) == 1, f"pool_pre_ping={value!r}: no ping"


# --- Check your setup -----------------------------------------------------------------------


def test_check_setup_runs_as_shown(database_url, tmp_path, admin_engine):
    result = run_script(snippet("check_setup.py"), database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    from sqlalchemy import text

    with admin_engine.connect() as conn:
        version = conn.execute(text("SELECT VERSION()")).scalar_one()
    family = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    assert lines[0] == f"server: {family} {version}", lines
    assert re.fullmatch(
        r"driver: mysqldb \(mysqlclient [\d.]+, client library [\d.]+\)", lines[1]
    ), lines
    assert lines[2] == "wait_timeout: 28800 s: the server closes a connection idle for longer"
    assert "pool_pre_ping: on: " in result.stdout
    assert lines[-1] == "verdict: OK, an idle connection is replaced before it is used", lines


def check_output(namespace, engine, capsys) -> list[str]:
    namespace["check"](engine)
    return capsys.readouterr().out.splitlines()


def fails_after_idle(engine, idle_timeout) -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    idle_timeout.wait()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        return True
    return False


FAILS = "verdict: the first request after an idle period will fail: add pool_pre_ping=True"
OK = "verdict: OK, an idle connection is replaced before it is used"
CHECKED_ENGINES = {
    "pre_ping": ({"pool_pre_ping": True}, "pool_pre_ping: on: ", OK),
    "no_options": ({}, "pool_recycle: off: ", FAILS),
    "recycle_too_late": ({"pool_recycle": 7200}, "pool_recycle 7200 >= wait_timeout 2: ", FAILS),
    "recycle_in_time": ({"pool_recycle": 1}, "pool_recycle 1 < wait_timeout 2: ", OK),
    "null_pool": (
        {"poolclass": "NullPool"},
        "pool: NullPool",
        "verdict: OK, NullPool opens a new connection at every checkout",
    ),
}


@pytest.mark.parametrize("name", CHECKED_ENGINES)
def test_check_setup_verdict_is_what_happens(database_url, engines, idle_timeout, capsys, name):
    """Each verdict against what the same engine then does through a 2-second idle
    timeout: "will fail" engines fail, "OK" engines do not."""
    import sqlalchemy.pool

    options, line, verdict = CHECKED_ENGINES[name]
    if "poolclass" in options:
        options = {"poolclass": getattr(sqlalchemy.pool, options["poolclass"])}
    namespace = engines.load_snippet(snippet("check_setup.py"), database_url)
    capsys.readouterr()
    engine = idle_timeout.shorten(engines.create(database_url, **options), seconds=2)
    printed = check_output(namespace, engine, capsys)
    assert any(p.startswith(line) for p in printed), printed
    assert printed[-1] == verdict, printed
    assert fails_after_idle(engine, idle_timeout) == (verdict == FAILS), printed


def test_check_setup_names_recycle_longer_than_wait_timeout(database_url, engines, capsys):
    """The issue's example: pool_recycle 7200 against a server that closes idle
    connections after 600 s."""
    namespace = engines.load_snippet(snippet("check_setup.py"), database_url)
    capsys.readouterr()
    engine = engines.create(
        database_url,
        pool_recycle=7200,
        connect_args={"init_command": "SET SESSION wait_timeout = 600"},
    )
    printed = check_output(namespace, engine, capsys)
    assert "wait_timeout: 600 s: the server closes a connection idle for longer" in printed
    assert "pool_recycle 7200 >= wait_timeout 600: the server closes them first" in printed
    assert printed[-1] == FAILS, printed
