#!/bin/sh
# Production install (`make install`, or after `make module`):
#
#   scripts/install.sh [PREFIX] [--cert FILE --key FILE]
#
# PREFIX (default /opt/roachgate; "PREFIX=/x" works too) receives:
#   bin/kore                    the project's patched kore (TLS works)
#   lib/roachgate.so            the module
#   etc/kore.conf               kore.conf with absolute paths under PREFIX
#   etc/roachgate.conf          example cluster configuration, root 0600
#                               (kept if present: it is the operator's)
#   etc/dhparam.pem             RFC 7919 ffdhe2048, read by the parent
#   var/chroot/                 the workers' empty root
#   var/keymgr/cert/            server.pem, and server.key owned by the
#                               keymgr's user roachgate-keymgr, 0400
#   var/kore.pid
#   lib/systemd/system/roachgate.service
# and creates the system users roachgate and roachgate-keymgr.  Without
# --cert/--key and with no certificate installed yet, a self-signed one is
# made (replace it).
# Binaries are replaced by rename, so a running server keeps its files;
# a changed etc/kore.conf is kept as etc/kore.conf.old.
#
# Environment: ROACHGATE_BIND (listen address) and ROACHGATE_PORT; by
# default those of the installed etc/kore.conf, else of kore.conf.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
runas=roachgate
kmrunas=roachgate-keymgr
prefix=/opt/roachgate
cert=
key=

die() {
	echo "install.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--cert) [ $# -ge 2 ] || die "--cert FILE"; cert=$2; shift ;;
	--key) [ $# -ge 2 ] || die "--key FILE"; key=$2; shift ;;
	PREFIX=*) prefix=${1#PREFIX=} ;;
	-*) die "usage: install.sh [PREFIX] [--cert FILE --key FILE]" ;;
	*) prefix=$1 ;;
	esac
	shift
done

