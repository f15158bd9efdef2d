"""The search queries readers type or paste, and the page each must bring up.

Shared by tests/test_browser.py (which asserts the ranks) and scripts/search_ranks.py
(which prints them). mkdocs-static-i18n puts both languages in one search index, so the
result list mixes Japanese and English pages: an error text or a setting should bring up
the page in the language the reader is browsing; a Japanese or English phrase, the page
in that language.
"""

# ruff: noqa: E501  (error lines are kept whole, as readers paste them)

from __future__ import annotations

from typing import NamedTuple

from pages import default_language, languages, page_path, root

ERRORS = "error-messages"
ARTICLE = "mysql-server-has-gone-away"
CAUSES = "causes"
DRIVERS = "drivers"
CONCURRENCY = "concurrency"
LOOK_ALIKES = "look-alikes"
SESSIONS = "sessions"
FRAMEWORKS = "frameworks"
CONNECT = "connect-errors"
# An error text, a fragment of one or its code is shown on every page about that
# error: the index, the article, the causes and the drivers page. Any of them is a
# right landing page (each explains the error and links to its fix); lunr's scoring
# decides which comes first. Texts only the index shows must bring up the index.
ANY_ERROR_PAGE = (ERRORS, ARTICLE, CAUSES, DRIVERS)
# The texts of a Session shared across threads or tasks: its page, or the index (which
# shows them and links to it).
SHARED_SESSION_PAGES = (CONCURRENCY, ERRORS)
# The look-alikes' texts: their page, or the index (which shows them and links to it).
LOOK_ALIKE_PAGES = (LOOK_ALIKES, ERRORS)
# A pool inherited across fork: its page, or the index (which shows its texts and links to it).
FORK = "fork"
FORK_PAGES = (FORK, ERRORS)


class Query(NamedTuple):
    text: str  # what the reader types or pastes, from / and from /en/
    page: str | tuple[str, ...]  # the page (or one of the pages) that must come up
    lang: str | None = None  # its language; None: the language of the root typed from

    @property
    def pages(self) -> tuple[str, ...]:
        return self.page if isinstance(self.page, tuple) else (self.page,)


