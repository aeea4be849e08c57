#!/usr/bin/env bash
# Bring up the real infrastructure the test suite needs on a Debian 12 machine:
# Docker engine + single-node swarm, PostgreSQL 15, Redis, and two local images
# built without any registry (zaneops/debian-base:bookworm, zaneops/busybox:latest).
#
# Idempotent: anything already up is left alone, anything down is repaired.
# Progress goes to stderr as short lines; command output goes to $INFRA_LOG.
# The only thing printed on stdout is the connection settings, so callers can do:
#     eval "$(bash tests/infra/up.sh)"
set -Eeuo pipefail

INFRA_LOG=${INFRA_LOG:-/var/log/zaneops-infra.log}
CACHE_DIR=/var/cache/zaneops
BASE_IMAGE=zaneops/debian-base:bookworm
BUSYBOX_IMAGE=zaneops/busybox:latest
CADDY_IMAGE=zaneops/caddy:local
CADDY_CONTEXT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../caddy-image" && pwd)
DEBIAN_MIRROR=http://deb.debian.org/debian
PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
PG_MIN_CONNECTIONS=300
REDIS_PORT=6379

DATABASE_URL="postgresql://zane:zane@127.0.0.1:${PG_PORT}/zane"
REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"

DOCKER=docker # may be switched to /usr/bin/docker by pick_docker_client
TMP_DIRS=()

log() { printf 'infra: %s\n' "$*" >&2; }

die() {
    DIED=1
    log "ERROR: $*"
    # Show only what this run wrote to the log.
    local this_run
    this_run=$(tail -c +$((LOG_START + 1)) "$INFRA_LOG" 2>/dev/null | grep -v '^=== ' | tail -n 15 || true)
    if [[ -n $this_run ]]; then
        log "last lines of $INFRA_LOG:"
        printf '%s\n' "$this_run" | sed 's/^/    /' >&2
    fi
    exit 1
}

# set -e can stop the script in a step that has no `|| die`: remember the last failed
# command (-E: also inside functions) so the exit trap can say where it stopped.
LAST_ERR=
DIED=
LOG_START=0
trap 'LAST_ERR="line $LINENO: $BASH_COMMAND"' ERR

on_exit() {
    local rc=$? d
    for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
        rm -rf -- "$d"
    done
    if ((rc != 0)) && [[ -z $DIED ]]; then
        log "ERROR: failed (exit $rc) at ${LAST_ERR:-unknown point}; see $INFRA_LOG"
    fi
}
trap on_exit EXIT

# Run a command with all its output (and stdin) detached from ours: nothing noisy on
# the terminal, and daemons it spawns never hold our stdout open (which would make
# `$(bash up.sh)` hang forever).
quiet() {
    printf '+ %s\n' "$*" >>"$INFRA_LOG"
    "$@" >>"$INFRA_LOG" 2>&1 </dev/null
}

# Poll a command about once a second until it succeeds or $1 seconds have passed
# (wall clock, so slow probes do not stretch the bound).
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while true; do
        if "$@" >/dev/null 2>&1 </dev/null; then
            return 0
        fi
        ((SECONDS < deadline)) || return 1
        sleep 1
    done
}

apt_install() {
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q)
    log "apt: installing $*"
    if ! quiet "${apt[@]}" install "$@"; then
        # The package lists may be stale or missing: refresh them once, then retry.
        # Some third-party sources are unreachable here, so update may complain.
        quiet "${apt[@]}" update || true
        quiet "${apt[@]}" install "$@" || die "apt-get install $* failed"
    fi
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

pg_sql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -tAc "$1"; }

# ----------------------------------------------------------------------------- docker

# A zombie counts as dead: PID 1 on this VM reaps orphans only every few seconds, and
# `kill -0` succeeds on a zombie.
pid_alive() {
    local state
    [[ -n $1 ]] && state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) &&
        [[ $state != Z ]]
}

pid_gone() { ! pid_alive "$1"; }

