#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL for the test suites.
#
#   scripts/postgres.sh start DIR   initialise (first time) and start a server with its data, socket and log in DIR,
#                                   listening on a free 127.0.0.1 port with trust authentication on loopback only;
#                                   creates the database moat_test and prints its URL:
#                                   postgres://moat@127.0.0.1:PORT/moat_test
#   scripts/postgres.sh stop DIR    stop that server (DIR is kept; delete it to start afresh)
#
# Typical use:
#   export MOAT_TEST_POSTGRES_URL=$(scripts/postgres.sh start /tmp/moat-pg)
#   MOAT_REQUIRE_POSTGRES=1 swift test
#   scripts/postgres.sh stop /tmp/moat-pg
#
# Server binaries are found with `pg_config --bindir` or under /usr/lib/postgresql/*/bin; when there are none,
# Debian's postgresql package is installed with apt-get. PostgreSQL refuses to run as root: as root, the server runs
# as the `postgres` user (or a `moat-pg` system user created for it), which gets ownership of DIR.
# Never expose this server: it trusts every local connection.
set -euo pipefail

readonly DB_USER=moat
readonly DB_NAME=moat_test

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    done
    return 1
}

install_postgres() {
    echo "postgres.sh: no PostgreSQL server binaries found; installing Debian's postgresql" >&2
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed and this user cannot install it"
        sudo="sudo"
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
}

# The user the server runs as: ourselves, or an unprivileged one when we are root.
server_user() {
    if [[ $(id -u) -ne 0 ]]; then id -un; return; fi
    if id postgres >/dev/null 2>&1; then echo postgres; return; fi
    if ! id moat-pg >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin moat-pg >&2 \
            || die "cannot create the system user moat-pg"
    fi
    echo moat-pg
}

# Runs a command as the server user.
as_server_user() {
    local user=$1; shift
    if [[ $(id -un) == "$user" ]]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$user" -- "$@"
    else
        su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

url_for() {
    echo "postgres://$DB_USER@127.0.0.1:$1/$DB_NAME"
}

start() {
    local dir=$1
    local bindir
    bindir=$(find_bindir) || { install_postgres; bindir=$(find_bindir) || die "PostgreSQL installation failed"; }

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local data="$dir/data" socket="$dir/socket" log="$dir/postgres.log"
    local user
    user=$(server_user)

    if [[ -f "$data/postmaster.pid" ]] && as_server_user "$user" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        url_for "$(cat "$dir/port")"
        return 0
    fi

    mkdir -p "$socket"
    if [[ $(id -u) -eq 0 ]]; then chown -R "$user" "$dir"; fi
    as_server_user "$user" test -w "$dir" \
        || die "$user cannot write to $dir (every parent directory must be searchable by $user)"

    if [[ ! -f "$data/PG_VERSION" ]]; then
        as_server_user "$user" "$bindir/initdb" -D "$data" -U "$DB_USER" -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
        cat >"$data/pg_hba.conf" <<HBA
# Throwaway test server: trust on the socket and on loopback only.
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
HBA
        if [[ $(id -u) -eq 0 ]]; then chown "$user" "$data/pg_hba.conf"; fi
    fi

    # Durability is pointless for a throwaway server; speed is not.
    local settings="-c listen_addresses=127.0.0.1 -c max_connections=300"
    settings+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    local attempt port
    for attempt in $(seq 1 20); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        port_in_use "$port" && continue
        if as_server_user "$user" "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port -k $socket $settings" \
            start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            if ! "$bindir/psql" -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres -tAc \
                "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
                "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME"
            fi
            url_for "$port"
            return 0
        fi
        grep -q "could not bind\|Address already in use" "$log" 2>/dev/null || { tail -20 "$log" >&2; die "the server did not start"; }
    done
    die "no free port found"
}

stop() {
    local dir=$1
    [[ -d "$dir/data" ]] || die "no server in $dir"
    local bindir user
    bindir=$(find_bindir) || die "PostgreSQL is not installed"
    user=$(server_user)
    if as_server_user "$user" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_server_user "$user" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -f "$dir/port"
}

case "${1:-}" in
    start) [[ $# -eq 2 ]] || die "usage: $0 start DIR"; start "$2" ;;
    stop) [[ $# -eq 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
    *) die "usage: $0 start|stop DIR" ;;
esac