QUERIES = [
    # A driver's whole error line, pasted as printed.
    Query(
        "sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'MySQL server has gone away')",
        ANY_ERROR_PAGE,
    ),
    Query("MySQLdb.OperationalError: (2006, 'Server has gone away')", ANY_ERROR_PAGE),
    Query(
        "MySQLdb.OperationalError: (2013, 'Lost connection to server during query')", ANY_ERROR_PAGE
    ),
    Query(
        """pymysql.err.OperationalError: (2006, "MySQL server has gone away (ConnectionResetError(104, 'Connection reset by peer'))")""",
        ANY_ERROR_PAGE,
    ),
    Query(
        "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
        ANY_ERROR_PAGE,
    ),
    Query(
        "mysql.connector.errors.OperationalError: 2055: Lost connection to MySQL server at '127.0.0.1:3306', system error: Errno 32: Broken pipe",
        ANY_ERROR_PAGE,
    ),
    Query(
        "sqlalchemy.exc.InterfaceError: (mysql.connector.errors.InterfaceError) 2013: Lost connection to MySQL server during query",
        ANY_ERROR_PAGE,
    ),
    Query(
        "pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query ([Errno 104] Connection reset by peer)')",
        ANY_ERROR_PAGE,
    ),
    Query("asyncmy.errors.OperationalError: (2006, 'MySQL server has gone away')", ANY_ERROR_PAGE),
    Query(
        "(4031, 'The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.')",
        ANY_ERROR_PAGE,
    ),
    # (0, '') comes from a connection used by two processes or threads: the fork and
    # concurrency pages explain it, the index lists it.
    Query("pymysql.err.InterfaceError: (0, '')", (ERRORS, FORK, CONCURRENCY)),
    Query(
        "pymysql.err.InternalError: Packet sequence number wrong - got 1 expected 6",
        SHARED_SESSION_PAGES,
    ),
    Query(
        "sqlalchemy.exc.InternalError: (pymysql.err.InternalError) Packet sequence number wrong - got 120 expected 5",
        SHARED_SESSION_PAGES,
    ),
    Query(
        "MySQLdb.ProgrammingError: This connection is already in use from another thread. Do not use the same connection object from multiple threads simultaneously.",
        SHARED_SESSION_PAGES,
    ),
    # From /, this long English line ranks the English pages of both languages' single
    # search index first, and with 12 pages a language the Japanese ones fall below the
    # 10 results shown: the English page is what comes up (a known limit, see issue 15).
    Query(
        "sqlalchemy.exc.InvalidRequestError: This session is provisioning a new connection; concurrent operations are not permitted (Background on this error at: https://sqlalche.me/e/20/isce)",
        SHARED_SESSION_PAGES,
        "en",
    ),
    Query(
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00",
        LOOK_ALIKE_PAGES,
    ),
    Query(
        "sqlalchemy.exc.ResourceClosedError: This result object does not return rows. It has been closed automatically.",
        LOOK_ALIKE_PAGES,
    ),
    Query("pymysql.err.OperationalError: (1040, 'Too many connections')", LOOK_ALIKE_PAGES),
    Query(
        """MySQLdb.ProgrammingError: (2014, "Commands out of sync; you can't run this command now")""",
        FORK_PAGES,
    ),
    Query("pymysql.err.OperationalError: (2014, 'Command Out of Sync')", FORK_PAGES),
    # Fragments of an error.
    Query("(2006,", ANY_ERROR_PAGE),
    Query("(2013,", ANY_ERROR_PAGE),
    Query("OperationalError", ANY_ERROR_PAGE),
    Query("MySQL server has gone away", ARTICLE),
    Query("Lost connection to MySQL server during query", ANY_ERROR_PAGE),
    Query("Connection reset by peer", ANY_ERROR_PAGE),
    Query("Broken pipe", ANY_ERROR_PAGE),
    Query("Can't reconnect until invalid transaction is rolled back", SESSIONS),
    Query("PendingRollbackError", SESSIONS),
    Query("Packet sequence number wrong", SHARED_SESSION_PAGES),
    Query("QueuePool limit", LOOK_ALIKE_PAGES),
    Query("This result object does not return rows", LOOK_ALIKE_PAGES),
    Query("Too many connections", LOOK_ALIKE_PAGES),
    Query("read-only option", CAUSES),
    Query("Connection was killed", CAUSES),
    # Error codes.
    Query("2006", ANY_ERROR_PAGE),
    Query("2013", ANY_ERROR_PAGE),
    Query("2055", ANY_ERROR_PAGE),
    Query("4031", ANY_ERROR_PAGE),
    Query("e3q8", ARTICLE),
    Query("CR_SERVER_GONE_ERROR", ERRORS),
    # Settings and code.
    Query("pool_pre_ping=True", ARTICLE),
    Query("pool_pre_ping", ARTICLE),
    Query("pool_recycle=3600", ARTICLE),
    Query("wait_timeout", ARTICLE),
    Query("interactive_timeout", ARTICLE),
    Query("init_command", ARTICLE),
    Query("create_engine(DATABASE_URL, pool_pre_ping=True)", ARTICLE),
    Query("expire_on_commit", SESSIONS),
    Query("scoped_session remove", SESSIONS),
    # Japanese, as a reader types it: without spaces, and with.
    Query("接続が切れる", ARTICLE, "ja"),
    Query("接続 切れる", ARTICLE, "ja"),
    Query("MySQLサーバー", ARTICLE, "ja"),
    Query("MySQL サーバー", ARTICLE, "ja"),
    Query("切断されます", (ARTICLE, CAUSES), "ja"),
    Query("アイドル接続", ARTICLE, "ja"),
    Query("アイドル 接続", ARTICLE, "ja"),
    Query("接続プール", ARTICLE, "ja"),
    Query("朝一番のリクエストだけが失敗する", ARTICLE, "ja"),
    Query("生存確認", ARTICLE, "ja"),
    Query("トランザクションをやり直す", ARTICLE, "ja"),
    Query("エラーメッセージ一覧", ERRORS, "ja"),
    Query("エラー メッセージ 一覧", ERRORS, "ja"),
    Query("ドライバーごとの文言", ERRORS, "ja"),
    Query("非同期ドライバー", ERRORS, "ja"),
    Query("クライアントライブラリ", ERRORS, "ja"),
    Query("スレッド セッション 共有", CONCURRENCY, "ja"),
    Query("スレッドでセッションを共有", CONCURRENCY, "ja"),
    Query("似ているが原因の違うエラー", LOOK_ALIKES, "ja"),
    Query("読み取り専用 フェイルオーバー", CAUSES, "ja"),
    # Named proxies and cloud services with idle limits, and pandas (the causes page).
    Query("ProxySQL", CAUSES),
    Query("RDS Proxy", CAUSES),
    Query("Cloud NAT", CAUSES),
    Query("HAProxy timeout", CAUSES),
    Query("ロードバランサー アイドル", CAUSES, "ja"),
    Query("to_sql max_allowed_packet", CAUSES),
    Query("セッション トランザクション", SESSIONS, "ja"),
    # Failing while connecting (docs/connect-errors.*.md), and a slow streamed read (causes).
    Query("reading initial communication packet", (CONNECT, ERRORS)),
    Query(
        "MySQLdb.OperationalError: (2013, \"Lost connection to server at 'handshake: reading initial communication packet', system error: 110\")",
        (CONNECT, ERRORS),
    ),
    Query("Can't connect to MySQL server", (CONNECT, ERRORS)),
    Query(
        """pymysql.err.OperationalError: (2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)")""",
        (CONNECT, ERRORS),
    ),
    Query("connect_timeout", CONNECT),
    Query("接続 タイムアウト", CONNECT, "ja"),
    Query("net_write_timeout", CAUSES),
    Query("stream_results", CAUSES),
    # English phrases.
    Query("pooled connections die while idle", ARTICLE, "en"),
    Query("error messages by driver", ERRORS, "en"),
    Query("what a dropped connection looks like", ERRORS, "en"),
    Query("Session shared between threads", CONCURRENCY, "en"),
    Query("failover read-only server", CAUSES, "en"),
    # The sessions page also explains AsyncSession, and ranks first for it (measured):
    # either page answers the reader.
    Query("asyncio.gather AsyncSession", (CONCURRENCY, SESSIONS), "en"),
    # gevent: the driver under greenlets, and one Session shared by greenlets.
    Query("gevent mysqlclient", CONCURRENCY),
    Query("gevent SQLAlchemy MySQL", CONCURRENCY),
    Query("gevent PyMySQL", CONCURRENCY),
    Query("eventlet MySQL", CONCURRENCY),
    Query("RuntimeError: reentrant call inside <_io.BufferedReader name=5>", SHARED_SESSION_PAGES),
    Query("gevent グリーンレット セッション 共有", CONCURRENCY, "ja"),
    Query("greenlets sharing a Session", CONCURRENCY, "en"),
    # Frameworks: where the options go.
    Query("FastAPI MySQL server has gone away", FRAMEWORKS),
    Query("Flask-SQLAlchemy pool_recycle", FRAMEWORKS),
    Query("SQLALCHEMY_ENGINE_OPTIONS", FRAMEWORKS),
    Query("engine_from_config", FRAMEWORKS),
    Query("SQLModel create_engine", FRAMEWORKS),
    Query("FastAPI 依存関係 セッション", FRAMEWORKS, "ja"),
    Query("FastAPI background task session", FRAMEWORKS, "en"),
    # Issue 15's pasted lines that found nothing before the sessions and look-alikes pages:
    # Material's search finds these pages for them now, with no help from the script.
    Query(
        """PendingRollbackError("Can't reconnect until invalid transaction is rolled back. Please rollback() fully before proceeding (Background on this error at: https://sqlalche.me/e/20/8s2b)")""",
        SESSIONS,
    ),
    Query(
        """sqlalchemy.exc.ProgrammingError: (_mysql_exceptions.ProgrammingError) (2014, "Commands out of sync; you can't run this command now")""",
        (LOOK_ALIKES, *SHARED_SESSION_PAGES),
    ),
    Query("ProgrammingError: (2014", (LOOK_ALIKES, *SHARED_SESSION_PAGES)),
    # A pool inherited across fork, as readers search for it, from / and /en/.
    Query("gunicorn preload MySQL", FORK),
    Query("Celery MySQL server has gone away", FORK),
    Query("multiprocessing SQLAlchemy engine", FORK),
    Query("dispose close=False", FORK),
    Query("fork 接続", FORK, "ja"),
    # Issue 15's handshake line found nothing before the connect-errors page; Material's
    # search finds it directly now.
    Query(
        """(MySQLdb._exceptions.OperationalError) (2013, "Lost connection to MySQL server at 'handshake: reading initial communication packet', system error: 0")""",
        (CONNECT, ERRORS),
    ),
    # MySQL's Japanese manual's names for 2006 and 2013 (the article quotes them): a reader
    # who types Japanese gets the Japanese article, from either root.
    Query("MySQL サーバーが存在しなくなりました", ARTICLE, "ja"),
    Query("クエリー中にサーバーへの接続が失われました", ARTICLE, "ja"),
]


