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
import threading
from typing import NamedTuple

import MySQLdb
import pymysql
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from clients import ASYNC_DRIVERS, DRIVERS, SYNC_DRIVERS, client_of, with_driver
from disconnects import IdleTimeout, kill_once_running, kill_once_running_async
from error_texts import (
    CONNECT_SECTIONS,
    FAREWELL_4031,
    FORK_MYSQLCLIENT,
    FORK_PYMYSQL,
    LOOK_ALIKE_SECTIONS,
    READ_ONLY_TEXTS,
    SECTIONS,
    SHARED_SESSION_SECTIONS,
    SLOW_READER,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_CONNECTIONS_MORE,
    assert_4031_text_on_page,
    code_in_line,
    exception_line,
    groups,
    section_for,
    texts_on_page,
    without_address,
)
from pool import checked_out_id, connection_id

PRE_PING = "mysql_server_has_gone_away/pre_ping.py"  # the article's Fix 1


def pasted_lines(error: DBAPIError) -> list[str]:
    """The two lines a reader pastes: the driver's exception, then SQLAlchemy's."""
    lines = [exception_line(error.orig), exception_line(error).splitlines()[0]]
    return [without_address(line) for line in lines]


def assert_on_page(lines: list[str], section: str) -> None:
    shown = groups(section)
    assert lines in shown, (
        f"These lines are not on the page in {section}:\n  "
        + "\n  ".join(lines)
        + "\nThe page shows:\n  "
        + "\n  ".join("\n  ".join(g) for g in shown)
        + "\nIf the driver changed its wording, update snippets/error_messages/messages.txt."
    )


# --- Fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def url_for(database_url):
    """The test database's URL with another driver: url_for("pymysql")."""
    return lambda driver: with_driver(database_url, driver)


class IdleErrors(NamedTuple):
    by_driver: dict[str, DBAPIError | None]  # through SQLAlchemy, driver by driver
    raw_pymysql: list[pymysql.Error]  # a plain PyMySQL connection used twice after the drop


@pytest.fixture(scope="module")
def idle_errors(url_for, server_url) -> IdleErrors:
    """Each driver's error for a pooled connection the server dropped while idle.

    All drivers wait out the same idle timeout: connect and use each, wait once, use again.
    Also a plain PyMySQL connection used twice after the drop (its second error).
    """
    idle_timeout = IdleTimeout()
    runner = asyncio.Runner()
    sync_engines = {d: idle_timeout.shorten(create_engine(url_for(d))) for d in SYNC_DRIVERS}
    async_engines = {d: create_async_engine(url_for(d)) for d in ASYNC_DRIVERS}
    for engine in async_engines.values():
        idle_timeout.shorten(engine.sync_engine)

    async def use(engine):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def fail(engine):
        try:
            await use(engine)
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
    idle_timeout.shorten_dbapi_connection(raw, server_url)

    errors = IdleErrors({}, [])
    try:
        for engine in sync_engines.values():
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        for engine in async_engines.values():
            runner.run(use(engine))

        idle_timeout.wait()

        for driver, engine in sync_engines.items():
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except DBAPIError as error:
                errors.by_driver[driver] = error
        for driver, engine in async_engines.items():
            errors.by_driver[driver] = runner.run(fail(engine))
        for _ in ("first", "second"):
            try:
                raw.cursor().execute("SELECT 1")
            except pymysql.Error as error:
                errors.raw_pymysql.append(error)
    finally:
        for engine in sync_engines.values():
            engine.dispose()
        for engine in async_engines.values():
            runner.run(engine.dispose())
        runner.close()
        raw.close()
    return errors


def kill_during_query(driver: str, url: str) -> DBAPIError:
    """Run SELECT SLEEP(10) and KILL the connection from another one once it runs."""
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
            victim_id = await victim.scalar(text("SELECT CONNECTION_ID()"))
            killer = asyncio.create_task(kill_once_running_async(admin, victim_id))
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
def test_idle_connection_error_is_on_the_page(idle_errors, driver, server_sends_4031):
    error = idle_errors.by_driver.get(driver)
    assert isinstance(error, DBAPIError), (
        f"{driver}: no error after the server dropped the connection"
    )
    lines = pasted_lines(error)
    if code_in_line(lines[0]) == 4031:
        assert_4031_text_on_page(lines, server_sends_4031)
    else:
        assert_on_page(lines, section_for(driver))


