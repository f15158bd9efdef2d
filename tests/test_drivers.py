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
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from clients import ASYNC_DRIVERS, SQLALCHEMY_1_4, SYNC_DRIVERS, client_of, with_driver
from error_texts import (
    LOST_CONNECTION_CODES,
    SECTIONS,
    assert_4031_text_on_page,
    code_of,
    exception_line,
    lines_shown,
    without_address,
)
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
    assert code_of(caught.value.orig) in LOST_CONNECTION_CODES
    assert_text_on_page(driver, caught.value.orig, server_sends_4031)
    if driver == "mysqlconnector":
        # The quirk the page describes: not flagged, though the pool still replaces it.
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
    if SQLALCHEMY_1_4:
        # SQLAlchemy < 2.0.50 sees PyMySQL >= 1.2's ping() signature and calls the async
        # adapter's ping() with no argument, but the adapter requires `reconnect`.
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
