"""The article docs/sessions.{ja,en}.md: when a Session checks a connection out of the
pool and gives it back, what expire_on_commit does after that, and what goes wrong when a
Session outlives its request (a held connection, the rollback loop), with the fixes.

Snippets: snippets/sessions/. The scripts run as a reader runs them (runners.run_script)
and print the pool's count of checked-out connections (Pool.checkedout()); their output
must be the page's output block. The app snippets (a module-level Session, a Session per
request, a scoped_session app with and without teardown) are loaded as the page shows
them (the engines fixture's load_snippet) and their handle_request()/serve() called as a
server would, with the server closing the idle connection in between (idle_timeout).
"""

from __future__ import annotations

import asyncio
import gc

import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, String, text
from sqlalchemy.exc import (
    MissingGreenlet,
    OperationalError,
    PendingRollbackError,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker

from clients import with_driver
from error_texts import IDLE_DISCONNECT_CODES, exception_line, without_docs_version
from page_output import without_object_addresses
from pages import render
from runners import run_script

PAGE = "sessions"
# async_sessionmaker is SQLAlchemy 2.0's; 1.4 has sessionmaker(class_=AsyncSession).
# The PendingRollbackError text differs too: 2.x adds "Please rollback() fully ...".
SQLALCHEMY_1_4 = sqlalchemy.__version__.startswith("1.")
PENDING_ROLLBACK_TEXTS = {
    "1.4": f"{PAGE}/errors.txt:sqlalchemy_1_4",
    "2": f"{PAGE}/errors.txt:sqlalchemy_2",
}
PENDING_ROLLBACK = PENDING_ROLLBACK_TEXTS["1.4" if SQLALCHEMY_1_4 else "2"]
SYNC = ["mysqldb", "pymysql"]
ASYNC = ["aiomysql", "asyncmy"]


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


def shown(target: str) -> str:
    """The output block the page shows."""
    return render(target) + "\n"


def printed(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- When the connection is checked out and returned ---------------------------------


def test_session_checks_out_at_first_statement_and_returns_at_commit_rollback_close(
    database_url, tmp_path
):
    result = run_script(snippet("checkout.py"), database_url, tmp_path)
    assert printed(result) == shown(snippet("checkout.txt"))


def test_session_begin_block_commits_and_returns_the_connection(database_url, engines, tmp_path):
    engine = engines.create(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS visits"))
    result = run_script(snippet("begin.py"), database_url, tmp_path)
    assert printed(result) == shown(snippet("begin.txt"))
    with engine.connect() as conn:  # committed: another connection sees the row
        assert conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one() == 1


# --- expire_on_commit ----------------------------------------------------------------


def test_reading_an_expired_attribute_checks_a_connection_out_again(database_url, tmp_path):
    result = run_script(snippet("expire_on_commit.py"), database_url, tmp_path)
    assert printed(result) == shown(snippet("expire_on_commit.txt"))


def test_expired_object_of_a_closed_session_raises_detached_instance_error(database_url, tmp_path):
    result = run_script(snippet("detached.py"), database_url, tmp_path)
    assert result.returncode == 1, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    page = render(snippet("errors.txt:detached"))
    normalise = lambda line: without_docs_version(without_object_addresses(line))  # noqa: E731
    assert normalise(last) == normalise(page), last


def test_expire_on_commit_false_keeps_the_committed_values(database_url, tmp_path):
    result = run_script(snippet("expire_on_commit_false.py"), database_url, tmp_path)
    assert printed(result) == shown(snippet("expire_on_commit_false.txt"))


# --- A Session kept open holds its connection across idle time ----------------------


@pytest.mark.parametrize("driver", SYNC)
def test_module_level_session_fails_after_idle_even_with_pre_ping(
    database_url, engines, idle_timeout, driver
):
    app = engines.load_snippet(snippet("held_session.py"), with_driver(database_url, driver))
    engine, session = app["engine"], app["session"]
    assert engine.pool._pre_ping, "the snippet has pool_pre_ping=True"
    idle_timeout.shorten(engine)
    try:
        app["handle_request"]()
        assert engine.pool.checkedout() == 1, "the Session holds its connection between requests"
        idle_timeout.wait()
        with pytest.raises(OperationalError) as caught:
            app["handle_request"]()
        assert caught.value.orig.args[0] in IDLE_DISCONNECT_CODES, caught.value
        # The rollback rule: until the Session is rolled back, every use fails.
        for _ in range(2):
            with pytest.raises(PendingRollbackError):
                app["handle_request"]()
        session.rollback()
        app["handle_request"]()  # a new transaction on a new connection
    finally:
        session.close()


@pytest.mark.parametrize("driver", SYNC)
def test_session_per_request_survives_idle(database_url, engines, idle_timeout, driver):
    app = engines.load_snippet(snippet("session_per_request.py"), with_driver(database_url, driver))
    engine = app["engine"]
    idle_timeout.shorten(engine)
    app["handle_request"]()
    assert engine.pool.checkedout() == 0, "the connection is back in the pool between requests"
    idle_timeout.wait()
    app["handle_request"]()  # pre-ping found the closed connection and replaced it
    assert engine.pool.checkedout() == 0


# --- The rollback loop of a scoped_session app, and the teardown that ends it --------


@pytest.mark.parametrize("driver", SYNC)
def test_scoped_app_without_teardown_fails_every_request_after_one_disconnect(
    database_url, engines, idle_timeout, capsys, driver
):
    app = engines.load_snippet(snippet("scoped_app.py"), with_driver(database_url, driver))
    idle_timeout.shorten(app["engine"])
    try:
        app["serve"]([1])
        idle_timeout.wait()  # one disconnect: the server closes the held, idle connection
        app["serve"]([2, 3, 4])
        assert capsys.readouterr().out == shown(snippet("scoped_app.txt"))
        with pytest.raises(PendingRollbackError) as caught:  # the text the page shows
            app["handle_request"]()
        assert without_docs_version(exception_line(caught.value)) == without_docs_version(
            render(PENDING_ROLLBACK)
        )
    finally:
        app["Session"].remove()


@pytest.mark.parametrize("driver", SYNC)
def test_scoped_app_with_teardown_serves_every_request(
    database_url, engines, idle_timeout, capsys, driver
):
    app = engines.load_snippet(snippet("scoped_app_teardown.py"), with_driver(database_url, driver))
    engine = app["engine"]
    idle_timeout.shorten(engine)
    app["serve"]([1])
    assert engine.pool.checkedout() == 0, "the teardown returned the connection"
    idle_timeout.wait()
    app["serve"]([2, 3, 4])
    assert capsys.readouterr().out == shown(snippet("scoped_app_teardown.txt"))


@pytest.mark.parametrize("driver", SYNC)
def test_teardown_ends_the_loop_after_a_disconnect_inside_a_request(
    database_url, engines, idle_timeout, capsys, driver
):
    """The connection is lost while a request holds it (here: idle inside the request,
    as a slow call to another service would keep it): that request fails, the teardown
    rolls back, and the next request is served."""
    app = engines.load_snippet(snippet("scoped_app_teardown.py"), with_driver(database_url, driver))
    idle_timeout.shorten(app["engine"])
    Session = app["Session"]
    Session.execute(text("SELECT 1"))  # a request in progress holds the connection ...
    idle_timeout.wait()  # ... while the server closes it
    app["serve"]([1, 2])
    assert capsys.readouterr().out == "request 1: 500 OperationalError\nrequest 2: 200 OK\n"


# --- AsyncSession --------------------------------------------------------------------


def users_named_alice(engines, database_url) -> int:
    """Rows the async snippets committed (their table, users, may not exist yet)."""
    with engines.create(database_url).connect() as conn:
        exists = conn.execute(text("SHOW TABLES LIKE 'users'")).first()
        if not exists:
            return 0
        return conn.execute(text("SELECT COUNT(*) FROM users WHERE name = 'alice'")).scalar_one()


@pytest.mark.parametrize("driver", ASYNC)
def test_async_session_returns_the_connection_at_the_end_of_the_block(
    database_url, engines, tmp_path, driver
):
    before = users_named_alice(engines, database_url)
    result = run_script(snippet("async_session.py"), with_driver(database_url, driver), tmp_path)
    if SQLALCHEMY_1_4:  # async_sessionmaker came with 2.0 (the page says so)
        assert "cannot import name 'async_sessionmaker'" in result.stderr, result.stderr
        return
    assert printed(result) == shown(snippet("async_session.txt"))
    assert users_named_alice(engines, database_url) == before + 1, "the block committed"


@pytest.mark.parametrize("driver", ASYNC)
def test_sessionmaker_with_async_session_class_works_on_1_4_and_2(
    database_url, engines, tmp_path, driver
):
    before = users_named_alice(engines, database_url)
    url = with_driver(database_url, driver)
    result = run_script(snippet("async_session_1_4.py"), url, tmp_path)
    assert printed(result) == shown(snippet("async_session.txt"))
    assert users_named_alice(engines, database_url) == before + 1, "the block committed"


# SQLAlchemy 1.4 leaves the driver's coroutine it refused to run unawaited (2.x closes it);
# Python reports that when the coroutine is collected, which pytest would turn into an error.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("driver", ASYNC)
def test_async_session_cannot_load_expired_attributes_implicitly(database_url, driver):
    """The page: with the default expire_on_commit=True, reading an attribute after
    commit() needs a SELECT, which an AsyncSession cannot run on attribute access."""
    Base = declarative_base()

    class Item(Base):
        __tablename__ = "async_items"
        id = Column(Integer, primary_key=True)
        name = Column(String(50))

    async def read_after_commit(expire_on_commit: bool):
        engine = create_async_engine(with_driver(database_url, driver))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            Session = sessionmaker(engine, class_=AsyncSession, expire_on_commit=expire_on_commit)
            async with Session() as session:
                item = Item(name="a")
                session.add(item)
                await session.commit()
                return item.name
        finally:
            await engine.dispose()

    with pytest.raises(StatementError) as caught:  # SQLAlchemy wraps the MissingGreenlet
        asyncio.run(read_after_commit(expire_on_commit=True))
    error, message = caught.value, str(caught.value)
    del caught  # its traceback holds the unawaited coroutine (SQLAlchemy 1.4) ...
    assert isinstance(error.orig, MissingGreenlet), message
    assert "greenlet_spawn has not been called" in message
    del error
    gc.collect()  # ... which is collected here, within this test
    assert asyncio.run(read_after_commit(expire_on_commit=False)) == "a"
