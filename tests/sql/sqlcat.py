"""Helpers for the status catalog tests, imported by conftest.py and the
tests (a module name of its own: it cannot clash with another test
directory's conftest when pytest runs several directories at once)."""
import os
import pathlib
import re
import subprocess
import time

import psycopg2

TOP = pathlib.Path(__file__).resolve().parents[2]
CLUSTER_SH = TOP / "scripts" / "cluster.sh"
FIXTURE_SH = TOP / "scripts" / "fixture.sh"
CATALOG_MD = TOP / "sql" / "catalog.md"
BASE_PORT = int(os.environ.get("RG_SQLTEST_BASE_PORT", "26800"))


def read_env(path):
    env = {}
    for line in pathlib.Path(path).read_text().splitlines():
        m = re.match(r"^([A-Z0-9_]+)=(.*)$", line)
        if m:
            env[m.group(1)] = m.group(2).strip("'")
    return env


def sh(*args, env=None, timeout=300):
    """Run a command; raise with its output on failure."""
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                       env=env, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (
            " ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
    return r.stdout


class Cluster:
    """A cluster made by scripts/cluster.sh."""

    def __init__(self, rundir):
        self.rundir = rundir
        self.env = read_env(os.path.join(rundir, "cluster.env"))
        self.nodes = int(self.env["PG_NODES"])
        self.db = self.env["ROACHGATE_DB"]

    def port(self, node):
        return int(self.env["PG_PORT_%d" % node])

    def password(self, user):
        return self.env[{
            "postgres": "POSTGRES_PASSWORD",
            "roachgate": "ROACHGATE_PASSWORD",
            "demo_admin": "DEMO_ADMIN_PASSWORD",
            "demo_user": "DEMO_USER_PASSWORD",
        }[user]]

    def connect(self, node, user="roachgate", db=None, appname="roachgate"):
        conn = psycopg2.connect(
            host="127.0.0.1", port=self.port(node), user=user,
            password=self.password(user), dbname=db or self.db,
            application_name=appname, connect_timeout=5)
        conn.autocommit = True
        return conn

    def query(self, node, sql, args=None, user="roachgate", db=None):
        conn = self.connect(node, user=user, db=db)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def script(self, *args):
        return sh(CLUSTER_SH, args[0], self.rundir, *args[1:])

    def script_status(self):
        r = subprocess.run([str(CLUSTER_SH), "status", self.rundir],
                           capture_output=True, text=True)
        return r.stdout + r.stderr

    def log_tail(self, node, lines=15):
        path = os.path.join(self.rundir, "pg", "log", "n%d.log" % node)
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as e:
            return str(e)

    def wait_replay(self, timeout=30):
        """Wait until every running standby has replayed the primary's WAL."""
        lsn = self.query(1, "SELECT pg_current_wal_insert_lsn()::text")[0][0]
        for node in range(2, self.nodes + 1):
            deadline = time.time() + timeout
            while True:
                try:
                    ok = self.query(node, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                    (lsn,))[0][0]
                except psycopg2.OperationalError:
                    ok = None  # node stopped: not our business here
                    break
                if ok:
                    break
                if time.time() > deadline:
                    raise AssertionError("node %d did not replay %s" % (node, lsn))
                time.sleep(0.05)

    def sample(self):
        """Drive the load sampler once, as the server does."""
        for node in range(1, self.nodes + 1):
            try:
                counters = self.query(node, "SELECT roachgate.load_counters()::text")[0][0]
            except psycopg2.OperationalError:
                continue
            self.query(1, "SELECT roachgate.record_sample(NULL, %s::jsonb)", (counters,))


def run_fixture(server, prefix, nodes, ranges, sessions, seed, *extra):
    env = dict(os.environ, PGPASSWORD=server.password("postgres"))
    out = sh(FIXTURE_SH, "--dsn-base",
             "host=127.0.0.1 port=%d user=postgres" % server.port(1),
             "--nodes", nodes, "--ranges", ranges, "--sessions", sessions,
             "--seed", seed, "--db-prefix", prefix, "--owner", "roachgate",
             *extra, env=env, timeout=600)
    dbs = out.split()
    assert dbs == ["%sn%d" % (prefix, i) for i in range(1, nodes + 1)]
    return dbs


FIXTURE_ARGS = dict(nodes=3, ranges=2500, sessions=60, seed=42)


class Provider:
    """The catalog of one provider, seen node by node."""

    def __init__(self, name, server, dbs):
        self.name = name
        self.server = server
        self.dbs = dbs  # per node: (server node, database)

    @property
    def nodes(self):
        return list(range(1, len(self.dbs) + 1))

    def connect(self, node, user="roachgate", appname="roachgate"):
        srv_node, db = self.dbs[node - 1]
        return self.server.connect(srv_node, user=user, db=db, appname=appname)

    def query(self, node, sql, args=None, user="roachgate"):
        srv_node, db = self.dbs[node - 1]
        return self.server.query(srv_node, sql, args, user=user, db=db)


def parse_contract():
    """Relations and functions from sql/catalog.md.

    Returns ({relation: [(column, type), ...]}, {function: (args, returns)}).
    """
    relations, functions = {}, {}
    current = None
    in_functions = False
    for line in CATALOG_MD.read_text().splitlines():
        m = re.match(r"^### `roachgate\.(\w+)`", line)
        if m:
            current, in_functions = m.group(1), False
            relations[current] = []
            continue
        if line.startswith("## "):
            current = None
            in_functions = line.strip() == "## Functions"
            continue
        m = re.match(r"^\| `([^`]+)` \| `([^`]*)` \| `([^`]+)` \|", line)
        if in_functions and m:
            functions[m.group(1)] = (m.group(2), m.group(3))
            continue
        m = re.match(r"^\| `([^`]+)` \| `([^`]+)` \|", line)
        if current and m:
            relations[current].append((m.group(1), m.group(2)))
    return relations, functions


# CockroachDB's EncodeUvarintAscending / DecodeUvarintAscending.
def encode_uvarint(v):
    v &= (1 << 64) - 1
    if v <= 109:
        return bytes([136 + v])
    n = (v.bit_length() + 7) // 8
    return bytes([245 + n]) + v.to_bytes(n, "big")


def decode_uvarint(b):
    tag = b[0]
    if 136 <= tag <= 245:
        return tag - 136, b[1:]
    if 246 <= tag <= 253:
        n = tag - 245
        return int.from_bytes(b[1:1 + n], "big"), b[1 + n:]
    raise ValueError("not a uvarint tag: %#x" % tag)


def pretty_key(key):
    """/Table/<t>[/<i>[/<k>]] from raw key bytes."""
    parts = []
    rest = bytes(key)
    while rest:
        v, rest = decode_uvarint(rest)
        parts.append(str(v))
    return "/Table/" + "/".join(parts)
