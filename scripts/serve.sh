#!/usr/bin/env bash
# Install the site's dependencies into .venv and serve the site at http://127.0.0.1:8000/
# (Japanese at /, English at /en/). It rebuilds when docs/, snippets/ or mkdocs.yml change.
# Extra arguments go to `mkdocs serve`, e.g.  bash scripts/serve.sh --dev-addr 127.0.0.1:8001
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

pip_install '.[docs]'
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/python -m mkdocs serve --watch snippets "$@"