# The pid in docker.pid only counts if it still is a dockerd (pids get reused).
dockerd_pid() {
    local pid
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
        printf '%s\n' "$pid"
        return 0
    fi
    # No usable pid file: look for a dockerd started some other way (pgrep lists zombies too).
    for pid in $(pgrep -x dockerd || true); do
        if pid_alive "$pid"; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
}

# /usr/local/bin/docker is a much newer client than Debian's 20.10 engine (API 1.41).
# It negotiates the API version down and works; keep Debian's client as a fallback.
pick_docker_client() {
    local c
    for c in docker /usr/bin/docker; do
        if command -v "$c" >/dev/null && timeout 10 "$c" info >/dev/null 2>&1 </dev/null; then
            DOCKER=$c
            return 0
        fi
    done
    return 1
}

# A dockerd or containerd left behind by an earlier run can block a new dockerd.
clear_stale_docker_state() {
    local pid
    pid=$(dockerd_pid)
    if [[ -n $pid ]]; then
        # It runs but does not answer: give it a chance, then replace it.
        if wait_for 30 pick_docker_client; then
            return 0
        fi
        log "docker: dockerd (pid $pid) does not answer, restarting it"
        kill "$pid" 2>/dev/null || true
        wait_for 20 pid_gone "$pid" || kill -9 "$pid" 2>/dev/null || true
        wait_for 5 pid_gone "$pid" || die "cannot stop hung dockerd (pid $pid)"
    fi
    rm -f /var/run/docker.pid
    # A system containerd socket with nothing behind it would make dockerd wait on it
    # instead of starting its own managed containerd.
    local sock=/run/containerd/containerd.sock
    if [[ -S $sock ]] && ! timeout 5 ctr --address "$sock" version >/dev/null 2>&1; then
        log "docker: removing stale $sock"
        rm -f "$sock"
    fi
    # dockerd's own containerd: a dead pid file is stale; a live one is adopted by dockerd.
    local cpidfile=/var/run/docker/containerd/containerd.pid
    pid=$(cat "$cpidfile" 2>/dev/null || true)
    if [[ -f $cpidfile ]] && ! pid_alive "$pid"; then
        rm -f "$cpidfile"
    fi
}

ensure_docker() {
    if pick_docker_client; then
        log "docker: already up ($DOCKER)"
        return 0
    fi
    command -v dockerd >/dev/null || apt_install docker.io
    clear_stale_docker_state
    if pick_docker_client && pick_docker_client; then
        log "docker: up after waiting ($DOCKER)"
        return 0
    fi
    # setsid: dockerd must outlive this script and the caller's session.
    setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
    if ! wait_for 60 pick_docker_client; then
        tail -n 15 /var/log/dockerd.log | sed 's/^/    /' >&2 || true
        die "dockerd did not answer on /var/run/docker.sock within 60 s (see /var/log/dockerd.log)"
    fi
    # Pick again now the engine is settled: while it starts, the fallback client can
    # win a race against the PATH one without any real incompatibility.
    pick_docker_client || die "docker stopped answering right after start"
    log "docker: started ($DOCKER, engine $("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null))"
}

# ----------------------------------------------------------------------------- swarm

swarm_state() { "$DOCKER" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }

swarm_inactive() { [[ $(swarm_state) == inactive ]]; }

swarm_manager_ok() {
    [[ $(swarm_state) == active ]] &&
        [[ $("$DOCKER" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null) == true ]] &&
        "$DOCKER" node ls >/dev/null 2>&1
}

ensure_swarm() {
    local state
    state=$(swarm_state)
    if [[ $state == active ]]; then
        # Right after a dockerd restart the manager may need a moment to get ready.
        if wait_for 15 swarm_manager_ok; then
            log "swarm: already active"
            return 0
        fi
        state="active but not a working manager"
    fi
    if [[ $state != inactive ]]; then
        # pending / error / locked / no quorum: start over with a fresh single-node swarm.
        log "swarm: state '$state', leaving it"
        quiet "$DOCKER" swarm leave --force || true
        wait_for 15 swarm_inactive ||
            die "swarm did not become inactive after 'swarm leave --force'"
    fi
    quiet "$DOCKER" swarm init --advertise-addr 127.0.0.1 || die "docker swarm init failed"
    wait_for 30 swarm_manager_ok || die "swarm manager not ready 30 s after init"
    log "swarm: initialised"
}

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

