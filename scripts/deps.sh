#!/bin/sh
# Installs the Debian packages roachgate needs that are not installed yet.
# Usage: scripts/deps.sh run|test|bench
set -eu

run="build-essential pkg-config kore libssl-dev libpq-dev openssl
     postgresql-15 postgresql-client-15 curl iproute2 procps passwd"
test="$run check clang libclang-rt-14-dev python3 python3-pytest
      python3-psycopg2 git systemd python3-yaml util-linux chromium nodejs
      libnss3-tools"
bench="$test wrk valgrind nginx-light linux-perf"

case "${1:-run}" in
run)	want=$run ;;
test)	want=$test ;;
bench)	want=$bench ;;
*)	echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# The browser tests need npm: Debian's package, or the one a nodejs
# from elsewhere bundles (and then provides).
case " $want " in
*" nodejs "*) command -v npm >/dev/null || missing="$missing npm" ;;
esac

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages:$missing (run as root to install)" >&2
	exit 1
fi

echo "installing:$missing"
# Installing PostgreSQL would create and start Debian's default cluster on
# port 5432: roachgate runs its own clusters, so tell Debian not to.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
	mkdir -p /etc/postgresql-common
	echo "create_main_cluster = false" \
	    >/etc/postgresql-common/createcluster.conf
fi
# nginx-light (make bench's baseline) would start Debian's default site on
# port 80: no service starts during the install (policy-rc.d, unless the
# machine has one of its own).
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold $missing >/dev/null
