#!/bin/bash
# Light live workload on a demo cluster made by scripts/cluster.sh, so hot
# ranges and sessions are never empty:
#   - pgbench's TPC-B-like writes on the primary (node 1),
#   - pgbench's read-only selects through the first standby (node 2),
#   - the movr demo dataset (sql/demo/movr.sql, loaded once): its writes
#     on the primary (sql/demo/writes.pgbench), its reads on every
#     standby (reads.pgbench), and a slow report on the last standby
#     (report.pgbench, always an active query),
# each one client at WORKLOAD_RATE transactions per second (default 5;
# the report runs back to back), as demo_user over loopback. Tables:
# pgbench_* and movr.* in the roachgate database: about 30 relations with
# their indexes, 20 or more of them with load on some node.
#
#   workload.sh RUNDIR start|stop|status
#
# PIDs are kept in RUNDIR/workload/*.pid; stop signals exactly those.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
RATE=${WORKLOAD_RATE:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "workload.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: workload.sh RUNDIR start|stop|status"
RUNDIR=$1
ENVF=$RUNDIR/cluster.env
WDIR=$RUNDIR/workload
[ -f "$ENVF" ] || die "no cluster in $RUNDIR"
# shellcheck disable=SC1090
. "$ENVF"
case $RATE in '' | *[!0-9]*) die "WORKLOAD_RATE must be a number" ;; esac

# The pid belongs to a pgbench we started (not a recycled pid).
is_ours() {
	[ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = pgbench ]
}

start_one() {
	name=$1
	port=$2
	shift 2
	pidf=$WDIR/$name.pid
	if [ -f "$pidf" ] && is_ours "$(cat "$pidf")"; then
		return 0
	fi
	PGPASSFILE=$WDIR/.pgpass PGAPPNAME=pgbench-$name "$PGBIN/pgbench" \
	    -h 127.0.0.1 -p "$port" -U demo_user -n -c 1 ${RATE:+-R "$RATE"} \
	    -T 315360000 "$@" "$ROACHGATE_DB" >"$WDIR/$name.log" 2>&1 </dev/null &
	echo $! >"$pidf"
}

stop_one() {
	pidf=$WDIR/$1.pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	if is_ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while is_ours "$pid" && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if is_ours "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidf"
}

init_tables() {
	export PGPASSFILE=$RUNDIR/pg/.pgpass
	psql_admin() {
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT_1" \
		    -U postgres -d "$ROACHGATE_DB" "$@"
	}
	have=$(psql_admin -Atc "SELECT to_regclass('public.pgbench_accounts') IS NOT NULL")
	if [ "$have" != t ]; then
		"$PGBIN/pgbench" -i -q -s 1 -h 127.0.0.1 -p "$PG_PORT_1" -U postgres \
		    "$ROACHGATE_DB" >"$WDIR/init.log" 2>&1 ||
		    die "pgbench -i failed, see $WDIR/init.log"
	fi
	psql_admin -c "GRANT SELECT, INSERT, UPDATE ON pgbench_accounts,
	    pgbench_branches, pgbench_tellers, pgbench_history TO demo_user"
	psql_admin -f "$TOP/sql/demo/movr.sql" >"$WDIR/movr.log" 2>&1 ||
	    die "loading sql/demo/movr.sql failed, see $WDIR/movr.log"
	# Readers start on the standbys: wait until the grants have replayed.
	n=2
	while [ "$n" -le "${PG_NODES:-1}" ]; do
		i=0
		until [ "$(psql_admin -p "$(eval echo "\$PG_PORT_$n")" -Atc "SELECT
		    has_table_privilege('demo_user', 'public.pgbench_branches', 'SELECT')
		    AND has_table_privilege('demo_user', 'movr.rides', 'SELECT')" \
		    2>/dev/null)" = t ]; do
			i=$((i + 1))
			[ $i -lt 300 ] || die "standby n$n does not catch up"
			sleep 0.1
		done
		n=$((n + 1))
	done
	unset PGPASSFILE
}

case $2 in
start)
	mkdir -p "$WDIR"
	chmod 700 "$WDIR"
	(umask 077 && echo "127.0.0.1:*:*:demo_user:$DEMO_USER_PASSWORD" >"$WDIR/.pgpass")
	init_tables
	start_one writes "$PG_PORT_1"
	start_one movr-writes "$PG_PORT_1" -f "$TOP/sql/demo/writes.pgbench"
	if [ "${PG_NODES:-1}" -ge 2 ]; then
		start_one reads "$PG_PORT_2" -S
	fi
	n=2
	while [ "$n" -le "${PG_NODES:-1}" ]; do
		start_one "movr-reads-n$n" "$(eval echo "\$PG_PORT_$n")" \
		    -f "$TOP/sql/demo/reads.pgbench"
		n=$((n + 1))
	done
	if [ "${PG_NODES:-1}" -ge 2 ]; then
		RATE='' start_one movr-report \
		    "$(eval echo "\$PG_PORT_${PG_NODES}")" \
		    -f "$TOP/sql/demo/report.pgbench"
	fi
	;;
stop)
	for f in "$WDIR"/*.pid; do
		[ -e "$f" ] || continue
		n=${f##*/}
		stop_one "${n%.pid}"
	done
	;;
status)
	for f in "$WDIR"/*.pid; do
		[ -e "$f" ] || continue
		n=${f##*/}
		n=${n%.pid}
		if [ -f "$WDIR/$n.pid" ] && is_ours "$(cat "$WDIR/$n.pid")"; then
			echo "$n running pid=$(cat "$WDIR/$n.pid")"
		else
			echo "$n stopped"
		fi
	done
	;;
*)
	die "usage: workload.sh RUNDIR start|stop|status"
	;;
esac
