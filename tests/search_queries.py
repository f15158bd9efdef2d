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
CONNECT = "connect-errors"
# An error text, a fragment of one or its code is shown on every page about that
# error: the index, the article, the causes and the drivers page. Any of them is a
# right landing page (each explains the error and links to its fix); lunr's scoring
# decides which comes first. Texts only the index shows must bring up the index.
ANY_ERROR_PAGE = (ERRORS, ARTICLE, CAUSES, DRIVERS)
# The texts of a Session shared across threads or tasks: its page, or the index (which
# shows them and links to it).
SHARED_SESSION_PAGES = (CONCURRENCY, ERRORS)


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
    Query("pymysql.err.InterfaceError: (0, '')", ERRORS),
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
    Query(
        "sqlalchemy.exc.InvalidRequestError: This session is provisioning a new connection; concurrent operations are not permitted (Background on this error at: https://sqlalche.me/e/20/isce)",
        SHARED_SESSION_PAGES,
    ),
    # Fragments of an error.
    Query("(2006,", ANY_ERROR_PAGE),
    Query("(2013,", ANY_ERROR_PAGE),
    Query("OperationalError", ANY_ERROR_PAGE),
    Query("MySQL server has gone away", ARTICLE),
    Query("Lost connection to MySQL server during query", ANY_ERROR_PAGE),
    Query("Connection reset by peer", ANY_ERROR_PAGE),
    Query("Broken pipe", ANY_ERROR_PAGE),
    Query("Can't reconnect until invalid transaction is rolled back", ARTICLE),
    Query("Packet sequence number wrong", SHARED_SESSION_PAGES),
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
    Query("ドライバごとの文言", ERRORS, "ja"),
    Query("非同期ドライバ", ERRORS, "ja"),
    Query("クライアントライブラリ", ERRORS, "ja"),
    Query("スレッド セッション 共有", CONCURRENCY, "ja"),
    Query("スレッドでセッションを共有", CONCURRENCY, "ja"),
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
    Query("asyncio.gather AsyncSession", CONCURRENCY, "en"),
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


def search_cases() -> list[SearchCase]:
    """Every query, from every language root."""
    return [
        SearchCase(
            query.text,
            [page_path(name, query.lang or from_lang) for name in query.pages],
            query.lang or from_lang,
            from_lang,
        )
        for query in QUERIES
        for from_lang in languages()
    ]
