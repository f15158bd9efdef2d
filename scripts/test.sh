#!/usr/bin/env bash
# Install the test dependencies into .venv, then run the whole test suite:
# the docs checks, `mkdocs build --strict`, and every snippet against a real server.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -k pre_ping
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

# mysqlclient compiles against the MySQL or MariaDB client library, found with pkg-config.
have_client_headers() {
    command -v pkg-config >/dev/null \
        && { pkg-config --exists mysqlclient || pkg-config --exists mariadb; }
}
if ! .venv/bin/python -c 'import MySQLdb' 2>/dev/null && ! have_client_headers; then
    cat >&2 <<'MSG'
error: cannot build mysqlclient, the MySQL driver the snippets use: it needs pkg-config
and the MySQL or MariaDB client headers. Install them, then run this again:
    Debian/Ubuntu:  bash scripts/system_packages.sh --install build
                    (pkg-config libmariadb-dev; --client=mysql for libmysqlclient-dev)
    Fedora/RHEL:    sudo dnf install pkgconf-pkg-config mariadb-connector-c-devel
    macOS:          brew install pkg-config mysql-client
MSG
    exit 1
fi

# With nox (the nox extra): .venv/bin/nox -s tests-sqlalchemy-1.4 runs this suite on SQLAlchemy 1.4.
pip_install '.[test,nox]'
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/python -m pytest "$@"
