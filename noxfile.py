"""Run the test suite on each SQLAlchemy line the site supports.

    nox -s tests-sqlalchemy-2      # the newest 2.x (the version pinned in constraints.txt)
    nox -s tests-sqlalchemy-1.4    # 1.4, the version the original article was written for
    nox -s async-pre-ping-versions # on demand only: the drivers page's async pre-ping
                                   # TypeError, on each side of its version boundaries
    nox -s mysql-connector-c-extension  # on demand only: mysql-connector's C extension

Each session installs the test extras with constraints.txt (SQLAlchemy swapped for
1.4 in that session) and runs pytest; extra arguments go to pytest
(nox -s tests-sqlalchemy-1.4 -- -k pre_ping). DATABASE_URL is honoured as in the
main suite.
"""

import re
import tempfile
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests-sqlalchemy-2", "tests-sqlalchemy-1.4"]

ROOT = Path(__file__).parent
SQLALCHEMY_1_4 = "SQLAlchemy[asyncio]==1.4.54"
# Test dependencies that require SQLAlchemy 2.0 and cannot be installed beside 1.4 (the
# frameworks page): the 1.4 session leaves them out, and tests/test_frameworks.py checks on
# 1.4 that they are not importable (a named exclusion, not a skip).
NEEDS_SQLALCHEMY_2 = {"flask-sqlalchemy", "sqlmodel"}


def test_extra_requirements(leave_out: set[str]) -> list[str]:
    """The `test` extra of pyproject.toml without the distributions named in `leave_out`."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = extra["optional-dependencies"]["test"]
    if not leave_out:
        return [".[test]"]
    name = extra["name"]
    kept = []
    for requirement in requirements:
        distribution = re.split(r"[\[=<>!~ ;]", requirement, maxsplit=1)[0].lower()
        if distribution == name:  # the project's own extras: gone-away-guide[docs]
            kept.append("." + requirement[len(name) :])
        elif distribution not in leave_out:
            kept.append(requirement)
    return kept


def install_and_test(
    session: nox.Session, *instead: str, check: str = "", leave_out: set[str] = frozenset()
) -> None:
    """Install the test extras with constraints.txt, with the requirements `instead`
    (e.g. "SQLAlchemy[asyncio]==1.4.54") in place of their pins and the distributions
    `leave_out` not installed; run the Python `check`
    (it fails the session if the environment is not what the session is for); run pytest."""
    constraints = ROOT / "constraints.txt"
    if instead:
        names = {re.split(r"[\[=<>!~ ]", r, maxsplit=1)[0].lower() for r in instead}
        pinned = [
            line
            for line in constraints.read_text().splitlines()
            if line.split("==")[0].lower() not in names
        ]
        constraints = Path(session.create_tmp()) / "constraints.txt"
        constraints.write_text("\n".join(pinned) + "\n")
    session.install("--constraint", str(constraints), *test_extra_requirements(leave_out), *instead)
    session.run("python", "-c", "import sqlalchemy; print('SQLAlchemy', sqlalchemy.__version__)")
    if check:
        session.run("python", "-c", check)
    # nox points TMPDIR into .nox/, which makes the throwaway server's unix socket path
    # longer than the 108 bytes Linux allows: keep the system's temporary directory.
    env = {"NO_MKDOCS_2_WARNING": "1", "TMPDIR": tempfile.gettempdir()}
    session.run("pytest", *session.posargs, env=env)


@nox.session(name="tests-sqlalchemy-2")
def tests_sqlalchemy_2(session: nox.Session) -> None:
    install_and_test(session)


@nox.session(name="tests-sqlalchemy-1.4")
def tests_sqlalchemy_1_4(session: nox.Session) -> None:
    install_and_test(session, SQLALCHEMY_1_4, leave_out=NEEDS_SQLALCHEMY_2)


# The SQLAlchemy releases on each side of the async pre-ping TypeError (the drivers page;
# tests/clients.py async_pre_ping_fails): 1.4.50 and 2.0.23 introduced it, 2.0.50 and
# 2.1.0b3 fixed it, 1.4 kept it. Not run by .ci/run: seven installs are too slow for CI.
ASYNC_PRE_PING_VERSIONS = [
    "1.4.49", "1.4.50", "1.4.54", "2.0.22", "2.0.23", "2.0.49", "2.0.50", "2.1.0b2", "2.1.0b3",
]  # fmt: skip


@nox.session(name="async-pre-ping-versions", default=False)
@nox.parametrize("sqlalchemy", ASYNC_PRE_PING_VERSIONS)
def async_pre_ping_versions(session: nox.Session, sqlalchemy: str) -> None:
    """The async pre-ping tests of the drivers page on one SQLAlchemy release: they expect
    the TypeError exactly where tests/clients.py says it happens."""
    if not session.posargs:
        session.posargs.extend(["tests/test_drivers.py", "-k", "async_pre_ping", "-n", "0"])
    # Before 2.0.23 and 1.4.50 SQLAlchemy calls mysqlclient's ping(False), which mysqlclient
    # 2.2+ deprecates (the suite's own engines ping too): a warning there, not a failure.
    session.posargs.extend(["-W", "ignore:The reconnect parameter:DeprecationWarning"])
    leave_out = NEEDS_SQLALCHEMY_2 if sqlalchemy.startswith("1.") else frozenset()
    install_and_test(session, f"SQLAlchemy[asyncio]=={sqlalchemy}", leave_out=leave_out)


# mysql-connector-python whose C extension loads on Debian 12 (26.10's needs OpenSSL 3.2):
# the drivers page and the error index show its texts as observed with this version.
MYSQL_CONNECTOR_C_EXTENSION = "mysql-connector-python==9.4.0"


@nox.session(name="mysql-connector-c-extension", default=False)
def mysql_connector_c_extension(session: nox.Session) -> None:
    """The mysql-connector tests of the drivers and error pages on the C extension
    (tests/clients.py mysql_connector_uses_c_extension picks its texts and behaviour)."""
    if not session.posargs:
        tests = ["tests/test_drivers.py", "tests/test_error_messages.py"]
        session.posargs.extend([*tests, "-k", "mysqlconnector or disconnect_for", "-n", "0"])
    loaded = "import mysql.connector as m; assert m.HAVE_CEXT, 'the C extension did not load'"
    install_and_test(session, MYSQL_CONNECTOR_C_EXTENSION, check=loaded)
