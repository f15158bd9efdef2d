"""The error-message index, docs/error-messages.{ja,en}.md, text by text.

Snippets: snippets/error_messages/messages.txt, one section per client. Every text
this server can produce is produced here, through SQLAlchemy, with each driver, and
must be on the page exactly as shown (the driver's exception line followed by
SQLAlchemy's). If a driver changes its wording, these tests fail.

Two ways the tests kill a connection, as in the article:

- idle: the server drops a connection that sat unused past its wait_timeout
  (``SET SESSION wait_timeout = 1``, then 2 seconds of waiting);
- killed: ``KILL CONNECTION`` from another connection while ``SELECT SLEEP(10)``
  runs, which is what a server restart or failover looks like to the client.

Which server gives which text:

- MariaDB and MySQL 5.7 close an idle connection silently; clients report 2006 or
  2013 in their own words (the sections per client library and driver).
- MySQL 8.0.24 and later first send error 4031. Against such a server (DATABASE_URL),
  a driver that reads it reports 4031 for the idle case; the test then compares the
  message with the page's "MySQL 8.0.24 and later" block instead.
- mysqlclient's wording comes from the C library it was built against: libmariadb
  (Debian's libmariadb-dev, this test machine) or libmysqlclient. The test compares
  with the section for the library it finds.
"""

from __future__ import annotations

import asyncio
import re
import threading

import MySQLdb
import pymysql
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from pages import render
from support import (
    ASYNC_DRIVERS,
    RUNNING_SQL,
    SYNC_DRIVERS,
    assert_mysql_8_farewell,
    drop_idle_connections_after,
    exception_line,
    kill_once_running,
    linked_client_library,
    wait_past_timeout,
    with_driver,
)

PAGE = "error_messages"

DRIVERS = SYNC_DRIVERS + ASYNC_DRIVERS


def section_for(driver: str) -> str:
    """The block on the page that shows this driver's texts."""
    return {
        "mysqldb": {
            "libmariadb": "messages.txt:libmariadb",
            "libmysqlclient": "messages.txt:libmysqlclient",
        }[linked_client_library()],
        "pymysql": "messages.txt:pymysql",
        "mysqlconnector": "messages.txt:mysql_connector",
        "aiomysql": "messages.txt:aiomysql",
        "asyncmy": "messages.txt:asyncmy",
    }[driver]


def shown(section: str) -> list[list[str]]:
    """The texts a block shows: groups of lines separated by blank lines."""
    groups = render(f"{PAGE}/{section}").split("\n\n")
    return [group.splitlines() for group in groups]


def pasted_lines(error: DBAPIError) -> list[str]:
    """The two lines a reader pastes: the driver's exception, then SQLAlchemy's."""
    lines = [exception_line(error.orig), exception_line(error).splitlines()[0]]
    # mysql-connector names the server it was connected to; the page shows 127.0.0.1:3306.
    return [
        re.sub(r"at '[^']*', system error", "at '127.0.0.1:3306', system error", line)
        for line in lines
    ]


def error_code(line: str) -> int | None:
    """The error number in a pasted line: (2006, ...), 2055: ... or 2013 (HY000): ..."""
    found = re.search(r"\((\d+), |(?:: |\) )(\d+)[: ]", line)
    return int(next(g for g in found.groups() if g)) if found else None


def assert_on_page(lines: list[str], section: str) -> None:
    groups = shown(section)
    assert lines in groups, (
        f"These lines are not on the page in {PAGE}/{section}:\n  "
        + "\n  ".join(lines)
        + "\nThe page shows:\n  "
        + "\n  ".join("\n  ".join(g) for g in groups)
        + "\nIf the driver changed its wording, update snippets/error_messages/messages.txt."
    )


# --- Fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def url_for(database_url):
    """The test database's URL with another driver: url_for("pymysql")."""
    return lambda driver: with_driver(database_url, driver)


@pytest.fixture(scope="module")
def idle_errors(url_for, server_url) -> dict[str, DBAPIError | Exception]:
    """Each driver's error for a pooled connection the server dropped while idle.

    All drivers wait out the same 2 seconds: connect and use each, wait once, use again.
    Also a plain PyMySQL connection used twice after the drop (its second error).
    """
    runner = asyncio.Runner()
    sync_engines = {d: drop_idle_connections_after(create_engine(url_for(d))) for d in SYNC_DRIVERS}
    async_engines = {d: create_async_engine(url_for(d)) for d in ASYNC_DRIVERS}
    for engine in async_engines.values():
        drop_idle_connections_after(engine.sync_engine)

    async def use(engine):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def fail(engine):
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except DBAPIError as error:
            return error
        return None

    raw = pymysql.connect(
        host=server_url.host,
        port=server_url.port or 3306,
        user=server_url.username or "root",
        password=server_url.password or "",
        unix_socket=server_url.query.get("unix_socket"),
    )
    raw.cursor().execute("SET SESSION wait_timeout = 1")

    errors: dict[str, DBAPIError | Exception | None] = {}
    try:
        for engine in sync_engines.values():
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        for engine in async_engines.values():
            runner.run(use(engine))

        wait_past_timeout()

        for driver, engine in sync_engines.items():
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except DBAPIError as error:
                errors[driver] = error
        for driver, engine in async_engines.items():
            errors[driver] = runner.run(fail(engine))
        for name in ("first", "second"):
            try:
                raw.cursor().execute("SELECT 1")
            except pymysql.Error as error:
                errors[f"pymysql raw {name}"] = error
    finally:
        for engine in sync_engines.values():
            engine.dispose()
        for engine in async_engines.values():
            runner.run(engine.dispose())
        runner.close()
        raw.close()
    return errors


