#!/usr/bin/env bash
# Regenerate constraints.txt from pyproject.toml: every package of every extra (docs, test, nox,
# lint) pinned, with uv pip compile. scripts/serve.sh, test.sh and lint.sh, noxfile.py and CI
# install with --constraint constraints.txt. Run this after changing a dependency in
# pyproject.toml; the versions already in constraints.txt are kept where they still fit, so
# only what the change needs moves. Extra arguments go to uv pip compile:
#   bash scripts/lock.sh                          # after editing pyproject.toml
#   bash scripts/lock.sh --upgrade-package ruff   # one package to its newest allowed version
#   bash scripts/lock.sh --upgrade                # everything
#   bash scripts/lock.sh --check                  # exit 1, with the diff, if constraints.txt is
#                                                 # not what this would write (scripts/lint.sh)
# The resolution is universal (Linux, macOS, Windows) for Python 3.11.0 and newer, so every pin
# installs on Debian 12's Python 3.11.2; it needs the registry (PyPI), builds nothing, and
# reads no uv configuration file (uv never reads pip's).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

# uv itself is pinned by constraints.txt (the lint extra); installing only uv cannot conflict
# with whatever pyproject.toml now asks for.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --constraint constraints.txt uv

compile() {
    .venv/bin/uv pip compile --quiet --no-config --no-build --universal --python-version 3.11 \
        --all-extras --custom-compile-command "bash scripts/lock.sh" pyproject.toml "$@"
}

if [ "${1:-}" != --check ]; then
    compile --output-file constraints.txt "$@"
    exit
fi

# --check: compile into a copy (so its pins are the preferences, as above) and compare. A pin
# changed by hand or by Dependabot passes while it still fits; a dependency added to or dropped
# from pyproject.toml, or a pin outside its range, does not.
# First from uv's cache only, which needs no network once the cache holds the pins; when that
# fails or differs (a cold or stale cache), the registry decides.
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp constraints.txt "$tmp/constraints.txt"
if compile --offline --output-file "$tmp/constraints.txt" "$@" 2>/dev/null \
    && cmp -s constraints.txt "$tmp/constraints.txt"; then
    exit 0
fi
cp constraints.txt "$tmp/constraints.txt"
compile --output-file "$tmp/constraints.txt" "$@"
if ! diff -u constraints.txt "$tmp/constraints.txt"; then
    echo "error: constraints.txt is out of date with pyproject.toml: run  bash scripts/lock.sh" >&2
    exit 1
fi
