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
- a restore in place does the same into the live server, its clients' writes held meanwhile
  (CLIENT PAUSE WRITE), then has the server write anew what a restart reads (its AOF when
  appendonly is on, else its RDB) before the writes go on: see IN_PLACE.
"""

from __future__ import annotations

from collections.abc import Mapping

from .engine import EngineBackup, InPlace, Verdict
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

# "$1", the RDB file the controller copied into the container, checked whole (structure and
# CRC64) before anything reads it: a server loading a broken file exits.
_CHECKED = r"""
if ! checked=$(redis-check-rdb "$1" 2>&1); then
  echo "redis-check-rdb: the file is not a whole RDB:"
  echo "$checked" | grep -v '^\[info\]\|AUX FIELD\|Selecting DB' | tail -n 5
  exit 1
fi >&2
"""

_LIVE = r"""
__PASSWORD__
cli() { __CLI__ "$@"; }
setting() { cli CONFIG GET "$1" | sed -n 2p; }
"""

# "$1" made the server's dbfilename in its dir (the new file first, renamed over: never half a
# file under that name) and loaded by the running server, which empties itself first.
_RELOADED = r"""
dir=$(setting dir)
cp "$1" "$dir/.zane-restore.rdb"
mv -f "$dir/.zane-restore.rdb" "$dir/$(setting dbfilename)"
said=$(cli DEBUG RELOAD NOSAVE 2>&1)
if [ "$said" != OK ]; then
  echo "DEBUG RELOAD NOSAVE: $said" >&2
  exit 1
fi
"""

# Loads the RDB file "$1" (the controller copied it into the container).
RESTORE_SCRIPT = (
    "set -eu\n"
    + _CHECKED
    + r"""
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
"""
    + _LIVE
    + r"""
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
"""
    + _RELOADED
)

# --- restoring in place --------------------------------------------------------------------
# CLIENT PAUSE WRITE holds every client's writes (and scripts, PUBLISH) until CLIENT UNPAUSE:
# none lands on the old contents being replaced, on the load before it is counted, or in the
# old AOF before it is rewritten; they run after, on the restored contents. Reads go on (the
# old contents, "LOADING" during the load, then the new ones), and so do the restore's own
# commands, none of them a write: CLIENT PAUSE ALL would hold those too (Redis exempts only
# replicas, not even the client that paused). The pause lapses by itself after HOLD_SECONDS
# should the controller not come back; each step sets it again.
HOLD_SECONDS = 600
IDLE_SECONDS = 300  # for a save or AOF rewrite already running to end

_HELD = r"""
hold() {
  said=$(cli CLIENT PAUSE __HOLD_MS__ WRITE 2>&1)
  if [ "$said" != OK ]; then echo "CLIENT PAUSE: $said" >&2; exit 1; fi
}
info() { cli INFO persistence | tr -d '\r' | sed -n "s/^$1://p"; }
# No save or AOF rewrite running: its child holds the old contents (a second copy in memory
# while the new ones load) and writes them over the server's files when it ends.
idle() {
  polls=0
  while cli INFO persistence | grep -q -e '^rdb_bgsave_in_progress:1' \
    -e '^aof_rewrite_in_progress:1' -e '^aof_rewrite_scheduled:1' \
    -e '^module_fork_in_progress:1'; do
    polls=$((polls + 1))
    if [ "$polls" -gt __IDLE_POLLS__ ]; then
      echo "a save or AOF rewrite was still running after __IDLE__ s" >&2
      exit 1
    fi
    sleep 0.1
  done
}
"""

# The writes held, the file "$1" loaded into the live server (run again after a crash: loaded
# afresh from the file, again).
LOAD_IN_PLACE_SCRIPT = (
    "set -eu\n" + _CHECKED + _LIVE + _HELD + "hold\nidle\n" + _RELOADED + "hold\n"
)

# What a restart reads written anew from what was loaded, after any save that began before
# the load (its file would land last): the AOF when appendonly is on (it is what a restart
# reads, and it still holds the old contents), else the RDB. Then the writes go on. Run again
# after a crash, it writes them again. Failed, the writes stay held until the pause lapses.
FINISH_IN_PLACE_SCRIPT = (
    "set -eu\n"
    + _LIVE
    + _HELD
    + r"""
rewritten() {  # $1: the command, $2: its counter in INFO persistence, $3: its last status
  tries=0
  while :; do
    idle
    before=$(info "$2")
    said=$(cli "$1" 2>&1)
    case $said in *started* | *scheduled*) break ;; esac
    tries=$((tries + 1))  # another save began meanwhile: again once it ended
    if [ "$tries" -gt 50 ]; then echo "$1: $said" >&2; exit 1; fi
    sleep 0.1
  done
  idle
  if [ "$(info "$2")" -le "$before" ] || [ "$(info "$3")" != ok ]; then
    echo "$1 failed ($3: $(info "$3")): a restart would bring back the previous contents;" \
      "the clients' writes are held until the pause lapses" >&2
    exit 1
  fi
}
hold
if [ "$(setting appendonly)" = yes ]; then
  rewritten BGREWRITEAOF aof_rewrites aof_last_bgrewrite_status
else
  rewritten BGSAVE rdb_saves rdb_last_bgsave_status
fi
"""
    + "__UNPAUSED__"
)

_UNPAUSED = r"""
said=$(cli CLIENT UNPAUSE 2>&1)
if [ "$said" != OK ]; then echo "CLIENT UNPAUSE: $said" >&2; exit 1; fi
"""

# After a failed load or count: the writes go on (on what the load made, if it began).
ABANDON_IN_PLACE_SCRIPT = "set -eu\n" + _LIVE + "__UNPAUSED__"


def _filled(script: str) -> str:
    for name, value in {
        "__UNPAUSED__": _UNPAUSED,
        "__PASSWORD__": _PASSWORD,
        "__CLI__": _CLI,
        "__MARK__": str(MARK_SIZE),
        "__FLAG__": SCRATCH_FLAG,
        "__DIR__": SCRATCH_DIR,
        "__TTL__": TTL,
        "__HOLD_MS__": str(HOLD_SECONDS * 1000),
        "__IDLE_POLLS__": str(IDLE_SECONDS * 10),
        "__IDLE__": str(IDLE_SECONDS),
    }.items():
        script = script.replace(name, value)
    return script


DUMP_SCRIPT, COUNT_SCRIPT, RESTORE_SCRIPT = map(
    _filled, (DUMP_SCRIPT, COUNT_SCRIPT, RESTORE_SCRIPT)
)
LOAD_IN_PLACE_SCRIPT, FINISH_IN_PLACE_SCRIPT, ABANDON_IN_PLACE_SCRIPT = map(
    _filled, (LOAD_IN_PLACE_SCRIPT, FINISH_IN_PLACE_SCRIPT, ABANDON_IN_PLACE_SCRIPT)
)


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


IN_PLACE = InPlace(
    load_command=["bash", "-c", LOAD_IN_PLACE_SCRIPT, "load"],
    count_command=["bash", "-c", COUNT_SCRIPT],  # the live server's: loaded into it
    finish_command=["bash", "-c", FINISH_IN_PLACE_SCRIPT],
    abandon_command=["bash", "-c", ABANDON_IN_PLACE_SCRIPT],
    # DEBUG RELOAD empties the live server before it loads.
    keeps_contents_on_failure=False,
    # Counted live while the writes were held; once let go, they run at once.
    recounted=False,
)


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
    in_place=IN_PLACE,
)
