"""Shared helpers for roachgate's end-to-end tests: a real demo cluster
(PostgreSQL primary + streaming standbys), the real server over TLS with
privsep, chroot and seccomp on, and an HTTPS client that verifies the
server's certificate against the run's own CA."""

import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port(start):
    """A port in [start, start + 2000) that nothing listens on (TCP,
    loopback), scanned from an offset of this process's own: the server
    listens with SO_REUSEPORT (Kore patch 0010), so two test runs that
    picked the same free port would both bind it and share connections."""
    first = os.getpid() * 7919 % 2000
    for i in range(2000):
        port = start + (first + i) % 2000
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def sh(*args, check=True, env=None, timeout=300):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run(args, cwd=ROOT, check=check, env=e, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def read_env(path):
    """The shell variables of cluster.env, as a dict."""
    out = sh("sh", "-c", "set -a; . %s; env" % shlex.quote(path)).stdout
    env = {}
    for line in out.splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    return env


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:200])


def proc_status(pid):
    """/proc/<pid>/status as a dict of its fields."""
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def assert_plain(r, status, text):
    """r is an error as CockroachDB writes one (Go's http.Error): plain
    text, nosniff, the message and a newline (src/REFERENCE.md, "Response
    conventions")."""
    assert r.status == status, r
    assert r.text == text
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.header("x-content-type-options") == "nosniff"


# The line scripts/run.sh (make run) prints once the server answers.
READY = re.compile(r"roachgate ready: url=https://127\.0\.0\.1:(\d+)"
                   r"/api/v2/ ca=(\S+) user=(\S+) password=(\S+)$")


def read_ready(p, timeout):
    """Reads a scripts/run.sh process's output up to its ready line:
    (the READY match: port, CA file, user, password; or None if the
    output ended or timeout seconds passed first, the lines read)."""
    lines = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = READY.match(line.strip())
        if m:
            return m, lines
    return None, lines


class Client:
    """HTTPS with certificate verification against the run's CA."""

    def __init__(self, port, ca, host="127.0.0.1", source=None, log=None):
        self.port = port
        self.host = host
        self.source = source
        self.log = log  # the server's log reader, quoted when a login fails
        self.ctx = ssl.create_default_context(cafile=ca)
        self.conn = None

    def connect(self):
        # source: another loopback address (127.0.0.0/8 is all local on
        # Linux), so the server sees another client address.
        return http.client.HTTPSConnection(
            self.host, self.port, context=self.ctx, timeout=30,
            source_address=(self.source, 0) if self.source else None)

    def request(self, method, path, body=None, headers=None, keepalive=True):
        if self.conn is None or not keepalive:
            self.conn = self.connect()
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if hdrs.get("connection", "").lower() == "close" or not keepalive:
            self.conn.close()
            self.conn = None
        return Response(r.status, hdrs, data)

    def get(self, path, session=None, headers=None, **kw):
        h = dict(headers or {})
        if session is not None:
            h["X-Cockroach-API-Session"] = session
        return self.request("GET", path, headers=h, **kw)

    def post_form(self, path, fields, headers=None, **kw):
        import urllib.parse
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path,
                            body=urllib.parse.urlencode(fields), headers=h,
                            **kw)

    def login(self, user, password):
        r = self.post_form("/api/v2/login/",
                           {"username": user, "password": password})
        if r.status != 200 and self.log is not None:
            tail = "\n".join(self.log().splitlines()[-15:])
            raise AssertionError("%r; the server's log ends:\n%s" % (r, tail))
        assert r.status == 200, r
        return r.json()["session"]


