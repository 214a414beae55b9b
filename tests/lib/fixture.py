"""Fixture-provider helpers for the end-to-end tests.

- build_fixture(): the fixture node databases (scripts/fixture.sh) on the
  primary of a running demo cluster (an rgtest.Server).
- FixtureServer: a second roachgate whose nodes are those databases, with
  its own run directory, certificates and roachgate.conf.
- shared_fixture_server(): one fixture (5 nodes, 10,000 ranges, 500
  sessions, seed 1) and one FixtureServer per test session, for every
  module that wants it; stopped at exit.
- go_json(): the bytes Go's encoding/json writes for a Python value (dicts
  keep their order, as Go struct fields do), to compare response bodies
  byte for byte; expected_node_status() / expected_range_info() build the
  reference's objects from catalog rows.
"""

import atexit
import base64
import decimal
import json
import math
import os

import psycopg2

from rgtest import Server, free_port, sh

FIXTURE = {"nodes": 5, "ranges": 10000, "sessions": 500, "seed": 1}
PREFIX = "rgfix_"

# Configuration the shared fixture server gives its nodes (the fixture's
# rows know nothing of attrs and locality): a mix of present and absent.
ATTRS = {1: "ssd,fast", 3: "hdd"}
LOCALITY = {1: "region=eu-west,zone=a", 2: "region=eu-west,zone=b",
            4: "region=us-east,zone=a,rack=7"}


def db_dsn(base, dbname, node_id=1, user="postgres"):
    """libpq DSN for a database on one of base's cluster nodes."""
    password = base.env["POSTGRES_PASSWORD" if user == "postgres"
                        else "ROACHGATE_PASSWORD"]
    return ("host=127.0.0.1 port=%d dbname=%s user=%s password=%s "
            "sslmode=disable gssencmode=disable connect_timeout=5" % (
                base.node_port(node_id), dbname, user, password))


def query(dsn, sql, params=None):
    """All rows of one statement (autocommit)."""
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def build_fixture(base, prefix=PREFIX, **kw):
    """Create (or re-create) the fixture databases; returns their names."""
    opts = dict(FIXTURE)
    opts.update(kw)
    args = ["scripts/fixture.sh", "--dsn-base",
            "host=127.0.0.1 port=%d user=postgres sslmode=disable "
            "gssencmode=disable" % base.node_port(1),
            "--db-prefix", prefix, "--owner", "roachgate"]
    for k in ("nodes", "ranges", "sessions", "seed"):
        args += ["--" + k, str(opts[k])]
    out = sh(*args, env={"PGPASSWORD": base.env["POSTGRES_PASSWORD"]})
    return out.stdout.split()


class FixtureServer(Server):
    """roachgate over fixture databases that live on base's primary.

    nodes: {node_id: (database, replication name)}; the primary is the
    lowest id.  Cluster operations go to base (stop_node etc. are refused:
    the fixture databases share one PostgreSQL server)."""

    def __init__(self, base, name, nodes, attrs=None, locality=None,
                 extra_conf="node_timeout_ms 1500\n", workers=2):
        super().__init__(name, standbys=0, extra_conf=extra_conf,
                         workers=workers)
        self.base = base
        self.nodes = dict(sorted(nodes.items()))
        self.attrs = attrs or {}
        self.locality = locality or {}
        self.env = base.env
        self.node_ids = list(self.nodes)
        link = os.path.join(self.dir, "cluster")
        if os.path.islink(link):
            os.unlink(link)
        os.symlink(base.cluster_dir, link)
        sh("scripts/certs.sh", self.dir)

    def node_dsn(self, node_id):
        db, _ = self.nodes[node_id]
        return ("host=127.0.0.1 port=%d dbname=%s user=roachgate "
                "password=%s sslmode=disable gssencmode=disable "
                "connect_timeout=2 application_name=roachgate "
                "options='-c statement_timeout=5000 -c jit=off -c bytea_output=hex'" % (
                    self.base.node_port(1), db,
                    self.base.env["ROACHGATE_PASSWORD"]))

    def conf_text(self):
        lines = ["# written by tests/lib/fixture.py",
                 "primary %d" % self.node_ids[0], "admin_role pg_monitor"]
        for nid, (_, rname) in self.nodes.items():
            line = 'node %d dsn "%s" name %s' % (nid, self.node_dsn(nid),
                                                 rname)
            if self.locality.get(nid):
                line += ' locality "%s"' % self.locality[nid]
            if self.attrs.get(nid):
                line += ' attrs "%s"' % self.attrs[nid]
            lines.append(line)
        return "\n".join(lines) + "\n" + self.extra_conf

    def start(self, extra_conf=None):
        if extra_conf is not None:
            self.extra_conf = extra_conf
        self.port = self.port or free_port(26500)
        sh("scripts/mkconf.sh", self.dir, str(self.port),
           env={"ROACHGATE_WORKERS": str(self.workers),
                "ROACHGATE_CONF_EXTRA": ""})
        path = os.path.join(self.dir, "roachgate.conf")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.conf_text())
        r = sh("scripts/server.sh", "start", self.dir, str(self.port),
               check=False)
        if r.returncode != 0:
            raise RuntimeError("fixture server did not start:\n" + r.stdout)

    def db(self, node_id):
        """Superuser DSN of a node's fixture database."""
        return db_dsn(self.base, self.nodes[node_id][0])

    def stop_node(self, node_id):
        raise NotImplementedError("fixture nodes share one server")

    start_node = stop_node

    def teardown(self):
        self.stop()

    # A fixture node made unreachable: no new connections to its
    # database, and roachgate's pooled ones closed.
    def block_node(self, node_id):
        db = self.nodes[node_id][0]
        admin = self.base.superuser_dsn(1)
        query(admin, "ALTER DATABASE %s WITH ALLOW_CONNECTIONS false" % db)
        query(admin, "SELECT pg_terminate_backend(pid) FROM "
              "pg_stat_activity WHERE datname = %s", (db,))

    def unblock_node(self, node_id):
        db = self.nodes[node_id][0]
        query(self.base.superuser_dsn(1),
              "ALTER DATABASE %s WITH ALLOW_CONNECTIONS true" % db)


