#!/bin/sh
# Create the cluster in the mounted data folder the first time only, then become postgres.
# A later start (redeploy, rollback, engine restart) must find the same rows, so an existing
# PG_VERSION file means: never initdb again.
set -eu

mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    # Trust on local connections (psql through `docker exec`); listen on every address.
    runuser -u postgres -- initdb --auth-local=trust --auth-host=trust \
        --username=postgres --encoding=UTF8 -D "$PGDATA"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
fi

# setpriv execs (runuser would fork and stay in between): postgres becomes the container's
# main process and gets Docker's SIGTERM itself, so a stop is a clean shutdown.
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA"
