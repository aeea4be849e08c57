#!/usr/bin/env bash
# Brings the platform up on this machine (development and demos): Docker + Swarm, Postgres and
# Redis (installed and started if missing), a virtualenv with ZaneOps, the dashboard's build,
# the Caddy proxy as a swarm service, the schema and the first admin, then the API (serving
# the dashboard) and every controller as local background processes.
# Idempotent: run it again and it only starts what is down. `zaneops local down` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash tests/infra/up.sh)"
# (Re)install when the command is missing or no longer starts (an older layout's venv).
if ! .venv/bin/python -c 'import launcher.cli' 2>/dev/null || [[ ! -x .venv/bin/zaneops ]]; then
    [[ -x .venv/bin/python ]] || python3 -m venv .venv
    .venv/bin/pip install --quiet -e .
fi
export ZANE_SECRET_KEY=${ZANE_SECRET_KEY:-$(cat /var/lib/zaneops/secret.key 2>/dev/null || true)}
if [[ -z $ZANE_SECRET_KEY ]]; then
    mkdir -p /var/lib/zaneops
    ZANE_SECRET_KEY=$(.venv/bin/python -c 'from zaneops.common.secrets import new_key; print(new_key())')
    (umask 077 && printf '%s' "$ZANE_SECRET_KEY" >/var/lib/zaneops/secret.key)
fi
# The dashboard: built once, and again whenever its sources are newer than the build.
if [[ ! -f ui/dist/index.html ]] || [[ -n $(find ui/src ui/index.html ui/package.json -newer ui/dist/index.html -print -quit) ]]; then
    (cd ui && npm ci --silent --no-audit --no-fund && npm run build --silent) >&2
fi

# The proxy: Caddy (caddy-image/) as a swarm service on the edge network every service joins,
# ports 80/443 in host mode, its admin API only on a unix socket in /run/zane.
instance=${ZANE_INSTANCE:-zaneops}
mkdir -p /run/zane
docker network inspect "$instance-edge" >/dev/null 2>&1 ||
    docker network create --driver overlay --attachable --label zane.managed=true \
        --label "zane.instance=$instance" "$instance-edge" >/dev/null
if ! docker service inspect "$instance-proxy" >/dev/null 2>&1; then
    docker service create --detach --quiet --name "$instance-proxy" \
        --label "zane.instance=$instance" --network "$instance-edge" --endpoint-mode dnsrr \
        --publish mode=host,published=80,target=80 --publish mode=host,published=443,target=443 \
        --mount type=bind,source=/run/zane,target=/run/zane \
        --mount type=volume,source="$instance-proxy-config",target=/config \
        --mount type=volume,source="$instance-proxy-data",target=/data \
        --restart-delay 200ms --no-resolve-image zaneops/caddy:local >/dev/null
fi
echo "proxy: $instance-proxy (http://<domain>:80; *.localhost names resolve to this machine)"

# Served over plain HTTP on this machine: a Secure-only session cookie would never come back.
export ZANE_API_COOKIE_SECURE=${ZANE_API_COOKIE_SECURE:-false}
.venv/bin/zaneops local up
