"""`make bench`: throughput, latency and memory of every endpoint, as
ratios against baselines measured in the same run.

These machines are small and shared, so absolute numbers mean little:
every figure is reported against a baseline taken in this run, on this
machine, minutes apart:

  nginx      Debian's nginx-light serving `{}` at /api/v2/health/ over TLS
             with the server's certificate, TLS versions and ciphers and
             the same number of workers (the bar for /health/);
  nginx, same bytes: the /nodes/ answers (live cluster; 1 and 9 fixture
             nodes) as static files from that nginx: what their size
             alone costs through TLS;
  /health/   roachgate's static route (the bar for the admin routes);
  pgbench    each reader's own SQL, run by pgbench on the primary with as
             many clients (what PostgreSQL alone does);
  1 node, 1k ranges, 100 sessions, the first page: the bars for 9 nodes,
             1M ranges, 100k sessions and the deepest page (fixture
             provider, scripts/fixture.sh).

Closed-loop throughput and p50 come from wrk (keep-alive, BENCH_CONNECTIONS
connections); latency at 50% of each route's peak comes from openloop.c
(requests due at a fixed rate whatever the server does, latency counted
from when each was due); the report gives the rate the driver sent at and
its own lateness (so that a driver limit cannot pass for the server's), and
BENCH_OUT/openloop-<route>.txt the worst latency of each 100 ms of the run.
RSS of every Kore process is read after the load.

Writes BENCH_OUT (default build/bench) /report.md and /report.json (and a
copy named by the run's time), prints the Markdown, and lists the targets
that were missed.  Exit status 0 unless the harness itself failed: missed
targets are findings, not failures.

Environment (defaults; BENCH_QUICK=1 picks the values in brackets, a run
of a few minutes):
  BENCH_SECONDS      closed-loop seconds per figure     5   [2]
  BENCH_OPEN_SECONDS open-loop seconds per route        5   [2]
  BENCH_CONNECTIONS  wrk connections                    16
  BENCH_RANGES       small,large fixture ranges         1000,1000000 [1000,20000]
  BENCH_SESSIONS     small,large fixture sessions       100,100000   [100,2000]
  BENCH_NODES        fixture node counts                1,3,9
  BENCH_FIXTURE=0    skip the fixture clusters
  BENCH_ROUTES       live routes to run, comma-separated names (or
                     parts of names) of LIVE_ROUTES; health always runs
"""

import base64
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import fixture as fx  # noqa: E402
from rgtest import ROOT, Server, free_port, sh  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"


def env_int(name, full, quick):
    return int(os.environ.get(name, quick if QUICK else full))


def env_list(name, full, quick):
    return [int(x) for x in
            os.environ.get(name, quick if QUICK else full).split(",")]


SECONDS = env_int("BENCH_SECONDS", 5, 2)
OPEN_SECONDS = env_int("BENCH_OPEN_SECONDS", 5, 2)
CONNS = env_int("BENCH_CONNECTIONS", 16, 16)
RANGES = env_list("BENCH_RANGES", "1000,1000000", "1000,20000")
SESSIONS = env_list("BENCH_SESSIONS", "100,100000", "100,2000")
NODES = env_list("BENCH_NODES", "1,3,9", "1,3,9")
FIXTURE = os.environ.get("BENCH_FIXTURE", "1") != "0"
ONLY = [x.strip() for x in os.environ.get("BENCH_ROUTES", "").split(",")
        if x.strip()]
OUT = os.path.join(ROOT, os.environ.get("BENCH_OUT", "build/bench"))
WORKERS = 2
MIB = 1024 * 1024

# The live cluster's routes: (name, path, admin?).  Limits <= 100.
LIVE_ROUTES = [
    ("health", "/api/v2/health/", False),
    ("health ready", "/api/v2/health/?ready=true", False),
    ("auth only (404)", "/api/v2/nodes/99/ranges/", True),
    ("nodes", "/api/v2/nodes/", True),
    ("node ranges limit 10", "/api/v2/nodes/local/ranges/?limit=10", True),
    ("node ranges limit 100", "/api/v2/nodes/local/ranges/?limit=100", True),
    ("range by id", None, True),          # path found at run time
    ("hot ranges limit 10", "/api/v2/ranges/hot/?limit=10", True),
    ("hot ranges limit 100", "/api/v2/ranges/hot/?limit=100", True),
    ("sessions limit 10", "/api/v2/sessions/?limit=10", True),
    ("sessions limit 100", "/api/v2/sessions/?limit=100", True),
]