def in_language(paths: list[str], lang: str) -> list[str]:
    """The results a reader of `lang` looks at (the index holds both languages)."""
    others = [root(other) for other in languages() if other != default_language()]
    if lang == default_language():
        return [p for p in paths if not any(p.startswith(o) for o in others)]
    return [p for p in paths if p.startswith(root(lang))]


class SearchCase(NamedTuple):
    query: str
    expected: list[str]  # the expected page's path (or paths: any of them)
    lang: str  # the language of the results that are ranked
    from_lang: str  # the language root the query is typed from

    @property
    def id(self) -> str:
        return f"{root(self.from_lang)} {self.query}"


def search_cases(queries: list[Query] | None = None) -> list[SearchCase]:
    """Every query (of QUERIES, or of `queries`), from every language root."""
    return [
        SearchCase(
            query.text,
            [page_path(name, query.lang or from_lang) for name in query.pages],
            query.lang or from_lang,
            from_lang,
        )
        for query in (QUERIES if queries is None else queries)
        for from_lang in languages()
    ]


# Pasted error lines that Material's search alone answers with "No matching documents"
# (issue 15): lunr reads them as query syntax (`Word-Word:` a field that does not exist,
# double quotes a phrase whose every word is required, a lone `Word:` dropped). The site's
# script (docs/javascripts/error-search.js) searches them again as text, without the
# words that are on no page; a notice names those words. Typed into the box from / and /en/.
PASTED_ERRORS = [
    # The queries of issue 15, as reported.
    Query(
        "Flask-SQLAlchemy: Can't reconnect until invalid transaction is rolled back",
        (SESSIONS, ARTICLE),
    ),
    # Of the same shapes: a platform's name before the error line, a message cut in the
    # middle of a word (between quotes), a Japanese sentence around an error line.
    Query(
        "Amazon-RDS: sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
        ANY_ERROR_PAGE,
    ),
    Query(
        """docker-compose: MySQLdb.OperationalError: (2006, "Server has gone away")""",
        ANY_ERROR_PAGE,
    ),
    Query('''OperationalError: "Lost connection to MySQL server during quer"''', ANY_ERROR_PAGE),
    # A log line: timestamp, level and logger before the error; a quoted word on no page.
    Query(
        """2026-11-25 03:12:44,123 ERROR [app] MySQLdb.OperationalError: (2013, "Lost connection to server during query; giving up")""",
        ANY_ERROR_PAGE,
    ),
    Query(
        "本番で Flask-SQLAlchemy: Can't reconnect until invalid transaction is rolled back と出ます",
        (SESSIONS, ARTICLE),
        "ja",
    ),
    # The read-only option as printed in 1290: a leading - excludes a word in lunr.
    Query("--read-only", CAUSES),
]


