"""The drivers the pages cover, and which client library and SQLAlchemy line this run has."""

from __future__ import annotations

import sqlalchemy
from sqlalchemy.engine import make_url

# By their SQLAlchemy URL name (mysql+<name>://).
SYNC_DRIVERS = ["mysqldb", "pymysql", "mysqlconnector"]
ASYNC_DRIVERS = ["aiomysql", "asyncmy"]
DRIVERS = SYNC_DRIVERS + ASYNC_DRIVERS

# SQLAlchemy 1.4 (the source article's version) differs in a few tested places.
SQLALCHEMY_1_4 = sqlalchemy.__version__.startswith("1.")


def with_driver(database_url: str, driver: str) -> str:
    """The same database URL with another driver: mysql+mysqldb://... -> mysql+<driver>://..."""
    url = make_url(database_url).set(drivername=f"mysql+{driver}")
    return url.render_as_string(hide_password=False)


def linked_client_library() -> str:
    """Which C library mysqlclient was built against: libmariadb reports 3.x."""
    import MySQLdb

    version = MySQLdb._mysql.get_client_info()
    return "libmariadb" if int(version.split(".")[0]) < 5 else "libmysqlclient"


def client_of(driver: str) -> str:
    """Whose words a driver's errors are in: mysqlclient's come from its C library."""
    return linked_client_library() if driver == "mysqldb" else driver
