#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, kept entirely inside DIR.
#
#   scripts/pg-test-cluster.sh start DIR   (re)create it: stops and wipes any earlier one in DIR
#   scripts/pg-test-cluster.sh url DIR     print its SQLAlchemy URL
#   scripts/pg-test-cluster.sh stop DIR    stop it and remove DIR
#
# It listens on 127.0.0.1 only, on the first free port from 55432 (or $PGTEST_PORT), with its
# unix socket in DIR/socket, trust auth, and fsync, synchronous_commit and full_page_writes
# off: fast, and never for data that matters. Database tracker_test is owned by role tracker
# (LOGIN CREATEDB, not superuser). The superuser is postgres, with no password.
# PostgreSQL will not run as root: as root, the server runs as the postgres system user
# (from Debian's postgresql package), or else as a system user pgtest made for it.
# Server binaries: $PG_BINDIR, or the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
die() { echo "pg-test-cluster: $*" >&2; exit 1; }

(( $# == 2 )) || usage
action=$1
[[ -n $2 ]] || usage
dir=$(realpath -m -- "$2")
case $dir in
    / | /root | /home | /tmp | /usr | /var | /work | "$HOME") die "refusing to use $dir" ;;
esac

MARKER=$dir/.pg-test-cluster   # only a DIR holding this is ever stopped or removed
DATA=$dir/data
SOCKET=$dir/socket
DATABASE=tracker_test
ROLE=tracker

find_bindir() {
    if [[ -n ${PG_BINDIR:-} ]]; then
        [[ -x $PG_BINDIR/initdb ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        echo "$PG_BINDIR"
        return
    fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n $found && -x $found/initdb && -x $found/pg_ctl && -x $found/postgres ]] ||
        die "no PostgreSQL server under /usr/lib/postgresql/*/bin: run scripts/ensure-system-packages.sh"
    echo "$found"
}

# The user the server runs as, and a prefix that runs a command as that user.
as_owner=()
owner=$(id -un)
if (( EUID == 0 )); then
    if id -u postgres >/dev/null 2>&1; then
        owner=postgres
    else
        owner=pgtest
        id -u pgtest >/dev/null 2>&1 ||
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pgtest
    fi
    as_owner=(runuser -u "$owner" --)
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_cluster() {
    [[ -e $dir ]] || return 0
    [[ -e $MARKER ]] || die "$dir exists but was not made by this script: not touching it"
    if [[ -e $DATA/postmaster.pid ]]; then
        local bindir
        bindir=$(find_bindir)
        "${as_owner[@]}" "$bindir/pg_ctl" -D "$DATA" -m fast -w -t 20 stop >/dev/null 2>&1 ||
            "${as_owner[@]}" "$bindir/pg_ctl" -D "$DATA" -m immediate -w -t 20 stop >/dev/null 2>&1 ||
            true   # not running (stale pid file): nothing to stop
    fi
    rm -rf -- "$dir"
}

start_cluster() {
    local bindir port tries=0
    bindir=$(find_bindir)
    stop_cluster

    # A unix socket path must fit in 107 bytes.
    (( ${#SOCKET} + 16 <= 107 )) || die "$dir is too long a path for a unix socket: use a shorter DIR"

    mkdir -p -- "$dir" "$SOCKET"
    touch -- "$MARKER"
    chmod 0755 -- "$dir" "$SOCKET"
    chown -R -- "$owner" "$dir"
    "${as_owner[@]}" test -w "$dir" ||
        die "$owner cannot write to $dir (a parent directory may be closed to it): use another DIR"

    "${as_owner[@]}" "$bindir/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }

    port=${PGTEST_PORT:-55432}
    while :; do
        if [[ -z ${PGTEST_PORT:-} ]]; then
            while port_in_use "$port"; do port=$((port + 1)); done
        fi
        # Settings go last in postgresql.conf, so a retry on another port overrides the first.
        cat >>"$DATA/postgresql.conf" <<EOF

# pg-test-cluster.sh: a throw-away test cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$SOCKET'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
EOF
        if "${as_owner[@]}" "$bindir/pg_ctl" -D "$DATA" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [[ -z ${PGTEST_PORT:-} ]] && (( tries < 5 )) && grep -q "could not bind\|could not create any TCP" "$dir/server.log"; then
            port=$((port + 1))   # taken between our check and the server's bind
            continue
        fi
        tail -n 20 "$dir/server.log" >&2
        die "server did not start (log: $dir/server.log)"
    done
    echo "$port" >"$dir/port"

    "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE $ROLE LOGIN CREATEDB" \
        -c "CREATE DATABASE $DATABASE OWNER $ROLE" >/dev/null ||
        die "could not create role $ROLE and database $DATABASE"
    echo "pg-test-cluster: PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') on 127.0.0.1:$port, data in $DATA" >&2
}

case $action in
    start) start_cluster ;;
    stop) stop_cluster ;;
    url)
        [[ -r $dir/port ]] || die "no cluster in $dir: run '$0 start $2' first"
        echo "postgresql+psycopg://$ROLE@127.0.0.1:$(cat "$dir/port")/$DATABASE"
        ;;
    *) usage ;;
esac
