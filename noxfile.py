"""Run the test suite on each SQLAlchemy line the site supports.

    nox -s tests-sqlalchemy-2      # the newest 2.x (the version pinned in constraints.txt)
    nox -s tests-sqlalchemy-1.4    # 1.4, the version the original article was written for

Each session installs the test extras with constraints.txt (SQLAlchemy swapped for
1.4 in that session) and runs pytest; extra arguments go to pytest
(nox -s tests-sqlalchemy-1.4 -- -k pre_ping). DATABASE_URL is honoured as in the
main suite.
"""

import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests-sqlalchemy-2", "tests-sqlalchemy-1.4"]

ROOT = Path(__file__).parent
SQLALCHEMY_1_4 = "SQLAlchemy[asyncio]==1.4.54"


def install_and_test(session: nox.Session, sqlalchemy: str | None) -> None:
    constraints = ROOT / "constraints.txt"
    if sqlalchemy:
        pinned = [
            line
            for line in constraints.read_text().splitlines()
            if not line.lower().startswith("sqlalchemy==")
        ]
        constraints = Path(session.create_tmp()) / "constraints.txt"
        constraints.write_text("\n".join(pinned) + "\n")
        session.install("--constraint", str(constraints), ".[test]", sqlalchemy)
    else:
        session.install("--constraint", str(constraints), ".[test]")
    session.run("python", "-c", "import sqlalchemy; print('SQLAlchemy', sqlalchemy.__version__)")
    # nox points TMPDIR into .nox/, which makes the throwaway server's unix socket path
    # longer than the 108 bytes Linux allows: keep the system's temporary directory.
    env = {"NO_MKDOCS_2_WARNING": "1", "TMPDIR": tempfile.gettempdir()}
    session.run("pytest", *session.posargs, env=env)


@nox.session(name="tests-sqlalchemy-2")
def tests_sqlalchemy_2(session: nox.Session) -> None:
    install_and_test(session, None)


@nox.session(name="tests-sqlalchemy-1.4")
def tests_sqlalchemy_1_4(session: nox.Session) -> None:
    install_and_test(session, SQLALCHEMY_1_4)
