#!/usr/bin/env bash
# The README's test command: bring up real infrastructure, then lint, type-check and test.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k leader`.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash tests/infra/up.sh)"
python3 -m tox --version >/dev/null 2>&1 || python3 -m pip install --quiet 'tox>=4.11'
exec python3 -m tox run -e lint,types,ui,tests -- "$@"
