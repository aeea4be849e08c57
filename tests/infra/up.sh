#!/usr/bin/env bash
# Bring up the real infrastructure the test suite needs on a Debian 12 machine:
# Docker engine + single-node swarm and the local Debian base image (stacks/host.sh, shared
# with `zaneops up`), then PostgreSQL 15, Redis, and more local images built without any
# registry (zaneops/busybox:latest, zaneops/caddy:local, zaneops/probe:local, ...; the
# multi-node bed's zaneops/swarm-node:local).
#
# Idempotent: anything already up is left alone, anything down is repaired.
# Progress goes to stderr as short lines; command output goes to $INFRA_LOG.
# The only thing printed on stdout is the connection settings, so callers can do:
#     eval "$(bash tests/infra/up.sh)"
set -Eeuo pipefail

LOG_PREFIX=infra
# shellcheck source=../../stacks/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../stacks/host.sh"

BUSYBOX_IMAGE=zaneops/busybox:latest
CADDY_IMAGE=zaneops/caddy:local
CADDY_CONTEXT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../caddy-image" && pwd)
PROBE_IMAGE=zaneops/probe:local
PROBE_CONTEXT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../stacks/images/probe" && pwd)
METRICS_IMAGE=zaneops/metrics:local
METRICS_CONTEXT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../stacks/images/metrics" && pwd)
NODE_EXPORTER_IMAGE=zaneops/node-exporter:local
SWARM_NODE_IMAGE=zaneops/swarm-node:local
SWARM_NODE_CONTEXT=$(cd "$(dirname "${BASH_SOURCE[0]}")/node-image" && pwd)
NODE_EXPORTER_CONTEXT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../stacks/images/node-exporter" && pwd)
PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
PG_MIN_CONNECTIONS=300
REDIS_PORT=6379

DATABASE_URL="postgresql://zane:zane@127.0.0.1:${PG_PORT}/zane"
REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

pg_sql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -tAc "$1"; }

# ----------------------------------------------------------------------------- postgres

pg_client_ok() {
    [[ $(PGPASSWORD=zane PGCONNECT_TIMEOUT=5 psql -X -h 127.0.0.1 -p "$PG_PORT" -U zane -d zane \
        -tAc 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null) == t ]]
}

pg_running() { pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; }

pg_accepts() { as_postgres pg_isready -q -p "$PG_PORT"; }

