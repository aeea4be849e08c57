"""Redis's side of a backup: what runs in the database's container, and how its keys are judged.
Pure text; nothing here is a user's string. The password is the container's own (REDIS_PASSWORD,
or the file REDIS_PASSWORD_FILE names, as the image's start script reads it) and reaches
redis-cli through REDISCLI_AUTH, never a command line.

The dump is the RDB snapshot the server forks for a replica (`redis-cli --rdb -`): one point
in time, however much is written meanwhile. Counts taken from the live server before or after
it would not be that time's, so the counts are the file's own: the keys of each logical
database and how many have a TTL, read from the RDB and checked against its header of each
database (rdb.py). A restore is then judged against them: the keys without a TTL exactly; those
with one may be fewer (Redis drops a key whose TTL passed when it loads a file), never more.

Redis loads a file only when it starts (or on DEBUG RELOAD), so a restore cannot be piped into
the running server as SQL is:
- the verification's scratch container starts a second redis-server on the file (after
  redis-check-rdb passed: structure and CRC64), alone on a unix socket, and counts that one;
- a restore into a new database places the file as the server's dbfilename in its data
  folder (the new file first, renamed over) and has the server load it with DEBUG RELOAD
  NOSAVE: no restart, no second copy in memory, and what is on disk is what was loaded. The
  platform's image allows DEBUG from inside the container only (`enable-debug-command local`).
"""

from __future__ import annotations

from collections.abc import Mapping

from .engine import EngineBackup, Verdict
from .rdb import TTL, keys_per_database

# The variable that makes the scripts work on the scratch server the verification starts.
SCRATCH_FLAG = "ZANE_BACKUP_CHECK"
SCRATCH_DIR = "/tmp/zane-check"
# redis-cli --rdb - writes the 40-byte end marker of a diskless transfer after the snapshot
# (it cannot cut stdout to length as it cuts a file): the end is held back, then dropped or
# kept as redis-cli's own count of the snapshot's bytes says.
MARK_SIZE = 40

_PASSWORD = 'export REDISCLI_AUTH="${REDIS_PASSWORD:-$(cat "$REDIS_PASSWORD_FILE")}"'
_CLI = "redis-cli --no-auth-warning -h 127.0.0.1 -p 6379"

# Runs in the database's container (bash, coreutils and redis-cli are in both images): the
# snapshot on stdout, what redis-cli said on stderr.
DUMP_SCRIPT = r"""
set -euo pipefail
__PASSWORD__
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/end.in" "$work/size.in"
tail -c __MARK__ <"$work/end.in" >"$work/end" &
ender=$!
wc -c <"$work/size.in" >"$work/size" &
sizer=$!
fetched=0
__CLI__ --rdb - 2>"$work/said" | tee "$work/end.in" "$work/size.in" | head -c -__MARK__ \
  || fetched=$?
wait "$ender" "$sizer"
cat "$work/said" >&2
[ "$fetched" -eq 0 ] || exit "$fetched"
received=$(cat "$work/size")
snapshot=$(sed -n -e 's/^Transfer finished with success after \([0-9]*\) bytes$/\1/p' \
  -e "s/^SYNC sent to master, writing \([0-9]*\) bytes to '-'\$/\1/p" "$work/said" | tail -n 1)
if [ -z "$snapshot" ]; then
  echo "redis-cli did not say how long the snapshot is" >&2
  exit 5
elif [ "$received" -eq "$snapshot" ]; then
  cat "$work/end"  # no marker came: the end held back is the snapshot's
elif [ "$received" -ne $((snapshot + __MARK__)) ]; then
  echo "redis-cli said the snapshot has $snapshot bytes, $received came" >&2
  exit 5
fi
"""

# The keys of every database: "COUNT db0 12" and "COUNT db0 with a TTL 3", once loaded (a
# loading server answers INFO with what it has loaded so far).
COUNT_SCRIPT = r"""
set -eu
if [ -n "${__FLAG__:-}" ]; then
  set -- -s __DIR__/redis.sock
else
  __PASSWORD__
  set -- --no-auth-warning -h 127.0.0.1 -p 6379
fi
polls=0
until redis-cli "$@" INFO persistence | grep -q '^loading:0'; do
  polls=$((polls + 1))
  if [ "$polls" -gt 3000 ]; then echo "the server is still loading" >&2; exit 3; fi
  sleep 0.1
done
redis-cli "$@" INFO keyspace | tr -d '\r' \
  | sed -n 's/^db\([0-9]*\):keys=\([0-9]*\),expires=\([0-9]*\),.*/\1 \2 \3/p' \
  | while read -r db keys expiring; do
      echo "COUNT db$db $keys"
      if [ "$expiring" -gt 0 ]; then echo "COUNT db$db__TTL__ $expiring"; fi
    done
"""

