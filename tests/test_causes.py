"""The page docs/causes.{ja,en}.md: every way the connection goes away, and which fix helps.

Snippets: snippets/causes/. Each cell of the page's table names a test here (or in
test_mysql_server_has_gone_away.py for the idle timeout); test_every_cell_names_a_test
keeps the two in step.
"""

from __future__ import annotations

import asyncio
import configparser
import gc
import re
import threading
import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from clients import (
    ASYNC_PRE_PING_FAILS,
    DRIVERS,
    SYNC_DRIVERS,
    client_of,
    linked_client_library,
    with_driver,
)
from disconnects import kill_once_running, shortened_timeouts
from error_texts import (
    KILLED_CODES,
    READ_ONLY_TEXTS,
    SLOW_READER,
    code_of,
    exception_line,
    groups,
    lines_shown,
    section_for,
)
from middlebox import Middlebox
from pages import DOCS, ROOT, languages, render
from pool import checked_out_id, connection_id, pool_sees_connections_aged, wait_past_recycle
from runners import run_sql
from servers import answers_on_its_socket
from settings import (
    AZURE_LB_IDLE_TIMEOUT,
    KUBE_PROXY_CONNTRACK_ESTABLISHED,
    NLB_IDLE_TIMEOUT,
    PROXYSQL_WAIT_TIMEOUT,
    RDS_PROXY_IDLE_CLIENT_TIMEOUT,
    assert_recycles_before,
    default_argument,
    engine_options,
    highest_recycle_below,
    recycles_too_late,
)

PAGE = "causes"
PRE_PING = "mysql_server_has_gone_away/pre_ping.py"  # the article's fixes, shown here too
RECYCLE = "mysql_server_has_gone_away/recycle.py"


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


def assert_disconnect(caught) -> None:
    error = caught.value
    assert error.orig.args[0] in KILLED_CODES, error
    assert error.connection_invalidated


# --- The page's table names real tests ----------------------------------------------


def which_fix_helps(lang: str) -> tuple[list[list[str]], list[list[str]]]:
    """The "Which fix helps" table as readers see it, and the same table with the test
    behind each cell (in the collapsed note under it): rows of cells, header rows left out."""
    lines = (ROOT / "docs" / f"{PAGE}.{lang}.md").read_text(encoding="utf-8").splitlines()

    def table_at(start: int, indent: str) -> list[list[str]]:
        rows = []
        for line in lines[start:]:
            if not line.startswith(indent + "|"):
                break
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        return rows[2:]

    shown = next(i for i, line in enumerate(lines) if line.startswith("|"))
    tested = next(i for i, line in enumerate(lines) if i > shown and line.startswith("    |"))
    return table_at(shown, ""), table_at(tested, "    ")


