"""`make bench`: throughput and latency of each endpoint, as ratios.

These machines are small and shared, so absolute numbers mean little: every
figure is also reported as a ratio against baselines measured in the same
run, on the same server, right before:

  static    GET /api/v2/health/           (TLS + Kore + module, no database)
  one-query GET /api/v2/health/?ready=true (plus one async query on n1)

wrk drives each route over TLS keep-alive for BENCH_SECONDS (default 5)
with BENCH_CONNECTIONS (default 16) connections on 2 threads.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from rgtest import Server  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "16"))

ROUTES = [
    ("static", "/api/v2/health/", False),
    ("one-query", "/api/v2/health/?ready=true", False),
    ("nodes (auth + 3-node fan-out)", "/api/v2/nodes/", True),
    ("node ranges, limit 10", "/api/v2/nodes/local/ranges/?limit=10", True),
    ("hot ranges, limit 10", "/api/v2/ranges/hot/?limit=10", True),
    ("sessions, limit 10", "/api/v2/sessions/?limit=10", True),
    ("sessions, all", "/api/v2/sessions/", True),
]


def unit(value, suffix):
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3, "": 1.0, "k": 1e3, "M": 1e6}
    return float(value) * scale[suffix]


def wrk(url, session):
    cmd = ["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECONDS, "--latency"]
    if session:
        cmd += ["-H", "X-Cockroach-API-Session: " + session]
    out = subprocess.run(cmd + [url], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    p50 = re.search(r"50%\s+([0-9.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not rps:
        raise RuntimeError(out)
    return (float(rps.group(1)), unit(*p50.groups()), unit(*p99.groups()),
            int(bad.group(1)) if bad else 0)


def main():
    s = Server("bench", standbys=2)
    s.start_cluster()
    try:
        s.start()
        c = s.client()
        token = c.login(*s.admin)
        # wrk cannot verify against our CA; the tests do that.  Warm up
        # every route (pools, catalog caches) before measuring.
        base = "https://127.0.0.1:%d" % s.port
        for _, path, auth in ROUTES:
            c.get(path, session=token if auth else None)
        rows = []
        for name, path, auth in ROUTES:
            rows.append((name,) + wrk(base + path, token if auth else None))
        static, one = rows[0][1], rows[1][1]
        print()
        print("%-32s %10s %9s %9s %8s %8s %6s" % (
            "route", "req/s", "p50 ms", "p99 ms", "/static", "/1-query",
            "non2xx"))
        for name, rps, p50, p99, bad in rows:
            print("%-32s %10.0f %9.2f %9.2f %8.3f %8.3f %6d" % (
                name, rps, p50, p99, rps / static, rps / one, bad))
        print("\n%d s per route, %d connections, TLS keep-alive, 2 workers; "
              "ratios are against baselines measured in this run." % (
                  SECONDS, CONNS))
        failed = [r[0] for r in rows if r[4]]
        if failed:
            print("non-2xx answers on: " + ", ".join(failed))
            return 1
        return 0
    finally:
        s.teardown()


if __name__ == "__main__":
    sys.exit(main())
