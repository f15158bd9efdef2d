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

import re

import httpx
import pytest
import sqlalchemy

from clients import ASYNC_PRE_PING_FAILS, with_driver
from error_texts import IDLE_DISCONNECT_CODES, lines_shown, section_for
from runners import run_server

PAGE = "frameworks"
SQLALCHEMY_1_4 = sqlalchemy.__version__.startswith("1.")
UVICORN = ["uvicorn", "{module}:app", "--host", "127.0.0.1", "--port", "{port}"]
PRE_PING = ("pool_pre_ping=True", "")  # the fix taken out: create_engine(url, )
LOG_ERROR = re.compile(r"^\S+: \((\d{4}), .*\)$", re.M)


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


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


def driver_errors_logged(log: str) -> list[str]:
    """The driver's lines in uvicorn's traceback: ``MySQLdb.OperationalError: (2013, ...)``."""
    return [m[0] for m in LOG_ERROR.finditer(log) if not m[0].startswith("sqlalchemy.")]


# --- FastAPI, the original setting ------------------------------------------------------


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_fastapi_first_request_after_idle_fails_without_pre_ping(
    database_url, tmp_path, idle_timeout, driver
):
    """The original article's app: without pool_pre_ping, the first request after the
    idle timeout gets a 500, the log shows the driver's 2006/2013; the next one works."""
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(snippet("fastapi_app.py"), url, tmp_path, UVICORN, edit=PRE_PING) as server:
        statuses = requests_after_idle(server, url, idle_timeout)
        log = server.log()
    assert statuses == [500, 200], log
    errors = driver_errors_logged(log)
    assert errors, log
    assert all(int(LOG_ERROR.match(e)[1]) in IDLE_DISCONNECT_CODES for e in errors), errors
    assert set(errors) <= set(lines_shown([section_for(driver)])), errors


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_fastapi_pre_ping_every_request_succeeds(database_url, tmp_path, idle_timeout, driver):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(snippet("fastapi_app.py"), url, tmp_path, UVICORN) as server:
        statuses = requests_after_idle(server, url, idle_timeout)
        log = server.log()
    assert statuses == [200, 200], log
    assert "Traceback" not in log, log


@pytest.mark.parametrize("driver", ["aiomysql", "asyncmy"])
def test_fastapi_async_first_request_after_idle_fails_without_pre_ping(
    database_url, tmp_path, idle_timeout, driver
):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    target = snippet("fastapi_async_app.py")
    with run_server(target, url, tmp_path, UVICORN, edit=PRE_PING) as server:
        statuses = requests_after_idle(server, url, idle_timeout)
        log = server.log()
    assert statuses == [500, 200], log
    errors = driver_errors_logged(log)
    assert errors, log
    assert all(int(LOG_ERROR.match(e)[1]) in IDLE_DISCONNECT_CODES for e in errors), errors
    assert set(errors) <= set(lines_shown([section_for(driver)])), errors


@pytest.mark.parametrize("driver", ["aiomysql", "asyncmy"])
def test_fastapi_async_pre_ping_every_request_succeeds(
    database_url, tmp_path, idle_timeout, driver
):
    url = idle_timeout.shorten_url(with_driver(database_url, driver))
    with run_server(snippet("fastapi_async_app.py"), url, tmp_path, UVICORN) as server:
        if ASYNC_PRE_PING_FAILS:
            # The drivers page's quirk (SQLAlchemy 1.4.50+ with PyMySQL 1.2+): every
            # checkout's ping raises TypeError, so even the first request fails.
            assert get(server).status_code == 500, server.log()
            assert "TypeError" in server.log() and "reconnect" in server.log(), server.log()
            return
        statuses = requests_after_idle(server, url, idle_timeout)
        log = server.log()
    assert statuses == [200, 200], log
    assert "Traceback" not in log, log
