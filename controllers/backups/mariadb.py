"""MariaDB's side of a backup: what runs in the database's container. Pure text; nothing here is
a user's string (the database's name is the container's own MARIADB_DATABASE, read by its
shell), and no password is used: the scripts run as the container's root, whom the server
knows only through its unix socket.

The counts and the dump see one state of the database, although mariadb-dump opens its own
snapshot: one session stops every commit (BACKUP STAGE BLOCK_COMMIT, which waits for no running
query, unlike FLUSH TABLES WITH READ LOCK); a second opens its snapshot and lists the tables;
then mariadb-dump --single-transaction starts and opens its snapshot; only once its verbose
output shows that snapshot open are commits let through again (BACKUP STAGE END, from the
first session: the second's transaction is never touched). Nothing committed between the two
snapshots, so for InnoDB tables they are the same, and the second session counts every table
in its own at leisure while the dump runs. Commits wait for the few milliseconds
of the dump's start; a table of a non-transactional engine (MyISAM, Aria) written during the
dump gives different counts, and the backup is FAILED rather than called verified.
"""

from __future__ import annotations

from .engine import EngineBackup, InPlace

# The query counting every table, built as one statement in @counts (names quoted by the
# server), then run: one "COUNT <table> <rows>" row per table.
TABLES_SQL = r"""
SET SESSION group_concat_max_len = 4294967295;
SELECT GROUP_CONCAT(
    CONCAT('SELECT CONCAT(''COUNT '', ', QUOTE(TABLE_NAME), ', '' '', COUNT(*)) FROM `',
           REPLACE(TABLE_NAME, '`', '``'), '`')
    ORDER BY TABLE_NAME SEPARATOR ' UNION ALL ') INTO @counts
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED');
"""
COUNT_SQL = "EXECUTE IMMEDIATE COALESCE(@counts, 'SELECT 1 FROM DUAL WHERE FALSE');"
# How long a blocked commit may hold up the start (the session gives up past it).
LOCK_WAIT_SECONDS = 30
# The dump must open its snapshot within this many 50 ms polls, or it is stopped.
SNAPSHOT_POLLS = 600

DUMP_OPTIONS = (
    "--single-transaction --routines --triggers --events --hex-blob "
    "--default-character-set=utf8mb4 --verbose"
)

# Runs in the database's container (bash, gzip and the MariaDB clients are in its image):
# the compressed dump on stdout, the counts on stderr.
DUMP_SCRIPT = r"""
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A client session reading the fifo $work/$1.in (as root, through the socket).
session() {
  mkfifo "$work/$1.in"
  mariadb --batch --skip-column-names --unbuffered "$MARIADB_DATABASE" \
    <"$work/$1.in" >"$work/$1.out" 2>"$work/$1.err" &
  echo "$!" >"$work/$1.pid"
}
said() {
  until grep -q "$2" "$work/$1.out"; do
    if ! kill -0 "$(cat "$work/$1.pid")" 2>/dev/null; then cat "$work/$1.err" >&2; exit 3; fi
    sleep 0.05
  done
}
snapshot_open() {
  awk 'seen { found = 1; exit } /^-- Starting transaction/ { seen = 1 } END { exit !found }' \
    "$work/dump-err"
}
session lock
exec 3>"$work/lock.in"
session count
exec 4>"$work/count.in"
cat >&3 <<'SQL'
SET SESSION lock_wait_timeout = __LOCK_WAIT__;
BACKUP STAGE START;
BACKUP STAGE BLOCK_COMMIT;
SELECT 'BLOCKED';
SQL
said lock '^BLOCKED$'
cat >&4 <<'SQL'
SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ;
START TRANSACTION WITH CONSISTENT SNAPSHOT;
__TABLES_SQL__
SELECT 'SNAPSHOT';
SQL
said count '^SNAPSHOT$'
mkfifo "$work/dump"
gzip -c <"$work/dump" &
zipper=$!
touch "$work/dump-err"
mariadb-dump __DUMP_OPTIONS__ "$MARIADB_DATABASE" >"$work/dump" 2>"$work/dump-err" &
dump=$!
polls=0
until snapshot_open || ! kill -0 "$dump" 2>/dev/null; do
  if [ "$polls" -ge __SNAPSHOT_POLLS__ ]; then
    kill "$dump"
    echo "mariadb-dump did not open its snapshot in time: stopped" >&2
    exit 4
  fi
  polls=$((polls + 1))
  sleep 0.05
done
echo 'BACKUP STAGE END;' >&3
exec 3>&-
cat >&4 <<'SQL'
__COUNT_SQL__
SELECT 'COUNTED';
COMMIT;
SQL
said count '^COUNTED$'
exec 4>&-
wait "$(cat "$work/lock.pid")" "$(cat "$work/count.pid")"
dumped=0
wait "$dump" || dumped=$?
wait "$zipper"
grep -v '^-- ' "$work/dump-err" >&2 || true
grep '^COUNT ' "$work/count.out" >&2 || true
exit "$dumped"
"""
for _name, _value in {
    "__LOCK_WAIT__": str(LOCK_WAIT_SECONDS),
    "__TABLES_SQL__": TABLES_SQL.strip(),
    "__COUNT_SQL__": COUNT_SQL,
    "__DUMP_OPTIONS__": DUMP_OPTIONS,
    "__SNAPSHOT_POLLS__": str(SNAPSHOT_POLLS),
}.items():
    DUMP_SCRIPT = DUMP_SCRIPT.replace(_name, _value)

