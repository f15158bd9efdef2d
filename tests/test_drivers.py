"""The page docs/drivers.{ja,en}.md: the idle-timeout failure and both fixes, per driver.

Snippets: snippets/drivers/ (async engines, error texts) and the article's
snippets/mysql_server_has_gone_away/pre_ping.py and recycle.py, which work unchanged
with every synchronous driver: only the URL in DATABASE_URL changes.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from pages import render
from support import (
    ASYNC_DRIVERS,
    SQLALCHEMY_1_4,
    SYNC_DRIVERS,
    assert_mysql_8_farewell,
    drop_idle_connections_after,
    exception_line,
    linked_client_library,
    load_snippet,
    pool_sees_connections_aged,
    wait_past_timeout,
    with_driver,
)

PAGE = "drivers"
ERROR_TEXTS = {  # the page shows the index's texts (docs/error-messages)
    "libmariadb": "error_messages/messages.txt:libmariadb",
    "libmysqlclient": "error_messages/messages.txt:libmysqlclient",
    "pymysql": "error_messages/messages.txt:pymysql",
    "mysqlconnector": "error_messages/messages.txt:mysql_connector",
    "aiomysql": "error_messages/messages.txt:aiomysql",
    "asyncmy": "error_messages/messages.txt:asyncmy",
}
# Codes a lost connection is reported with, across drivers and servers.
LOST_CONNECTION = {2006, 2013, 2055, 4031}


def error_code(error: BaseException) -> int:
    return getattr(error, "errno", None) or error.args[0]


def assert_text_on_page(driver: str, error: BaseException, mysql_8_0_24: bool) -> None:
    """The driver's exception line is on the page: in its driver's block, or, for the
    4031 a MySQL 8.0.24+ server sends (mysqlclient on libmysqlclient reads it; the
    pure-Python drivers report 2013), in the "MySQL 8.0.24 and later" block."""

    def normalize(line: str) -> str:
        return re.sub(r"'127\.0\.0\.1:\d+'", "'127.0.0.1:PORT'", line)

    line = normalize(exception_line(error))
    if error_code(error) == 4031:
        assert_mysql_8_farewell([line], mysql_8_0_24)
        return
    if driver == "mysqldb":  # its wording comes from the C library it is linked against
        driver = linked_client_library()
    shown = [normalize(line) for line in render(ERROR_TEXTS[driver]).splitlines()]
    assert line in shown, f"{driver} said {line!r}; the page shows {shown}"


# --- Synchronous drivers ----------------------------------------------------------------


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_idle_connection_fails_without_a_fix(database_url, driver, server_is_mysql_8_0_24_or_later):
    engine = drop_idle_connections_after(create_engine(with_driver(database_url, driver)))
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    wait_past_timeout()
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert error_code(caught.value.orig) in LOST_CONNECTION
    assert_text_on_page(driver, caught.value.orig, server_is_mysql_8_0_24_or_later)
    if driver == "mysqlconnector":
        # The quirk the page describes: not flagged, though the pool still replaces it.
        assert caught.value.connection_invalidated is False
    else:
        assert caught.value.connection_invalidated is True
    with engine.connect() as conn:  # either way, the next checkout gets a new connection
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_pre_ping_fixes_it(database_url, driver):
    url = with_driver(database_url, driver)
    engine = load_snippet("mysql_server_has_gone_away/pre_ping.py", url)["engine"]
    drop_idle_connections_after(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    wait_past_timeout()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_recycle_fixes_it(database_url, driver, monkeypatch):
    url = with_driver(database_url, driver)
    engine = load_snippet("mysql_server_has_gone_away/recycle.py", url)["engine"]
    drop_idle_connections_after(engine)
    opened_at = time.time()
    with engine.connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
    wait_past_timeout()
    pool_sees_connections_aged(monkeypatch, opened_at, global_timeout)  # as in the article
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


# --- asyncio drivers through SQLAlchemy's asyncio extension -----------------------------


async def use_then_reuse(engine, idle: bool = False, before_reuse=None):
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    if idle:
        await asyncio.to_thread(wait_past_timeout)
    if before_reuse:
        before_reuse()
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text("SELECT 1"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_async_idle_connection_fails_without_a_fix(
    database_url, driver, server_is_mysql_8_0_24_or_later
):
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(with_driver(database_url, driver))
    drop_idle_connections_after(engine.sync_engine)
    with pytest.raises(OperationalError) as caught:
        asyncio.run(use_then_reuse(engine, idle=True))
    assert error_code(caught.value.orig) in LOST_CONNECTION
    assert caught.value.connection_invalidated
    assert_text_on_page(driver, caught.value.orig, server_is_mysql_8_0_24_or_later)


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_async_pre_ping_fixes_it(database_url, driver):
    url = with_driver(database_url, driver)
    engine = load_snippet("drivers/async_pre_ping.py", url)["engine"]
    drop_idle_connections_after(engine.sync_engine)
    if SQLALCHEMY_1_4:
        # SQLAlchemy < 2.0.50 sees PyMySQL >= 1.2's ping() signature and calls the async
        # adapter's ping() with no argument, but the adapter requires `reconnect`.
        with pytest.raises(TypeError, match="reconnect"):
            asyncio.run(use_then_reuse(engine, idle=True))
    else:
        assert asyncio.run(use_then_reuse(engine, idle=True)) == 1


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_async_recycle_fixes_it(database_url, driver, monkeypatch):
    url = with_driver(database_url, driver)
    engine = load_snippet("drivers/async_recycle.py", url)["engine"]
    drop_idle_connections_after(engine.sync_engine)
    observer = create_engine(database_url, poolclass=NullPool)
    with observer.connect() as conn:
        global_timeout = conn.execute(text("SELECT @@GLOBAL.wait_timeout")).scalar_one()
    observer.dispose()
    opened_at = time.time()
    result = asyncio.run(
        use_then_reuse(
            engine,
            idle=True,
            before_reuse=lambda: pool_sees_connections_aged(monkeypatch, opened_at, global_timeout),
        )
    )
    assert result == 1