# Loads the RDB file "$1" (the controller copied it into the container).
RESTORE_SCRIPT = r"""
set -eu
if ! checked=$(redis-check-rdb "$1" 2>&1); then
  echo "redis-check-rdb: the file is not a whole RDB:"
  echo "$checked" | grep -v '^\[info\]\|AUX FIELD\|Selecting DB' | tail -n 5
  exit 1
fi >&2
if [ -n "${__FLAG__:-}" ]; then
  mkdir -m 700 __DIR__
  mv "$1" __DIR__/backup.rdb
  redis-server --port 0 --unixsocket __DIR__/redis.sock --unixsocketperm 700 \
    --dir __DIR__ --dbfilename backup.rdb --save '' --appendonly no \
    </dev/null >__DIR__/log 2>&1 &
  server=$!
  until redis-cli -s __DIR__/redis.sock PING 2>/dev/null | grep -q PONG; do
    if ! kill -0 "$server" 2>/dev/null; then
      echo "redis-server did not load it:" >&2
      tail -n 8 __DIR__/log >&2
      exit 1
    fi
    sleep 0.1
  done
  exit 0
fi
__PASSWORD__
cli() { __CLI__ "$@"; }
setting() { cli CONFIG GET "$1" | sed -n 2p; }
if cli INFO keyspace | grep -q '^db'; then
  echo "the database is not empty: a restore goes into a new one" >&2
  exit 1
fi
if [ "$(setting appendonly)" != no ]; then
  echo "appendonly is on: at its next start the server would read its AOF, not this file" >&2
  exit 1
fi
if ! cli INFO persistence | grep -q '^rdb_bgsave_in_progress:0'; then
  echo "a save is running: it would replace the file" >&2
  exit 1
fi
dir=$(setting dir)
cp "$1" "$dir/.zane-restore.rdb"
mv -f "$dir/.zane-restore.rdb" "$dir/$(setting dbfilename)"
said=$(cli DEBUG RELOAD NOSAVE 2>&1)
if [ "$said" != OK ]; then
  echo "DEBUG RELOAD NOSAVE: $said" >&2
  exit 1
fi
"""

for _name, _value in {
    "__PASSWORD__": _PASSWORD,
    "__CLI__": _CLI,
    "__MARK__": str(MARK_SIZE),
    "__FLAG__": SCRATCH_FLAG,
    "__DIR__": SCRATCH_DIR,
    "__TTL__": TTL,
}.items():
    DUMP_SCRIPT = DUMP_SCRIPT.replace(_name, _value)
    COUNT_SCRIPT = COUNT_SCRIPT.replace(_name, _value)
    RESTORE_SCRIPT = RESTORE_SCRIPT.replace(_name, _value)


def scratch_variables(password: str) -> dict[str, str]:
    return {"REDIS_PASSWORD": password, SCRATCH_FLAG: "1"}


def judge(dumped: Mapping[str, int], restored: Mapping[str, int]) -> Verdict:
    """Per database: the keys without a TTL exactly; those with one as many or fewer (expired
    since the snapshot); a database the backup lacks is never restored."""
    problems: list[str] = []
    expired = 0
    for db in sorted(_databases(dumped) | _databases(restored), key=lambda name: int(name[2:])):
        keys, ttl = restored.get(db, 0), restored.get(db + TTL, 0)
        if db not in dumped:
            problems.append(f"{db}: not in the backup, yet {keys} keys restored")
            continue
        was, was_ttl = dumped[db], dumped.get(db + TTL, 0)
        if keys - ttl != was - was_ttl:
            problems.append(
                f"{db}: {was - was_ttl} keys without a TTL at dump time, {keys - ttl} restored"
            )
        if ttl > was_ttl:
            problems.append(f"{db}: {was_ttl} keys with a TTL at dump time, {ttl} restored")
        expired += max(0, was_ttl - ttl)
    total = sum(dumped[db] for db in _databases(dumped))
    summary = f"{_counted(len(_databases(dumped)), 'database')}, {_counted(total, 'key')}"
    if expired:
        summary += f" ({expired} with a TTL expired since)"
    return Verdict(problems, summary, total)


def _databases(counts: Mapping[str, int]) -> set[str]:
    return {name for name in counts if not name.endswith(TTL)}


def _counted(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


REDIS = EngineBackup(
    file_suffix=".rdb",
    dump_command=["bash", "-c", DUMP_SCRIPT],
    count_command=["bash", "-c", COUNT_SCRIPT],
    restore_command=["bash", "-c", RESTORE_SCRIPT, "restore"],
    ready_command=["redis-health"],
    restore_tool="redis",
    scratch_variables=scratch_variables,
    counts_in_file=keys_per_database,
    judge=judge,
)
