#!/usr/bin/env bash
# Run every linter on every file, as CI does (.ci/run and the GitHub workflow):
#   Python in snippets/, tests/, scripts/     ruff format, ruff check
#   scripts/*.sh, .ci/run, shell snippets     ShellCheck
#   all Markdown                              markdownlint-cli2
#   Japanese pages (*.ja.md)                  textlint, preset-ja-technical-writing
#   .github/ (workflows, dependabot)          actionlint, zizmor
#   constraints.txt against pyproject.toml    bash scripts/lock.sh --check (may ask PyPI)
# The hooks are defined in .pre-commit-config.yaml and configured in pyproject.toml
# ([tool.ruff]), .markdownlint-cli2.yaml and .textlintrc.yml.
# First installs the tools: Python ones into .venv (constraints.txt), Node ones into
# node_modules (package-lock.json, with npm ci). Files not yet added to git are checked too.
# Arguments go to `pre-commit run`, e.g.  bash scripts/lint.sh textlint   (one hook only)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

# The Markdown and Japanese linters need Node.js 20 or newer (markdownlint-cli2), and npm.
node_20() { node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)'; }
if ! command -v npm >/dev/null || ! node_20; then
    echo "error: the Markdown and Japanese linters need Node.js 20 or newer and npm; found: node" \
        "$(node --version 2>/dev/null || echo none), npm $(npm --version 2>/dev/null || echo none)" >&2
    echo "    Debian 13: bash scripts/system_packages.sh --install node" >&2
    echo "    Debian 12, Ubuntu 24.04 (their nodejs is 18), others: https://nodejs.org/" >&2
    exit 1
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "error: scripts/lint.sh runs pre-commit, which needs a git checkout: git clone the repository" >&2
    exit 1
fi

pip_install '.[lint]'
# npm ci only when package-lock.json changed since the last install (it empties node_modules).
if ! cmp -s package-lock.json node_modules/.installed-package-lock.json; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.installed-package-lock.json
fi

# Tracked files plus new ones not ignored by .gitignore (a new article before `git add`).
mapfile -t files < <(git ls-files --cached --others --exclude-standard)
# In CI (a clean checkout) show what a fixing hook changed; locally `git diff` shows it.
extra=()
[ -z "${CI:-}" ] || extra+=(--show-diff-on-failure)
exec .venv/bin/pre-commit run "$@" "${extra[@]}" --color="${PRE_COMMIT_COLOR:-auto}" \
    --files "${files[@]}"
