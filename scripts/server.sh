#!/bin/sh
# Starts or stops roachgate (the patched kore with build/roachgate.so)
# for a run directory prepared by certs.sh, cluster.sh and mkconf.sh.
# The server runs in the foreground of its own process (-f: logs on
# stdout, here RUNDIR/kore.log), privsep, chroot and seccomp on.
# usage: scripts/server.sh start|stop|wait RUNDIR PORT
set -eu

cmd=${1:?usage: server.sh start|stop|wait RUNDIR PORT}
dir=$(cd "${2:?RUNDIR}" && pwd)
port=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)

wait_ready() {
	i=0
	while [ $i -lt 150 ]; do
		if curl -fsS --cacert "$dir/tls/ca.pem" -o /dev/null \
		    "https://127.0.0.1:$port/api/v2/health/" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
			echo "roachgate exited; last log lines:" >&2
			tail -n 30 "$dir/kore.log" >&2
			return 1
		fi
		sleep 0.2
		i=$((i + 1))
	done
	echo "roachgate did not answer on port $port" >&2
	return 1
}

case $cmd in
start)
	: "${port:?PORT}"
	cd "$root"
	ROACHGATE_CONFIG=$dir/roachgate.conf \
	    "$root/build/kore/bin/kore" -f -c "$dir/kore.conf" \
	    >>"$dir/kore.log" 2>&1 &
	echo $! > "$dir/server.pid"
	wait_ready
	;;
wait)
	: "${port:?PORT}"
	wait_ready
	;;
stop)
	[ -f "$dir/server.pid" ] || exit 0
	pid=$(cat "$dir/server.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	rm -f "$dir/server.pid"
	;;
*)
	echo "usage: server.sh start|stop|wait RUNDIR PORT" >&2
	exit 2
	;;
esac
