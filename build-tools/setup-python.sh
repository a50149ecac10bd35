#!/usr/bin/env bash
# Creates the project's Python virtual environment from requirements-dev.txt.
# Idempotent: re-installs only when the requirements file changed since the last successful set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
req=requirements-dev.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi
python=${SFETL_PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
  echo "setup:python: need Python >= 3.9 as '$python' (set SFETL_PYTHON to another interpreter)" >&2
  exit 1
fi
echo "setup:python: creating .venv from $req (first run downloads pyspark, ~320 MB)"
rm -rf .venv
"$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
