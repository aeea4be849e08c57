#!/usr/bin/env bash
# The host a ZaneOps installation runs on: Docker engine + single-node swarm and the local
# Debian base image (zaneops/debian-base:bookworm, built without any registry) every image of
# the platform is built FROM. Shared by `zaneops up` (runs this file) and tests/infra/up.sh
# (sources it, then adds the test-only services).
#
# Idempotent: anything already up is left alone, anything down is repaired.
# Progress goes to stderr as short lines; command output goes to $INFRA_LOG.
set -Eeuo pipefail

INFRA_LOG=${INFRA_LOG:-/var/log/zaneops-infra.log}
CACHE_DIR=/var/cache/zaneops
BASE_IMAGE=zaneops/debian-base:bookworm
DEBIAN_MIRROR=http://deb.debian.org/debian

DOCKER=docker # may be switched to /usr/bin/docker by pick_docker_client
TMP_DIRS=()

log() { printf '%s: %s\n' "${LOG_PREFIX:-host}" "$*" >&2; }

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

# Starts this run's section of the log; die() shows only what this run wrote.
host_begin() {
    [[ $(id -u) == 0 ]] || die "must run as root"
    mkdir -p "$(dirname "$INFRA_LOG")"
    : >>"$INFRA_LOG"
    LOG_START=$(stat -c %s "$INFRA_LOG")
    printf '\n=== %s %s ===\n' "$(date -Is)" "$(basename "$0")" >>"$INFRA_LOG"
}

host_main() {
    host_begin
    ensure_docker
    ensure_swarm
    ensure_base_image
}

# Run, not sourced: bring the host up.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    host_main "$@"
fi
