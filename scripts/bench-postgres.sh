#!/bin/sh
# bench-postgres.sh starts a private, throwaway PostgreSQL 15 for
# benchmarks whose figures are per database server (WAL bytes, pg_stat_wal,
# pg_stat_statements): nothing else writes to it, so the benchmark's
# before/after differences are its own. Settings are PostgreSQL's defaults
# (as on the shared test server) plus pg_stat_statements.
#
#   scripts/bench-postgres.sh start   # prints the TEST_DATABASE_URL to export
#   scripts/bench-postgres.sh stop
#
# PGBENCH_DIR (default /tmp/kiebot-bench-pg) and PGBENCH_PORT (5433) move it.
set -eu
dir=${PGBENCH_DIR:-/tmp/kiebot-bench-pg}
port=${PGBENCH_PORT:-5433}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case ${1:-} in
start)
	if [ ! -f "$dir/PG_VERSION" ]; then
		mkdir -p "$dir"
		[ "$(id -u)" = 0 ] && chown postgres "$dir"
		as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
		cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
track_wal_io_timing = on
CONF
	fi
	as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w start >/dev/null
	psql -h 127.0.0.1 -p "$port" -U postgres -qc 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' postgres
	echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	;;
stop)
	as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
