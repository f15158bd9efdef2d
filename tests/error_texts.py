"""The error texts and codes the pages show, in one place: snippets/error_messages/messages.txt.

Every page that shows an error line includes a section of that file; every test that
compares a real error with a page goes through here.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence

from clients import client_of
from pages import default_language, fences, pages, render

MESSAGES = "error_messages/messages.txt"
# Whose words -> the section of messages.txt that shows them.
SECTIONS = {
    "libmariadb": f"{MESSAGES}:libmariadb",
    "libmysqlclient": f"{MESSAGES}:libmysqlclient",
    "pymysql": f"{MESSAGES}:pymysql",
    "mysqlconnector": f"{MESSAGES}:mysql_connector",  # pure Python
    "mysqlconnector_cext": f"{MESSAGES}:mysql_connector_cext",  # its C extension
    "aiomysql": f"{MESSAGES}:aiomysql",
    "asyncmy": f"{MESSAGES}:asyncmy",
}
# Not disconnects: one Session shared by threads or asyncio tasks (docs/concurrency.*.md).
THREADS_MYSQLCLIENT = f"{MESSAGES}:threads_mysqlclient"
THREADS_PYMYSQL = f"{MESSAGES}:threads_pymysql"
# What the other thread may get once the first closed the connection: Python's I/O layer's
# ValueError, whose text depends on where the read was (the tests have seen these three).
THREADS_PYMYSQL_CLOSED = f"{MESSAGES}:threads_pymysql_closed"
TASKS = f"{MESSAGES}:tasks"
GREENLETS_PYMYSQL = f"{MESSAGES}:greenlets_pymysql"  # gevent's greenlets, with PyMySQL
SHARED_SESSION_SECTIONS = (
    THREADS_MYSQLCLIENT,
    THREADS_PYMYSQL,
    THREADS_PYMYSQL_CLOSED,
    TASKS,
    GREENLETS_PYMYSQL,
)
# Not a disconnect: a write on a server that is read-only, e.g. the old primary after a
# failover (docs/causes.*.md). MariaDB's words, for each synchronous driver.
READ_ONLY_TEXTS = f"{MESSAGES}:read_only"
# Not disconnects either (docs/look-alikes.*.md): a pool with no free connection, rows
# fetched from a statement that returns none, a server with no free connection slot.
POOL_TIMEOUT = f"{MESSAGES}:pool_timeout"
NO_ROWS = f"{MESSAGES}:no_rows"
# 1040: the index shows it (the page links there; a block of driver lines on it
# outranked the disconnect pages in search for "OperationalError").
TOO_MANY_CONNECTIONS = f"{MESSAGES}:too_many_connections"
TOO_MANY_CONNECTIONS_MORE = f"{MESSAGES}:too_many_connections_more"
LOOK_ALIKE_SECTIONS = (POOL_TIMEOUT, NO_ROWS)
# Not disconnects either: a pool inherited across fork, its socket used by two processes
# (docs/fork.*.md). mysqlclient's block is in libmariadb's words.
FORK_PYMYSQL = f"{MESSAGES}:fork_pymysql"
FORK_MYSQLCLIENT = f"{MESSAGES}:fork_mysqlclient"
# The server's own farewell: MySQL 8.0.24+ sends 4031 before it closes an idle connection.
FAREWELL_4031 = f"{MESSAGES}:mysql_8_0_24"
# A streamed result read more slowly than the server's net_write_timeout (docs/causes.*.md).
SLOW_READER = f"{MESSAGES}:slow_reader"
# Failing while connecting (docs/connect-errors.*.md): one driver's exception per group.
CONNECT_REFUSED = f"{MESSAGES}:connect_refused"  # nothing listens on the port
CONNECT_TIMED_OUT = f"{MESSAGES}:connect_timed_out"  # the connection request gets no answer
CONNECT_NO_GREETING = f"{MESSAGES}:connect_no_greeting"  # connected, the server never greets
CONNECT_CLOSED = f"{MESSAGES}:connect_closed"  # connected, closed before the greeting
CONNECT_SECTIONS = (CONNECT_REFUSED, CONNECT_TIMED_OUT, CONNECT_NO_GREETING, CONNECT_CLOSED)

# Codes SQLAlchemy's MySQL dialect treats as "the connection is gone" (is_disconnect)...
IDLE_DISCONNECT_CODES = {2006, 2013, 4031}  # ... that an idle timeout produces,
LOST_CONNECTION_CODES = IDLE_DISCONNECT_CODES | {2055}  # ... with mysql-connector's too,
KILLED_CODES = LOST_CONNECTION_CODES | {1927}  # ... and MariaDB's "connection was killed".
# mysql-connector's C extension reports a connection closed while idle with no number
# (errno -1, "MySQL Connection not available."); its dialect matches the message.
NO_ERROR_NUMBER = -1


def section_for(driver: str) -> str:
    """The block that shows this driver's texts (mysqlclient: its C library's block)."""
    return SECTIONS[client_of(driver)]


def groups(target: str) -> list[list[str]]:
    """The texts a block shows: groups of lines separated by blank lines."""
    return [group.splitlines() for group in render(target).split("\n\n")]


def texts_on_page(name: str) -> list[str]:
    """The blocks of messages.txt that the page `name` includes."""
    path = pages()[name][default_language()]
    return [t for fence in fences(path) for t in fence.includes if t.startswith(MESSAGES)]


def lines_shown(targets: Sequence[str]) -> list[str]:
    """Every line of these blocks."""
    return [line for target in targets for line in render(target).splitlines()]


def exception_line(exc: BaseException) -> str:
    """What a traceback's last line says for `exc`, e.g. ``MySQLdb.OperationalError: (2006, ...)``
    (SQLAlchemy's exceptions go on for more lines: [SQL: ...], the background link)."""
    return "".join(traceback.format_exception_only(exc)).rstrip("\n")


def code_of(error: BaseException) -> int:
    """A driver exception's error number (mysql-connector keeps it in errno)."""
    return getattr(error, "errno", None) or error.args[0]


def code_in_line(line: str) -> int | None:
    """The error number in a pasted line: (2006, ...), 2055: ... or 2013 (HY000): ..."""
    found = re.search(r"\((\d+), |(?:: |\) )(\d+)[: ]", line)
    return int(next(g for g in found.groups() if g)) if found else None


# The (code, 'message') at the end of a driver's error line.
ERROR_TUPLE = re.compile(r"\((\d{4}), (['\"]).*\2\)$", re.M)


def without_error_tuple(text: str) -> str:
    """Every (code, 'message') replaced, for comparing a traceback's shape only."""
    return ERROR_TUPLE.sub("(CODE, MESSAGE)", text)


def without_docs_version(text: str) -> str:
    """SQLAlchemy's error links name its version: sqlalche.me/e/20/, /e/14/."""
    return re.sub(r"sqlalche\.me/e/\d+/", "sqlalche.me/e/NN/", text)


def without_sequence_numbers(line: str) -> str:
    """PyMySQL's packet sequence numbers differ from run to run: got 1 expected 6, got 120
    expected 1 ..."""
    return re.sub(r"got \d+ expected \d+", "got N expected N", line)


def without_port(text: str) -> str:
    """The tests connect to random ports on 127.0.0.1; the page shows port 3306."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:3306", text)
    return re.sub(r"\('127\.0\.0\.1', \d+\)", "('127.0.0.1', 3306)", text)


def without_address(line: str) -> str:
    """mysql-connector names the server it talked to; the page shows 127.0.0.1:3306."""
    return re.sub(r"at '[^']*', system error", "at '127.0.0.1:3306', system error", line)


def assert_4031_text_on_page(lines: Sequence[str], server_sends_4031: bool) -> None:
    """A 4031 (MySQL 8.0.24+ tells the client why it closes an idle connection).

    The message comes from the server, so every driver that reads it shows the same
    words; the page shows them once, in the "MySQL 8.0.24 and later" block.
    """
    assert server_sends_4031, f"4031 from a server that should not send it: {lines}"
    page_message = re.search(r"\(4031, '([^']*)'\)", render(FAREWELL_4031))[1]
    for line in lines:
        assert page_message in line, (
            f"4031 from this server says something else than the page:\n  {line}\n"
            f"page: {page_message}"
        )
