#!/usr/bin/env bash
# Installs or upgrades ZaneOps on this machine's Docker Swarm (a fresh Debian/Ubuntu, as root):
# makes the virtualenv `zaneops up` runs from, then runs it. Arguments go to `zaneops up`
# (e.g. --http-port, --dashboard-port, --images local). Idempotent: run it again after a
# code change and it upgrades in place.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v python3 >/dev/null || apt-get install -y -q python3
python3 -c 'import venv, ensurepip' 2>/dev/null || apt-get install -y -q python3-venv
command -v npm >/dev/null || apt-get install -y -q npm
# (Re)install when the command is missing or no longer starts (an older layout's venv).
if ! .venv/bin/python -c 'import launcher.cli' 2>/dev/null || [[ ! -x .venv/bin/zaneops ]]; then
    [[ -x .venv/bin/python ]] || python3 -m venv .venv
    .venv/bin/pip install --quiet -e .
fi
exec .venv/bin/zaneops up "$@"
