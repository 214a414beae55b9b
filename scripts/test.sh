#!/bin/bash
# `make test`: every test, then one closing line "N passed, M failed".
#   1. C unit tests (Check), plain and under ASan/UBSan
#   2. fuzz smoke runs of every decoder of untrusted input (libFuzzer)
#   3. SQL tests of the status catalog on a real primary + standbys
#   4. end-to-end tests: the real server over TLS, sandboxed, in front
#      of a real cluster
#   5. browser tests of the console: Debian's chromium driven by
#      playwright-core (npm, into build/npm), against the demo over TLS;
#      screenshots in build/browser/
# Environment: FUZZ_SECONDS (default 10 per target), PYTEST_ARGS.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
logs=build/test-logs
mkdir -p "$logs"
passed=0
failed=0

# Check prints "100%: Checks: 12, Failures: 0, Errors: 0" per suite.
count_check() {
	local line checks fails errs
	while read -r line; do
		checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		passed=$((passed + checks - fails - errs))
		failed=$((failed + fails + errs))
	done < <(grep -E '[0-9]+%: Checks: [0-9]+' "$1")
}

# pytest's summary: "=== 3 failed, 40 passed, 1 error in 12.3s ===".
count_pytest() {
	local line n
	line=$(grep -E '^=+ .*(passed|failed|error|no tests ran).* in [0-9.]+s' \
	    "$1" | tail -n 1)
	for kind in passed failed error errors; do
		n=$(grep -oE "[0-9]+ $kind\b" <<<"$line" | grep -oE '^[0-9]+' ||
		    true)
		[ -z "$n" ] && continue
		if [ "$kind" = passed ]; then
			passed=$((passed + n))
		else
			failed=$((failed + n))
		fi
	done
}

stage() {
	local name=$1
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$logs/$name.log"
	return "${PIPESTATUS[0]}"
}

stage unit make -C tests/unit check
rc=$?
count_check "$logs/unit.log"
if [ $rc -ne 0 ] && ! grep -q 'Checks:' "$logs/unit.log"; then
	failed=$((failed + 1))
fi

stage fuzz make -k -C tests/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
rc=$?
f=$(grep -c '^Done [0-9]* runs' "$logs/fuzz.log" || true)
passed=$((passed + f))
if [ $rc -ne 0 ]; then
	failed=$((failed + 1))
fi

# test_memory runs in `make soak`: memory is a benchmark target, and its
# flood leaves the shared server's pools busy for the tests after it.
# shellcheck disable=SC2086
stage pytest /usr/bin/python3 -m pytest -p no:cacheprovider -rfE \
    --ignore=tests/e2e/test_memory.py tests/sql tests/e2e ${PYTEST_ARGS:-}
rc=$?
count_pytest "$logs/pytest.log"
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
	# Interrupted, internal error or no tests collected.
	failed=$((failed + 1))
fi

stage browser /usr/bin/python3 -m pytest -p no:cacheprovider -rfE tests/browser
rc=$?
count_pytest "$logs/browser.log"
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
