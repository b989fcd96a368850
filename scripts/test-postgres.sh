#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL server on loopback for the registry
# store tests and print its DSN on stdout (one line, nothing else).
#
#   export CCG_TEST_POSTGRES="$(scripts/test-postgres.sh)"   # start / reuse
#   scripts/test-postgres.sh stop                            # stop it
#
# Idempotent: installs Debian's postgresql when no server binaries are found
# (needs root, as in CI), initialises a cluster in $CCG_PG_DIR owned by the
# postgres user, starts it on 127.0.0.1:$CCG_PG_PORT and creates the database
# ccgtest. Progress goes to stderr.
#
# Each checkout gets its own server: the default directory is
# ${TMPDIR:-/tmp}/ccg-pg-<hash of the checkout's path>, and the default port is
# the first free one from a port derived from the same hash (remembered in
# the directory, so later calls find the server again). `make test` under
# CI=true stops the server when the tests end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUM=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
DIR=${CCG_PG_DIR:-${TMPDIR:-/tmp}/ccg-pg-$SUM}
DB=ccgtest

log() { echo "test-postgres: $*" >&2; }

# Several test processes may call this at once: one at a time.
if command -v flock >/dev/null 2>&1; then
	exec 9>"${DIR}.lock"
	flock 9
fi

find_bin() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

PGBIN=$(find_bin)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		log "PostgreSQL is not installed and this is not root: apt-get install postgresql"
		exit 1
	fi
	log "installing postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
	PGBIN=$(find_bin)
fi

# Run a command as the postgres user when we are root (initdb refuses root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		su postgres -s /bin/sh -c "$*"
	else
		sh -c "$*"
	fi
}

# in_use reports whether something listens on 127.0.0.1:$1.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The port: $CCG_PG_PORT, else the one this directory's server was started
# on, else the first free one from 20000 + hash % 20000.
if [ -n "${CCG_PG_PORT:-}" ]; then
	PORT=$CCG_PG_PORT
elif [ -f "$DIR/port" ]; then
	PORT=$(cat "$DIR/port")
else
	PORT=$((20000 + SUM % 20000))
	while in_use "$PORT"; do PORT=$((PORT + 1)); done
fi
DSN="postgres://postgres@127.0.0.1:${PORT}/${DB}?sslmode=disable"

if [ "${1:-}" = "stop" ]; then
	if [ -f "$DIR/data/postmaster.pid" ]; then
		as_pg "'$PGBIN/pg_ctl' -D '$DIR/data' -m fast -w stop" >&2 9>&- || true
	fi
	exit 0
fi

# Only this directory's own server is reused, never another checkout's.
if [ -f "$DIR/data/postmaster.pid" ] && [ "$(sed -n 4p "$DIR/data/postmaster.pid")" = "$PORT" ] &&
	"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
	log "reusing server on port $PORT"
else
	mkdir -p "$DIR"
	if [ "$(id -u)" -eq 0 ]; then chown postgres "$DIR"; fi
	if in_use "$PORT"; then
		if [ -n "${CCG_PG_PORT:-}" ]; then
			log "port $PORT is taken by another program"
			exit 1
		fi
		while in_use "$PORT"; do PORT=$((PORT + 1)); done
		DSN="postgres://postgres@127.0.0.1:${PORT}/${DB}?sslmode=disable"
	fi
	echo "$PORT" >"$DIR/port"
	if [ ! -f "$DIR/data/PG_VERSION" ]; then
		log "initdb in $DIR/data"
		as_pg "'$PGBIN/initdb' -D '$DIR/data' -A trust -U postgres -E UTF8" >&2
	fi
	rm -f "$DIR/data/postmaster.pid" 2>/dev/null || true
	log "starting on 127.0.0.1:$PORT"
	# The server must not inherit the lock (fd 9), or it would hold it forever.
	as_pg "'$PGBIN/pg_ctl' -D '$DIR/data' -l '$DIR/server.log' -w -t 60 \
		-o \"-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200\" start" >&2 9>&-
fi

if ! "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
	"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE $DB" >&2
fi
echo "$DSN"