COUNT_SCRIPT = f"""
set -eu
mariadb --batch --skip-column-names "$MARIADB_DATABASE" <<'SQL'
{TABLES_SQL.strip()}
{COUNT_SQL}
SQL
"""

# The dump holds no CREATE DATABASE or USE: it loads into the container's own database.
RESTORE_COMMAND = [
    "bash",
    "-c",
    'set -o pipefail; gzip -dc "$1" | mariadb --batch "$MARIADB_DATABASE"',
    "restore",
]
# The image's health check: a query as the app's user over TCP (the first start's private
# server has no network, so it is never mistaken for the real one).
READY_COMMAND = ["mariadb-health"]


# --- restoring into the same database -------------------------------------------------------
# MariaDB cannot rename a database (nor move its triggers or views to another), so the app's
# user is locked out (ACCOUNT LOCK, its sessions killed), the database dropped, made again
# and loaded, then the user let back in. A failed load leaves what it made; the safety backup
# holds what was there. The names are the container's own variables, checked as its
# entrypoint checks them (lowercase, digits, _) before they go into SQL.
_NAMES_CHECKED = r"""
set -euo pipefail
for name in "$MARIADB_USER" "$MARIADB_DATABASE"; do
  case $name in
  "" | [!a-z_]* | *[!a-z0-9_]* | root | mysql) echo "not a platform's name: $name" >&2; exit 2 ;;
  esac
done
# Every account of the app's user (any host), locked or unlocked: ALTER USER ... $1.
accounts() {
  mariadb --batch --skip-column-names -e "SELECT CONCAT('ALTER USER ', QUOTE(User), '@',
    QUOTE(Host), ' ACCOUNT $1;') FROM mysql.global_priv WHERE User = '$MARIADB_USER'" | mariadb
}
"""

LOAD_IN_PLACE_SCRIPT = (
    _NAMES_CHECKED
    + r"""
file=$1
accounts LOCK
for id in $(mariadb --batch --skip-column-names -e \
  "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '$MARIADB_USER'"); do
  mariadb -e "KILL CONNECTION $id" 2>/dev/null || true  # it may have ended meanwhile
done
mariadb -e "DROP DATABASE IF EXISTS \`$MARIADB_DATABASE\`; CREATE DATABASE \`$MARIADB_DATABASE\`"
gzip -dc "$file" | mariadb --batch "$MARIADB_DATABASE"
"""
)
FINISH_IN_PLACE_SCRIPT = _NAMES_CHECKED + "accounts UNLOCK\n"


def scratch_variables(password: str) -> dict[str, str]:
    """The app's user name, as the routines' and views' DEFINER clauses name it."""
    return {"MARIADB_USER": "app", "MARIADB_DATABASE": "app", "MARIADB_PASSWORD": password}


MARIADB = EngineBackup(
    file_suffix=".sql.gz",
    dump_command=["bash", "-c", DUMP_SCRIPT],
    count_command=["bash", "-c", COUNT_SCRIPT],
    restore_command=RESTORE_COMMAND,
    ready_command=READY_COMMAND,
    restore_tool="mariadb",
    scratch_variables=scratch_variables,
    in_place=InPlace(
        load_command=["bash", "-c", LOAD_IN_PLACE_SCRIPT, "load"],
        count_command=["bash", "-c", COUNT_SCRIPT],
        finish_command=["bash", "-c", FINISH_IN_PLACE_SCRIPT],
        abandon_command=["bash", "-c", FINISH_IN_PLACE_SCRIPT],
        keeps_contents_on_failure=False,
    ),
)
