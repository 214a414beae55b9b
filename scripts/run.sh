#!/bin/sh
# `make run`: a demo cluster (a PostgreSQL 15 primary and two streaming
# standbys with a light live workload) and roachgate over TLS in front of
# it, until Ctrl-C or SIGTERM, which stop everything this script started.
# Environment: ROACHGATE_PORT (default 26290), ROACHGATE_RUNDIR (run).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
port=${ROACHGATE_PORT:-26290}
dir=${ROACHGATE_RUNDIR:-run}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if ss -Htln "sport = :$port" | grep -q .; then
	echo "port $port is in use: set ROACHGATE_PORT to a free port" >&2
	exit 1
fi

stopping=0
tailpid=""
# shellcheck disable=SC2317  # called by trap
cleanup() {
	[ "$stopping" -eq 1 ] && return
	stopping=1
	# Every step runs whatever the one before did: a failed command
	# must not end the trap under set -e (a tail that had already
	# exited once left the whole cluster running).
	set +e
	echo "stopping roachgate, workload and cluster..."
	if [ -n "$tailpid" ]; then
		kill "$tailpid" 2>/dev/null
	fi
	scripts/server.sh stop "$dir" || true
	scripts/workload.sh "$dir/cluster" stop || true
	scripts/cluster.sh stop "$dir/cluster" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scripts/certs.sh "$dir"
scripts/cluster.sh start "$dir/cluster"
scripts/mkconf.sh "$dir" "$port"
scripts/workload.sh "$dir/cluster" start
: > "$dir/kore.log"
scripts/server.sh start "$dir" "$port"

# shellcheck disable=SC1091
. "$dir/cluster/cluster.env"
echo "roachgate ready: url=https://127.0.0.1:$port/api/v2/" \
    "ca=$dir/tls/ca.pem user=demo_admin password=$DEMO_ADMIN_PASSWORD"
echo "(non-admin user: demo_user password=$DEMO_USER_PASSWORD;" \
    "log: $dir/kore.log; Ctrl-C stops everything)"

tail -n +1 -f "$dir/kore.log" &
tailpid=$!
pid=$(cat "$dir/server.pid")
while kill -0 "$pid" 2>/dev/null; do
	sleep 1
done
echo "roachgate exited" >&2
exit 1