# What each reader asks PostgreSQL (src/*.c), for the pgbench baseline:
# the same functions with the same page size; the auth check is the
# session lookup every admin request makes first.
PGBENCH = {
    "nodes": "SELECT * FROM roachgate.read_node_status();",
    "node ranges limit 10": "SELECT * FROM roachgate.read_ranges(11, 0, NULL);",
    "node ranges limit 100":
        "SELECT * FROM roachgate.read_ranges(101, 0, NULL);",
    "hot ranges limit 10": "SELECT * FROM roachgate.read_hot_ranges(11, 0);",
    "hot ranges limit 100": "SELECT * FROM roachgate.read_hot_ranges(101, 0);",
    "sessions limit 10": "SELECT * FROM roachgate.read_sessions(NULL, 11, 0);",
    "sessions limit 100":
        "SELECT * FROM roachgate.read_sessions(NULL, 101, 0);",
    "auth only (404)":
        "SELECT roachgate.is_admin('demo_admin', 'pg_monitor');",
}


# roachgate's own session settings (scripts/mkconf.sh): without jit=off a
# reader costs PostgreSQL a JIT compilation per call.
PGOPTIONS = "-c jit=off -c bytea_output=hex"

# --- measuring ------------------------------------------------------------

def failure(text):
    """The last line of a tool's output, fit for a table cell."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return (lines[-1] if lines else "no output")[:120].replace("|", "/")


def unit_ms(value, suffix):
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[suffix]


def wrk(url, session, conns=CONNS, seconds=SECONDS):
    """Closed loop: {rps, p50, p99, non2xx} (ms)."""
    cmd = ["wrk", "-t%d" % min(2, conns), "-c%d" % conns,
           "-d%ds" % seconds, "--latency", "--timeout", "10s"]
    if session:
        cmd += ["-H", "X-Cockroach-API-Session: " + session]
    out = subprocess.run(cmd + [url], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    p50 = re.search(r"50%\s+([0-9.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not rps or not p50:
        return {"error": failure(out)}
    return {"rps": float(rps.group(1)), "p50_ms": unit_ms(*p50.groups()),
            "p99_ms": unit_ms(*p99.groups()),
            "non2xx": int(bad.group(1)) if bad else 0}


def openloop(port, path, session, rate, name):
    """Open loop at rate req/s: {rate, p50, p99, p999, ...} (ms).  Slow
    routes run longer (up to 20 s) to collect 200 requests (60 quick).
    The worst latency of each 100 ms of the run goes to
    BENCH_OUT/openloop-<name>.txt (when in the run a tail happened)."""
    want = 60.0 if QUICK else 200.0
    seconds = max(OPEN_SECONDS, min(want / max(rate, 1.0), 20.0))
    cmd = [os.path.join(OUT, "openloop"), "127.0.0.1", str(port), path,
           "%.1f" % max(rate, 1.0), "%.1f" % seconds, "32"]
    if session:
        cmd.append("X-Cockroach-API-Session: " + session)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=dict(os.environ, OPENLOOP_SERIES="1"))
    if r.returncode != 0:
        return {"error": failure(r.stdout + r.stderr)}
    with open(os.path.join(OUT, "openloop-%s.txt" % re.sub(
            r"[^a-z0-9]+", "-", name)), "w") as f:
        f.write(r.stderr)
    res = {}
    for kv in r.stdout.split():
        k, _, v = kv.partition("=")
        res[k.replace("_ms", "")] = float(v)
    return res


def after_pause(s, path, session):
    """The route's first request after the other routes ran (its snapshot
    copies and session entry aged out: it waits for one refresh), and the
    next one (ms, on a kept connection); then 1 s of load at 2 connections,
    so that the open loop measures the steady state, not that wait."""
    c = s.client()
    c.get("/api/v2/health/")        # the TLS handshake, not timed
    times = []
    for _ in range(2):
        t = time.time()
        c.get(path, session=session)
        times.append((time.time() - t) * 1000)
    wrk("https://127.0.0.1:%d%s" % (s.port, path), session, conns=2,
        seconds=1)
    return times[0], times[1]


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])       # utime + stime


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def kore_processes(server):
    procs = {pid: name for pid, name in server.processes().items()}
    procs[server.pid()] = "parent"
    return procs


def pgbench(server, sql, seconds=max(SECONDS, 3 if QUICK else 5),
            conns=CONNS):
    """TPS of one statement, pgbench's extended protocol as Kore uses
    (a few seconds at least: each new connection plans the readers once)."""
    script = os.path.join(OUT, "pgbench.sql")
    with open(script, "w") as f:
        f.write(sql + "\n")
    r = subprocess.run(
        ["pgbench", "-n", "-M", "extended", "-c", str(conns), "-j", "2",
         "-T", str(seconds), "-f", script, "-h", "127.0.0.1",
         "-p", str(server.node_port(1)), "-U", "postgres",
         server.env["ROACHGATE_DB"]],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, PGPASSWORD=server.env["POSTGRES_PASSWORD"],
                 PGOPTIONS=PGOPTIONS))
    m = re.search(r"tps = ([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m or float(m.group(1)) == 0:
        return {"error": failure(r.stdout)}
    return {"tps": float(m.group(1))}


# --- nginx ----------------------------------------------------------------

NGINX_CONF = """\
worker_processes %(workers)d;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 20s;
    server {
        listen 127.0.0.1:%(port)d ssl;
        ssl_certificate %(tls)s/server.pem;
        ssl_certificate_key %(tls)s/server.key;
        ssl_dhparam %(tls)s/dhparam.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers %(ciphers)s;
        location = /api/v2/health/ {
            default_type application/json;
            return 200 '{}';
        }
%(files)s    }
}
"""


def kore_ciphers():
    with open(os.path.join(ROOT, "kore.conf")) as f:
        m = re.search(r"^tls_cipher\s+(\S+)", f.read(), re.M)
    return m.group(1)


class Nginx:
    """files: {path: body} served as static files (the same bytes as a
    route's answer: what its size alone costs through TLS)."""

    def __init__(self, server, files=None):
        self.dir = os.path.join(server.dir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port(26700)
        locations = ""
        for i, (path, body) in enumerate(sorted((files or {}).items())):
            with open(os.path.join(self.dir, "static-%d.json" % i),
                      "wb") as f:
                f.write(body)
            # try_files: a path ending in / would ask for an index.
            locations += ("        location = %s {\n"
                          "            default_type application/json;\n"
                          "            root %s;\n"
                          "            try_files /static-%d.json =404;\n"
                          "        }\n" % (path, self.dir, i))
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {
                "workers": WORKERS, "dir": self.dir, "port": self.port,
                "tls": os.path.join(server.dir, "tls"),
                "ciphers": kore_ciphers(), "files": locations})
        self.proc = subprocess.Popen(
            ["nginx", "-p", self.dir, "-c", conf, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["curl", "-sk", self.url],
                              stdout=subprocess.PIPE).stdout == b"{}":
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    @property
    def url(self):
        return self.url_of("/api/v2/health/")

    def url_of(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- the report -----------------------------------------------------------

class Report:
    def __init__(self):
        self.rows = []          # (section, name, figures dict)
        self.targets = []       # (what, value, bar, met)
        self.notes = []

    def row(self, section, name, **fig):
        self.rows.append((section, name, fig))
        print("  %-14s %-34s %s" % (section, name, " ".join(
            "%s=%s" % (k, fmt(v)) for k, v in fig.items())), flush=True)

    def target(self, what, value, bar, met):
        self.targets.append((what, value, bar, met))

    def markdown(self, meta):
        out = ["# roachgate benchmark", "",
               "%s; %s; load average %.1f at the start, %.1f at the end; "
               "%d s." % (meta["when"], meta["setup"],
                          meta["load_average"][0],
                          meta["load_average_end"][0], meta["seconds"]), ""]
        sections = []
        for s, _, _ in self.rows:
            if s not in sections:
                sections.append(s)
        for s in sections:
            rows = [(n, f) for sec, n, f in self.rows if sec == s]
            cols = []
            for _, f in rows:
                for k in f:
                    if k not in cols:
                        cols.append(k)
            out += ["## " + s, "", "| | " + " | ".join(cols) + " |",
                    "|---" * (len(cols) + 1) + "|"]
            for n, f in rows:
                out.append("| %s | %s |" % (n, " | ".join(
                    fmt(f.get(c, "")) for c in cols)))
            out.append("")
        out += ["## Targets", "", "| target | measured | bar | met |",
                "|---|---|---|---|"]
        for what, value, bar, met in self.targets:
            out.append("| %s | %s | %s | %s |" % (
                what, fmt(value), bar, "yes" if met else "**no**"))
        missed = [t for t in self.targets if not t[3]]
        out += ["", "%d of %d targets met." % (
            len(self.targets) - len(missed), len(self.targets))]
        if self.notes:
            out += [""] + ["- " + n for n in self.notes]
        return "\n".join(out) + "\n"

    def json(self, meta):
        return {"meta": meta,
                "rows": [{"section": s, "name": n, **f}
                         for s, n, f in self.rows],
                "targets": [{"target": w, "value": v, "bar": b, "met": m}
                            for w, v, b, m in self.targets]}


def fmt(v):
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return "%.0f" % v
        if abs(v) >= 1:
            return "%.2f" % v
        return "%.3f" % v
    return str(v)


def ratio(a, b):
    return a / b if a is not None and b else None


# --- the live cluster -----------------------------------------------------

def populate(s):
    """Tables for ranges (pgbench's, scale 5, with an index and TOAST) and
    idle client sessions on every node, so that the live routes have rows
    to read.  Returns the sessions' connections (closed by the caller)."""
    subprocess.run(["pgbench", "-i", "-q", "-s", "5", "-h", "127.0.0.1",
                    "-p", str(s.node_port(1)), "-U", "postgres",
                    s.env["ROACHGATE_DB"]], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ,
                            PGPASSWORD=s.env["POSTGRES_PASSWORD"]))
    conns = []
    for node in s.node_ids:
        for i in range(10):
            conns.append(psycopg2.connect(
                s.superuser_dsn(node) + " application_name=bench-%d" % i))
    return conns


def bench_live(rep, s):
    nginx = None
    idle = populate(s)
    try:
        s.start()
        c = s.client()
        token = c.login(*s.admin)
        base = "https://127.0.0.1:%d" % s.port
        r = c.get("/api/v2/nodes/local/ranges/?limit=1", session=token)
        rid = r.json()["ranges"][0]["desc"]["range_id"]
        routes = [(n, p or "/api/v2/ranges/%d/" % rid, a)
                  for n, p, a in LIVE_ROUTES
                  if n == "health" or not ONLY or
                  any(o in n for o in ONLY)]
        # Warm every route (pools, plans, catalog caches).
        bodies = {}
        for name, path, auth in routes:
            bodies[name] = c.get(path, session=token if auth else None).body
        procs = kore_processes(s)

        # /nodes/ carries every node's metrics: nginx serving its bytes
        # as a static file tells what the size alone costs.
        static = {}
        if "nodes" in bodies:
            static["/api/v2/nodes/"] = bodies["nodes"]
        nginx = Nginx(s, static)
        ng = wrk(nginx.url, None)
        rep.row("baselines", "nginx {} over TLS", **ng)
        ng_nodes = None
        if static:
            ng_nodes = wrk(nginx.url_of("/api/v2/nodes/"), None)
            rep.row("baselines", "nginx, /nodes/ answer (%d bytes) as a "
                    "static file" % len(static["/api/v2/nodes/"]), **ng_nodes)
        nginx.stop()
        nginx = None

        peaks = {}
        for name, path, auth in routes:
            workers = [p for p, n in procs.items() if "wrk" in n]
            before = {p: cpu_ticks(p) for p in workers}
            res = wrk(base + path, token if auth else None)
            after = {p: cpu_ticks(p) - before[p] for p in workers}
            total = sum(after.values()) or 1
            shares = "/".join("%.0f%%" % (100.0 * after[p] / total)
                              for p in sorted(after))
            if "error" in res:
                rep.row("closed loop", name, error=res["error"])
                continue
            peaks[name] = res
            extra = {}
            if name == "nodes" and ng_nodes and "rps" in ng_nodes:
                extra["x_nginx_same_bytes"] = ratio(res["rps"],
                                                    ng_nodes["rps"])
            rep.row("closed loop", name, rps=res["rps"],
                    p50_ms=res["p50_ms"], p99_ms=res["p99_ms"],
                    non2xx=res["non2xx"],
                    x_health=ratio(res["rps"], peaks["health"]["rps"]),
                    worker_cpu=shares, bytes=len(bodies[name]), **extra)
        # The baseline for flatness: after one full round of the load
        # (every route at 16 connections), when the pools have filled to
        # its peak; the figure comes after the rest (pgbench, open loop).
        rss_round1 = {pid: rss_bytes(pid) for pid in procs}

        health = peaks.get("health", {}).get("rps")
        if "rps" in ng and health:
            rep.target("/health/ vs nginx", health / ng["rps"], ">= 1.0",
                       health / ng["rps"] >= 1.0)
        for name, _, auth in routes:
            if not auth or name not in peaks or not health:
                continue
            x = peaks[name]["rps"] / health
            if name.startswith("auth only"):
                rep.target("auth-only route vs /health/", x, ">= 0.9",
                           x >= 0.9)
            else:
                rep.target("%s vs /health/" % name, x, ">= 0.5", x >= 0.5)

        for name, sql in PGBENCH.items():
            if name not in peaks:
                continue
            pg = pgbench(s, sql)
            if "error" in pg:
                rep.row("pgbench", name, error=pg["error"])
                continue
            rep.row("pgbench", name, tps=pg["tps"],
                    route_x_pgbench=ratio(peaks.get(name, {}).get("rps"),
                                          pg["tps"]))

        for name, path, auth in routes:
            if name not in peaks:
                continue
            rate = peaks[name]["rps"] / 2
            first, warm = after_pause(s, path, token if auth else None)
            ol = openloop(s.port, path, token if auth else None, rate, name)
            if "error" in ol:
                rep.row("open loop 50%", name, error=ol["error"])
                continue
            # The driver's own figures: a driver that cannot send at the
            # asked rate, or runs late, is not a slow server.
            rep.row("open loop 50%", name, asked=rate,
                    sent_rate=ol["sent_rate"], rate=ol["rate"],
                    p50_ms=ol["p50"], p99_ms=ol["p99"], p999_ms=ol["p999"],
                    max_ms=ol["max"],
                    done=int(ol["done"]), sent=int(ol["sent"]),
                    driver_late_p99_ms=ol["late_p99"],
                    driver_cpu=ol["cpu"], first_after_pause_ms=first,
                    next_ms=warm)
            if ol["sent_rate"] < 0.95 * rate:
                rep.notes.append("open loop, %s: the driver sent %.0f "
                                 "req/s of %.0f asked (its limit, not the "
                                 "server's)" % (name, ol["sent_rate"],
                                                rate))
            rep.target("p99 at 50%% of peak, %s (ms)" % name, ol["p99"],
                       "< 10", ol["p99"] < 10 and ol["done"] == ol["sent"])

        now = kore_processes(s)
        for pid, name in sorted(procs.items(), key=lambda x: x[1]):
            if pid not in now:
                rep.notes.append("%s (pid %d) was replaced during the run"
                                 % (name, pid))
                continue
            rss = rss_bytes(pid)
            rep.row("memory", name, rss_mib=rss / MIB,
                    after_round1_mib=rss_round1[pid] / MIB,
                    growth=ratio(rss, rss_round1[pid]))
            rep.target("RSS of %s (MiB)" % name, rss / MIB, "< 32",
                       rss < 32 * MIB)
            rep.target("RSS of %s flat (end/after round 1)" % name,
                       rss / rss_round1[pid], "<= 1.10",
                       rss <= rss_round1[pid] * 1.10)
    finally:
        if nginx:
            nginx.stop()
        s.stop()
        for conn in idle:
            conn.close()


# --- fixture clusters -----------------------------------------------------

def session_token(queried, node, index, to_query):
    text = "%s|%d|%d|%s" % ("".join("%d," % q for q in queried), node, index,
                           "".join("%d," % t for t in to_query))
    return base64.urlsafe_b64encode(text.encode()).decode()


class fixture_server:
    """A FixtureServer over some of dbs, stopped and its run directory
    removed on exit (RG_KEEP_RUN=1 keeps it)."""

    def __init__(self, base, name, dbs, ids, extra_conf=""):
        self.fs = fx.FixtureServer(base, name, {
            i: (dbs[i - 1], "n%d" % i) for i in ids},
            extra_conf="node_timeout_ms 5000\n" + extra_conf)

    def __enter__(self):
        self.fs.start()
        return self.fs

    def __exit__(self, *exc):
        self.fs.stop()
        if not os.environ.get("RG_KEEP_RUN"):
            shutil.rmtree(self.fs.dir, ignore_errors=True)


def items(body):
    """How many items a page holds (to show a deep page is not empty)."""
    for key in ("ranges", "sessions", "nodes"):
        if isinstance(body.get(key), list):
            return len(body[key])
    if isinstance(body.get("ranges_by_node_id"), dict):
        return sum(len(v or []) for v in body["ranges_by_node_id"].values())
    return None


def measure_pair(rep, section, label, fs, token, path):
    url = "https://127.0.0.1:%d%s" % (fs.port, path)
    r = fs.client().get(path, session=token)
    page = items(r.json()) if r.status == 200 else "status %d" % r.status
    one = wrk(url, token, conns=1)
    many = wrk(url, token)
    if "error" in one or "error" in many:
        rep.row(section, label, error=(one.get("error") or many["error"]))
        return None
    rep.row(section, label, items=page, p50_1conn_ms=one["p50_ms"],
            rps=many["rps"], non2xx=one["non2xx"] + many["non2xx"])
    if r.status != 200 or not many["rps"] or not one["p50_ms"]:
        return None     # failed or timed out: not a figure to compare
    return one["p50_ms"], many["rps"]


def compare(rep, what, a, b, p50_bar=1.5, rps_bar=1 / 1.5):
    """b against a: p50 ratio and rps ratio, with their targets."""
    if not a or not b:
        rep.target(what, "failed", "answers 200 in time", False)
        return
    p50x, rpsx = b[0] / a[0], b[1] / a[1]
    rep.target(what + ": p50 ratio", p50x, "<= %.2f" % p50_bar,
               p50x <= p50_bar)
    rep.target(what + ": req/s ratio", rpsx, ">= %.2f" % rps_bar,
               rpsx >= rps_bar)


def count(dsn, table):
    return fx.query(dsn, "SELECT count(*) FROM roachgate.%s" % table)[0][0]


def bench_fixture(rep, base):
    # Every fixture node is a database on the primary: 9 nodes x 2 workers
    # x pgsql_conn_max connections exceed its max_connections of 100.  The
    # standbys are not used here (a standby refuses a primary with more
    # connections than itself), so they stop.
    for node in base.node_ids[1:]:
        base.stop_node(node)
    fx.query(base.superuser_dsn(1), "ALTER SYSTEM SET max_connections = 400")
    sh("scripts/cluster.sh", "restart-node", base.cluster_dir, "1")
    small_r, big_r = RANGES[0], RANGES[-1]
    small_s, big_s = SESSIONS[0], SESSIONS[-1]
    maxn = max(NODES)
    t = time.time()
    dbs_n = fx.build_fixture(base, prefix="rgbn_", nodes=maxn,
                             ranges=small_r, sessions=small_s, seed=1)
    dbs_s = fx.build_fixture(base, prefix="rgbs_", nodes=3, ranges=small_r,
                             sessions=small_s, seed=1)
    dbs_b = fx.build_fixture(base, prefix="rgbb_", nodes=3, ranges=big_r,
                             sessions=big_s, seed=1)
    rep.notes.append("fixtures built in %.0f s" % (time.time() - t))

    # Size: the same pages on small and large fixtures of 3 nodes, and
    # the deepest page of the large one.
    figs = {}
    for tag, dbs, r, sess in (("small", dbs_s, small_r, small_s),
                              ("large", dbs_b, big_r, big_s)):
        with fixture_server(base, "bench-" + tag, dbs, [1, 2, 3]) as fs:
            token = fs.client().login(*base.admin)
            sec = "fixture %s (%d ranges, %d sessions)" % (tag, r, sess)
            figs[tag, "ranges"] = measure_pair(
                rep, sec, "node ranges limit 100", fs, token,
                "/api/v2/nodes/1/ranges/?limit=100")
            figs[tag, "sessions"] = measure_pair(
                rep, sec, "sessions limit 100", fs, token,
                "/api/v2/sessions/?limit=100")
            figs[tag, "hot"] = measure_pair(
                rep, sec, "hot ranges limit 10", fs, token,
                "/api/v2/ranges/hot/?limit=10")
            if tag == "large":
                nr = count(fs.db(1), "ranges")
                figs["deep", "ranges"] = measure_pair(
                    rep, sec, "node ranges last page (offset %d)" %
                    max(nr - 100, 0), fs, token,
                    "/api/v2/nodes/1/ranges/?limit=100&offset=%d" %
                    max(nr - 100, 0))
                ns = count(fs.db(3), "sessions")
                figs["deep", "sessions"] = measure_pair(
                    rep, sec, "sessions last page (n3 index %d)" %
                    max(ns - 100, 0), fs, token,
                    "/api/v2/sessions/?limit=100&start=" +
                    session_token([1, 2], 3, max(ns - 100, 0), []))
    # The large fixture's nodes are above snapshot_max_ranges and
    # snapshot_max_sessions, so they are read live while the small ones
    # come from memory: the targets above compare the two paths.  The
    # small fixture read live too tells what the size itself costs.
    with fixture_server(base, "bench-small-live", dbs_s, [1, 2, 3],
                        "snapshot_max_age_ms 0\n") as fs:
        token = fs.client().login(*base.admin)
        sec = "fixture small, read live (snapshot_max_age_ms 0)"
        figs["live", "ranges"] = measure_pair(
            rep, sec, "node ranges limit 100", fs, token,
            "/api/v2/nodes/1/ranges/?limit=100")
        figs["live", "sessions"] = measure_pair(
            rep, sec, "sessions limit 100", fs, token,
            "/api/v2/sessions/?limit=100")
    compare(rep, "node ranges, %d vs %d ranges" % (big_r, small_r),
            figs["small", "ranges"], figs["large", "ranges"])
    compare(rep, "sessions, %d vs %d sessions" % (big_s, small_s),
            figs["small", "sessions"], figs["large", "sessions"])
    compare(rep, "node ranges, %d vs %d ranges, both read live" %
            (big_r, small_r), figs["live", "ranges"], figs["large", "ranges"])
    compare(rep, "sessions, %d vs %d sessions, both read live" %
            (big_s, small_s), figs["live", "sessions"],
            figs["large", "sessions"])
    compare(rep, "hot ranges, %d vs %d ranges" % (big_r, small_r),
            figs["small", "hot"], figs["large", "hot"])
    compare(rep, "node ranges, last vs first page",
            figs["large", "ranges"], figs["deep", "ranges"])
    compare(rep, "sessions, last vs first page",
            figs["large", "sessions"], figs["deep", "sessions"])

    # Fan-out: the same small fixture seen as 1, 3 and 9 nodes.
    byn = {}
    bodies = {}
    for n in NODES:
        with fixture_server(base, "bench-n%d" % n, dbs_n,
                            range(1, n + 1)) as fs:
            token = fs.client().login(*base.admin)
            sec = "fixture %d nodes" % n
            bodies[n] = fs.client().get("/api/v2/nodes/", session=token).body
            byn[n] = {p: measure_pair(rep, sec, p, fs, token, path)
                      for p, path in (
                          ("nodes", "/api/v2/nodes/"),
                          ("sessions limit 10", "/api/v2/sessions/?limit=10"),
                          ("hot ranges limit 10",
                           "/api/v2/ranges/hot/?limit=10"))}
    lo, hi = min(NODES), max(NODES)
    if hi != lo:
        for p in byn[lo]:
            compare(rep, "%s, %d vs %d nodes" % (p, hi, lo), byn[lo][p],
                    byn[hi][p], rps_bar=0.67)
        nginx_nodes(rep, base, bodies, lo, hi)


def nginx_nodes(rep, base, bodies, lo, hi):
    """/nodes/ grows with the nodes (each one's metrics): nginx serving
    the lo- and hi-node answers as static files, over the same TLS, is
    what the bytes alone allow for the hi vs lo ratio."""
    nginx = Nginx(base, {"/nodes-%d/" % n: bodies[n] for n in (lo, hi)})
    try:
        res = {n: wrk(nginx.url_of("/nodes-%d/" % n), None)
               for n in (lo, hi)}
    finally:
        nginx.stop()
    for n in (lo, hi):
        rep.row("baselines", "nginx, %d-node /nodes/ answer (%d bytes) as "
                "a static file" % (n, len(bodies[n])), **res[n])
    if "rps" in res[lo] and "rps" in res[hi]:
        rep.notes.append("nginx serving the same /nodes/ bytes: %d vs %d "
                         "nodes req/s ratio %.3f (the bound the answer's "
                         "size sets on that target)" % (
                             hi, lo, res[hi]["rps"] / res[lo]["rps"]))


def build_openloop():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-D_GNU_SOURCE", "-o", os.path.join(OUT, "openloop"),
                    os.path.join(HERE, "openloop.c"), "-lssl", "-lcrypto"],
                   check=True)


