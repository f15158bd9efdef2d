import os
from importlib.metadata import version

from sqlalchemy import create_engine, text

DISTRIBUTIONS = {"mysqldb": "mysqlclient", "pymysql": "PyMySQL"}
SETTINGS = text(
    "SELECT VERSION(), @@SESSION.wait_timeout, @@SESSION.interactive_timeout,"
    " @@SESSION.net_read_timeout, @@SESSION.net_write_timeout, @@SESSION.max_allowed_packet"
)


def check(engine):
    """Print what decides whether this engine's idle connections fail, a verdict a line."""
    with engine.connect() as conn:
        server, wait, interactive, net_read, net_write, packet = conn.execute(SETTINGS).one()
    family = "MariaDB" if engine.dialect.is_mariadb else "MySQL"
    driver = engine.dialect.driver
    distribution = DISTRIBUTIONS.get(driver, driver)
    library = ""
    if driver == "mysqldb":
        import MySQLdb

        library = f", client library {MySQLdb.get_client_info()}"
    print(f"server: {family} {server}")
    print(f"driver: {driver} ({distribution} {version(distribution)}{library})")
    print(f"wait_timeout: {wait} s: the server closes a connection idle for longer")
    print(f"interactive_timeout: {interactive} s: for interactive clients such as mysql")
    print(f"net_read_timeout: {net_read} s, net_write_timeout: {net_write} s: for stalled I/O")
    print(f"max_allowed_packet: {packet} bytes: a larger statement or row is refused")

    pool = engine.pool
    # Private attributes: SQLAlchemy has no public accessor for these two (1.4 and 2.x).
    pre_ping, recycle = pool._pre_ping, pool._recycle
    print(f"pool: {type(pool).__name__}")
    if type(pool).__name__ == "NullPool":
        print("verdict: OK, NullPool opens a new connection at every checkout")
        return
    if pre_ping:
        print("pool_pre_ping: on: a connection the server closed is replaced at checkout")
    else:
        print("pool_pre_ping: off: a connection the server closed is handed out")
    if recycle < 0:
        print("pool_recycle: off: pooled connections are kept however long they idle")
    elif recycle < wait:
        print(f"pool_recycle {recycle} < wait_timeout {wait}: replaced before the server closes")
    else:
        print(f"pool_recycle {recycle} >= wait_timeout {wait}: the server closes them first")
    if pre_ping or 0 <= recycle < wait:
        print("verdict: OK, an idle connection is replaced before it is used")
    else:
        print("verdict: the first request after an idle period will fail: add pool_pre_ping=True")


engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)  # your engine
check(engine)