class Server:
    """A cluster and a roachgate in front of it, under run/<name>."""

    def __init__(self, name, standbys=2, extra_conf="", workers=2):
        # One directory per test process: several runs may share a machine.
        self.dir = os.path.join(ROOT, "run", "%s-%d" % (name, os.getpid()))
        os.makedirs(self.dir, exist_ok=True)
        self.extra_conf = extra_conf
        self.workers = workers
        self.standbys = standbys
        self.port = None

    # cluster -----------------------------------------------------------
    def start_cluster(self):
        sh("scripts/certs.sh", self.dir)
        sh("scripts/cluster.sh", "start", self.cluster_dir,
           "--standbys", str(self.standbys),
           "--base-port", str(free_port(27000)))
        self.env = read_env(os.path.join(self.cluster_dir, "cluster.env"))
        self.node_ids = list(range(1, int(self.env["PG_NODES"]) + 1))

    @property
    def cluster_dir(self):
        return os.path.join(self.dir, "cluster")

    def node_port(self, node_id):
        return int(self.env["PG_PORT_%d" % node_id])

    def stop_node(self, node_id):
        sh("scripts/cluster.sh", "stop-node", self.cluster_dir, str(node_id))

    def start_node(self, node_id):
        sh("scripts/cluster.sh", "start-node", self.cluster_dir, str(node_id))

    def superuser_dsn(self, node_id=1):
        return ("host=127.0.0.1 port=%d dbname=%s user=postgres password=%s "
                "sslmode=disable gssencmode=disable connect_timeout=5" % (
                    self.node_port(node_id), self.env["ROACHGATE_DB"],
                    self.env["POSTGRES_PASSWORD"]))

    # server ------------------------------------------------------------
    @property
    def log_path(self):
        return os.path.join(self.dir, "kore.log")

    @property
    def ca(self):
        return os.path.join(self.dir, "tls", "ca.pem")

    @property
    def url(self):
        return "https://127.0.0.1:%d/api/v2/" % self.port

    def start(self, extra_conf=None):
        if extra_conf is not None:
            self.extra_conf = extra_conf
        self.port = self.port or free_port(26400)
        extra = os.path.join(self.dir, "extra.conf")
        with open(extra, "w") as f:
            f.write(self.extra_conf)
        sh("scripts/mkconf.sh", self.dir, str(self.port),
           env={"ROACHGATE_CONF_EXTRA": extra,
                "ROACHGATE_WORKERS": str(self.workers)})
        r = sh("scripts/server.sh", "start", self.dir, str(self.port),
               check=False)
        if r.returncode != 0:
            raise RuntimeError("server did not start:\n" + r.stdout)

    def stop(self):
        sh("scripts/server.sh", "stop", self.dir, check=False)

    def restart(self, extra_conf=None):
        self.stop()
        self.start(extra_conf)

    def client(self, source=None):
        return Client(self.port, self.ca, source=source, log=self.log)

    def pid(self):
        with open(os.path.join(self.dir, "server.pid")) as f:
            return int(f.read().strip())

    def processes(self):
        """{pid: name} of the kore parent's children (workers, keymgr)."""
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid",
                              str(self.pid())], stdout=subprocess.PIPE,
                             text=True).stdout
        procs = {}
        for line in out.splitlines():
            pid, _, args = line.strip().partition(" ")
            procs[int(pid)] = args.strip()
        return procs

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_for(self, pred, timeout=30, interval=0.2, what="condition"):
        end = time.time() + timeout
        while time.time() < end:
            v = pred()
            if v:
                return v
            time.sleep(interval)
        raise AssertionError("timed out waiting for " + what)

    @property
    def admin(self):
        return ("demo_admin", self.env["DEMO_ADMIN_PASSWORD"])

    @property
    def user(self):
        return ("demo_user", self.env["DEMO_USER_PASSWORD"])

    def teardown(self):
        self.stop()
        sh("scripts/cluster.sh", "stop", self.cluster_dir, check=False)
        if not os.environ.get("RG_KEEP_RUN"):
            shutil.rmtree(self.dir, ignore_errors=True)


def node_pids(server, node_id):
    """The postmaster of a node and its children (backends, walreceiver)."""
    with open(os.path.join(server.cluster_dir, "pg", "n%d" % node_id,
                           "postmaster.pid")) as f:
        pm = int(f.readline())
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pm)],
                         stdout=subprocess.PIPE, text=True).stdout
    return [pm] + [int(x) for x in out.split()]


class frozen:
    """Context manager: a node that hangs (SIGSTOP), as a wedged server or
    a network black hole would, then resumes (SIGCONT)."""

    def __init__(self, server, node_id):
        self.pids = node_pids(server, node_id)

    def __enter__(self):
        for p in self.pids:
            os.kill(p, 19)
        return self

    def __exit__(self, *exc):
        for p in self.pids:
            try:
                os.kill(p, 18)
            except ProcessLookupError:
                pass