# PREFIX goes into sed expressions and the unit file: keep it plain.
case $prefix in
/*) ;;
*) die "PREFIX must be an absolute path" ;;
esac
case $prefix in
*[!A-Za-z0-9/._-]*) die "PREFIX may only hold A-Z a-z 0-9 / . _ -" ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] || die "PREFIX must not be /"
if [ -n "$cert" ] || [ -n "$key" ]; then
	if [ ! -f "$cert" ] || [ ! -f "$key" ]; then
		die "--cert and --key: two files"
	fi
fi
[ "$(id -u)" -eq 0 ] || die "run as root (creates a user, sets owners)"

kore=$root/build/kore/bin/kore
module=$root/build/roachgate.so
if [ ! -x "$kore" ] || [ ! -f "$module" ]; then
	die "build first: make module"
fi

etc=$prefix/etc
var=$prefix/var
unitdir=$prefix/lib/systemd/system

# Listen address: environment, else the installed config, else kore.conf.
cur=$etc/kore.conf
[ -f "$cur" ] || cur=$root/kore.conf
bind=$(sed -n 's/^[[:space:]]*bind[[:space:]]\{1,\}//p' "$cur" | head -n 1)
addr=${ROACHGATE_BIND:-${bind% *}}
port=${ROACHGATE_PORT:-${bind#* }}
case $addr in '' | *[!0-9A-Fa-f:.]*) die "bad listen address '$addr'" ;; esac
case $port in '' | *[!0-9]*) die "bad port '$port'" ;; esac

# put SRC DEST MODE [OWNER]: a new file renamed into place.
put() {
	install -m "$3" -o "${4:-root}" -g root "$1" "$2.new.$$"
	mv -f "$2.new.$$" "$2"
}

# Two users: the workers' and the keymgr's, so that a worker can neither
# signal the keymgr nor read the key.
for u in "$runas" "$kmrunas"; do
	if ! id "$u" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u"
		echo "install.sh: created system user $u"
	fi
done

# Root-owned all the way down: the workers' chroot and the keymgr's root
# must not be writable by the user they run as.
for d in "$prefix" "$prefix/bin" "$prefix/lib" "$unitdir" "$etc" "$var" \
    "$var/chroot" "$var/keymgr" "$var/keymgr/cert"; do
	install -d -m 0755 -o root -g root "$d"
done

put "$kore" "$prefix/bin/kore" 0755
put "$module" "$prefix/lib/roachgate.so" 0644

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.pem" "$tmp.key"' EXIT
{
	echo "# Installed by roachgate's scripts/install.sh from kore.conf."
	sed -e '1,/^[^#]/{/^#/d;}' \
	    -e "s|^load[[:space:]].*|load			$prefix/lib/roachgate.so|" \
	    -e "s|^pidfile[[:space:]].*|pidfile			$var/kore.pid|" \
	    -e "s|^root[[:space:]].*|root			$var/chroot|" \
	    -e "s|^keymgr_root[[:space:]].*|keymgr_root		$var/keymgr|" \
	    -e "s|^tls_dhparam[[:space:]].*|tls_dhparam		$etc/dhparam.pem|" \
	    -e "s|^\([[:space:]]*bind[[:space:]]\{1,\}\).*|\1$addr $port|" \
	    -e 's|^\([[:space:]]*certfile[[:space:]]\{1,\}\).*|\1cert/server.pem|' \
	    -e 's|^\([[:space:]]*certkey[[:space:]]\{1,\}\).*|\1cert/server.key|' \
	    "$root/kore.conf"
} >"$tmp"
# A kore.conf of another shape must fail here, not when the service starts.
for want in "^load[[:space:]]*$prefix/lib/roachgate\\.so\$" \
    "^pidfile[[:space:]]*$var/kore\\.pid\$" "^root[[:space:]]*$var/chroot\$" \
    "^keymgr_root[[:space:]]*$var/keymgr\$" "^runas[[:space:]]*$runas\$" \
    "^keymgr_runas[[:space:]]*$kmrunas\$" \
    "^tls_dhparam[[:space:]]*$etc/dhparam\\.pem\$" \
    "^[[:space:]]*bind[[:space:]]*$addr $port\$" \
    '^[[:space:]]*certkey[[:space:]]*cert/server\.key$'; do
	grep -q "$want" "$tmp" ||
		die "kore.conf has an unexpected shape: no line matches $want"
done
if [ -f "$etc/kore.conf" ] && ! cmp -s "$tmp" "$etc/kore.conf"; then
	cp -p "$etc/kore.conf" "$etc/kore.conf.old"
	echo "install.sh: previous kore.conf kept as $etc/kore.conf.old"
fi
put "$tmp" "$etc/kore.conf" 0644

if [ ! -f "$etc/roachgate.conf" ]; then
	put "$root/conf/cluster.conf" "$etc/roachgate.conf" 0600
	echo "install.sh: EDIT $etc/roachgate.conf (nodes, passwords)"
fi

if [ ! -s "$etc/dhparam.pem" ]; then
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
	    -out "$tmp" 2>/dev/null
	put "$tmp" "$etc/dhparam.pem" 0644
fi

# The keymgr reads the key after chrooting to var/keymgr and dropping to
# $kmrunas: the key belongs to $kmrunas, readable by nobody else.
kc=$var/keymgr/cert
if [ -n "$cert" ]; then
	put "$cert" "$kc/server.pem" 0644
	put "$key" "$kc/server.key" 0400 "$kmrunas"
elif [ ! -f "$kc/server.pem" ] || [ ! -f "$kc/server.key" ]; then
	host=$(hostname -f 2>/dev/null || hostname)
	(
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
		    -subj "/CN=$host" \
		    -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
		    -keyout "$tmp.key" -out "$tmp.pem" 2>/dev/null
	)
	put "$tmp.pem" "$kc/server.pem" 0644
	put "$tmp.key" "$kc/server.key" 0400 "$kmrunas"
	rm -f "$tmp.pem" "$tmp.key"
	echo "install.sh: made a SELF-SIGNED certificate for $host;" \
	    "install yours with --cert/--key"
fi
# A key from an install before the keymgr had a user of its own.
chown "$kmrunas" "$kc/server.key"

sed "s|/opt/roachgate|$prefix|g" "$root/conf/roachgate.service" >"$tmp"
put "$tmp" "$unitdir/roachgate.service" 0644

cat <<EOF
install.sh: installed under $prefix (listening on $addr port $port).
  cluster:  $etc/roachgate.conf
  service:  systemctl enable --now $unitdir/roachgate.service
            journalctl -u roachgate -f
  by hand:  cd $prefix && ROACHGATE_CONFIG=$etc/roachgate.conf \\
                $prefix/bin/kore -f -c $etc/kore.conf
  upgrade:  the running server keeps its files: systemctl restart roachgate
EOF
