"""The drivers the pages cover, and which client library and SQLAlchemy line this run has."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import sqlalchemy
from packaging.version import Version
from sqlalchemy.engine import make_url

# By their SQLAlchemy URL name (mysql+<name>://).
SYNC_DRIVERS = ["mysqldb", "pymysql", "mysqlconnector"]
ASYNC_DRIVERS = ["aiomysql", "asyncmy"]
DRIVERS = SYNC_DRIVERS + ASYNC_DRIVERS


def async_pre_ping_fails(sqlalchemy_version: str, pymysql_version: str | None) -> bool:
    """Whether pool_pre_ping with aiomysql or asyncmy fails at checkout with a TypeError
    about ping()'s `reconnect` argument (the drivers page's quirk).

    SQLAlchemy 1.4.50 and 2.0.23 (#10492) call ping() with no argument when PyMySQL's own
    Connection.ping() no longer defaults to reconnect=True, which is PyMySQL 1.2.0 and
    later; the asyncio adapters' ping() requires the argument. 2.0.50 and 2.1.0b3 (#13306)
    fixed it; the 1.4 series never got the fix. Without PyMySQL nothing fails.
    noxfile.py's session async-pre-ping-versions runs the test on each boundary.
    """
    if pymysql_version is None or Version(pymysql_version) < Version("1.2.0"):
        return False
    v = Version(sqlalchemy_version)
    return (
        Version("1.4.50") <= v < Version("2")
        or Version("2.0.23") <= v < Version("2.0.50")
        or Version("2.1.0b1") <= v < Version("2.1.0b3")
    )


def installed_version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


# This run's SQLAlchemy and PyMySQL: does async pre-ping fail with a TypeError?
ASYNC_PRE_PING_FAILS = async_pre_ping_fails(sqlalchemy.__version__, installed_version("PyMySQL"))


def with_driver(database_url: str, driver: str) -> str:
    """The same database URL with another driver: mysql+mysqldb://... -> mysql+<driver>://..."""
    url = make_url(database_url).set(drivername=f"mysql+{driver}")
    return url.render_as_string(hide_password=False)


def linked_client_library() -> str:
    """Which C library mysqlclient was built against: libmariadb reports 3.x (or, as
    shipped before MariaDB 10.6.2, the server's 10.x: CONC-509); libmysqlclient 5.x-9.x."""
    import MySQLdb

    major = int(MySQLdb._mysql.get_client_info().split(".")[0])
    return "libmariadb" if major < 5 or major >= 10 else "libmysqlclient"


def mysql_connector_uses_c_extension() -> bool:
    """Whether mysql+mysqlconnector:// runs on Connector/Python's C extension: its default
    (use_pure=False) wherever the extension loads. 26.10's does not load on Debian 12 (it
    needs OPENSSL_3.2.0), so the suite's own run is pure Python; 9.4.0's does (noxfile.py's
    session mysql-connector-c-extension)."""
    import mysql.connector

    return mysql.connector.HAVE_CEXT


def client_of(driver: str) -> str:
    """Whose words a driver's errors are in: mysqlclient's come from its C library,
    mysql-connector's from its implementation (pure Python or the C extension)."""
    if driver == "mysqldb":
        return linked_client_library()
    if driver == "mysqlconnector" and mysql_connector_uses_c_extension():
        return "mysqlconnector_cext"
    return driver