@pytest.mark.parametrize("lang", languages())
def test_every_cell_names_a_test(lang):
    _, tested = which_fix_helps(lang)
    assert tested, "the page has no table of the tests behind its cells"
    defined = {
        name
        for module in (ROOT / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", module.read_text("utf-8"), re.M)
    }
    for row in tested:
        for cell in row[1:]:
            names = re.findall(r"`(test_\w+)", cell)
            assert names, f"{lang}: cell {cell!r} in row {row[0]!r} names no test"
            for name in names:
                assert name in defined, f"{lang}: {name} is on the page but not in tests/"


@pytest.mark.parametrize("lang", languages())
def test_the_table_readers_see_says_what_its_tests_show(lang):
    """The reader's table and the table of tests under it: the same rows, and each cell's
    verdict (✅, ❌ or none) the same."""
    shown, tested = which_fix_helps(lang)
    assert [row[0] for row in shown] == [row[0] for row in tested], f"{lang}: the rows differ"

    def verdict(cell: str) -> str:
        return cell[0] if cell[:1] in ("✅", "❌") else ""

    for seen, proof in zip(shown, tested, strict=True):
        assert [verdict(c) for c in seen] == [verdict(c) for c in proof], (
            f"{lang}: row {seen[0]!r} says {seen[1:]} but its tests say {proof[1:]}"
        )
        assert not any("`test_" in cell for cell in seen), f"{lang}: test names in {seen[0]!r}"


# --- Server restart or failover -------------------------------------------------------


def test_restart_breaks_pooled_connections(owned_server, engines):
    engine = engines.create(owned_server.url)
    checked_out_id(engine)
    owned_server.restart()
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert_disconnect(caught)


def test_pre_ping_recovers_after_restart(owned_server, engines):
    engine = engines.snippet_engine(PRE_PING, owned_server.url)
    checked_out_id(engine)
    owned_server.restart()
    with engine.connect() as conn:  # pre-ping replaced it with a connection to the new server
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_recycle_does_not_help_after_restart(owned_server, engines):
    engine = engines.snippet_engine(RECYCLE, owned_server.url)
    checked_out_id(engine)
    owned_server.restart()  # the connection is seconds old: far below pool_recycle
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert_disconnect(caught)


# --- Failover to a read-only server ----------------------------------------------------
#
# Two real servers stand for the two ends of a failover: the suite's own server is the old
# primary, demoted (SET GLOBAL read_only=ON); the shared test server is the new primary.
# The engine connects through the middlebox, as an application connects through DNS or a
# virtual IP: at the failover the middlebox sends new connections to the new primary,
# while the connections opened before stay on the old one.
#
# read_only does not stop a user with the READ ONLY ADMIN (or SUPER) privilege, and on a
# server started with --skip-grant-tables everyone has every privilege. So the fixture
# turns the owned server's grant tables on (FLUSH PRIVILEGES) and gives the test's user
# rights on its database only; afterwards it gives root back every privilege.

FAILOVER = snippet("read_only_failover.py")
FAILOVER_TABLE = "failover_orders"


class Failover:
    def __init__(self, url: str, old: tuple[str, int], new: tuple[str, int], box, admin):
        self.url, self.old, self.new, self.middlebox, self._admin = url, old, new, box, admin

    def fail_over(self) -> None:
        """The old primary becomes read-only; new connections go to the new primary."""
        self._admin.exec_driver_sql("SET GLOBAL read_only = ON")
        self.middlebox.redirect_new(*self.new)


@pytest.fixture
def failover(owned_server, server_url, database_url, admin_engine, engines):
    if server_url.query.get("unix_socket"):
        pytest.skip("the middlebox is a TCP proxy: this server is reached by a unix socket")
    app = make_url(database_url)
    name, user, password = app.database, app.username, app.password or ""
    with admin_engine.begin() as conn:  # the new primary: the shared server, the test's database
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS `{name}`.{FAILOVER_TABLE}")
        conn.exec_driver_sql(f"CREATE TABLE `{name}`.{FAILOVER_TABLE} (id INT)")
    old_port = owned_server.process.port
    # AUTOCOMMIT: DDL without SQLAlchemy 1.4's deprecated autocommit.
    owned = engines.create(owned_server.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    admin = owned.connect()
    users = [f"'{user}'@'localhost'", f"'{user}'@'127.0.0.1'"]
    grant_tables_on = False
    try:
        admin.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{name}`")
        admin.exec_driver_sql(f"DROP TABLE IF EXISTS `{name}`.{FAILOVER_TABLE}")
        admin.exec_driver_sql(f"CREATE TABLE `{name}`.{FAILOVER_TABLE} (id INT)")
        admin.exec_driver_sql("FLUSH PRIVILEGES")  # grant tables on; this session keeps its rights
        grant_tables_on = True
        for account in users:
            admin.exec_driver_sql(f"CREATE OR REPLACE USER {account} IDENTIFIED BY '{password}'")
            admin.exec_driver_sql(f"GRANT ALL ON `{name}`.* TO {account}")
        with Middlebox("127.0.0.1", old_port) as box:
            url = make_url(database_url).set(host="127.0.0.1", port=box.port)
            yield Failover(
                url.render_as_string(hide_password=False),
                ("127.0.0.1", old_port),
                (server_url.host, server_url.port or 3306),
                box,
                admin,
            )
    finally:
        admin.exec_driver_sql("SET GLOBAL read_only = OFF")
        admin.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        for account in users if grant_tables_on else []:
            admin.exec_driver_sql(f"DROP USER IF EXISTS {account}")
        # root as the suite's own server has it (the grant tables stay on until its next
        # restart): every right, no password, on the socket and on 127.0.0.1.
        for root in ("'root'@'localhost'", "'root'@'127.0.0.1'") if grant_tables_on else []:
            admin.exec_driver_sql(f"CREATE OR REPLACE USER {root}")
            admin.exec_driver_sql(f"GRANT ALL ON *.* TO {root} WITH GRANT OPTION")
        admin.close()
        assert answers_on_its_socket(owned_server.process), "root lost its rights"


def place_order(engine) -> int:
    """One unit of work that writes; returns the port of the server that took it."""
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {FAILOVER_TABLE} (id) VALUES (1)"))
        return conn.execute(text("SELECT @@port")).scalar_one()


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_pre_ping_keeps_a_connection_to_the_demoted_server(failover, driver, engines):
    """After the failover, new connections would reach the writable new primary, but the
    pool's connection is alive on the old one: pre-ping passes, and every write fails."""
    engine = engines.snippet_engine(PRE_PING, with_driver(failover.url, driver))
    assert place_order(engine) == failover.old[1]
    failover.fail_over()
    for _ in range(3):  # the same connection again and again: the error does not go away
        with pytest.raises(DBAPIError) as caught:
            place_order(engine)
        assert_read_only(caught.value, driver)
        assert not caught.value.connection_invalidated
        with engine.connect() as conn:  # checked out (and pinged) like any other
            where = conn.execute(text("SELECT @@port, @@read_only")).one()
        assert tuple(where) == (failover.old[1], 1), "still on the demoted server"


def test_recycle_does_not_help_after_failover(failover, engines):
    engine = engines.snippet_engine(RECYCLE, failover.url)
    place_order(engine)
    failover.fail_over()
    with pytest.raises(DBAPIError) as caught:  # the connection is seconds old
        place_order(engine)
    assert_read_only(caught.value, "mysqldb")


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_read_only_handler_reconnects_to_the_new_primary(failover, driver, engines):
    """read_only_failover.py: the failed write invalidates the pool; the next unit of work
    (the application's retry) connects anew, and reaches the new primary."""
    engine = engines.snippet_engine(FAILOVER, with_driver(failover.url, driver))
    assert place_order(engine) == failover.old[1]
    failover.fail_over()
    with pytest.raises(DBAPIError) as caught:
        place_order(engine)
    assert_read_only(caught.value, driver)
    assert caught.value.connection_invalidated
    assert place_order(engine) == failover.new[1]


@pytest.mark.parametrize("driver", DRIVERS)
def test_1927_connection_was_killed_is_a_disconnect_except_with_mysql_connector(driver):
    """MariaDB's 1927 is in the MySQL dialect's list since SQLAlchemy 1.3.19 (#5493);
    the mysql-connector dialect has its own list, without it."""
    dialect = create_engine(f"mysql+{driver}://").dialect
    dbapi = dialect.dbapi  # the driver's module (or SQLAlchemy's asyncio adaptation of it)
    if driver == "mysqlconnector":
        error = dbapi.OperationalError(msg="Connection was killed", errno=1927)
    else:
        error = dbapi.OperationalError(1927, "Connection was killed")
    assert dialect.is_disconnect(error, None, None) is (driver != "mysqlconnector")


def assert_read_only(error: DBAPIError, driver: str) -> None:
    """1290 from the demoted server, in the words the page shows for this driver."""
    assert code_of(error.orig) == 1290, error
    lines = [exception_line(error.orig), exception_line(error).splitlines()[0]]
    shown = lines_shown([READ_ONLY_TEXTS])
    assert [line for line in lines if line not in shown] == [], (driver, lines)


# --- KILL CONNECTION and KILL QUERY ---------------------------------------------------


def kill(admin_engine, what: str, connection: int) -> None:
    with admin_engine.connect() as admin:
        admin.exec_driver_sql(f"KILL {what} {connection}")


def test_kill_connection_breaks_a_pooled_connection(database_url, admin_engine, engines):
    engine = engines.create(database_url)
    kill(admin_engine, "CONNECTION", checked_out_id(engine))
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert_disconnect(caught)


def test_pre_ping_recovers_after_kill_connection(database_url, admin_engine, engines):
    engine = engines.snippet_engine(PRE_PING, database_url)
    killed = checked_out_id(engine)
    kill(admin_engine, "CONNECTION", killed)
    assert checked_out_id(engine) != killed


def test_recycle_does_not_help_after_kill_connection(database_url, admin_engine, engines):
    engine = engines.snippet_engine(RECYCLE, database_url)
    kill(admin_engine, "CONNECTION", checked_out_id(engine))
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert_disconnect(caught)


def test_kill_query_is_not_a_disconnect(database_url, admin_engine, engines):
    engine = engines.create(database_url, future=True)  # commit/rollback as in 2.x, on 1.4 too
    with engine.connect() as conn:
        own_id = connection_id(conn)

        def kill_query():
            with admin_engine.connect() as admin:
                kill_once_running(admin, own_id, "QUERY")

        killer = threading.Thread(target=kill_query)
        killer.start()
        try:
            outcome = conn.execute(text("SELECT SLEEP(10)")).scalar_one()
        except OperationalError as error:
            outcome = error
        finally:
            killer.join()
        # MariaDB reports 1317; MySQL ends SLEEP() early and returns 1 instead.
        if isinstance(outcome, OperationalError):
            assert outcome.orig.args[0] == 1317, outcome
            assert not outcome.connection_invalidated
            conn.rollback()
        else:
            assert outcome == 1
        assert connection_id(conn) == own_id, "the same connection goes on working"


# --- A packet larger than max_allowed_packet ------------------------------------------


def insert_blob(engine, size: int | None = None) -> None:
    """INSERT a value of `size` bytes (default: 1 KB more than the connection's limit)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS blobs (data LONGBLOB)"))
        limit = conn.execute(text("SELECT @@max_allowed_packet")).scalar_one()
    with engine.begin() as conn:
        data = b"x" * (size or limit + 1024)
        conn.execute(text("INSERT INTO blobs (data) VALUES (:data)"), {"data": data})


@pytest.mark.parametrize("fix", [PRE_PING, RECYCLE])
def test_oversized_packet_fails_even_with_a_fix(database_url, fix, engines):
    engine = engines.snippet_engine(fix, database_url)
    with pytest.raises(OperationalError) as caught:
        insert_blob(engine)
    # 1153: the server refused the packet, and it has closed the connection too.
    assert caught.value.orig.args[0] in {1153, 2006, 2013}, caught.value


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_oversized_packet_replaces_every_pooled_connection(database_url, driver, engines):
    """The page: each failed try of an oversized statement counts as a disconnect, and
    the pool discards all its connections, not only the one that sent it."""
    engine = engines.create(with_driver(database_url, driver))
    with engine.connect() as first, engine.connect() as second:  # two pooled connections
        pooled = {connection_id(first), connection_id(second)}
    with pytest.raises(OperationalError) as caught:
        insert_blob(engine)
    assert caught.value.connection_invalidated, caught.value
    with engine.connect() as first, engine.connect() as second:
        now = {connection_id(first), connection_id(second)}
    assert not pooled & now, f"{driver}: connections kept after the failure: {pooled & now}"


def raised_limit() -> int:
    """The limit the page raises max_allowed_packet to, from its SET GLOBAL."""
    raise_sql = render(snippet("max_allowed_packet.sql:raise"))
    return eval(re.search(r"=\s*([\d\s*]+);", raise_sql)[1])  # "256 * 1024 * 1024"


def test_raised_max_allowed_packet_is_above_every_default_the_page_names():
    """Raising the limit raises it on every server the page names, and my.cnf agrees."""
    wanted = raised_limit()
    config = configparser.ConfigParser()
    config.read_string(render(snippet("my.cnf")))
    # The server reads max-allowed-packet and max_allowed_packet alike.
    options = {name.replace("-", "_"): value for name, value in config["mysqld"].items()}
    size = options["max_allowed_packet"]
    assert int(size.rstrip("M")) * 1024 * 1024 == wanted, "my.cnf and SET GLOBAL must agree"
    for lang in languages():
        page = (DOCS / f"{PAGE}.{lang}.md").read_text(encoding="utf-8")
        (sentence,) = [line for line in page.splitlines() if "MariaDB 10.11" in line]
        defaults = [int(mb) * 1024 * 1024 for mb in re.findall(r"(\d+) MB", sentence)]
        assert len(defaults) == 2, f"{lang}: the defaults the page names: {sentence}"
        assert all(wanted > default for default in defaults), (wanted, defaults)


def test_raising_max_allowed_packet_lets_it_through(owned_server, engines):
    """On the suite's own server, its limit first set to MariaDB's default of 16 MiB:
    a 17 MiB value fails until the page's SET GLOBAL raises the limit."""
    small, blob = 16 * 1024 * 1024, 17 * 1024 * 1024

    def set_global_limit(value: int) -> None:
        engine = engines.create(owned_server.url)
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SET GLOBAL max_allowed_packet = {value}")
        engine.dispose()  # the new limit applies to connections opened after the change

    engine = engines.create(owned_server.url)
    with engine.connect() as conn:
        original = conn.execute(text("SELECT @@GLOBAL.max_allowed_packet")).scalar_one()
    wanted = raised_limit()
    assert wanted > blob

    set_global_limit(small)
    try:
        engine = engines.create(owned_server.url)
        with pytest.raises(OperationalError):
            insert_blob(engine, blob)
        engine.dispose()

        engine = engines.create(owned_server.url)
        with engine.connect() as conn:
            run_sql(snippet("max_allowed_packet.sql:raise"), conn)  # as the page shows it
            # The page's check shows the new GLOBAL value; this connection keeps its own.
            _, [(_, shown)] = run_sql(snippet("max_allowed_packet.sql:check"), conn)
            assert int(shown) == wanted
        engine.dispose()
        engine = engines.create(owned_server.url)
        insert_blob(engine, blob)
        engine.dispose()
    finally:
        set_global_limit(original)


def test_max_allowed_packet_query_shows_the_setting(database_url, engines):
    engine = engines.create(database_url)
    with engine.connect() as conn:
        _, [(name, value)] = run_sql(snippet("max_allowed_packet.sql:check"), conn)
    assert name == "max_allowed_packet" and int(value) >= 1024 * 1024


# pandas DataFrame.to_sql, on the suite's own server with max_allowed_packet set to 1 MiB
# (GLOBAL only: MariaDB's session value is read-only). The same 8,000 rows of about 210
# bytes (1.7 MB in all) are written without chunksize (fails) and by the page's snippet.
SMALL_PACKET_LIMIT = 1024 * 1024
TO_SQL_ROWS = 8000


def readings():
    import pandas as pd

    return pd.DataFrame({"id": range(TO_SQL_ROWS), "note": ["x" * 200] * TO_SQL_ROWS})


def pandas_takes_this_sqlalchemy() -> bool:
    """pandas hands an Engine to its SQLAlchemy code only from the SQLAlchemy version it
    lists as its minimum (2.0.42 for pandas 3.1); with SQLAlchemy 1.4 it warns and fails."""
    import sqlalchemy
    from packaging.version import Version
    from pandas.compat._optional import VERSIONS

    return Version(sqlalchemy.__version__) >= Version(VERSIONS["sqlalchemy"])


@pytest.fixture
def small_packet_url(owned_server, engines):
    """The owned server's URL, its GLOBAL max_allowed_packet 1 MiB for this test."""

    def set_limit(value: int) -> None:
        admin = engines.create(owned_server.url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SET GLOBAL max_allowed_packet = {value}")
        admin.dispose()

    admin = engines.create(owned_server.url)
    with admin.begin() as conn:
        original = conn.execute(text("SELECT @@GLOBAL.max_allowed_packet")).scalar_one()
        conn.exec_driver_sql("DROP TABLE IF EXISTS readings")
        conn.exec_driver_sql("CREATE TABLE readings (id BIGINT, note TEXT)")
    admin.dispose()
    set_limit(SMALL_PACKET_LIMIT)
    try:
        yield owned_server.url  # new connections get the 1 MiB limit
    finally:
        set_limit(original)


def rows_in_readings(url: str, engines) -> int:
    with engines.create(url).connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM readings")).scalar_one()


def assert_pandas_refuses_sqlalchemy_1_4(engine) -> None:
    with pytest.warns(UserWarning, match="only supports SQLAlchemy"):
        with pytest.raises(AttributeError, match="cursor"):
            readings().to_sql("readings", engine, if_exists="append", index=False)


# Without chunksize, the whole DataFrame goes in one statement: with method="multi" (one
# INSERT of every row), and with mysql-connector's executemany (it joins every row into
# one INSERT). mysqlclient's and PyMySQL's executemany split it themselves (below).
@pytest.mark.parametrize(
    ("driver", "method"),
    [("mysqldb", "multi"), ("pymysql", "multi"), ("mysqlconnector", "multi"),
     ("mysqlconnector", None)],
)  # fmt: skip
def test_to_sql_without_chunksize_exceeds_max_allowed_packet(
    small_packet_url, driver, method, engines
):
    engine = engines.create(with_driver(small_packet_url, driver))
    if not pandas_takes_this_sqlalchemy():
        assert_pandas_refuses_sqlalchemy_1_4(engine)
        return
    # What escapes differs by driver and run (the branches below); the test asserts each.
    with pytest.raises(Exception) as caught:  # noqa: PT011
        readings().to_sql("readings", engine, if_exists="append", index=False, method=method)
    error = caught.value
    if isinstance(error, OperationalError):  # the driver's error, as on the page
        assert error.orig.args[0] in {1153, 2006, 2013, 2055}, error
        assert error.connection_invalidated, error
    elif isinstance(error, PendingRollbackError):
        # Observed now and then: pandas ends its transaction as if nothing had failed,
        # SQLAlchemy's commit finds the connection invalidated, and its error replaces
        # the driver's in the traceback.
        assert "Can't reconnect until invalid transaction is rolled back" in str(error)
    else:
        # mysql-connector's C extension (9.4.0, noxfile.py's session): its own error from
        # pandas' cleanup escapes, not wrapped by SQLAlchemy, with nothing chained to it.
        assert client_of(driver) == "mysqlconnector_cext", repr(error)
        assert type(error).__name__ == "MySQLInterfaceError", repr(error)
        assert str(error) == "Lost connection to MySQL server during query", repr(error)
    assert rows_in_readings(small_packet_url, engines) == 0


@pytest.mark.parametrize("driver", ["mysqldb", "pymysql"])
def test_to_sql_executemany_is_split_by_mysqlclient_and_pymysql(small_packet_url, driver, engines):
    """Without method="multi", pandas passes the rows to executemany, which these two
    drivers rewrite into multi-row INSERTs of at most 64 KiB (mysqlclient) or 1,024,000
    bytes (PyMySQL): below 1 MiB, so the same data goes through without chunksize."""
    engine = engines.create(with_driver(small_packet_url, driver))
    if not pandas_takes_this_sqlalchemy():
        assert_pandas_refuses_sqlalchemy_1_4(engine)
        return
    readings().to_sql("readings", engine, if_exists="append", index=False)
    assert rows_in_readings(small_packet_url, engines) == TO_SQL_ROWS


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_to_sql_chunksize_keeps_each_insert_below_max_allowed_packet(
    small_packet_url, driver, engines
):
    namespace = engines.load_snippet(
        snippet("to_sql_chunksize.py"), with_driver(small_packet_url, driver)
    )
    if not pandas_takes_this_sqlalchemy():
        assert_pandas_refuses_sqlalchemy_1_4(namespace["engine"])
        return
    namespace["save"](readings(), "readings")
    assert rows_in_readings(small_packet_url, engines) == TO_SQL_ROWS


# --- A middlebox ends idle TCP connections --------------------------------------------


def through(middlebox, database_url: str) -> str:
    """The database URL through the middlebox (the conftest fixture `middlebox`)."""
    return middlebox.url(database_url)


def end_connections(middlebox, how: str) -> None:
    {"fin": middlebox.close_all, "rst": middlebox.reset_all, "drop": middlebox.drop_all}[how]()


@pytest.mark.parametrize("how", ["fin", "rst"])
def test_middlebox_close_breaks_a_pooled_connection(database_url, middlebox, how, engines):
    engine = engines.create(through(middlebox, database_url))
    checked_out_id(engine)
    end_connections(middlebox, how)
    with pytest.raises(OperationalError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert_disconnect(caught)
    if linked_client_library() == "libmariadb":  # the codes the page gives for this client
        assert caught.value.orig.args[0] == {"fin": 2013, "rst": 2006}[how]


@pytest.mark.parametrize("how", ["fin", "rst"])
def test_pre_ping_recovers_after_middlebox_close(database_url, middlebox, how, engines):
    url = through(middlebox, database_url)
    engine = engines.snippet_engine(PRE_PING, url)
    first_id = checked_out_id(engine)
    end_connections(middlebox, how)
    assert checked_out_id(engine) != first_id


@pytest.mark.parametrize("how", ["fin", "rst", "drop"])
def test_recycle_below_the_middlebox_limit_avoids_it(database_url, middlebox, how, engines):
    """pool_recycle 1 s; the middlebox forgets connections idle for longer."""
    engine = engines.create(through(middlebox, database_url), pool_recycle=1)
    first_id = checked_out_id(engine)
    wait_past_recycle(engine)
    end_connections(middlebox, how)
    assert checked_out_id(engine) != first_id  # recycled at checkout, never used


def in_background(work) -> tuple[threading.Thread, dict]:
    """Run work() in a thread that a hang cannot keep the test waiting on; the outcome
    fills in: started, then the result ("id") or the error, and how many seconds it took."""
    outcome: dict = {}

    def run():
        started = outcome["started"] = time.monotonic()
        try:
            outcome["id"] = work()
        except DBAPIError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def checkout_in_background(engine) -> tuple[threading.Thread, dict]:
    return in_background(lambda: checked_out_id(engine))


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_pre_ping_hangs_on_a_silent_drop_without_read_timeout(
    database_url, middlebox, driver, engines
):
    url = with_driver(through(middlebox, database_url), driver)
    engine = engines.snippet_engine(PRE_PING, url)
    checked_out_id(engine)
    middlebox.drop_all()
    thread, outcome = checkout_in_background(engine)
    thread.join(timeout=3)
    assert thread.is_alive(), f"expected the ping to wait for a reply forever: {outcome}"
    middlebox.reset_all()  # let the stuck ping fail, so the thread ends
    thread.join(timeout=10)
    assert not thread.is_alive(), f"the ping should fail once the connection is reset: {outcome}"
    assert "id" in outcome, outcome  # pre-ping replaced the reset connection


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_read_timeout_bounds_pre_ping_on_a_silent_drop(database_url, middlebox, driver, engines):
    """The snippet's settings, with read_timeout shortened from 30 s to 2 s for the test.

    The same connect_args work unchanged with each synchronous driver the site covers.
    """
    url = with_driver(through(middlebox, database_url), driver)
    engine = engines.snippet_engine(snippet("timeouts.py"), url)
    seen = shortened_timeouts(engine, "read_timeout")

    first_id = checked_out_id(engine)
    assert seen.get("read_timeout") and seen.get("write_timeout"), (
        f"timeouts.py must set read_timeout and write_timeout: {seen}"
    )
    ping_failed: list[float] = []
    event.listen(engine.pool, "invalidate", lambda *_: ping_failed.append(time.monotonic()))
    middlebox.drop_all()
    thread, outcome = checkout_in_background(engine)
    thread.join(timeout=2 + 10)
    assert not thread.is_alive(), "the ping should give up after read_timeout"
    assert "error" not in outcome, outcome["error"]  # pre-ping replaced the connection
    assert outcome["id"] != first_id
    # One read_timeout with MariaDB Connector/C and the pure-Python drivers;
    # libmysqlclient may retry the read twice.
    tries = 3 if driver == "mysqldb" and linked_client_library() == "libmysqlclient" else 1
    # Timed up to the failed ping only: the reconnect after it is not read_timeout's doing.
    assert ping_failed, "pre-ping never found the connection dead"
    assert ping_failed[0] - outcome["started"] < 2 * tries + 1.5, (ping_failed, outcome)


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_connect_timeout_bounds_a_connection_that_gets_no_reply(
    database_url, middlebox, driver, engines
):
    """timeouts.py against a server that accepts TCP connections but never answers,
    its connect_timeout and read_timeout shortened to 2 s for the test.

    Observed: mysqlclient (libmariadb) and mysql-connector wait for the server's
    greeting for connect_timeout, and without it forever; PyMySQL waits read_timeout.
    """
    url = with_driver(through(middlebox, database_url), driver)
    engine = engines.snippet_engine(snippet("timeouts.py"), url)
    seen = shortened_timeouts(engine, "connect_timeout", "read_timeout")

    middlebox.drop_new()
    thread, outcome = checkout_in_background(engine)
    thread.join(timeout=2 + 10)
    assert not thread.is_alive(), f"connecting should give up after 2 s: {seen}"
    assert "error" in outcome, outcome
    assert outcome["seconds"] < 2 + 5, outcome
    assert seen.get("connect_timeout"), f"timeouts.py must set connect_timeout: {seen}"
    middlebox.reset_all()  # the stuck handshakes, if any


def large_insert_after_a_silent_drop(engine, middlebox) -> int:
    """Check a connection out (its pre-ping, if any, passes), then drop its traffic and
    send a 12 MB statement: more than the socket buffers hold, so the send blocks."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS uploads (data LONGBLOB)"))
    with engine.connect() as conn:
        middlebox.drop_all()
        data = b"x" * (12 * 1024 * 1024)  # below the clients' own 16 MB packet limit
        conn.execute(text("INSERT INTO uploads (data) VALUES (:data)"), {"data": data})
    return 0


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_large_send_hangs_on_a_silent_drop_without_timeouts(
    database_url, middlebox, driver, engines
):
    engine = engines.create(with_driver(through(middlebox, database_url), driver))
    thread, outcome = in_background(lambda: large_insert_after_a_silent_drop(engine, middlebox))
    thread.join(timeout=3)
    assert thread.is_alive(), f"expected the statement to wait forever: {outcome}"
    middlebox.reset_all()  # let the stuck statement fail, so the thread ends
    thread.join(timeout=10)
    assert not thread.is_alive() and "error" in outcome, outcome


# Which of timeouts.py's settings ends a large send into a silent drop (observed):
# mysqlclient and PyMySQL time the send out after write_timeout; mysql-connector-python
# pings the server before each statement (cursor() -> is_connected()), so its wait
# ends at that ping's read_timeout.
ENDS_A_STALLED_SEND = {
    "mysqldb": "write_timeout",
    "pymysql": "write_timeout",
    "mysqlconnector": "read_timeout",
}


@pytest.mark.parametrize("driver", SYNC_DRIVERS)
def test_write_timeout_bounds_a_large_send_on_a_silent_drop(
    database_url, middlebox, driver, engines
):
    """timeouts.py, the one timeout that ends the wait shortened from 30 s to 2 s (the
    other stays at 30 s, longer than the test waits)."""
    url = with_driver(through(middlebox, database_url), driver)
    engine = engines.snippet_engine(snippet("timeouts.py"), url)
    timeout = ENDS_A_STALLED_SEND[driver]
    seen = shortened_timeouts(engine, timeout)
    thread, outcome = in_background(lambda: large_insert_after_a_silent_drop(engine, middlebox))
    thread.join(timeout=2 + 10)
    alive = thread.is_alive()
    middlebox.reset_all()  # frees a stuck statement, if any, before the assertions
    thread.join(timeout=10)
    assert not alive, f"{timeout} should end the statement after 2 s: {seen}"
    assert "error" in outcome, outcome
    assert outcome["seconds"] < 2 + 5, outcome
    assert seen.get(timeout), f"timeouts.py must set {timeout}: {seen}"


def test_timeouts_snippet_recycles_below_the_middlebox_limit(
    database_url, middlebox, monkeypatch, engines
):
    """pool_recycle=300 against a limit of 350 s (AWS NLB): the pool sees the connection
    just past 350 s old."""
    engine = engines.snippet_engine(snippet("timeouts.py"), through(middlebox, database_url))
    opened_at = time.time()
    first_id = checked_out_id(engine)
    middlebox.drop_all()  # a dropped connection would hang a ping for read_timeout (30 s)
    pool_sees_connections_aged(monkeypatch, opened_at, 350)
    thread, outcome = checkout_in_background(engine)
    thread.join(timeout=10)
    assert not thread.is_alive(), "recycled connections are not pinged: no wait"
    assert outcome.get("id") not in (None, first_id), outcome


# asyncio drivers: asyncmy has a read timeout; aiomysql has none, so asyncio bounds it.


def run_with_async_pre_ping(scenario):
    """asyncio.run(scenario()). Where async pre-ping fails first with a TypeError (the
    drivers page's quirk: clients.async_pre_ping_fails), that is what is asserted, and None
    returned."""
    if ASYNC_PRE_PING_FAILS:
        with pytest.raises(TypeError, match="reconnect"):
            asyncio.run(scenario())
        return None
    return asyncio.run(scenario())


async def async_connection_id(engine) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT CONNECTION_ID()"))


def test_asyncmy_read_timeout_bounds_pre_ping_on_a_silent_drop(database_url, middlebox, engines):
    """asyncmy_timeouts.py, with read_timeout shortened from 30 s to 2 s for the test."""
    url = with_driver(through(middlebox, database_url), "asyncmy")
    engine = engines.snippet_engine(snippet("asyncmy_timeouts.py"), url)
    seen = shortened_timeouts(engine.sync_engine, "read_timeout")

    async def scenario():
        try:
            first_id = await async_connection_id(engine)
            assert seen.get("read_timeout"), f"asyncmy_timeouts.py must set read_timeout: {seen}"
            middlebox.drop_all()
            started = time.monotonic()
            async with asyncio.timeout(2 + 10):  # only so that a failure cannot hang the suite
                second_id = await async_connection_id(engine)
            return first_id, second_id, time.monotonic() - started
        finally:
            await engine.dispose()

    if result := run_with_async_pre_ping(scenario):
        first_id, second_id, seconds = result
        assert second_id != first_id  # the ping gave up and pre-ping replaced the connection
        assert 2 <= seconds < 2 + 5, seconds


@pytest.mark.parametrize(
    ("name", "driver"), [("asyncmy_timeouts.py", "asyncmy"), ("aiomysql_timeout.py", "aiomysql")]
)
def test_async_pre_ping_recovers_after_middlebox_close(
    database_url, middlebox, name, driver, engines
):
    """The asyncio snippets' pre-ping, with no timeout needed: a FIN or RST is noticed at once."""
    url = with_driver(through(middlebox, database_url), driver)
    engine = engines.snippet_engine(snippet(name), url)

    async def scenario():
        try:
            first_id = await async_connection_id(engine)
            middlebox.close_all()
            async with asyncio.timeout(10):  # only so that a failure cannot hang the suite
                return first_id, await async_connection_id(engine)
        finally:
            await engine.dispose()

    if result := run_with_async_pre_ping(scenario):
        first_id, second_id = result
        assert second_id != first_id  # pre-ping found it closed and replaced it


def test_aiomysql_pre_ping_hangs_on_a_silent_drop(database_url, middlebox, engines):
    url = with_driver(through(middlebox, database_url), "aiomysql")
    engine = engines.snippet_engine(snippet("aiomysql_timeout.py"), url)

    async def scenario():
        try:
            first_id = await async_connection_id(engine)
            middlebox.drop_all()
            checkout = asyncio.ensure_future(async_connection_id(engine))
            done, _ = await asyncio.wait({checkout}, timeout=3)
            if done:
                checkout.result()  # raises whatever ended it
            assert not done, "expected the ping to wait for a reply forever"
            middlebox.reset_all()  # let the stuck ping fail, so the checkout ends
            second_id = await asyncio.wait_for(checkout, timeout=10)
            return first_id, second_id
        finally:
            await engine.dispose()

    if result := run_with_async_pre_ping(scenario):
        first_id, second_id = result
        assert second_id != first_id


def test_aiomysql_asyncio_timeout_bounds_a_silent_drop(database_url, middlebox, engines):
    url = with_driver(through(middlebox, database_url), "aiomysql")
    namespace = engines.load_snippet(snippet("aiomysql_timeout.py"), url)
    engine, scalar = namespace["engine"], namespace["scalar"]
    query = text("SELECT CONNECTION_ID()")

    async def scenario():
        try:
            first_id = await scalar(query, timeout=2)
            middlebox.drop_all()
            started = time.monotonic()
            with pytest.raises(TimeoutError):  # wait_for: only so a failure cannot hang
                await asyncio.wait_for(scalar(query, timeout=2), timeout=10)
            gave_up_after = time.monotonic() - started
            second_id = await scalar(query, timeout=2)  # a new connection, at once
            return first_id, second_id, gave_up_after
        finally:
            await engine.dispose()

    if result := run_with_async_pre_ping(scenario):
        first_id, second_id, gave_up_after = result
        assert 2 <= gave_up_after < 2 + 5, gave_up_after
        assert second_id != first_id


# The values the page recommends against a middlebox, as a reader copies them (the
# scenarios above shorten the timeouts to seconds).

# The timeouts the page names for each: the driver's own, and asyncio.timeout()'s for aiomysql.
NAMED_TIMEOUTS = {
    snippet("timeouts.py"): {"connect_timeout": 10, "read_timeout": 30, "write_timeout": 30},
    snippet("asyncmy_timeouts.py"): {"connect_timeout": 10, "read_timeout": 30},
    snippet("aiomysql_timeout.py"): {"connect_timeout": 10},
}
TIMEOUT_SNIPPETS = list(NAMED_TIMEOUTS)
AIOMYSQL_REQUEST_TIMEOUT = 30


@pytest.mark.parametrize("target", TIMEOUT_SNIPPETS)
def test_recommended_recycle_leaves_a_margin_below_the_load_balancer_limit(target):
    assert_recycles_before(target, NLB_IDLE_TIMEOUT)


@pytest.mark.parametrize("target", TIMEOUT_SNIPPETS)
def test_recommended_timeouts_are_the_ones_the_page_names(target):
    options = engine_options(target)
    assert options.get("pool_pre_ping") is True, f"{target}: pre-ping is half of the fix"
    connect_args = options.get("connect_args", {})
    for setting, seconds in NAMED_TIMEOUTS[target].items():
        assert connect_args.get(setting) == seconds, (target, setting, connect_args)
    if target == snippet("aiomysql_timeout.py"):
        timeout = default_argument(target, "scalar", "timeout")
        assert timeout == AIOMYSQL_REQUEST_TIMEOUT, timeout


# The limits table: the snippets' values measured against the other defaults it lists.


def test_page_sizes_recycle_for_azure_load_balancers_default():
    """The page: timeouts.py's 300 s is too long behind Azure Load Balancer's default of
    4 minutes; the rule gives at most 216 s there, and the page says so."""
    assert recycles_too_late(snippet("timeouts.py"), AZURE_LB_IDLE_TIMEOUT)
    highest = highest_recycle_below(AZURE_LB_IDLE_TIMEOUT)
    assert highest == 216
    for lang, words in {
        "ja": [f"{highest} 秒", "4 分"],
        "en": [f"{highest} seconds", "4 minutes"],
    }.items():
        page = (DOCS / f"{PAGE}.{lang}.md").read_text(encoding="utf-8")
        assert [w for w in words if w not in page] == [], lang


def test_articles_recycle_is_too_long_behind_rds_proxys_default():
    """The page: the main article's pool_recycle (3600) is too long behind RDS Proxy."""
    assert recycles_too_late(RECYCLE, RDS_PROXY_IDLE_CLIENT_TIMEOUT)


@pytest.mark.parametrize("lang", languages())
def test_limits_table_names_the_defaults_the_rule_tests_use(lang):
    page = (DOCS / f"{PAGE}.{lang}.md").read_text(encoding="utf-8")
    seconds = [NLB_IDLE_TIMEOUT, RDS_PROXY_IDLE_CLIENT_TIMEOUT, KUBE_PROXY_CONNTRACK_ESTABLISHED]
    rows = [line for line in page.splitlines() if line.startswith("| [")]
    table = "\n".join(rows)
    assert [s for s in seconds if str(s) not in table] == []
    assert f"{PROXYSQL_WAIT_TIMEOUT * 1000:,}" in table  # ProxySQL counts milliseconds
    assert ("4 分" if lang == "ja" else "4 minutes") in table  # Azure


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ja", ["30 秒", "10 秒", f"{NLB_IDLE_TIMEOUT} 秒", "1 割"]),
        ("en", ["30 seconds", "10 seconds", f"{NLB_IDLE_TIMEOUT} seconds", "a tenth"]),
    ],
)
def test_page_names_the_values_the_rule_tests_use(lang, words):
    page = (DOCS / f"{PAGE}.{lang}.md").read_text(encoding="utf-8")
    assert [w for w in words if w not in page] == []


# --- Held checked out, or a transaction left open, past the timeout -------------------


def test_connection_held_checked_out_fails_even_with_recycle(database_url, engines, idle_timeout):
    """pool_recycle 1 s, the server's timeout 1 s: a checked-out connection is never recycled."""
    engine = idle_timeout.shorten(engines.create(database_url, pool_recycle=1))
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        idle_timeout.wait()
        with pytest.raises(OperationalError) as caught:
            conn.execute(text("SELECT 1"))
    assert_disconnect(caught)


def test_retry_runs_the_whole_unit_of_work_again(database_url, engines, idle_timeout):
    namespace = engines.load_snippet(snippet("retry.py"), database_url)
    engine, run_in_transaction = namespace["engine"], namespace["run_in_transaction"]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT)"))
        conn.execute(text("INSERT INTO accounts VALUES (1, 100), (2, 0)"))

    attempts = []

    def transfer(session: Session):
        attempts.append(1)
        if len(attempts) == 1:  # the first attempt's connection only: the retry gets a new one
            idle_timeout.shorten_connection(session.connection())
        session.execute(text("UPDATE accounts SET balance = balance - 10 WHERE id = 1"))
        if len(attempts) == 1:
            idle_timeout.wait()  # the first attempt stalls with its transaction open
        session.execute(text("UPDATE accounts SET balance = balance + 10 WHERE id = 2"))
        return "done"

    assert run_in_transaction(transfer) == "done"
    assert len(attempts) == 2
    with engine.connect() as conn:
        balances = dict(conn.execute(text("SELECT id, balance FROM accounts")).all())
    assert balances == {1: 90, 2: 10}, "applied exactly once"


def test_retry_gives_up_after_the_last_attempt(database_url, admin_engine, engines):
    """A connection lost on every attempt: the last error reaches the caller, after
    exactly as many attempts as the snippet allows."""
    namespace = engines.load_snippet(snippet("retry.py"), database_url)
    run_in_transaction = namespace["run_in_transaction"]
    allowed = default_argument(snippet("retry.py"), "run_in_transaction", "attempts")
    attempts = []

    def always_loses_its_connection(session: Session):
        attempts.append(1)
        own_id = session.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        kill(admin_engine, "CONNECTION", own_id)
        session.execute(text("SELECT 1"))

    with pytest.raises(DBAPIError) as caught:
        run_in_transaction(always_loses_its_connection)
    assert caught.value.connection_invalidated
    assert len(attempts) == allowed > 1


def test_retry_gives_up_on_other_errors(database_url, engines):
    namespace = engines.load_snippet(snippet("retry.py"), database_url)
    run_in_transaction = namespace["run_in_transaction"]
    attempts = []

    def broken(session: Session):
        attempts.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError):
        run_in_transaction(broken)
    assert len(attempts) == 1, "only a lost connection is worth a retry"


# --- A slow reader: net_write_timeout -------------------------------------------------

EVENTS = 20_000  # rows of 1 KB: 20 MB, more than the socket buffers on both sides hold
STREAMING_DRIVERS = ["mysqldb", "pymysql"]  # SQLAlchemy's mysqlconnector dialect buffers
SLOW_STEP = 2.5  # seconds handle() stalls once: longer than the scenario's net_write_timeout


@pytest.fixture(scope="module")
def events_table(database_url):
    """The snippets' table, filled on the server from MariaDB's Sequence engine."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS events"))
            conn.execute(text("CREATE TABLE events (id INT PRIMARY KEY, payload TEXT)"))
            conn.execute(
                text(f"INSERT INTO events SELECT seq, REPEAT('x', 1000) FROM seq_1_to_{EVENTS}")
            )
    finally:
        engine.dispose()
    return EVENTS


def short_net_write_timeout(engine, seconds: int = 1):
    """The server gives up on each of the engine's connections after `seconds` blocked
    writing to it (the session's net_write_timeout; the default is 60)."""

    @event.listens_for(engine, "connect")
    def shorten(dbapi_connection, _connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET SESSION net_write_timeout = {int(seconds)}")
        cursor.close()

    return engine


class SlowHandler:
    """handle(row) for the snippets' export(): counts the rows, and stalls once (a slow
    call to another service, say) right after the first row."""

    def __init__(self) -> None:
        self.rows = 0

    def __call__(self, _row) -> None:
        self.rows += 1
        if self.rows == 1:
            time.sleep(SLOW_STEP)


STREAMED_EXPORT = snippet("streamed_export.py")


def export_slowly(namespace: dict) -> SlowHandler:
    """Run a loaded snippet's export() with the SlowHandler, its engine's connections
    given a net_write_timeout of 1 s first (the snippet may raise it for its job)."""
    short_net_write_timeout(namespace["engine"])
    handle = SlowHandler()
    namespace["export"](handle)
    return handle


# PyMySQL's unbuffered cursor, garbage-collected after its connection was lost, tries
# to read the rest of the result and reports "Exception ignored in: SSCursor.close"
# (AttributeError): noise on stderr, not the error. Collected here, not in a later test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.usefixtures("events_table")
@pytest.mark.parametrize("driver", STREAMING_DRIVERS)
def test_slow_reader_of_a_streamed_result_loses_the_connection(database_url, driver, engines):
    url = with_driver(database_url, driver)
    with pytest.raises(OperationalError) as caught:
        export_slowly(engines.load_snippet(STREAMED_EXPORT, url))
    error = caught.value
    del caught
    assert error.connection_invalidated, error
    assert error.orig.args[0] == 2013, error
    lines = [exception_line(error.orig), exception_line(error).splitlines()[0]]
    del error
    gc.collect()  # the cursor, kept alive by the traceback until now
    shown = groups(SLOW_READER) + groups(section_for(driver))
    assert lines in shown, f"not on the page ({SLOW_READER}): {lines}"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # as above
@pytest.mark.parametrize("fix", [PRE_PING, RECYCLE])
@pytest.mark.usefixtures("events_table")
def test_slow_reader_fails_even_with_a_fix(database_url, fix, engines):
    """The streamed export on the article's engine: the connection was fine at checkout."""
    namespace = engines.load_snippet(STREAMED_EXPORT, database_url)
    namespace["engine"] = short_net_write_timeout(engines.snippet_engine(fix, database_url))
    with pytest.raises(OperationalError) as caught:
        namespace["export"](SlowHandler())
    assert caught.value.orig.args[0] == 2013, caught.value
    del caught
    gc.collect()


@pytest.mark.usefixtures("events_table")
def test_longer_net_write_timeout_stays_on_the_pooled_connection(database_url, engines):
    """SET SESSION lasts as long as the connection: back in the pool, it keeps 600."""
    namespace = engines.load_snippet(snippet("streamed_export_longer_timeout.py"), database_url)
    engine = namespace["engine"]
    namespace["export"](lambda _row: None)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT @@SESSION.net_write_timeout")).scalar_one() == 600


def test_mysql_connector_buffers_a_streamed_result(database_url, events_table, engines):
    """SQLAlchemy's mysqlconnector dialect has no server-side cursors: stream_results
    reads the whole result first, so the slow reader gets every row."""
    url = with_driver(database_url, "mysqlconnector")
    assert export_slowly(engines.load_snippet(STREAMED_EXPORT, url)).rows == events_table


@pytest.mark.parametrize("driver", STREAMING_DRIVERS)
def test_buffered_export_reads_every_row(database_url, events_table, driver, engines):
    namespace = engines.load_snippet(
        snippet("buffered_export.py"), with_driver(database_url, driver)
    )
    assert export_slowly(namespace).rows == events_table


@pytest.mark.parametrize("driver", STREAMING_DRIVERS)
def test_longer_net_write_timeout_reads_every_row(database_url, events_table, driver, engines):
    url = with_driver(database_url, driver)
    namespace = engines.load_snippet(snippet("streamed_export_longer_timeout.py"), url)
    assert export_slowly(namespace).rows == events_table


@pytest.mark.parametrize("driver", STREAMING_DRIVERS)
def test_keyset_export_reads_every_row(database_url, events_table, driver, engines):
    namespace = engines.load_snippet(snippet("keyset_export.py"), with_driver(database_url, driver))
    assert export_slowly(namespace).rows == events_table