def test_pymysql_reports_0_when_a_closed_connection_is_used_again(idle_errors):
    first, second = idle_errors.raw_pymysql
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
    """The page says SQLAlchemy invalidates the pool for 2006, 2013, 2055 and 4031, and
    for the text mysql-connector's C extension gives without a number."""
    mysqldb = create_engine("mysql+mysqldb://").dialect
    connector = create_engine("mysql+mysqlconnector://").dialect
    import mysql.connector

    sections = [*SECTIONS.values(), FAREWELL_4031]  # every client's block, linked or not
    checked = set()
    for section in sections:
        for group in groups(section):
            code = code_in_line(group[0])
            if "mysql.connector" in group[0] and code is None:
                # The C extension's idle text has no number: the dialect matches the message.
                message = group[0].split(": ", 1)[1]
                error = mysql.connector.errors.OperationalError(msg=message)
                assert connector.is_disconnect(error, None, None), f"{message!r} ({section})"
                checked.add(message)
                continue
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
    assert checked == {2006, 2013, 2055, 4031, "MySQL Connection not available."}
    # PyMySQL's (0, ''), the page's last row: SQLAlchemy matches its text.
    pymysql_dialect = create_engine("mysql+pymysql://").dialect
    assert pymysql_dialect.is_disconnect(pymysql.err.InterfaceError(0, ""), None, None)


def test_mariadb_4031_is_taken_for_a_disconnect(database_url, engines):
    """On MariaDB, 4031 is ER_REFERENCED_TRG_DOES_NOT_EXIST (CREATE TRIGGER ... FOLLOWS a
    trigger that does not exist). SQLAlchemy's MySQL dialect counts the number as a
    disconnect anyway and discards every pooled connection: the page's false positive."""
    engine = engines.create(database_url)
    with engine.begin() as conn:
        if "mariadb" not in conn.execute(text("SELECT VERSION()")).scalar_one().lower():
            pytest.skip("4031 means ER_REFERENCED_TRG_DOES_NOT_EXIST on MariaDB only")
        conn.execute(text("CREATE TABLE IF NOT EXISTS triggered (a INT)"))
    with engine.connect() as first, engine.connect() as second:  # two pooled connections
        pooled = {connection_id(first), connection_id(second)}
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER follows_nothing BEFORE INSERT ON triggered"
                " FOR EACH ROW FOLLOWS no_such_trigger SET @a = 1"
            )
        )
    assert code_in_line(exception_line(caught.value.orig)) == 4031, caught.value
    assert caught.value.connection_invalidated
    with engine.connect() as first, engine.connect() as second:
        assert not pooled & {connection_id(first), connection_id(second)}


def test_shared_session_texts_are_the_concurrency_pages_blocks():
    """The index shows the texts of a Session shared by threads or tasks from the same
    blocks as docs/concurrency.*.md, whose tests compare them with the real errors
    (tests/test_concurrency.py); none of them is a disconnect for SQLAlchemy."""
    assert set(SHARED_SESSION_SECTIONS) <= set(texts_on_page("error-messages"))
    assert set(SHARED_SESSION_SECTIONS) <= set(texts_on_page("concurrency"))
    assert not set(SHARED_SESSION_SECTIONS) & set(SECTIONS.values())


def test_read_only_texts_are_the_causes_pages_block_and_not_disconnects():
    """The index shows a write refused by a read-only server (1290) from the same block as
    docs/causes.*.md, whose tests compare it with the real errors after a failover
    (tests/test_causes.py). SQLAlchemy does not take 1290 for a disconnect."""
    assert READ_ONLY_TEXTS in texts_on_page("error-messages")
    assert READ_ONLY_TEXTS in texts_on_page("causes")
    import mysql.connector

    for group in groups(READ_ONLY_TEXTS):
        code = code_in_line(group[0])
        assert code == 1290, group[0]
        if group[0].startswith("mysql.connector"):
            error = mysql.connector.errors.DatabaseError(msg="read-only", errno=code)
            dialect = create_engine("mysql+mysqlconnector://").dialect
        elif group[0].startswith("pymysql"):
            error = pymysql.err.OperationalError(code, "read-only")
            dialect = create_engine("mysql+pymysql://").dialect
        else:
            error = MySQLdb.OperationalError(code, "read-only")
            dialect = create_engine("mysql+mysqldb://").dialect
        assert not dialect.is_disconnect(error, None, None), group[0]


