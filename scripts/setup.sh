#!/usr/bin/env bash
# One-time setup on a fresh machine with Python 3.11 and pip: a virtualenv in .venv with
# labwatch and its test tools. Torch comes first, pinned to the CPU build (a bare `torch`
# requirement would pull a multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[test]"
echo "labwatch installed in .venv ($(.venv/bin/labwatch --help >/dev/null && echo ok))"
