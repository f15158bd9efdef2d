"""The page docs/drivers.{ja,en}.md: the idle-timeout failure and both fixes, per driver.

Snippets: snippets/drivers/ (async engines, error texts) and the article's
snippets/mysql_server_has_gone_away/pre_ping.py and recycle.py, which work unchanged
with every synchronous driver: only the URL in DATABASE_URL changes.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from clients import ASYNC_DRIVERS, ASYNC_PRE_PING_FAILS, SYNC_DRIVERS, client_of, with_driver
from error_texts import (
    LOST_CONNECTION_CODES,
    NO_ERROR_NUMBER,
    SECTIONS,
    assert_4031_text_on_page,
    code_of,
    exception_line,
    lines_shown,
    without_address,
)
from middlebox import keepalive_by_connection
from pool import pool_sees_connections_aged
from settings import WAIT_TIMEOUT_DEFAULT, assert_recycles_before

PRE_PING = "mysql_server_has_gone_away/pre_ping.py"  # the article's fixes, shown here too
RECYCLE = "mysql_server_has_gone_away/recycle.py"


def assert_text_on_page(driver: str, error: BaseException, server_sends_4031: bool) -> None:
    """The driver's exception line is on the page: in its driver's block, or, for the
    4031 a MySQL 8.0.24+ server sends (mysqlclient on libmysqlclient reads it; the
    pure-Python drivers report 2013), in the "MySQL 8.0.24 and later" block."""
    line = without_address(exception_line(error))
    if code_of(error) == 4031:
        assert_4031_text_on_page([line], server_sends_4031)
        return
    shown = lines_shown([SECTIONS[client_of(driver)]])
    assert line in shown, f"{driver} said {line!r}; the page shows {shown}"


# --- Synchronous drivers ----------------------------------------------------------------


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_idle_connection_fails_without_a_fix(
    database_url, driver, server_sends_4031, engines, idle_timeout
):
    engine = idle_timeout.shorten(engines.create(with_driver(database_url, driver)))
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    idle_timeout.wait()
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    client = client_of(driver)
    codes = LOST_CONNECTION_CODES | (
        {NO_ERROR_NUMBER} if client == "mysqlconnector_cext" else set()
    )
    assert code_of(caught.value.orig) in codes
    assert_text_on_page(driver, caught.value.orig, server_sends_4031)
    if client == "mysqlconnector":
        # The quirk the page describes (pure Python only): not flagged, though the pool
        # still replaces the connection.
        assert caught.value.connection_invalidated is False
    else:
        assert caught.value.connection_invalidated is True
    with engine.connect() as conn:  # either way, the next checkout gets a new connection
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_pre_ping_fixes_it(database_url, driver, engines, idle_timeout):
    url = with_driver(database_url, driver)
    engine = engines.snippet_engine(PRE_PING, url)
    idle_timeout.shorten(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    idle_timeout.wait()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_recycle_fixes_it(database_url, driver, monkeypatch, engines, idle_timeout):
    url = with_driver(database_url, driver)
    engine = engines.snippet_engine(RECYCLE, url)
    idle_timeout.shorten(engine)
    opened_at = time.time()
    with engine.connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
    idle_timeout.wait()
    pool_sees_connections_aged(monkeypatch, opened_at, global_timeout)  # as in the article
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def turns_on_keepalive(driver: str) -> bool:
    """The causes page: every driver sets SO_KEEPALIVE on its connections except
    mysql-connector's pure-Python implementation (its C extension's libmysqlclient does)."""
    return client_of(driver) != "mysqlconnector"


@pytest.mark.parametrize("driver", SYNC_DRIVERS + ASYNC_DRIVERS)
def test_driver_turns_on_tcp_keepalive_or_not(database_url, driver, engines):
    url = make_url(with_driver(database_url, driver))
    if url.query.get("unix_socket") or not url.port:
        pytest.skip("TCP keepalive needs a TCP connection to the server (host and port)")
    before = keepalive_by_connection(url.port)  # the other connections this process has

    async def opened_async():
        engine = engines.create_async(url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                return keepalive_by_connection(url.port)
        finally:
            await engine.dispose()

    if driver in ASYNC_DRIVERS:
        during = asyncio.run(opened_async())
    else:
        with engines.create(url).connect() as conn:
            conn.execute(text("SELECT 1"))
            during = keepalive_by_connection(url.port)
    new = [on for port, on in during.items() if port not in before]
    assert len(new) == 1, f"{driver}: expected one new connection to the server, found {new}"
    assert new[0] == turns_on_keepalive(driver), (driver, new[0])


# --- asyncio drivers through SQLAlchemy's asyncio extension -----------------------------


async def use_then_reuse(engine, idle_timeout, before_reuse=None):
    """Use a pooled connection, leave it idle past the server's timeout, use the pool again."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    await asyncio.to_thread(idle_timeout.wait)
    if before_reuse:
        before_reuse()
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text("SELECT 1"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_async_idle_connection_fails_without_a_fix(
    database_url, driver, server_sends_4031, engines, idle_timeout
):
    engine = engines.create_async(with_driver(database_url, driver))
    idle_timeout.shorten(engine.sync_engine)
    with pytest.raises(OperationalError) as caught:
        asyncio.run(use_then_reuse(engine, idle_timeout))
    assert code_of(caught.value.orig) in LOST_CONNECTION_CODES
    assert caught.value.connection_invalidated
    assert_text_on_page(driver, caught.value.orig, server_sends_4031)


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_async_pre_ping_fixes_it(database_url, driver, engines, idle_timeout):
    url = with_driver(database_url, driver)
    engine = engines.snippet_engine("drivers/async_pre_ping.py", url)
    idle_timeout.shorten(engine.sync_engine)
    if ASYNC_PRE_PING_FAILS:
        # SQLAlchemy 1.4.50-1.4.54 and 2.0.23-2.0.49 see PyMySQL >= 1.2's ping() signature
        # and call the async adapter's ping() with no argument; the adapter requires
        # `reconnect` (clients.async_pre_ping_fails).
        with pytest.raises(TypeError, match="reconnect"):
            asyncio.run(use_then_reuse(engine, idle_timeout))
    else:
        assert asyncio.run(use_then_reuse(engine, idle_timeout)) == 1


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_async_recycle_fixes_it(database_url, driver, monkeypatch, engines, idle_timeout):
    url = with_driver(database_url, driver)
    engine = engines.snippet_engine("drivers/async_recycle.py", url)
    idle_timeout.shorten(engine.sync_engine)
    with engines.create(database_url, poolclass=NullPool).connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
    opened_at = time.time()
    result = asyncio.run(
        use_then_reuse(
            engine,
            idle_timeout,
            before_reuse=lambda: pool_sees_connections_aged(monkeypatch, opened_at, global_timeout),
        )
    )
    assert result == 1


def test_recommended_async_recycle_leaves_a_margin_below_wait_timeout():
    """The article's rule, for the value a reader copies from the async sibling."""
    assert_recycles_before("drivers/async_recycle.py", WAIT_TIMEOUT_DEFAULT)
