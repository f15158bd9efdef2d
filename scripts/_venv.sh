# Sourced by serve.sh, test.sh and lint.sh: make .venv with Python >= 3.11 and define pip_install.
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
    echo "error: $python not found. Install Python 3.11 or newer, or set PYTHON=/path/to/python3" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: Python 3.11 or newer is needed; $python is $("$python" -V 2>&1). Set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv || {
        echo "error: could not create .venv. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2
        exit 1
    }
fi

# Install the project's extras with the versions the tests passed with (constraints.txt).
pip_install() {
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        --constraint constraints.txt --editable "$1"
}
