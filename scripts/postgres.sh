#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's packages, a cluster in a temp folder,
# listening on loopback only.
#
#   scripts/postgres.sh start    # install if missing, initdb if needed, start, create the db; prints the URL
#   scripts/postgres.sh url      # prints the URL of the running server
#   scripts/postgres.sh stop     # stops the server (the cluster folder stays for the next start)
#   scripts/postgres.sh destroy  # stops it and removes the cluster folder
#
# Only the URL goes to standard output, so:  export RECOGNITION_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"
# Settings (environment): RECOGNITION_PG_PORT (55432), RECOGNITION_PG_DIR (/tmp/recognition-postgres-PORT),
# RECOGNITION_PG_DB (recognition).
set -euo pipefail

PORT="${RECOGNITION_PG_PORT:-55432}"
DIR="${RECOGNITION_PG_DIR:-${TMPDIR:-/tmp}/recognition-postgres-$PORT}"
DB="${RECOGNITION_PG_DB:-recognition}"
DATA="$DIR/data"
LOG="$DIR/server.log"
PWFILE="$DIR/password"

say() { echo "postgres.sh: $*" >&2; }

bindir() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$found" || ! -x "$found/initdb" ]]; then
        if [[ "$(id -u)" != 0 ]]; then
            say "PostgreSQL is not installed and this is not root: run 'apt-get install -y postgresql' first"
            exit 1
        fi
        say "installing Debian's postgresql package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        found="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    echo "$found"
}

# The server refuses to run as root: as root, run it as the 'postgres' system user.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

superuser() {
    if [[ "$(id -u)" == 0 ]]; then echo postgres; else id -un; fi
}

url() {
    echo "postgresql+psycopg://$(superuser):$(cat "$PWFILE")@127.0.0.1:$PORT/$DB"
}

psql_admin() {
    PGPASSWORD="$(cat "$PWFILE")" "$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$(superuser)" -d postgres "$@"
}

start() {
    BIN="$(bindir)"
    mkdir -p "$DIR"
    if [[ "$(id -u)" == 0 ]]; then as_owner true; chown postgres "$DIR"; fi
    chmod 700 "$DIR"
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        say "initialising a cluster in $DATA"
        as_owner bash -c "umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > '$PWFILE'"
        as_owner "$BIN/initdb" -D "$DATA" -U "$(superuser)" --pwfile="$PWFILE" --auth=scram-sha-256 \
            -E UTF8 --locale=C >/dev/null
    fi
    if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        say "already running on 127.0.0.1:$PORT"
    else
        say "starting on 127.0.0.1:$PORT (log: $LOG)"
        as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
            -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c max_connections=200" start >/dev/null
    fi
    if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]]; then
        psql_admin -c "CREATE DATABASE \"$DB\"" >/dev/null
        say "created database $DB"
    fi
    url
}

stop() {
    BIN="$(bindir)"
    if [[ -f "$DATA/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
        say "stopped"
    else
        say "not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) [[ -f "$PWFILE" ]] || { say "no cluster in $DIR: run start first"; exit 1; }; url ;;
    destroy) stop; rm -rf "$DIR"; say "removed $DIR" ;;
    *) echo "usage: $0 start|stop|url|destroy" >&2; exit 2 ;;
esac
