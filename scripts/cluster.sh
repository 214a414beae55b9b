#!/bin/bash
# Demo PostgreSQL 15 cluster for roachgate: one primary (node 1) and N hot
# standbys (nodes 2..N+1) streaming from it over loopback, all under RUNDIR.
#
#   cluster.sh start RUNDIR [--standbys N] [--base-port P]
#   cluster.sh stop RUNDIR
#   cluster.sh status RUNDIR        (exit status 1 if a node is down)
#   cluster.sh stop-node|start-node|restart-node RUNDIR ID
#   cluster.sh install RUNDIR       (re)install the status catalog (upgrade)
#
# Layout: RUNDIR/cluster.env (0600: ports, passwords), RUNDIR/pg/n<ID>
# (data directories; postmaster.pid inside), RUNDIR/pg/sock (unix sockets),
# RUNDIR/pg/log/n<ID>.log, RUNDIR/pg/.pgpass (0600, replication and admin).
# The servers run as the OS user postgres; run this as root or postgres.
# Every node has cluster_name 'roachgate-demo' (the cluster's name, as in
# CockroachDB); nodes are told apart by name: n<ID>, set both as the
# standby's application_name (what the primary's pg_stat_replication shows)
# and as the custom setting roachgate.node_name.
# Roles (random passwords in cluster.env): postgres (superuser), replicator,
# roachgate (the server's login, owns the catalog, pg_monitor), demo_admin
# (pg_monitor), demo_user. The database $ROACHGATE_DB (default roachgate)
# holds the status catalog (sql/postgres/install.sql).
# Speed over safety: fsync=off, full_page_writes=off, synchronous_commit=off.
# A crash of the machine can corrupt these clusters: demo and tests only.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROACHGATE_DB=${ROACHGATE_DB:-roachgate}
PGOS_USER=postgres
DEFAULT_BASE_PORT=26300
CLUSTER_NAME=roachgate-demo
TOP=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "cluster.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# Run a command as the postgres OS user (servers refuse to run as root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PGOS_USER" -- "$@"
	else
		"$@"
	fi
}

ensure_postgres() {
	[ -x "$PGBIN/postgres" ] && return 0
	[ "$(id -u)" -eq 0 ] || die "PostgreSQL 15 is missing and we are not root"
	# Debian would create and start a default cluster on 5432: prevent it.
	if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		mkdir -p /etc/postgresql-common
		echo "create_main_cluster = false" \
		    >/etc/postgresql-common/createcluster.conf
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q -o Dpkg::Options::=--force-confold \
	    postgresql-15 >/dev/null; then
		apt-get update -q >/dev/null
		apt-get install -y -q -o Dpkg::Options::=--force-confold \
		    postgresql-15 >/dev/null
	fi
	[ -x "$PGBIN/postgres" ] || die "could not install postgresql-15"
}

ensure_tools() {
	if ! command -v openssl >/dev/null; then
		[ "$(id -u)" -eq 0 ] || die "openssl is missing"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >/dev/null
	fi
	command -v runuser >/dev/null || [ "$(id -u)" -ne 0 ] ||
	    die "runuser (util-linux) is missing"
}

check_user() {
	if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != "$PGOS_USER" ]; then
		die "run as root or as $PGOS_USER"
	fi
	id "$PGOS_USER" >/dev/null 2>&1 || die "no OS user $PGOS_USER"
}