# ----------------------------------------------------------------------------- images

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

smoke() {
    local image=$1 expect=$2 out
    shift 2
    out=$(timeout 60 "$DOCKER" run --rm --network none "$image" "$@" 2>>"$INFRA_LOG" </dev/null) ||
        die "smoke test of $image failed: $*"
    [[ $out == "$expect"* ]] || die "smoke test of $image printed '$out', expected '$expect'"
}

new_tmp_dir() {
    mkdir -p "$CACHE_DIR"
    local d
    d=$(mktemp -d "$CACHE_DIR/tmp.XXXXXX")
    TMP_DIRS+=("$d")
    printf '%s\n' "$d"
}

ensure_base_image() {
    local tarball=$CACHE_DIR/debian-base-bookworm.tar what="already present"
    if ! image_exists "$BASE_IMAGE"; then
        # The rootfs tarball is kept so re-importing after `docker system prune` is fast.
        if [[ ! -s $tarball ]]; then
            command -v debootstrap >/dev/null || apt_install debootstrap
            local tmp
            tmp=$(new_tmp_dir)
            log "base image: debootstrap bookworm (about 30 s)"
            quiet debootstrap --variant=minbase bookworm "$tmp/rootfs" "$DEBIAN_MIRROR" ||
                die "debootstrap failed"
            rm -f "$tmp"/rootfs/var/cache/apt/archives/*.deb
            tar --numeric-owner -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
            mv "$tmp/rootfs.tar" "$tarball" # atomic: never a half-written cache
            rm -rf "$tmp"
            what=built
        else
            what="imported from $tarball"
        fi
        quiet "$DOCKER" import -c 'CMD ["/bin/bash"]' "$tarball" "$BASE_IMAGE" || die "docker import $BASE_IMAGE failed"
    fi
    smoke "$BASE_IMAGE" 12. cat /etc/debian_version
    log "base image: $what ($BASE_IMAGE)"
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

# The proxy image (caddy-image/): Debian's caddy on the local base. Rebuilt when its build
# context changed, so an old image never hides an edit; the label holds the context's hash.
caddy_context_hash() { (cd "$CADDY_CONTEXT" && cat Dockerfile bootstrap.json | sha256sum | cut -c1-16); }

ensure_caddy_image() {
    local want have what="already present"
    want=$(caddy_context_hash)
    have=$("$DOCKER" image inspect -f '{{index .Config.Labels "zane.context-hash"}}' "$CADDY_IMAGE" 2>/dev/null || true)
    if [[ $have != "$want" ]]; then
        log "caddy image: building from $CADDY_CONTEXT (about 10 s)"
        quiet "$DOCKER" build --label "zane.context-hash=$want" -t "$CADDY_IMAGE" "$CADDY_CONTEXT" ||
            die "docker build $CADDY_IMAGE failed"
        what=built
    fi
    smoke "$CADDY_IMAGE" 2. caddy version
    log "caddy image: $what ($CADDY_IMAGE)"
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

main() {
    [[ $(id -u) == 0 ]] || die "must run as root"
    mkdir -p "$(dirname "$INFRA_LOG")"
    : >>"$INFRA_LOG"
    LOG_START=$(stat -c %s "$INFRA_LOG")
    printf '\n=== %s up.sh ===\n' "$(date -Is)" >>"$INFRA_LOG"
    ensure_docker
    ensure_swarm
    ensure_postgres
    ensure_redis
    ensure_base_image
    ensure_busybox_image
    ensure_caddy_image
    ensure_browser
    ensure_git
    printf 'export ZANE_DATABASE_URL=%s\nexport ZANE_REDIS_URL=%s\n' "$DATABASE_URL" "$REDIS_URL"
}

main "$@"
