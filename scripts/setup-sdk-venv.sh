#!/usr/bin/env bash
# Create .venv-sdk/ at the repo root: a Python 3.13 venv holding the official Kalshi SDK
# (kalshi-python-sync==3.34.0), which tests/sdk/ uses to parse the sandbox's responses.
#
# The SDK needs Python >= 3.13, while the project itself supports 3.10+, so it lives in its own venv.
# Idempotent: a venv that already has a 3.13+ interpreter and the pinned SDK is left alone.
# Everything is downloaded here; the tests never touch the network.
#
# The probe (tests/sdk/sdk_probe.py) talks HTTP to a sandbox started by the test and imports nothing
# from kalshi_nb, so the repo's package is deliberately NOT installed into this venv.
#
# Usage: bash scripts/setup-sdk-venv.sh            (override the interpreter with PYTHON313=/path/to/python)
set -euo pipefail

SDK_SPEC="kalshi-python-sync==3.34.0"
SDK_VERSION="3.34.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-sdk"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# Succeeds if "$1" runs and is CPython >= 3.13 (pyenv shims exist on PATH even when they cannot run).
is_py313() {
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1
}

find_python313() {
    local candidate version
    local -a candidates=()
    [ -n "${PYTHON313:-}" ] && candidates+=("$PYTHON313")
    # pyenv: ask for the newest installed 3.13.x explicitly, since `pyenv which python3.13` only
    # works when 3.13 happens to be the selected version.
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    if command -v pyenv >/dev/null 2>&1; then
        version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13\.[0-9]+$' | sort -t. -k3,3n | tail -n 1 || true)"
        if [ -n "$version" ]; then
            candidates+=("$(PYENV_VERSION="$version" pyenv which python3.13 2>/dev/null || true)")
        fi
        candidates+=("$(pyenv which python3.13 2>/dev/null || true)")
    fi
    for candidate in $(ls -d "$pyenv_root"/versions/3.13.*/bin/python3.13 2>/dev/null | sort -t. -k3,3nr); do
        candidates+=("$candidate")
    done
    candidates+=("$(command -v python3.13 2>/dev/null || true)" "$(command -v python3 2>/dev/null || true)")
    for candidate in "${candidates[@]}"; do
        if is_py313 "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

venv_is_ready() {
    is_py313 "$VENV/bin/python" && "$VENV/bin/python" - "$SDK_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
import kalshi_python_sync  # noqa: F401  (the import itself must work, not just the metadata)
sys.exit(0 if version("kalshi-python-sync") == sys.argv[1] else 1)
EOF
}

if venv_is_ready; then
    echo "ok: $VENV already has $SDK_SPEC ($("$VENV/bin/python" --version))"
    exit 0
fi

if [ -n "${PYTHON313:-}" ] && ! is_py313 "$PYTHON313"; then
    echo "warning: PYTHON313=$PYTHON313 is not a working Python >= 3.13; looking elsewhere" >&2
fi
if ! PY="$(find_python313)"; then
    cat >&2 <<EOF
error: Python 3.13 not found. kalshi-python-sync 3.34 requires Python >= 3.13.
Looked at: \$PYTHON313, pyenv (\`pyenv versions\`), $HOME/.pyenv/versions/3.13.*, python3.13 and python3 on PATH.
Install it, e.g. \`pyenv install 3.13\`, or point PYTHON313 at an interpreter:
    PYTHON313=/path/to/python3.13 bash scripts/setup-sdk-venv.sh
EOF
    exit 1
fi

echo "using $PY ($("$PY" --version 2>&1))"
if [ -d "$VENV" ] && ! is_py313 "$VENV/bin/python"; then
    echo "removing $VENV: its interpreter is missing or older than 3.13"
    rm -rf "$VENV"
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet "$SDK_SPEC"

if ! venv_is_ready; then
    echo "error: $VENV was created but cannot import $SDK_SPEC" >&2
    exit 1
fi
echo "ok: $VENV ready with $SDK_SPEC ($("$VENV/bin/python" --version))"
