#!/usr/bin/env bash
# Make sure the Debian packages the tests need are installed: Chromium (browser tests),
# PostgreSQL server binaries (scripts/pg-test-cluster.sh), Redis (scripts/redis-test-server.sh:
# sign-in limits shared by two app hosts) and Liberation fonts (Arial-metric
# Liberation Sans, so pages that ask for Arial render with the right metrics) and the Pango,
# HarfBuzz libraries WeasyPrint draws the board pack and report PDFs with.
#
# Quiet and quick when everything is present: it never runs apt-get update then.
# As root it installs whatever is missing; otherwise it says what is missing and exits 1.
set -euo pipefail

missing=()   # Debian package names
reasons=()   # what was looked for, one per missing package

have_postgres_server() {
    local bindir
    for bindir in /usr/lib/postgresql/*/bin; do
        if [[ -x $bindir/initdb && -x $bindir/pg_ctl && -x $bindir/postgres && -x $bindir/psql ]]; then
            return 0
        fi
    done
    return 1
}

# The linker cache is read once per check into a variable: `ldconfig -p | grep -q` under
# pipefail fails whenever grep finds its line and exits before ldconfig has written the rest
# (ldconfig then dies of SIGPIPE), which reported installed libraries as missing, now and then.
linker_cache=""

have_library() {
    [[ $linker_cache == *"$1"* ]]
}

check() {
    missing=()
    reasons=()
    linker_cache=$(ldconfig -p 2>/dev/null || true)
    local lib
    for lib in libpango-1.0-0:libpango-1.0.so.0 libpangoft2-1.0-0:libpangoft2-1.0.so.0 \
               libharfbuzz-subset0:libharfbuzz-subset.so.0; do
        if ! have_library "${lib#*:}"; then
            missing+=("${lib%%:*}")
            reasons+=("${lib#*:} (WeasyPrint)")
        fi
    done
    if [[ ! -x /usr/bin/chromium ]]; then
        missing+=(chromium)
        reasons+=("/usr/bin/chromium")
    fi
    if ! have_postgres_server; then
        missing+=(postgresql)
        reasons+=("initdb, pg_ctl, postgres and psql under /usr/lib/postgresql/*/bin")
    fi
    if [[ ! -x /usr/bin/redis-server ]]; then
        missing+=(redis-server)
        reasons+=("/usr/bin/redis-server")
    fi
    if [[ ! -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]]; then
        missing+=(fonts-liberation)
        reasons+=("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
    fi
}

report_missing() {
    local i
    echo "ensure-system-packages: missing Debian packages:" >&2
    for i in "${!missing[@]}"; do
        echo "  ${missing[$i]}  (no ${reasons[$i]})" >&2
    done
    echo "Install them as root with:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
}

check
if (( ${#missing[@]} == 0 )); then
    exit 0
fi

if (( EUID != 0 )) || ! command -v apt-get >/dev/null 2>&1; then
    (( EUID != 0 )) && echo "ensure-system-packages: not root, so cannot install." >&2
    report_missing
    exit 1
fi

echo "ensure-system-packages: installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "ensure-system-packages: apt-get failed (output above)." >&2
    report_missing
    exit 1
fi

check
if (( ${#missing[@]} != 0 )); then
    echo "ensure-system-packages: still missing after apt-get install." >&2
    report_missing
    exit 1
fi
echo "ensure-system-packages: installed." >&2