def main():
    build_openloop()
    rep = Report()
    started = time.time()
    meta = {
        "when": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "setup": "%d workers, TLS keep-alive, %d wrk connections, %d s per "
                 "closed-loop figure, %d s open loop, %d CPUs shared by "
                 "PostgreSQL, roachgate and the load%s" % (
                     WORKERS, CONNS, SECONDS, OPEN_SECONDS,
                     os.cpu_count(), ", quick mode" if QUICK else ""),
        "load_average": os.getloadavg(),
        "ranges": RANGES, "sessions": SESSIONS, "nodes": NODES,
    }
    base = Server("bench", standbys=2)
    try:
        base.start_cluster()
        bench_live(rep, base)
        if FIXTURE:
            bench_fixture(rep, base)
    except Exception as e:
        # Keep what was measured: the report says where the run stopped.
        rep.notes.append("the run stopped early: %s: %s" % (
            type(e).__name__, failure(str(e))))
        rep.target("the whole run", "stopped", "completes", False)
        raise
    finally:
        base.teardown()
        write(rep, meta, started)
    return 0


def write(rep, meta, started):
    meta["seconds"] = round(time.time() - started)
    meta["load_average_end"] = os.getloadavg()

    md = rep.markdown(meta)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for name in ("report", "report-" + stamp):
        with open(os.path.join(OUT, name + ".md"), "w") as f:
            f.write(md)
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(rep.json(meta), f, indent=1)
    print()
    print(md)
    missed = [t[0] for t in rep.targets if not t[3]]
    print("missed: " + (", ".join(missed) if missed else "none"))
    print("written: %s/report.md, report.json" % os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    shutil.which("wrk") or sys.exit("wrk missing: scripts/deps.sh bench")
    sys.exit(main())