# No listener on TCP port $1 (any address). ss if present, else /proc.
port_free() {
	if command -v ss >/dev/null; then
		listeners=$(ss -Hltn "( sport = :$1 )")
	else
		listeners=$(awk -v p="$(printf '%04X' "$1")" \
		    '$4 == "0A" && substr($2, length($2) - 3) == p' \
		    /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	fi
	[ -z "$listeners" ]
}

# Load RUNDIR/cluster.env (written by us, mode 0600).
load_env() {
	[ -f "$ENVF" ] || die "no cluster in $RUNDIR (missing cluster.env)"
	# shellcheck disable=SC1090
	. "$ENVF"
}

node_dir() {
	echo "$PGDIR/n$1"
}

node_port() {
	eval "echo \"\${PG_PORT_$1:-}\""
}

node_running() {
	as_pg "$PGBIN/pg_ctl" -D "$(node_dir "$1")" status >/dev/null 2>&1
}

node_pid() {
	head -n 1 "$(node_dir "$1")/postmaster.pid" 2>/dev/null || true
}

# psql as the superuser over loopback (works for root and postgres alike).
admin_psql() {
	PGPASSFILE="$PGDIR/.pgpass" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
	    -h 127.0.0.1 -p "$PG_PORT_1" -U postgres "$@"
}

start_node() {
	id=$1
	dir=$(node_dir "$id")
	[ -f "$dir/PG_VERSION" ] || die "node $id does not exist in $RUNDIR"
	if node_running "$id"; then
		return 0
	fi
	port=$(node_port "$id")
	port_free "$port" || die "port $port of node $id is taken"
	as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$PGDIR/log/n$id.log" -w -t 60 \
	    -s start >/dev/null || die "node $id failed to start, see $PGDIR/log/n$id.log"
}

stop_node() {
	id=$1
	dir=$(node_dir "$id")
	[ -f "$dir/PG_VERSION" ] || die "node $id does not exist in $RUNDIR"
	node_running "$id" || return 0
	pid=$(node_pid "$id")
	if ! as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w -t 60 -s stop; then
		# pg_ctl gave up: fall back to the postmaster's own PID.
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
			kill -INT "$pid"
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			kill -0 "$pid" 2>/dev/null && die "node $id (pid $pid) does not stop"
		fi
	fi
	return 0
}

# Settings every node shares (copied to standbys by pg_basebackup).
write_common_conf() {
	cat >"$1/roachgate.conf" <<EOF
# written by scripts/cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDIR/sock'
cluster_name = '$CLUSTER_NAME'
max_connections = 100
shared_buffers = 32MB
# demo/test cluster: durability traded for speed
fsync = off
full_page_writes = off
synchronous_commit = off
wal_level = replica
max_wal_senders = 10
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
password_encryption = 'scram-sha-256'
track_counts = on
track_activities = on
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
	cat >>"$1/postgresql.conf" <<'EOF'
include_if_exists = 'roachgate.conf'
include_if_exists = 'node.conf'
EOF
	cat >"$1/pg_hba.conf" <<'EOF'
# written by scripts/cluster.sh
local   all          postgres                  peer
host    all          all         127.0.0.1/32  scram-sha-256
host    replication  replicator  127.0.0.1/32  scram-sha-256
EOF
}

# Settings of one node: port, name, machine facts for node_status.
write_node_conf() {
	id=$1
	dir=$(node_dir "$id")
	mem=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
	{
		echo "# written by scripts/cluster.sh"
		echo "port = $(node_port "$id")"
		echo "roachgate.node_name = 'n$id'"
		echo "roachgate.total_system_memory = '${mem:-0}'"
		echo "roachgate.num_cpus = '$(nproc)'"
		if [ "$id" -ne 1 ]; then
			echo "primary_conninfo = 'host=127.0.0.1 port=$PG_PORT_1 user=replicator passfile=''$PGDIR/.pgpass'' application_name=n$id connect_timeout=5'"
		fi
	} >"$dir/node.conf"
	chown "$PGOS_USER:" "$dir/node.conf" 2>/dev/null || true
}

wait_streaming() {
	want=$1
	i=0
	while [ $i -lt 600 ]; do
		got=$(admin_psql -d postgres -Atc \
		    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
		[ "$got" -ge "$want" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	die "standbys are not streaming after 60 s"
}

install_catalog() {
	admin_psql -d "$ROACHGATE_DB" -c "SET ROLE roachgate" \
	    -f "$TOP/sql/postgres/install.sql" >/dev/null
}

configure_catalog() {
	names="n1"
	i=2
	while [ $i -le "$PG_NODES" ]; do
		names="$names,n$i"
		i=$((i + 1))
	done
	admin_psql -d "$ROACHGATE_DB" -c "SET ROLE roachgate" \
	    -c "SELECT roachgate.configure('{$names}', 'n1')" >/dev/null
}

# A failed creation must not leave servers running.
abort_create() {
	for dir in "$PGDIR"/n*; do
		[ -f "$dir/postmaster.pid" ] || continue
		as_pg "$PGBIN/pg_ctl" -D "$dir" -m immediate -w -s stop || true
	done
}

write_env() {
	{
		echo "# roachgate demo cluster, written by scripts/cluster.sh"
		echo "RUNDIR='$RUNDIR'"
		echo "PG_NODES=$PG_NODES"
		echo "PG_HOST=127.0.0.1"
		echo "PG_SOCKDIR='$PGDIR/sock'"
		echo "ROACHGATE_DB=$ROACHGATE_DB"
		i=1
		while [ $i -le "$PG_NODES" ]; do
			echo "PG_PORT_$i=$(node_port $i)"
			i=$((i + 1))
		done
		echo "POSTGRES_PASSWORD=$POSTGRES_PASSWORD"
		echo "REPLICATOR_PASSWORD=$REPLICATOR_PASSWORD"
		echo "ROACHGATE_USER=roachgate"
		echo "ROACHGATE_PASSWORD=$ROACHGATE_PASSWORD"
		echo "DEMO_ADMIN_PASSWORD=$DEMO_ADMIN_PASSWORD"
		echo "DEMO_USER_PASSWORD=$DEMO_USER_PASSWORD"
	} >"$ENVF.tmp"
	chmod 600 "$ENVF.tmp"
	mv "$ENVF.tmp" "$ENVF"
}

# Start a new node on the next free port from $next_port. Another process
# may take the port between the check and the bind (shared test machines):
# then try the next one.
start_new_node() {
	id=$1
	tries=0
	while :; do
		port=$next_port
		while ! port_free "$port"; do
			port=$((port + 1))
			[ "$port" -lt 65536 ] || die "no free port from $2"
		done
		next_port=$((port + 1))
		eval "PG_PORT_$id=$port"
		write_node_conf "$id"
		log=$PGDIR/log/n$id.log
		if as_pg "$PGBIN/pg_ctl" -D "$(node_dir "$id")" -l "$log" -w -t 60 \
		    -s start >/dev/null 2>&1; then
			return 0
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 10 ] || ! grep -q "could not bind" "$log" 2>/dev/null; then
			die "node $id failed to start, see $log"
		fi
	done
}

create_cluster() {
	standbys=$1
	base=$2
	trap abort_create EXIT
	umask 077
	pw() { openssl rand -hex 24; }
	PG_NODES=$((standbys + 1))
	POSTGRES_PASSWORD=$(pw)
	REPLICATOR_PASSWORD=$(pw)
	ROACHGATE_PASSWORD=$(pw)
	DEMO_ADMIN_PASSWORD=$(pw)
	DEMO_USER_PASSWORD=$(pw)
	next_port=$base

	mkdir -p "$PGDIR/sock" "$PGDIR/log"
	chmod 700 "$PGDIR" "$PGDIR/sock"
	chmod 755 "$PGDIR/log"
	{
		echo "127.0.0.1:*:*:postgres:$POSTGRES_PASSWORD"
		echo "127.0.0.1:*:replication:replicator:$REPLICATOR_PASSWORD"
	} >"$PGDIR/.pgpass"
	echo "$POSTGRES_PASSWORD" >"$PGDIR/.pwfile"
	chmod 600 "$PGDIR/.pgpass" "$PGDIR/.pwfile"
	chown -R "$PGOS_USER:" "$PGDIR" 2>/dev/null || true

	as_pg "$PGBIN/initdb" -D "$PGDIR/n1" -U postgres -E UTF8 --no-locale \
	    --auth-local=peer --auth-host=scram-sha-256 \
	    --pwfile="$PGDIR/.pwfile" >"$PGDIR/log/initdb.log" 2>&1 ||
	    die "initdb failed, see $PGDIR/log/initdb.log"
	rm -f "$PGDIR/.pwfile"
	write_common_conf "$PGDIR/n1"
	chown "$PGOS_USER:" "$PGDIR/n1/roachgate.conf" "$PGDIR/n1/pg_hba.conf" \
	    2>/dev/null || true
	start_new_node 1 "$base"

	# Passwords go through stdin, never argv.
	admin_psql -d postgres <<EOF
CREATE ROLE replicator LOGIN REPLICATION PASSWORD '$REPLICATOR_PASSWORD';
CREATE ROLE roachgate LOGIN PASSWORD '$ROACHGATE_PASSWORD' IN ROLE pg_monitor;
CREATE ROLE demo_admin LOGIN PASSWORD '$DEMO_ADMIN_PASSWORD' IN ROLE pg_monitor;
CREATE ROLE demo_user LOGIN PASSWORD '$DEMO_USER_PASSWORD';
CREATE DATABASE "$ROACHGATE_DB" OWNER roachgate;
EOF
	install_catalog

	i=2
	while [ $i -le "$PG_NODES" ]; do
		dir=$(node_dir $i)
		as_pg env PGPASSFILE="$PGDIR/.pgpass" "$PGBIN/pg_basebackup" \
		    -h 127.0.0.1 -p "$PG_PORT_1" -U replicator -D "$dir" \
		    -X stream -c fast -w >"$PGDIR/log/basebackup-n$i.log" 2>&1 ||
		    die "pg_basebackup of node $i failed, see $PGDIR/log/basebackup-n$i.log"
		as_pg touch "$dir/standby.signal"
		start_new_node $i "$base"
		i=$((i + 1))
	done
	wait_streaming "$standbys"
	configure_catalog
	write_env
	trap - EXIT
}

cmd_start() {
	standbys=2
	base=$DEFAULT_BASE_PORT
	while [ $# -gt 0 ]; do
		case $1 in
		--standbys) [ $# -ge 2 ] || usage; standbys=$2; shift 2 ;;
		--standbys=*) standbys=${1#*=}; shift ;;
		--base-port) [ $# -ge 2 ] || usage; base=$2; shift 2 ;;
		--base-port=*) base=${1#*=}; shift ;;
		*) usage ;;
		esac
	done
	case $standbys in '' | *[!0-9]*) die "--standbys wants a number" ;; esac
	case $base in '' | *[!0-9]*) die "--base-port wants a number" ;; esac
	[ "$standbys" -le 16 ] || die "at most 16 standbys"
	if [ "$base" -lt 1024 ] || [ "$base" -ge 65000 ]; then
		die "bad --base-port"
	fi

	check_user
	ensure_postgres
	ensure_tools
	mkdir -p "$RUNDIR"
	as_pg test -x "$RUNDIR" ||
	    die "$RUNDIR is not traversable by $PGOS_USER (chmod o+x its parents)"
	if [ -f "$ENVF" ]; then
		load_env
		i=1
		while [ $i -le "$PG_NODES" ]; do
			start_node $i
			i=$((i + 1))
		done
	else
		[ ! -e "$PGDIR/n1" ] || die "$PGDIR exists without cluster.env; remove it"
		create_cluster "$standbys" "$base"
		load_env
	fi
	cmd_status
}

