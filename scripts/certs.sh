#!/bin/sh
# Creates, once, a local CA and a server certificate for 127.0.0.1 and
# localhost under RUNDIR, laid out for Kore's privilege separation:
#   RUNDIR/tls/ca.pem            the CA clients verify against
#   RUNDIR/tls/dhparam.pem       read by the parent (RFC 7919 ffdhe2048)
#   RUNDIR/keymgr/cert/*.pem     read by the keymgr after it drops to
#                                KEYMGR_RUNAS and chroots to RUNDIR/keymgr
# usage: scripts/certs.sh RUNDIR [RUNAS [KEYMGR_RUNAS]]
# Creates the system users RUNAS (workers, default roachgate) and
# KEYMGR_RUNAS (the keymgr, default roachgate-keymgr) when missing: two
# users, so that a worker can neither signal the keymgr nor read the key.
set -eu

dir=${1:?usage: certs.sh RUNDIR [RUNAS [KEYMGR_RUNAS]]}
runas=${2:-roachgate}
kmrunas=${3:-roachgate-keymgr}
tls=$dir/tls
km=$dir/keymgr/cert

mkdir -p "$tls" "$km"
chmod 0755 "$dir/keymgr"

if [ ! -s "$tls/ca.pem" ]; then
	umask 077
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
	    -subj "/CN=roachgate local CA" \
	    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -sha256 \
	    -subj "/CN=localhost" \
	    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n%s\n%s\n' \
	    'extendedKeyUsage=serverAuth' \
	    'keyUsage=digitalSignature,keyEncipherment' > "$tls/ext.cnf"
	openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" \
	    -CAkey "$tls/ca.key" -CAcreateserial -days 825 -sha256 \
	    -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>/dev/null
	rm -f "$tls/server.csr" "$tls/ext.cnf"
	chmod 0644 "$tls/ca.pem" "$tls/server.pem"
	umask 022
fi

if [ ! -s "$tls/dhparam.pem" ]; then
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
	    -out "$tls/dhparam.pem" 2>/dev/null
fi

# The keymgr reads its key after dropping privileges: the key belongs to
# KEYMGR_RUNAS, mode 0600, and nobody else (the workers' user included)
# can read it.
for u in "$runas" "$kmrunas"; do
	if ! id "$u" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u"
	fi
done
install -m 0644 "$tls/server.pem" "$km/server.pem"
install -m 0600 -o "$kmrunas" "$tls/server.key" "$km/server.key"
