#!/usr/bin/env bash
# Bring the multi-node test bed (a swarm of nested Docker engines, tests/support/swarm_bed.py)
# up or down by hand:
#     bash tests/infra/swarm-bed.sh up [--managers 3 --workers 0] [--image zaneops/busybox:latest]
#     bash tests/infra/swarm-bed.sh status
#     bash tests/infra/swarm-bed.sh down
# `--name NAME` picks another bed (default zane-bed; the tests use their own, zane-test-bed).
# Needs the node image: `bash tests/infra/up.sh` builds it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

case ${1:-} in
up | down | status) ;;
*)
    echo "usage: $0 up|down|status [--name NAME] [--managers M] [--workers W] [--image IMAGE ...]" >&2
    exit 2
    ;;
esac

# A Python with docker and testcontainers: $PYTHON, else the tests' tox env, else the repo's venv.
python=${PYTHON:-}
if [[ -z $python ]]; then
    for candidate in .tox/tests/bin/python .venv/bin/python python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import docker, testcontainers' 2>/dev/null; then
            python=$candidate
            break
        fi
    done
fi
[[ -n $python ]] || {
    echo "$0: no Python with docker and testcontainers (set PYTHON=...)" >&2
    exit 1
}
PYTHONPATH=. exec "$python" -m tests.support.swarm_bed "$@"