_shared = {}


def shared_fixture(base):
    """The session's fixture databases (built once)."""
    if "dbs" not in _shared:
        _shared["dbs"] = build_fixture(base)
    return _shared["dbs"]


def shared_fixture_server(base):
    """The session's FixtureServer over the shared fixture (started once,
    stopped at exit): nodes 1..5 on rgfix_n1..n5, named n1..n5."""
    if "server" not in _shared:
        dbs = shared_fixture(base)
        s = FixtureServer(base, "fixture", {
            i + 1: (db, "n%d" % (i + 1)) for i, db in enumerate(dbs)},
            attrs=ATTRS, locality=LOCALITY,
            # Live reads: tests block a node and expect its error at once
            # (tests/e2e/test_snapshot.py compares the snapshot with this).
            extra_conf="node_timeout_ms 4000\nsnapshot_max_age_ms 0\n")
        s.start()
        atexit.register(s.stop)
        _shared["server"] = s
    return _shared["server"]


# Go encoding/json ------------------------------------------------------

def go_float(v):
    """strconv.FormatFloat(v, 'f' or 'e', -1, 64) as encoding/json picks."""
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    d = decimal.Decimal(repr(v))
    if 1e-6 <= abs(v) < 1e21:
        s = format(d, "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return s
    digits, exp = d.as_tuple().digits, d.adjusted()
    mant = str(digits[0])
    rest = "".join(str(x) for x in digits[1:]).rstrip("0")
    if rest:
        mant += "." + rest
    s = "%s%se%s%02d" % ("-" if v < 0 else "", mant,
                         "-" if exp < 0 else "+", abs(exp))
    return s.replace("e-0", "e-")


def go_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or ch in "<>&\u2028\u2029":
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_json(v):
    """Go's json.Marshal bytes of v (dicts in their own order)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return go_string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(go_string(k) + ":" + go_json(x)
                              for k, x in v.items()) + "}"
    raise TypeError(type(v))


def ordered(body):
    """Parse a JSON body; dicts keep the body's key order."""
    return json.loads(body)


# The reference's objects from catalog rows ------------------------------

NODE_STATUS_COLS = ("address, sql_address, build_tag, version_major, "
                    "version_minor, version_patch, started_at, cluster_name, "
                    "metric_names, metric_values, total_system_memory, "
                    "num_cpus, updated_at")

RANGE_COLS = ("range_id, start_key, end_key, start_pretty, end_pretty, "
              "leaseholder_name, lease_start, queries_per_second, "
              "writes_per_second, underreplicated, unavailable, quiescent, "
              "ticking, replica_names")


def attrs_obj(text):
    items = [a for a in (text or "").split(",") if a]
    return {"attrs": items} if items else {}


def locality_obj(text):
    tiers = []
    for t in (text or "").split(","):
        if "=" in t:
            k, _, v = t.partition("=")
            tiers.append({"key": k, "value": v})
    # roachpb.Locality.Tiers has no omitempty: none is null.
    return {"tiers": tiers or None}


def expected_node_status(node_id, row, attrs, locality, liveness):
    """nodeStatus (api_v2_ranges.go) from a node_status row."""
    (address, sql_address, build_tag, major, minor, patch, started_at,
     cluster_name, names, values, memory, cpus, updated_at) = row
    o = {
        "node_id": node_id,
        "address": {"network_field": "tcp", "address_field": address},
        "attrs": attrs_obj(attrs),
        "locality": locality_obj(locality),
        "ServerVersion": {"major_val": major, "minor_val": minor,
                          "patch": patch, "internal": 0},
        "build_tag": build_tag,
        "started_at": started_at,
        "cluster_name": cluster_name,
        "sql_address": {"network_field": "tcp",
                        "address_field": sql_address},
    }
    metrics = dict(sorted(zip(names or [], values or []),
                          key=lambda kv: kv[0].encode()))
    if metrics:
        o["metrics"] = {k: float(v) for k, v in metrics.items()}
    if memory:
        o["total_system_memory"] = memory
    if cpus:
        o["num_cpus"] = cpus
    if updated_at:
        o["updated_at"] = updated_at
    o["liveness_status"] = liveness
    return o


def unreachable_node_status(node_id, address, attrs, locality, liveness):
    """nodeStatus of a node that did not answer: configuration only."""
    return {
        "node_id": node_id,
        "address": {"network_field": "tcp", "address_field": address},
        "attrs": attrs_obj(attrs),
        "locality": locality_obj(locality),
        "ServerVersion": {"major_val": 0, "minor_val": 0, "patch": 0,
                          "internal": 0},
        "build_tag": "",
        "started_at": 0,
        "cluster_name": "",
        "sql_address": {"network_field": "tcp", "address_field": address},
        "liveness_status": liveness,
    }


def b64(b):
    return base64.b64encode(bytes(b)).decode()


def expected_range_info(row, node_id, name_to_id):
    """rangeInfo from a roachgate.ranges row (RANGE_COLS) seen on node_id."""
    (range_id, start_key, end_key, start_pretty, end_pretty, leaseholder,
     lease_start, qps, wps, under, unavailable, quiescent, ticking,
     _replicas) = row
    desc = {"range_id": range_id}
    if start_key:
        desc["start_key"] = b64(start_key)
    if end_key:
        desc["end_key"] = b64(end_key)
    desc["store_id"] = 0
    desc["queries_per_second"] = 0
    span = {}
    if start_pretty:
        span["start_key"] = start_pretty
    if end_pretty:
        span["end_key"] = end_pretty
    o = {"desc": desc, "span": span, "source_node_id": node_id,
         "source_store_id": node_id}
    lh = name_to_id.get(leaseholder)
    if lh is None:
        o["lease_history"] = None
    else:
        start = {"wall_time": lease_start} if lease_start else {}
        o["lease_history"] = [{"start": start, "replica": {
            "node_id": lh, "store_id": lh, "replica_id": lh}}]
    problems = {}
    if unavailable:
        problems["unavailable"] = True
    if under:
        problems["underreplicated"] = True
    if lh is None:
        problems["no_lease"] = True
    o["problems"] = problems
    stats = {}
    if qps:
        stats["queries_per_second"] = float(qps)
    if wps:
        stats["writes_per_second"] = float(wps)
    o["stats"] = stats
    if quiescent:
        o["quiescent"] = True
    if ticking:
        o["ticking"] = True
    return o


ZERO_RANGE_INFO = ('{"desc":{"range_id":0,"store_id":0,'
                   '"queries_per_second":0},"span":{},"lease_history":null,'
                   '"problems":{},"stats":{}}')


def walk_offsets(get, limit, key):
    """Follow offset pagination from 0; returns (items, pages).  get(path
    query) -> parsed body; key is the list's field."""
    items, pages, offset = [], [], 0
    while True:
        body = get("limit=%d&offset=%d" % (limit, offset))
        page = body[key] or []
        pages.append(body)
        assert len(page) <= limit
        items += page
        if "next" not in body:
            return items, pages
        assert body["next"] == offset + len(page) == offset + limit
        offset = body["next"]
        assert len(pages) < 100000