ensure_postgres() {
    if pg_client_ok && [[ $(pg_sql 'show max_connections') -ge $PG_MIN_CONNECTIONS ]]; then
        log "postgres: already up"
        return 0
    fi
    local did=()
    [[ -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]] || apt_install "postgresql-$PG_VERSION"
    if [[ ! -f /etc/postgresql/$PG_VERSION/$PG_CLUSTER/postgresql.conf ]]; then
        quiet pg_createcluster "$PG_VERSION" "$PG_CLUSTER" -p "$PG_PORT" ||
            die "pg_createcluster $PG_VERSION $PG_CLUSTER failed"
        did+=("cluster created")
    fi
    # Debian's defaults listen on localhost:5432 and use scram for 127.0.0.1/32; only
    # touch port / listen_addresses if the cluster was changed away from that.
    local conf=(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER") listen
    listen=$("${conf[@]}" show listen_addresses 2>/dev/null || echo localhost)
    if [[ $("${conf[@]}" show port 2>/dev/null) != "$PG_PORT" ]] ||
        [[ ! $listen =~ localhost|127\.0\.0\.1|\* ]]; then
        quiet "${conf[@]}" set port "$PG_PORT" || die "pg_conftool set port failed"
        quiet "${conf[@]}" set listen_addresses localhost || die "pg_conftool set listen_addresses failed"
        if pg_running; then
            quiet pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || die "postgres stop failed"
        fi
        did+=("port/listen_addresses reset")
    fi

    if ! pg_running; then
        quiet pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || die "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed"
        did+=("started")
    fi
    wait_for 30 pg_accepts || die "postgres not accepting connections within 30 s"

    # Tests open many connections; max_connections only changes on restart.
    local max_conn
    max_conn=$(pg_sql 'show max_connections') || die "postgres: cannot run psql as the postgres user"
    if ((max_conn < PG_MIN_CONNECTIONS)); then
        quiet pg_sql "alter system set max_connections = $PG_MIN_CONNECTIONS" || die "alter system failed"
        quiet pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart || die "postgres restart failed"
        wait_for 30 pg_accepts || die "postgres not accepting connections 30 s after restart"
        did+=("max_connections=$PG_MIN_CONNECTIONS")
    fi

    if [[ $(pg_sql "select 1 from pg_roles where rolname = 'zane'") != 1 ]]; then
        quiet pg_sql "create role zane with superuser login password 'zane'" || die "create role zane failed"
        did+=("role zane created")
    elif ! pg_client_ok; then
        quiet pg_sql "alter role zane with superuser login password 'zane'" || die "alter role zane failed"
        did+=("role zane repaired")
    fi
    if [[ $(pg_sql "select 1 from pg_database where datname = 'zane'") != 1 ]]; then
        quiet pg_sql "create database zane owner zane" || die "create database zane failed"
        did+=("database zane created")
    fi

    if ! pg_client_ok; then
        # Password auth over TCP must work: put an explicit rule first and reload.
        local hba
        hba=$(pg_sql 'show hba_file')
        if ! grep -q '^host all zane 127.0.0.1/32 scram-sha-256' "$hba"; then
            sed -i '1i host all zane 127.0.0.1/32 scram-sha-256' "$hba"
        fi
        quiet pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" reload || die "postgres reload failed"
        sleep 1
        did+=("pg_hba fixed")
    fi
    pg_client_ok || die "postgres: cannot log in as zane over TCP (PGPASSWORD=zane psql -h 127.0.0.1 -U zane -d zane)"
    local summary
    summary=$(printf '%s, ' "${did[@]+"${did[@]}"}")
    log "postgres: ${summary%, }"
}

# ----------------------------------------------------------------------------- redis

redis_ok() { [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

ensure_redis() {
    if command -v redis-cli >/dev/null && redis_ok; then
        log "redis: already up"
        return 0
    fi
    command -v redis-server >/dev/null || apt_install redis-server
    # Throwaway cache for tests: no persistence. --daemonize forks into the background.
    quiet redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
        --save '' --appendonly no --dir /tmp --logfile /var/log/zaneops-redis.log ||
        die "redis-server failed to start"
    wait_for 15 redis_ok || die "redis not answering PING on 127.0.0.1:$REDIS_PORT within 15 s (see /var/log/zaneops-redis.log)"
    log "redis: started"
}

ensure_busybox_image() {
    local tarball=$CACHE_DIR/busybox-rootfs.tar what="already present"
    if ! image_exists "$BUSYBOX_IMAGE"; then
        if [[ ! -s $tarball ]]; then
            local tmp deb
            tmp=$(new_tmp_dir)
            # Take the static busybox from Debian's package without installing it.
            (cd "$tmp" && quiet apt-get -q download busybox-static) || {
                quiet env DEBIAN_FRONTEND=noninteractive apt-get -q update || true
                (cd "$tmp" && quiet apt-get -q download busybox-static)
            } || die "apt-get download busybox-static failed"
            deb=$(ls "$tmp"/busybox-static_*.deb)
            quiet dpkg-deb -x "$deb" "$tmp/pkg" || die "dpkg-deb -x $deb failed"
            local root=$tmp/rootfs
            mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,var/www,proc,sys,dev}
            install -m 1777 -d "$root/tmp"
            install -m 0755 "$tmp/pkg/bin/busybox" "$root/bin/busybox"
            # One symlink per applet (sh, httpd, nc, sleep, cat, echo, ls, mkdir, ...).
            local applet
            for applet in $("$root/bin/busybox" --list); do
                [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
            done
            ln -sf ../../bin/busybox "$root/usr/bin/env"
            printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
            printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
            tar --numeric-owner -C "$root" -cf "$tmp/rootfs.tar" .
            mv "$tmp/rootfs.tar" "$tarball"
            rm -rf "$tmp"
            what=built
        else
            what="imported from $tarball"
        fi
        quiet "$DOCKER" import -c 'CMD ["/bin/sh"]' "$tarball" "$BUSYBOX_IMAGE" ||
            die "docker import $BUSYBOX_IMAGE failed"
    fi
    smoke "$BUSYBOX_IMAGE" ok /bin/busybox echo ok
    smoke "$BUSYBOX_IMAGE" ok sh -c 'test -d /tmp && echo ok'
    log "busybox image: $what ($BUSYBOX_IMAGE)"
}

# Build IMAGE from CONTEXT unless the image there was built from the same files: the label
# holds a hash of them, so an old image never hides an edit. Sets $what for the log line.
build_if_changed() {
    local image=$1 context=$2 about=$3 want have
    shift 3
    want=$(cd "$context" && cat "$@" | sha256sum | cut -c1-16)
    have=$("$DOCKER" image inspect -f '{{index .Config.Labels "zane.context-hash"}}' "$image" 2>/dev/null || true)
    what="already present"
    if [[ $have != "$want" ]]; then
        log "$image: building from $context ($about)"
        quiet "$DOCKER" build --label "zane.context-hash=$want" -t "$image" "$context" ||
            die "docker build $image failed"
        what=built
    fi
}

# The proxy image (caddy-image/): Debian's caddy on the local base.
ensure_caddy_image() {
    local what
    build_if_changed "$CADDY_IMAGE" "$CADDY_CONTEXT" "about 10 s" Dockerfile bootstrap.json
    smoke "$CADDY_IMAGE" 2. caddy version
    log "caddy image: $what ($CADDY_IMAGE)"
}

# The HTTP health check probe (stacks/images/probe/): a static binary FROM scratch, compiled
# in a build stage on the local base.
ensure_probe_image() {
    local what rc=0
    build_if_changed "$PROBE_IMAGE" "$PROBE_CONTEXT" "about 20 s: gcc in a build stage" Dockerfile probe.c
    # No shell in it to smoke-test with: the probe itself answers (nothing in /nowhere: 1).
    "$DOCKER" run --rm --network none "$PROBE_IMAGE" installed /nowhere >/dev/null 2>&1 || rc=$?
    [[ $rc == 1 ]] || die "probe image $PROBE_IMAGE does not run (exit $rc)"
    log "probe image: $what ($PROBE_IMAGE)"
}

# The metrics store (stacks/images/metrics/): Debian's Prometheus on the local base.
ensure_metrics_image() {
    local what
    build_if_changed "$METRICS_IMAGE" "$METRICS_CONTEXT" "about 30 s" Dockerfile metrics-start
    "$DOCKER" run --rm --entrypoint prometheus "$METRICS_IMAGE" --version >/dev/null 2>&1 ||
        die "metrics image $METRICS_IMAGE does not run"
    log "metrics image: $what ($METRICS_IMAGE)"
}

# Each server's exporter (stacks/images/node-exporter/): Debian's node exporter.
ensure_node_exporter_image() {
    local what
    build_if_changed "$NODE_EXPORTER_IMAGE" "$NODE_EXPORTER_CONTEXT" "about 10 s" \
        Dockerfile node-exporter-start
    "$DOCKER" run --rm --entrypoint prometheus-node-exporter "$NODE_EXPORTER_IMAGE" --version \
        >/dev/null 2>&1 || die "node exporter image $NODE_EXPORTER_IMAGE does not run"
    log "node exporter image: $what ($NODE_EXPORTER_IMAGE)"
}

# A node of the multi-node test bed (tests/support/swarm_bed.py): a nested Docker engine.
ensure_swarm_node_image() {
    local what
    build_if_changed "$SWARM_NODE_IMAGE" "$SWARM_NODE_CONTEXT" "about 30 s: docker.io from apt" \
        Dockerfile zane-node
    "$DOCKER" run --rm --entrypoint dockerd "$SWARM_NODE_IMAGE" --version >/dev/null 2>&1 ||
        die "swarm node image $SWARM_NODE_IMAGE does not run"
    log "swarm node image: $what ($SWARM_NODE_IMAGE)"
}

# The dashboard's browser tests drive Debian's Chromium (Playwright cannot download its own).
ensure_browser() {
    [[ -x /usr/bin/chromium ]] || apt_install chromium
    log "browser: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
}

# The builds controller clones with the git binary (and the tests make repositories with it).
ensure_git() {
    command -v git >/dev/null || apt_install git
    log "git: $(git --version)"
}

# The volume snapshot tests read a repository with restic on the host, as a person would with
# the sealing key (the snapshots themselves run in containers).
ensure_restic() {
    command -v restic >/dev/null || apt_install restic
    log "restic: $(restic version | head -n 1)"
}

# Encrypted database backups are decrypted on the host with age, as a person would with the key
# `zaneops backup-key export` writes (the controller under test runs age on the host too).
ensure_age() {
    command -v age >/dev/null || apt_install age
    log "age: $(age --version)"
}

main() {
    host_begin
    ensure_docker
    ensure_swarm
    ensure_postgres
    ensure_redis
    ensure_base_image
    ensure_busybox_image
    ensure_caddy_image
    ensure_probe_image
    ensure_metrics_image
    ensure_node_exporter_image
    ensure_swarm_node_image
    ensure_browser
    ensure_git
    ensure_restic
    ensure_age
    printf 'export ZANE_DATABASE_URL=%s\nexport ZANE_REDIS_URL=%s\n' "$DATABASE_URL" "$REDIS_URL"
}

main "$@"
