#!/usr/bin/env bash
# Brings the platform up on this machine as local processes (development and demos):
# Docker + Swarm, Postgres and Redis (installed and started if missing), a virtualenv with
# ZaneOps, the schema, then every controller (and the API, once it exists) in the background.
# Idempotent: run it again and it only starts what is down. `zaneops local down` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash tests/infra/up.sh)"
if [[ ! -x .venv/bin/zaneops ]]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet -e .
fi
export ZANE_SECRET_KEY=${ZANE_SECRET_KEY:-$(cat /var/lib/zaneops/secret.key 2>/dev/null || true)}
if [[ -z $ZANE_SECRET_KEY ]]; then
    mkdir -p /var/lib/zaneops
    ZANE_SECRET_KEY=$(.venv/bin/python -c 'from zaneops.secrets import new_key; print(new_key())')
    (umask 077 && printf '%s' "$ZANE_SECRET_KEY" >/var/lib/zaneops/secret.key)
fi
.venv/bin/zaneops local up