def kill_during_query(driver: str, url: str) -> DBAPIError:
    """Run SELECT SLEEP(10) and KILL the connection from another one after 0.3 s."""
    if driver in ASYNC_DRIVERS:
        return asyncio.run(_kill_during_query_async(url))
    engine = create_engine(url)
    try:
        with engine.connect() as victim, engine.connect() as admin:
            victim_id = victim.execute(text("SELECT CONNECTION_ID()")).scalar_one()
            killer = threading.Thread(target=kill_once_running, args=(admin, victim_id))
            killer.start()
            try:
                with pytest.raises(DBAPIError) as caught:
                    victim.execute(text("SELECT SLEEP(10)"))
            finally:
                killer.join()
        return caught.value
    finally:
        engine.dispose()


async def _kill_during_query_async(url: str) -> DBAPIError:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as victim, engine.connect() as admin:
            victim_id = (await victim.execute(text("SELECT CONNECTION_ID()"))).scalar_one()

            async def kill():  # as support.kill_once_running: once SLEEP() is running
                for _ in range(500):
                    info = (await admin.execute(RUNNING_SQL, {"id": victim_id})).scalar()
                    if info and info.upper().startswith("SELECT SLEEP"):
                        break
                    await asyncio.sleep(0.02)
                else:
                    raise AssertionError(f"connection {victim_id} never started its SLEEP()")
                await admin.execute(text(f"KILL CONNECTION {victim_id}"))

            killer = asyncio.create_task(kill())
            try:
                with pytest.raises(DBAPIError) as caught:
                    await victim.execute(text("SELECT SLEEP(10)"))
            finally:
                await killer
        return caught.value
    finally:
        await engine.dispose()


# --- Idle connections --------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_idle_connection_error_is_on_the_page(idle_errors, driver, server_is_mysql_8_0_24_or_later):
    error = idle_errors.get(driver)
    assert isinstance(error, DBAPIError), (
        f"{driver}: no error after the server dropped the connection"
    )
    lines = pasted_lines(error)
    if error_code(lines[0]) == 4031:
        assert_mysql_8_farewell(lines, server_is_mysql_8_0_24_or_later)
    else:
        assert_on_page(lines, section_for(driver))


def test_pymysql_reports_0_when_a_closed_connection_is_used_again(idle_errors):
    first, second = idle_errors["pymysql raw first"], idle_errors["pymysql raw second"]
    assert isinstance(first, pymysql.OperationalError)
    assert isinstance(second, pymysql.InterfaceError)
    assert_on_page([exception_line(second)], section_for("pymysql"))


# --- Connections killed during a query ---------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_connection_killed_during_a_query_error_is_on_the_page(url_for, driver):
    error = kill_during_query(driver, url_for(driver))
    assert error.connection_invalidated, f"{driver}: SQLAlchemy should see this as a disconnect"
    assert_on_page(pasted_lines(error), section_for(driver))


# --- What the page says about the codes ----------------------------------------------


def test_every_code_on_the_page_is_a_disconnect_for_sqlalchemy():
    """The page says SQLAlchemy invalidates the pool for 2006, 2013, 2055 and 4031."""
    mysqldb = create_engine("mysql+mysqldb://").dialect
    connector = create_engine("mysql+mysqlconnector://").dialect
    import mysql.connector

    sections = [section_for(d) for d in DRIVERS] + ["messages.txt:mysql_8_0_24"]
    checked = set()
    for section in sections:
        for group in shown(section):
            code = error_code(group[0])
            if code is None or code == 0:
                continue
            if "mysql.connector" in group[0]:
                error, dialect = mysql.connector.errors.OperationalError(errno=code), connector
            else:
                error, dialect = MySQLdb.OperationalError(code, "message"), mysqldb
            assert dialect.is_disconnect(error, None, None), (
                f"{code} ({section}) is not a disconnect"
            )
            checked.add(code)
    assert checked == {2006, 2013, 2055, 4031}
