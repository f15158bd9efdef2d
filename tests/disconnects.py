"""Ways the tests end a connection on the server's side: an idle timeout, a KILL.

(A middlebox that ends connections on the way is in middlebox.py; a server restart is
servers.OwnedServer.restart.)
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from clients import with_driver

_STILL_CONNECTED = text(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN :ids"
).bindparams(bindparam("ids", expanding=True))

_OTHERS_ON_DATABASE = text(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
)


class IdleTimeout:
    """Connections the server will close after a short idle time, and the wait for it.

    ``SET SESSION wait_timeout`` on the connections given: the server's global settings
    and every other client are left alone. This is how the tests turn the default
    8 hours into a second. Use it through the ``idle_timeout`` fixture (one per test).
    """

    def __init__(self) -> None:
        # Server thread id -> (URL to observe it from, its wait_timeout), not yet seen dropped.
        self._short_lived: dict[int, tuple[str, int]] = {}
        # Database name -> (URL, wait_timeout) given by shorten_url to a program.
        self._program_urls: dict[str, tuple[str, int]] = {}

    def shorten(self, engine: Engine, seconds: int = 1) -> Engine:
        """Every connection `engine` opens from now on is closed after `seconds` idle."""

        @event.listens_for(engine, "connect")
        def set_session_wait_timeout(dbapi_connection, _connection_record):
            self.shorten_dbapi_connection(dbapi_connection, engine.url, seconds)

        return engine

    def shorten_connection(self, conn: Connection, seconds: int = 1) -> None:
        """This connection only (e.g. the one a Session is using) is closed after `seconds` idle."""
        self.shorten_dbapi_connection(conn.connection.dbapi_connection, conn.engine.url, seconds)

    def shorten_dbapi_connection(self, dbapi_connection, url: URL, seconds: int = 1) -> None:
        """A driver's own connection to the server at `url` is closed after `seconds` idle."""
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET SESSION wait_timeout = {int(seconds)}")
        cursor.execute("SELECT CONNECTION_ID()")
        thread_id = cursor.fetchone()[0]
        cursor.close()
        observer_url = with_driver(url.render_as_string(hide_password=False), "mysqldb")
        self._short_lived[thread_id] = (observer_url, seconds)

    def shorten_url(self, database_url: str, seconds: int = 1) -> str:
        """The URL to give a program the test starts (an app server, a script): every
        connection it opens runs ``SET SESSION wait_timeout`` first (the URL's
        ``init_command``, which each driver runs on connect). The program's connections
        are in another process: call ``watch_database`` once they are open."""
        url = make_url(database_url)
        self._program_urls[url.database] = (database_url, seconds)
        query = {"init_command": f"SET SESSION wait_timeout = {int(seconds)}"}
        return url.update_query_dict(query).render_as_string(hide_password=False)

    def watch_database(self, database_url: str) -> list[int]:
        """Register, for ``wait``, every connection now open to the database of a URL made
        by ``shorten_url``: those of the program the test started (the test itself holds
        none to it at that moment). Returns their server ids."""
        url, seconds = self._program_urls[make_url(database_url).database]
        observer_url = with_driver(url, "mysqldb")
        observer = create_engine(observer_url, poolclass=NullPool)
        try:
            with observer.connect() as conn:
                ids = conn.execute(_OTHERS_ON_DATABASE).scalars().all()
        finally:
            observer.dispose()
        assert ids, f"no connection to {make_url(url).database}: has the program connected?"
        for thread_id in ids:
            self._short_lived[thread_id] = (observer_url, seconds)
        return ids

    def wait(self, limit: float = 30) -> None:
        """Wait until the server has really closed every connection shortened so far.

        The server notices an idle connection on its own schedule; on a loaded machine
        that can be later than the timeout plus a margin. It closes the socket, then
        removes the connection from its process list, so once PROCESSLIST no longer shows
        them the client's next statement meets a closed connection.
        """
        assert self._short_lived, (
            "nothing to wait for: shorten the idle timeout of an engine or a connection first "
            "(idle_timeout.shorten / shorten_connection)"
        )
        seconds = max(s for _, s in self._short_lived.values())
        time.sleep(seconds)  # none can be gone sooner
        by_url: dict[str, list[int]] = {}
        for thread_id, (url, _) in self._short_lived.items():
            by_url.setdefault(url, []).append(thread_id)
        self._short_lived.clear()
        for url, ids in by_url.items():
            observer = create_engine(url, poolclass=NullPool)
            try:
                with observer.connect() as conn:
                    deadline = time.monotonic() + limit
                    while left := conn.execute(_STILL_CONNECTED, {"ids": ids}).scalars().all():
                        assert time.monotonic() < deadline, (
                            f"the server still has connections {left} {limit} s after "
                            f"their wait_timeout of {seconds} s"
                        )
                        time.sleep(0.05)
            finally:
                observer.dispose()


# --- KILL -------------------------------------------------------------------------------

_STATEMENT_OF = text("SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = :id")


def _is_sleeping(statement: str | None) -> bool:
    return bool(statement) and statement.upper().startswith("SELECT SLEEP")


def kill_once_running(conn, victim_id: int, what: str = "CONNECTION", timeout: float = 10) -> None:
    """From `conn`, KILL `what` `victim_id` as soon as the victim is running its SLEEP().

    Waiting for PROCESSLIST to show the statement (instead of a fixed delay) makes sure
    the kill lands during the query, however slow the machine is.
    """
    deadline = time.monotonic() + timeout
    while not _is_sleeping(conn.execute(_STATEMENT_OF, {"id": victim_id}).scalar()):
        assert time.monotonic() < deadline, (
            f"connection {victim_id} did not start its SLEEP() in {timeout} s"
        )
        time.sleep(0.02)
    conn.execute(text(f"KILL {what} {victim_id}"))


async def kill_once_running_async(
    conn, victim_id: int, what: str = "CONNECTION", timeout: float = 10
) -> None:
    """kill_once_running, from an AsyncConnection."""
    deadline = time.monotonic() + timeout
    while not _is_sleeping(await conn.scalar(_STATEMENT_OF, {"id": victim_id})):
        assert time.monotonic() < deadline, (
            f"connection {victim_id} did not start its SLEEP() in {timeout} s"
        )
        await asyncio.sleep(0.02)
    await conn.execute(text(f"KILL {what} {victim_id}"))


def shortened_timeouts(engine, *names: str, seconds: int = 2) -> dict:
    """Shorten the snippet's own timeouts `names` to `seconds` for the test (a timeout
    the snippet does not set stays unset); returns the connect arguments the snippet
    gave, as the driver would have received them."""
    seen: dict = {}

    @event.listens_for(engine, "do_connect")
    def shorten(_dialect, _conn_rec, _cargs, cparams):
        seen.update(cparams)
        for name in names:
            if name in cparams:
                cparams[name] = seconds

    return seen
