import os
from importlib.metadata import version

from sqlalchemy import create_engine, text

DISTRIBUTIONS = {"mysqldb": "mysqlclient", "pymysql": "PyMySQL"}
# The connection's own values (an init_command's included), and what each one decides.
VARIABLES = {
    "wait_timeout": "s: the server closes a connection idle for longer",
    "interactive_timeout": "s: instead of wait_timeout, for interactive clients (mysql)",
    "net_read_timeout": "s: a read from the client that stalls for longer is cut",
    "net_write_timeout": "s: a write to the client that stalls for longer is cut",
    "max_allowed_packet": "bytes: a larger statement or row is refused",
}
QUERY = text("SELECT VERSION(), " + ", ".join(f"@@SESSION.{name}" for name in VARIABLES))


def check(engine):
    """Print what decides whether this engine's idle connections fail, a verdict a line."""
    with engine.connect() as conn:
        server, *values = conn.execute(QUERY).one()
    settings = dict(zip(VARIABLES, values, strict=True))
    family = "MariaDB" if engine.dialect.is_mariadb else "MySQL"
    driver = engine.dialect.driver
    distribution = DISTRIBUTIONS.get(driver, driver)
    library = ""
    if driver == "mysqldb":
        import MySQLdb

        library = f", client library {MySQLdb.get_client_info()}"
    print(f"server: {family} {server}")
    print(f"driver: {driver} ({distribution} {version(distribution)}{library})")
    for name, meaning in VARIABLES.items():
        print(f"{name}: {settings[name]} {meaning}")

    pool = engine.pool
    # Private attributes: SQLAlchemy has no public accessor for these two (1.4 and 2.x).
    pre_ping, recycle = pool._pre_ping, pool._recycle
    wait = settings["wait_timeout"]
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
