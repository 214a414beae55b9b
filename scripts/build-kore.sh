#!/bin/sh
#
# Build the project's own kore from a patched copy of Debian's Kore 4.1.0
# source (/usr/share/kore, package `kore`): the stock binary's TLS does
# not work with OpenSSL 3 (see patches/).
#
# usage: scripts/build-kore.sh [OUTDIR]     (default build/kore)
#
# A relative OUTDIR is taken from the repository root. Produces:
#   OUTDIR/bin/kore             the server binary
#   OUTDIR/include/kore/*.h     headers to compile a module against
#   OUTDIR/module.cflags        CFLAGS a module must use (same features)
#   OUTDIR/src-tree/            the patched source it was built from
# Rebuilds only when the source, a patch or this script changed.
# Never writes outside OUTDIR.
#
# Environment: KORE_SRC (default /usr/share/kore), CC, JOBS.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KORE_SRC=${KORE_SRC:-/usr/share/kore}
OUTDIR=${1:-build/kore}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Modules must be built with the same feature defines as the binary,
# since they change struct layouts (e.g. struct http_request).
FEATURES="-DKORE_USE_PGSQL"

case $OUTDIR in
/*) ;;
*) OUTDIR=$ROOT/$OUTDIR ;;
esac

die() {
	echo "build-kore: $*" >&2
	exit 1
}

if [ ! -f "$KORE_SRC/Makefile" ] || [ ! -d "$KORE_SRC/src" ]; then
	die "no Kore source in $KORE_SRC (apt-get install kore)"
fi
command -v pg_config >/dev/null || die "pg_config missing (libpq-dev)"
command -v patch >/dev/null || die "patch missing"
command -v make >/dev/null || die "make missing (build-essential)"
command -v dpkg-buildflags >/dev/null ||
	die "dpkg-buildflags missing (dpkg-dev, Kore's Makefile uses it)"

# Everything that decides the result: source, patches, this script.
stamp() {
	(
		cd "$KORE_SRC" && find . -type f -print | LC_ALL=C sort |
		    while IFS= read -r f; do sha256sum "$f"; done
	)
	for p in "$ROOT"/patches/*.patch; do
		[ -f "$p" ] && sha256sum "$p"
	done
	sha256sum "$0"
	echo "cc=${CC:-cc} pg=$(pg_config --includedir)"
}

module_cflags() {
	echo "-I$OUTDIR/include -I$(pg_config --includedir) $FEATURES"
}

report() {
	echo "kore:    $OUTDIR/bin/kore"
	echo "CFLAGS:  $(module_cflags) -fPIC"
	echo "LDFLAGS: -shared   (kore and libpq/libssl symbols come from" \
	    "bin/kore, linked -rdynamic)"
}

want=$(stamp | sha256sum | cut -d' ' -f1)
if [ -x "$OUTDIR/bin/kore" ] && [ -f "$OUTDIR/.stamp" ] &&
    [ "$(cat "$OUTDIR/.stamp")" = "$want" ]; then
	echo "build-kore: up to date"
	report
	exit 0
fi

echo "build-kore: building from $KORE_SRC into $OUTDIR"
rm -rf "${OUTDIR:?}/src-tree" "${OUTDIR:?}/bin" "${OUTDIR:?}/include" \
    "${OUTDIR:?}/.stamp" "${OUTDIR:?}/module.cflags"
mkdir -p "$OUTDIR"
cp -R "$KORE_SRC" "$OUTDIR/src-tree"

for p in "$ROOT"/patches/*.patch; do
	[ -f "$p" ] || continue
	echo "build-kore: applying $(basename "$p")"
	# --fuzz=0: a patch that no longer matches must fail, not drift.
	patch -d "$OUTDIR/src-tree" -p1 --batch --forward --fuzz=0 \
	    --no-backup-if-mismatch -i "$p" ||
		die "$(basename "$p") does not apply to $KORE_SRC"
done

# Only the kore binary (kodev and the tools are not needed), PGSQL only:
# the project does not use kore tasks. obj/ first: the Makefile's own
# mkdir races with -j.
mkdir -p "$OUTDIR/src-tree/obj"
make -C "$OUTDIR/src-tree" -j"$JOBS" PGSQL=1 CC="${CC:-cc}" kore ||
	die "make failed"

mkdir -p "$OUTDIR/bin" "$OUTDIR/include/kore"
cp "$OUTDIR/src-tree/kore" "$OUTDIR/bin/kore"
cp "$OUTDIR/src-tree"/include/kore/*.h "$OUTDIR/include/kore/"
module_cflags >"$OUTDIR/module.cflags"
echo "$want" >"$OUTDIR/.stamp"

echo "build-kore: done"
report
