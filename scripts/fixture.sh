#!/bin/bash
# Fixture provider generator: one database per fixture node, each holding
# the roachgate status catalog as plain tables filled deterministically.
#
#   fixture.sh --dsn-base 'host=127.0.0.1 port=26300 user=postgres' \
#       --nodes N --ranges R --sessions S --seed X \
#       [--zipf s] [--ranges-per-table P] [--base-time NS] \
#       [--db-prefix rgfix_] [--owner ROLE] [--jobs J]
#
# Creates (dropping any previous one) <prefix>n1 .. <prefix>nN. The DSN's
# user needs CREATEDB (and membership in --owner, which then owns the
# databases and catalog). Passwords: PGPASSWORD or PGPASSFILE, never argv.
# Same arguments => identical rows. Prints the database names, one a line.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
TOP=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "fixture.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

dsn_base=
nodes=3
ranges=1000
sessions=100
seed=1
zipf=1.1
ppt=100
base=1700000000000000000
prefix=rgfix_
owner=
jobs=$(nproc)

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--dsn-base) dsn_base=$2 ;;
	--nodes) nodes=$2 ;;
	--ranges) ranges=$2 ;;
	--sessions) sessions=$2 ;;
	--seed) seed=$2 ;;
	--zipf) zipf=$2 ;;
	--ranges-per-table) ppt=$2 ;;
	--base-time) base=$2 ;;
	--db-prefix) prefix=$2 ;;
	--owner) owner=$2 ;;
	--jobs) jobs=$2 ;;
	*) usage ;;
	esac
	shift 2
done

# Everything that reaches SQL text is checked here first.
uint() {
	case $2 in '' | *[!0-9]*) die "$1 wants a non-negative integer" ;; esac
	# int8 range; equal-length digit strings compare like numbers
	max=9223372036854775807
	if [ ${#2} -gt 19 ] || { [ ${#2} -eq 19 ] &&
	    [ "$(printf '%s\n' "$2" "$max" | LC_ALL=C sort | tail -n 1)" != "$max" ]; }; then
		die "$1 is too large"
	fi
}
[ -n "$dsn_base" ] || die "--dsn-base is required"
uint --nodes "$nodes"
uint --ranges "$ranges"
uint --sessions "$sessions"
uint --ranges-per-table "$ppt"
uint --base-time "$base"
uint --jobs "$jobs"
case $seed in '' | -) die "--seed wants an integer" ;; esac
case ${seed#-} in '' | *[!0-9]*) die "--seed wants an integer" ;; esac
[ ${#seed} -le 18 ] || die "--seed is too large"
echo "$zipf" | grep -Eq '^[0-9]{1,3}(\.[0-9]{1,6})?$' || die "--zipf wants a number like 1.1"
echo "$prefix" | grep -Eq '^[a-z_][a-z0-9_]{0,40}$' || die "--db-prefix: [a-z_][a-z0-9_]*"
if [ -n "$owner" ]; then
	echo "$owner" | grep -Eq '^[a-z_][a-z0-9_]{0,62}$' || die "--owner: [a-z_][a-z0-9_]*"
fi
if [ "$nodes" -lt 1 ] || [ "$nodes" -gt 1000 ]; then
	die "--nodes: 1..1000"
fi
[ "$ppt" -ge 1 ] || die "--ranges-per-table must be >= 1"
[ "$jobs" -ge 1 ] || jobs=1

psql_db() {
	local dbname=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -q \
	    -v ON_ERROR_STOP=1 -d "$dsn_base dbname=$dbname" "$@"
}

# Fill one node database; runs in the background, one per node.
build_node() {
	local n=$1 db=${prefix}n$1 role
	{
		psql_db postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
		if [ -n "$owner" ]; then
			psql_db postgres -c "CREATE DATABASE $db OWNER $owner"
			role="SET ROLE $owner"
		else
			psql_db postgres -c "CREATE DATABASE $db"
			role="SET ROLE NONE"
		fi
		psql_db "$db" -c "$role" -f "$TOP/sql/fixture/install.sql"
		psql_db "$db" -c "$role" -v seed="$seed" -v nodes="$nodes" -v node="$n" \
		    -v ranges="$ranges" -v sessions="$sessions" -v zipf="$zipf" \
		    -v ppt="$ppt" -v base="$base" -f "$TOP/sql/fixture/generate.sql"
		psql_db "$db" -c "$role" -f "$TOP/sql/fixture/indexes.sql"
	} >"$tmp/n$n.log" 2>&1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pids=
running=0
n=1
fail=0
while [ "$n" -le "$nodes" ]; do
	build_node "$n" &
	pids="$pids $!:$n"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || fail=1
		running=$((running - 1))
	fi
	n=$((n + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || fail=1
	running=$((running - 1))
done
if [ "$fail" -ne 0 ]; then
	for p in $pids; do
		log=$tmp/n${p#*:}.log
		[ -s "$log" ] && sed "s/^/n${p#*:}: /" "$log" >&2
	done
	die "generation failed"
fi
n=1
while [ "$n" -le "$nodes" ]; do
	echo "${prefix}n$n"
	n=$((n + 1))
done