def test_look_alike_texts_are_the_look_alikes_pages_blocks():
    """The index shows the look-alikes (pool timeout, no rows, too many connections) from
    the same blocks as docs/look-alikes.*.md, whose tests produce them against a real
    server (tests/test_look_alikes.py); none is among the disconnect blocks."""
    assert set(LOOK_ALIKE_SECTIONS) <= set(texts_on_page("error-messages"))
    assert set(LOOK_ALIKE_SECTIONS) <= set(texts_on_page("look-alikes"))
    assert not set(LOOK_ALIKE_SECTIONS) & set(SECTIONS.values())
    too_many = {TOO_MANY_CONNECTIONS, TOO_MANY_CONNECTIONS_MORE}
    assert too_many <= set(texts_on_page("error-messages"))


# --- MySQL 8.0.24's farewell 4031, emulated by the test proxy ----------------------------
# No MySQL server runs here. tests/middlebox.py sends, byte for byte, the ERR packet MySQL
# 8.0.24+ sends before it closes a connection idle past wait_timeout (4031, sequence id 0;
# the source is cited there), then closes the connection. What each driver makes of it:
FAREWELL_CODES = {
    "libmariadb": 4031,  # mysqlclient on MariaDB Connector/C reads the packet
    "pymysql": 2013,  # an ERR packet numbered 0 -> CR_SERVER_LOST (connections.py)
    "mysqlconnector": 2055,  # pure Python: its next write finds the socket closed
    # Its C extension (9.4.0, noxfile.py's session): "MySQL Connection not available.",
    # with no number in the line.
    "mysqlconnector_cext": None,
}


def farewell_error(engine, middlebox) -> DBAPIError:
    """A pooled connection gets the emulated farewell; the next statement fails."""
    with engine.connect() as conn:
        connection_id(conn)
    middlebox.say_farewell_4031_all()
    with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return caught.value


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_emulated_4031_farewell_each_driver_reports(database_url, middlebox, driver, engines):
    engine = engines.create(with_driver(middlebox.url(database_url), driver))
    error = farewell_error(engine, middlebox)
    lines = pasted_lines(error)
    code = code_in_line(lines[0])
    if client_of(driver) in FAREWELL_CODES:
        assert code == FAREWELL_CODES[client_of(driver)], lines
    if code == 4031:  # the page's "MySQL 8.0.24 and later" block, word for word
        assert_on_page(lines, FAREWELL_4031)
        # SQLAlchemy 1.4.37 and 2.0.0 added 4031 to the MySQL dialect's disconnect codes.
        assert error.connection_invalidated, lines
    else:  # the driver's own lost-connection text, as its block shows it
        assert_on_page(lines, section_for(driver))


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_pre_ping_recovers_after_an_emulated_4031_farewell(
    database_url, middlebox, driver, engines
):
    engine = engines.snippet_engine(PRE_PING, with_driver(middlebox.url(database_url), driver))
    first = checked_out_id(engine)
    middlebox.say_farewell_4031_all()
    assert checked_out_id(engine) != first  # the ping got the farewell; a new connection


def test_fork_texts_are_the_fork_pages_blocks():
    """The index shows the texts of a pool inherited across fork from the same blocks as
    docs/fork.*.md, whose tests compare them with the real errors (tests/test_fork.py)."""
    fork_sections = {FORK_PYMYSQL, FORK_MYSQLCLIENT}
    assert fork_sections <= set(texts_on_page("error-messages"))
    assert fork_sections <= set(texts_on_page("fork"))
    assert not fork_sections & set(SECTIONS.values())


def test_slow_reader_texts_are_the_causes_pages_block():
    """The index shows a slow reader's texts from the same block as docs/causes.*.md,
    whose tests compare it with the real errors (tests/test_causes.py); each is a 2013,
    a disconnect for SQLAlchemy."""
    assert SLOW_READER in texts_on_page("error-messages")
    assert SLOW_READER in texts_on_page("causes")
    dialect = create_engine("mysql+mysqldb://").dialect
    for group in groups(SLOW_READER):
        assert code_in_line(group[0]) == 2013, group
        assert dialect.is_disconnect(MySQLdb.OperationalError(2013, "message"), None, None)


def test_connect_texts_are_the_connect_pages_blocks():
    """The index shows the texts of a failed connection attempt from the same blocks as
    docs/connect-errors.*.md, whose tests compare them with the real errors
    (tests/test_connect_errors.py)."""
    assert set(CONNECT_SECTIONS) <= set(texts_on_page("error-messages"))
    assert set(CONNECT_SECTIONS) <= set(texts_on_page("connect-errors"))
