#!/usr/bin/env bash
# The Python environment in .venv, exactly as uv.lock pins it.
# uv itself lives in .tools so that `uv sync` never removes it from .venv.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11." >&2
    exit 1
fi
if ! "$PYTHON" -m venv --help >/dev/null 2>&1; then
    apt_install python3-venv
fi
PYTHON=$("$PYTHON" -c 'import sys; print(sys.executable)')
if [ ! -x .tools/bin/uv ] || ! .tools/bin/uv --version | grep -q "$UV_VERSION"; then
    say "Installing uv $UV_VERSION in .tools"
    rm -rf .tools
    "$PYTHON" -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# Never let uv download an interpreter: the machine's Python is the one we test on.
export UV_PYTHON_DOWNLOADS=never
.tools/bin/uv sync --frozen --python "$PYTHON" --quiet
