"""Watching SQLAlchemy's pool: which connection a checkout got, its pings, its clock."""

from __future__ import annotations

import time
import types

from sqlalchemy import text
from sqlalchemy.engine import Engine


def connection_id(conn) -> int:
    """The server's id for the connection (as SHOW PROCESSLIST lists it)."""
    return conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()


def checked_out_id(engine: Engine) -> int:
    """Check a connection out, use it, give it back; returns its server id."""
    with engine.connect() as conn:
        return connection_id(conn)


def count_pings(engine: Engine, monkeypatch) -> list:
    """Record every ping the engine's pool sends (pool_pre_ping); returns the list."""
    pings: list = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection):
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    return pings


def wait_past_recycle(engine: Engine) -> None:
    """Let the engine's pooled connections grow older than its pool_recycle.

    The pool judges age by the client's clock alone (time.time() at checkout against
    the time the connection was opened), so a plain sleep is exact here.
    """
    recycle = engine.pool._recycle
    assert recycle > 0, "this engine has no pool_recycle"
    time.sleep(recycle + 0.1)


def pool_sees_connections_aged(monkeypatch, opened_at: float, limit: float) -> None:
    """Make SQLAlchemy's pool see the connections opened since `opened_at` (a time.time()
    taken before the first checkout) as just past `limit` seconds old.

    The server really has closed the connection after its 1-second session timeout;
    this makes the pool judge `pool_recycle` against the limit the page talks about
    (wait_timeout's 8 hours, a load balancer's 350 s). Half a second past it: a
    pool_recycle even one second above the limit lets the dead connection through.
    Only the pool's age checks see the moved clock.
    """
    import sqlalchemy.pool.base as pool_base

    offset = opened_at + limit + 0.5 - time.time()
    real_time = time.time
    monkeypatch.setattr(pool_base, "time", types.SimpleNamespace(time=lambda: real_time() + offset))
