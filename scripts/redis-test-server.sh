#!/usr/bin/env bash
# A throw-away Redis server for the tests (the shared sign-in limits of several hosts), kept
# entirely inside DIR, as scripts/pg-test-cluster.sh keeps PostgreSQL.
#
#   scripts/redis-test-server.sh start DIR   (re)start it: stops and wipes any earlier one in DIR
#   scripts/redis-test-server.sh url DIR     print its URL (redis://127.0.0.1:PORT/0)
#   scripts/redis-test-server.sh stop DIR    stop it and remove DIR
#
# It listens on 127.0.0.1 only, on the first free port from 56379 (or $REDISTEST_PORT), keeps
# nothing on disk (no RDB snapshots, no append-only file) and runs in the background with its
# pid file and log in DIR. redis-server is Debian's (scripts/ensure-system-packages.sh).
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
die() { echo "redis-test-server: $*" >&2; exit 1; }

(( $# == 2 )) || usage
action=$1
[[ -n $2 ]] || usage
dir=$(realpath -m -- "$2")
case $dir in
    / | /root | /home | /tmp | /usr | /var | /work | "$HOME") die "refusing to use $dir" ;;
esac
MARKER=$dir/.redis-test-server   # only a DIR holding this is ever stopped or removed
SERVER=${REDIS_SERVER:-/usr/bin/redis-server}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_server() {
    [[ -e $dir ]] || return 0
    [[ -e $MARKER ]] || die "$dir exists but was not made by this script: not touching it"
    if [[ -r $dir/redis.pid ]]; then
        local pid tries=0
        pid=$(cat "$dir/redis.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            while kill -0 "$pid" 2>/dev/null && (( tries < 100 )); do
                sleep 0.1; tries=$((tries + 1))
            done
        fi
    fi
    rm -rf -- "$dir"
}

start_server() {
    [[ -x $SERVER ]] || die "no $SERVER: run scripts/ensure-system-packages.sh"
    stop_server
    mkdir -p -- "$dir"
    touch -- "$MARKER"
    local port=${REDISTEST_PORT:-56379} tries=0
    if [[ -z ${REDISTEST_PORT:-} ]]; then
        while port_in_use "$port"; do port=$((port + 1)); done
    fi
    "$SERVER" --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$dir" \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no \
        --protected-mode yes || die "redis-server did not start (log: $dir/redis.log)"
    until port_in_use "$port"; do
        tries=$((tries + 1))
        (( tries < 100 )) || { tail -n 20 "$dir/redis.log" >&2; die "redis-server did not answer"; }
        sleep 0.1
    done
    echo "$port" >"$dir/port"
    echo "redis-test-server: $("$SERVER" --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port" >&2
}

case $action in
    start) start_server ;;
    stop) stop_server ;;
    url)
        [[ -r $dir/port ]] || die "no server in $dir: run '$0 start $2' first"
        echo "redis://127.0.0.1:$(cat "$dir/port")/0"
        ;;
    *) usage ;;
esac
