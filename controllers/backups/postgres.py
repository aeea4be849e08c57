"""PostgreSQL's side of a backup: what runs in the database's container. Pure text; nothing
here is a user's string (user and database names come from the container's own environment,
read by the shell there).

The dump and the row counts come from one snapshot: a psql session opens a repeatable-read
transaction, exports its snapshot and counts every table in it, then pg_dump dumps that same
snapshot. So "the rows at dump time" is exact even while the database is written to.
"""

from __future__ import annotations

from .engine import EngineBackup, InPlace

# One row per table: "COUNT <schema>.<table> <rows>"; then COUNTED.
COUNT_SQL = (
    "SELECT format('SELECT %L || '' '' || count(*) FROM %I.%I', "
    "'COUNT ' || n.nspname || '.' || c.relname, n.nspname, c.relname) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1 \\gexec"
)

# Runs in the database's container (bash, psql and pg_dump are in every PostgreSQL image):
# the dump on stdout, the counts on stderr.
DUMP_SCRIPT = r"""
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/in"
psql -X -q -At -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  <"$work/in" >"$work/out" 2>"$work/err" &
session=$!
exec 3>"$work/in"
wait_for() {
  until grep -q "$1" "$work/out"; do
    if ! kill -0 "$session" 2>/dev/null; then cat "$work/err" >&2; exit 3; fi
    sleep 0.05
  done
}
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" >&3
echo "SELECT 'SNAPSHOT ' || pg_export_snapshot();" >&3
wait_for '^SNAPSHOT '
snapshot=$(sed -n 's/^SNAPSHOT //p' "$work/out")
cat >&3 <<'SQL'
__COUNT_SQL__
SELECT 'COUNTED';
SQL
wait_for '^COUNTED$'
pg_dump --snapshot="$snapshot" --format=custom -U "$POSTGRES_USER" -d "$POSTGRES_DB"
echo "COMMIT;" >&3
exec 3>&-
wait "$session"
grep '^COUNT ' "$work/out" >&2 || true
""".replace("__COUNT_SQL__", COUNT_SQL)

COUNT_SCRIPT = r"""
set -eu
psql -X -q -At -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" <<'SQL'
__COUNT_SQL__
SQL
""".replace("__COUNT_SQL__", COUNT_SQL)

RESTORE_COMMAND = [
    "bash",
    "-c",
    'pg_restore --exit-on-error --no-owner --single-transaction -U "$POSTGRES_USER" '
    '-d "$POSTGRES_DB" "$1"',
    "restore",
]
READY_COMMAND = ["bash", "-c", 'pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER"']


# --- restoring into the same database -------------------------------------------------------
# The backup is loaded into a database aside (a name no database of the platform can have: a
# hyphen), counted there, and only then swapped in for the live one (dropped WITH (FORCE),
# the one aside renamed): a failed load never touches the live contents. From the load on,
# the live database takes no connection (ALLOW_CONNECTIONS false, its sessions ended), so no
# write is accepted and then lost. Every statement runs from the maintenance database, names
# through psql variables (:"db" quotes an identifier), never pasted into the SQL.
ASIDE = "zane-restoring"

_MAINTENANCE = (
    'psql -X -q -At -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres '
    '-v db="$POSTGRES_DB" -v owner="$POSTGRES_USER" -v aside="__ASIDE__"'
)

LOAD_IN_PLACE_SCRIPT = r"""
set -eu
__MAINTENANCE__ <<'SQL'
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
  WHERE datname = :'db' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS :"aside" WITH (FORCE);
CREATE DATABASE :"aside" OWNER :"owner" TEMPLATE template0 ENCODING 'UTF8';
SQL
pg_restore --exit-on-error --no-owner --single-transaction -U "$POSTGRES_USER"   -d "__ASIDE__" "$1"
"""

COUNT_ASIDE_SCRIPT = r"""
set -eu
psql -X -q -At -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "__ASIDE__" <<'SQL'
__COUNT_SQL__
SQL
"""

# Idempotent: after a crash between the drop and the rename, the rename is done again.
FINISH_IN_PLACE_SCRIPT = r"""
set -eu
aside=$(__MAINTENANCE__ -c "SELECT 1 FROM pg_database WHERE datname = '__ASIDE__'")
if [ "$aside" = 1 ]; then
  __MAINTENANCE__ <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
ALTER DATABASE :"aside" RENAME TO :"db";
SQL
fi
__MAINTENANCE__ <<'SQL'
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS true;
SQL
"""

ABANDON_IN_PLACE_SCRIPT = r"""
set -eu
__MAINTENANCE__ <<'SQL'
DROP DATABASE IF EXISTS :"aside" WITH (FORCE);
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS true;
SQL
"""


def _filled(script: str) -> str:
    for name, value in {
        "__MAINTENANCE__": _MAINTENANCE,
        "__ASIDE__": ASIDE,
        "__COUNT_SQL__": COUNT_SQL,
    }.items():
        script = script.replace(name, value)
    return script


IN_PLACE = InPlace(
    load_command=["bash", "-c", _filled(LOAD_IN_PLACE_SCRIPT), "load"],
    count_command=["bash", "-c", _filled(COUNT_ASIDE_SCRIPT)],
    finish_command=["bash", "-c", _filled(FINISH_IN_PLACE_SCRIPT)],
    abandon_command=["bash", "-c", _filled(ABANDON_IN_PLACE_SCRIPT)],
    keeps_contents_on_failure=True,
)


def scratch_variables(password: str) -> dict[str, str]:
    return {"POSTGRES_USER": "zane", "POSTGRES_DB": "check", "POSTGRES_PASSWORD": password}


POSTGRES = EngineBackup(
    file_suffix=".pgdump",
    dump_command=["bash", "-c", DUMP_SCRIPT],
    count_command=["bash", "-c", COUNT_SCRIPT],
    restore_command=RESTORE_COMMAND,
    ready_command=READY_COMMAND,
    restore_tool="pg_restore",
    scratch_variables=scratch_variables,
    in_place=IN_PLACE,
)
