#!/bin/sh
# First start on an empty volume: mariadb-install-db, then a private server (no network, its
# own socket) makes the database MARIADB_DATABASE and the user MARIADB_USER, whose password is
# read from MARIADB_PASSWORD_FILE (a swarm secret) or MARIADB_PASSWORD (a user's database, as
# the official image takes it). root logs in only through the unix socket, as the OS's root.
# The data directory records the version that made it (mysql_upgrade_info, as mariadb-upgrade
# writes it): a later start refuses one of another major version rather than start a server
# that cannot read it, and never makes a new one over it. Then mariadbd becomes the main
# process as mysql (clean SIGTERM).
set -eu

DATADIR=/var/lib/mysql
INIT_SOCKET=/run/mysqld/init.sock
# Present only while a first start makes the directory: one found later was interrupted.
INITIALISING=.zaneops-initialising
: "${MARIADB_USER:=app}"
: "${MARIADB_DATABASE:=$MARIADB_USER}"

say() { echo "mariadb: $*" >&2; }
as_mysql() { setpriv --reuid=mysql --regid=mysql --init-groups "$@"; }
major_of() { sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\)\..*/\1/p'; }
server_version() { mariadbd --version | sed -n 's/.* Ver \([0-9][0-9.]*\).*/\1/p'; }

# Names go into SQL unquoted-safe only as the platform makes them: lowercase, digits, _.
check_identifier() {
    case $2 in
    "" | [!a-z_]* | *[!a-z0-9_]* | root | mysql)
        say "$1 must be lowercase letters, digits and _ (and not root or mysql): got '$2'"
        exit 1
        ;;
    esac
}

read_password() {
    if [ -n "${MARIADB_PASSWORD_FILE:-}" ]; then
        cat "$MARIADB_PASSWORD_FILE"
    else
        printf '%s' "${MARIADB_PASSWORD:?MARIADB_PASSWORD or MARIADB_PASSWORD_FILE is needed}"
    fi
}

# The password reaches SQL as hex (no quoting to get wrong) and through stdin (not argv).
setup_sql() {
    hex=$(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n')
    cat <<SQL
DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');
DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
CREATE DATABASE \`$MARIADB_DATABASE\`;
EXECUTE IMMEDIATE CONCAT('CREATE USER \`$MARIADB_USER\`@''%'' IDENTIFIED BY PASSWORD ',
    QUOTE(PASSWORD(UNHEX('$hex'))));
GRANT ALL PRIVILEGES ON \`$MARIADB_DATABASE\`.* TO \`$MARIADB_USER\`@'%';
FLUSH PRIVILEGES;
SQL
}

wait_for_private_server() {
    tries=0
    until mariadb-admin --socket="$INIT_SOCKET" --silent ping >/dev/null 2>&1; do
        if ! kill -0 "$1" 2>/dev/null || [ "$tries" -ge 600 ]; then
            say "the server did not start on the new data directory"
            exit 1
        fi
        tries=$((tries + 1))
        sleep 0.1
    done
}

initialise() {
    check_identifier MARIADB_USER "$MARIADB_USER"
    check_identifier MARIADB_DATABASE "$MARIADB_DATABASE"
    password=$(read_password)
    [ -n "$password" ] || { say "the password is empty"; exit 1; }
    as_mysql touch "$DATADIR/$INITIALISING"
    as_mysql mariadb-install-db --datadir="$DATADIR" --skip-test-db \
        --auth-root-authentication-method=socket >/dev/null
    as_mysql mariadbd --datadir="$DATADIR" --skip-networking --socket="$INIT_SOCKET" &
    server=$!
    wait_for_private_server "$server"
    setup_sql "$password" | mariadb --socket="$INIT_SOCKET" --batch
    mariadb-admin --socket="$INIT_SOCKET" shutdown
    wait "$server"
    server_version | as_mysql tee "$DATADIR/mysql_upgrade_info" >/dev/null
    rm -f "$DATADIR/$INITIALISING"
    say "made the data directory: database $MARIADB_DATABASE, user $MARIADB_USER"
}

# Anything but lost+found (a fresh file system's) means the directory holds something.
is_empty() { [ -z "$(ls -A "$DATADIR" | grep -vx 'lost+found')" ]; }

check_made_by_this_major() {
    ours=$(server_version | major_of)
    if [ ! -s "$DATADIR/mysql_upgrade_info" ]; then
        say "$DATADIR is not empty but records no version (no mysql_upgrade_info): it was not" \
            "made by this image. Refusing to start MariaDB $ours over it."
        exit 1
    fi
    theirs=$(major_of <"$DATADIR/mysql_upgrade_info")
    if [ "$theirs" != "$ours" ]; then
        say "$DATADIR was made by MariaDB $theirs; this is MariaDB $ours, which cannot run it" \
            "as it is. Refusing to start. Run a $theirs server on it, or restore a backup of it" \
            "into a new $ours database."
        exit 1
    fi
}

# Options alone (`docker run IMAGE --some-option`) are the server's.
case ${1:-} in -*) set -- mariadbd "$@" ;; esac

mkdir -p "$DATADIR" /run/mysqld
chown mysql:mysql "$DATADIR" /run/mysqld
chmod 0750 "$DATADIR"

if [ -e "$DATADIR/$INITIALISING" ]; then
    say "a first start was interrupted before the data directory was complete: making it again"
    find "$DATADIR" -mindepth 1 -delete
fi
if is_empty; then
    initialise
else
    check_made_by_this_major
fi

exec setpriv --reuid=mysql --regid=mysql --init-groups "$@"