cmd_stop() {
	load_env
	# Standbys first, so they do not log a lost primary.
	i=$PG_NODES
	while [ "$i" -ge 1 ]; do
		stop_node "$i"
		i=$((i - 1))
	done
}

cmd_status() {
	load_env
	down=0
	i=1
	while [ $i -le "$PG_NODES" ]; do
		role=primary
		[ -f "$(node_dir $i)/standby.signal" ] && role=standby
		if node_running $i; then
			state="running pid=$(node_pid $i)"
		else
			state=stopped
			down=1
		fi
		echo "n$i port=$(node_port $i) $role $state"
		i=$((i + 1))
	done
	return $down
}

node_arg() {
	[ $# -eq 1 ] || usage
	case $1 in '' | *[!0-9]*) die "node ID must be a number" ;; esac
	if [ "$1" -lt 1 ] || [ "$1" -gt "$PG_NODES" ]; then
		die "no node $1"
	fi
}

[ $# -ge 2 ] || usage
cmd=$1
case $2 in
/*) RUNDIR=$2 ;;
*) RUNDIR=$(pwd)/$2 ;;
esac
case $RUNDIR in *"'"* | *' '*) die "RUNDIR must not contain quotes or spaces" ;; esac
shift 2
PGDIR=$RUNDIR/pg
ENVF=$RUNDIR/cluster.env

case $cmd in
start) cmd_start "$@" ;;
stop) [ $# -eq 0 ] || usage; check_user; cmd_stop ;;
status) [ $# -eq 0 ] || usage; check_user; cmd_status ;;
stop-node) check_user; load_env; node_arg "$@"; stop_node "$1" ;;
start-node) check_user; load_env; node_arg "$@"; start_node "$1" ;;
restart-node) check_user; load_env; node_arg "$@"; stop_node "$1"; start_node "$1" ;;
install) [ $# -eq 0 ] || usage; check_user; load_env; install_catalog ;;
*) usage ;;
esac