# Tracebacks and logs as readers copy them (issue 14), pasted into the box: the site's
# script puts their exception line in the box instead (SQLAlchemy's, else the driver's),
# noise removed. Hand-copied shapes; tests/test_browser.py also pastes the tracebacks the
# suite produces, run for real (each driver's idle disconnect, a PendingRollbackError).
TRACEBACKS = [
    # The last lines only: SQLAlchemy's exception line, its SQL, parameters and link.
    Query(
        """sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')
[SQL: SELECT users.id, users.name
FROM users
WHERE users.id = %(pk_1)s]
[parameters: {'pk_1': 42}]
(Background on this error at: https://sqlalche.me/e/20/e3q8)""",
        ANY_ERROR_PAGE,
    ),
    # A log line: timestamp, level and logger before the error, the SQL on the next line.
    Query(
        """2026-11-25 03:12:44,123 ERROR [app.db] sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'MySQL server has gone away')
[SQL: SELECT 1]
(Background on this error at: https://sqlalche.me/e/20/e3q8)""",
        ANY_ERROR_PAGE,
    ),
    # A chained traceback with Windows paths (the driver's exception first).
    Query(
        """Traceback (most recent call last):
  File "C:\\Users\\dev\\app\\.venv\\Lib\\site-packages\\sqlalchemy\\engine\\base.py", line 1967, in _exec_single_context
    self.dialect.do_execute(
  File "C:\\Users\\dev\\app\\.venv\\Lib\\site-packages\\MySQLdb\\cursors.py", line 319, in _query
    db.query(q)
MySQLdb.OperationalError: (2013, 'Lost connection to server during query')

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "C:\\Users\\dev\\app\\main.py", line 12, in <module>
    conn.execute(text("SELECT 1"))
sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2013, 'Lost connection to server during query')
[SQL: SELECT 1]
(Background on this error at: https://sqlalche.me/e/20/e3q8)""",
        ANY_ERROR_PAGE,
    ),
    # The follow-on error of a Session used again after the failure, without rollback().
    Query(
        """Traceback (most recent call last):
  File "/srv/app/jobs.py", line 41, in run
    session.execute(text("SELECT 1"))
  File "/srv/app/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py", line 2362, in execute
    return self._execute_internal(
           ^^^^^^^^^^^^^^^^^^^^^^^
sqlalchemy.exc.PendingRollbackError: Can't reconnect until invalid transaction is rolled back.  Please rollback() fully before proceeding (Background on this error at: https://sqlalche.me/e/20/8s2b)""",
        (SESSIONS, ARTICLE),
    ),
    # PyMySQL on Windows: the socket error Windows reports (WinError 10054) in the message.
    Query(
        """Traceback (most recent call last):
  File "C:\\Users\\dev\\app\\.venv\\Lib\\site-packages\\pymysql\\connections.py", line 759, in _read_bytes
    data = self._rfile.read(num_bytes)
ConnectionResetError: [WinError 10054] An existing connection was forcibly closed by the remote host

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "C:\\Users\\dev\\app\\main.py", line 12, in <module>
    conn.execute(text("SELECT 1"))
sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query ([WinError 10054] An existing connection was forcibly closed by the remote host)')
[SQL: SELECT 1]
(Background on this error at: https://sqlalche.me/e/20/e3q8)""",
        ANY_ERROR_PAGE,
    ),
    # A connect error (no [SQL: ...] line) whose exception line, extracted, still finds
    # nothing as it is: double quotes around a word on no page (`known`). The
    # script searches again without them.
    Query(
        """Traceback (most recent call last):
  File "/app/main.py", line 8, in <module>
    with engine.connect() as conn:
sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2003, "Can't connect to MySQL server on 'db-primary' ([Errno -2] Name or service not known)")
(Background on this error at: https://sqlalche.me/e/20/e3q8)""",
        (CONNECT, ERRORS),
    ),
    # A JSON log record (one line): the traceback is a string, its line breaks escaped.
    Query(
        r"""{"time": "2026-11-25T03:12:44Z", "level": "ERROR", "exc_info": "Traceback (most recent call last):\n  File \"C:\\app\\db.py\", line 9, in ping\n    conn.execute(text(\"SELECT 1\"))\nsqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2006, 'Server has gone away')\n[SQL: SELECT 1]\n(Background on this error at: https://sqlalche.me/e/20/e3q8)", "logger": "app.db"}""",
        ANY_ERROR_PAGE,
    ),
]
