#!/usr/bin/env bash
# Creates .venv (Python 3.11+) and installs the pinned requirements; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip 2>&1 | { grep -v "is ignored: it is neither" || true; }
  .venv/bin/pip install -q -r requirements.txt 2>&1 | { grep -v "is ignored: it is neither" || true; }
  echo "$want" > "$stamp"
fi
