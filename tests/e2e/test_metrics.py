"""GET /_status/vars (Prometheus text) and GET /api/v2/rules/ (issue 11
item 6): the page parses as Prometheus text exposition, carries every
node's metrics and roachgate's view of the nodes, its counters move with
requests, a stopped standby shows; roachgate's own counters (requests by
route and status, latency histograms, logins) count every worker's
requests, the certificate's expiry is the file's; the rules parse as
CockroachDB's YAML layout and name only exported metrics."""

import calendar
import os
import re
import shutil
import subprocess
import time

import yaml
import pytest

import fixture as fx

PROM_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\]*\",?)*\})? "
                    r"(\S+)$" % PROM_NAME)


HIST_SUFFIXES = ("_bucket", "_sum", "_count")


def parse_prom(text):
    """{family: {"type", "help", "samples": {labels: value}}}, strictly; a
    histogram's samples are keyed by suffix + labels ("_bucket{...}")."""
    fams, current = {}, None
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            assert name not in fams, "family %s twice" % name
            current = fams[name] = {"help": help_, "samples": {}}
        elif line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            assert name == current_name(fams, current)
            assert typ in ("gauge", "counter", "untyped", "histogram",
                           "summary")
            current["type"] = typ
        else:
            m = SAMPLE.match(line)
            assert m, line
            name, labels = m.group(1), m.group(2) or ""
            fam = current_name(fams, current)
            if current.get("type") == "histogram":
                suffix = name[len(fam):]
                assert name.startswith(fam) and suffix in HIST_SUFFIXES, line
                labels = suffix + labels
            else:
                assert name == fam, line
            assert labels not in current["samples"], line
            current["samples"][labels] = float(m.group(3))
    return fams


def current_name(fams, current):
    return next(k for k, v in fams.items() if v is current)


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


def scrape(client, admin):
    r = client.get("/_status/vars", session=admin, keepalive=False)
    assert r.status == 200, r
    assert r.header("content-type") == \
        "text/plain; version=0.0.4; charset=utf-8"
    return parse_prom(r.text)


def test_parses_with_every_node(server, client, admin):
    fams = scrape(client, admin)
    nodes = {'{node_id="%d"}' % n for n in server.node_ids}
    assert set(fams["roachgate_node_up"]["samples"]) == nodes
    assert all(v == 1 for v in fams["roachgate_node_up"]["samples"].values())
    assert set(fams["pg_conns_total"]["samples"]) == nodes
    assert fams["pg_replication_streaming_standbys"]["samples"][
        '{node_id="1"}'] == 2
    assert fams["roachgate_standbys_configured"]["samples"] == {"": 2}
    assert fams["roachgate_standbys_missing"]["samples"] == {"": 0}
    assert set(fams["roachgate_pgsql_queue_waiting"]["samples"]) == {""}
    assert all(v["samples"]["{node_id=\"1\"}"] == 3 for k, v in fams.items()
               if k == "roachgate_node_liveness_status")
    # The same metrics /nodes/ shows.
    node1 = client.get("/api/v2/nodes/?limit=1", session=admin).json()[
        "nodes"][0]["metrics"]
    exported = {k for k, v in fams.items() if '{node_id="1"}' in v["samples"]}
    assert {k.replace(".", "_") for k in node1} <= exported


def test_counters_move_with_requests(server, client, admin):
    before = scrape(client, admin)["pg_db_xact_commit"]["samples"]
    for _ in range(5):
        assert client.get("/api/v2/nodes/", session=admin).status == 200

    # PostgreSQL publishes a backend's counters within about a second.
    def moved():
        after = scrape(client, admin)["pg_db_xact_commit"]["samples"]
        return all(after[n] > v for n, v in before.items())
    server.wait_for(moved, timeout=30, what="xact_commit to grow")


def test_stopped_standby_shows(server, client, admin):
    server.stop_node(3)
    try:
        def seen():
            f = scrape(client, admin)
            return f if f["roachgate_standbys_missing"]["samples"][""] == 1 \
                else None
        fams = server.wait_for(seen, timeout=60, what="n3 missing")
        assert fams["roachgate_node_up"]["samples"]['{node_id="3"}'] == 0
        assert '{node_id="3"}' not in fams["pg_conns_total"]["samples"]
    finally:
        server.start_node(3)
    server.wait_for(lambda: scrape(client, admin)[
        "roachgate_standbys_missing"]["samples"][""] == 0, timeout=60,
        what="n3 back")


def test_admin_only(server, client):
    r = client.get("/_status/vars")
    assert r.status == 401
    user = client.login(*server.user)
    r = client.get("/_status/vars", session=user)
    assert r.status == 403


def test_rules(client, admin):
    r = client.get("/api/v2/rules/")  # no login
    assert r.status == 200 and r.header("content-type") == "text/plain"
    doc = yaml.safe_load(r.text)
    assert list(doc) == ["rules/alerts", "rules/recording"]
    fams = scrape(client, admin)
    exported = set(fams)
    exported_types = {k: v["type"] for k, v in fams.items()}
    names = set()
    for group, kind in (("rules/alerts", "alert"),
                        ("rules/recording", "record")):
        assert list(doc[group]) == ["rules"]
        for rule in doc[group]["rules"]:
            assert kind in rule and "expr" in rule
            keys = [k for k in rule if k in ("record", "alert", "expr", "for",
                                               "labels", "annotations")]
            assert keys == list(rule)  # yaml.v3 field order
            if "for" in rule:
                assert re.fullmatch(r"(\d+h)?(\d+m)?\d+s", rule["for"])
            expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]|by\s*\([^)]*\)", "",
                          rule["expr"])
            for word in re.findall(PROM_NAME, expr):
                if word in ("sum", "avg", "resets", "by", "on", "and",
                            "rate", "time", "histogram_quantile") or \
                        re.fullmatch(r"e\d*", word):
                    continue
                names.add(word)
    exported |= {fam + suffix for fam in exported for suffix in HIST_SUFFIXES
                 if exported_types.get(fam) == "histogram"}
    assert names and names <= exported, names - exported
    assert {"roachgate_node_up", "pg_conns_max",
            "security_certificate_expiration_node",
            "roachgate_http_request_duration_seconds_bucket",
            "roachgate_logins_throttled_total"} <= names


NODES = '{route="/api/v2/nodes/",code="%s"}'


def requests_of(fams, labels):
    return fams["roachgate_http_requests_total"]["samples"].get(labels, 0)


def test_own_requests_by_route_and_status(server, client, admin):
    before = scrape(client, admin)
    hist = before["roachgate_http_request_duration_seconds"]["samples"]
    count0 = hist.get('_count{route="/api/v2/nodes/"}', 0)
    # A new connection each: the requests reach both workers, and the
    # page sums them.
    for _ in range(6):
        r = server.client().get("/api/v2/nodes/", session=admin,
                                keepalive=False)
        assert r.status == 200
    for _ in range(3):
        r = server.client().get("/api/v2/nodes/", keepalive=False)
        assert r.status == 401

    def counted():
        f = scrape(client, admin)
        return f if (requests_of(f, NODES % 200) ==
                     requests_of(before, NODES % 200) + 6 and
                     requests_of(f, NODES % 401) ==
                     requests_of(before, NODES % 401) + 3) else None
    fams = server.wait_for(counted, timeout=30, what="requests counted")
    assert fams["roachgate_http_requests_total"]["type"] == "counter"

    h = fams["roachgate_http_request_duration_seconds"]
    assert h["type"] == "histogram"
    route = '{route="/api/v2/nodes/"'
    buckets = [(k, v) for k, v in h["samples"].items()
               if k.startswith("_bucket" + route + ",le=")]
    les = [k.split('le="')[1].rstrip('"}') for k, _ in buckets]
    assert les[-1] == "+Inf" and \
        [float(x) for x in les[:-1]] == sorted(float(x) for x in les[:-1])
    counts = [v for _, v in buckets]
    assert counts == sorted(counts)  # cumulative
    total = h["samples"]["_count" + route + "}"]
    assert counts[-1] == total and total >= count0 + 9
    assert h["samples"]["_sum" + route + "}"] > 0


def test_logins_counted(server, client, admin):
    names = ("roachgate_logins_total", "roachgate_login_failures_total",
             "roachgate_logins_throttled_total")
    before = {n: scrape(client, admin)[n]["samples"][""] for n in names}
    ok = client.login(*server.admin)
    assert ok
    # Failures from an address of their own, until the throttle answers.
    other = server.client(source="127.0.0.93")
    seen = {401: 0, 429: 0}
    for i in range(20):
        r = other.post_form("/api/v2/login/", {
            "username": "ghost%d_%d" % (os.getpid(), i),
            "password": "wrong"}, keepalive=False)
        assert r.status in seen, r
        seen[r.status] += 1
        if r.status == 429:
            break
    assert seen[401] >= 1 and seen[429] == 1

    want = {names[0]: before[names[0]] + 1,
            names[1]: before[names[1]] + seen[401],
            names[2]: before[names[2]] + 1}

    def counted():
        f = scrape(client, admin)
        return all(f[n]["samples"][""] == v for n, v in want.items())
    server.wait_for(counted, timeout=30, what="logins counted")


def test_certificate_expiry(server, client, admin):
    pem = os.path.join(server.dir, "keymgr", "cert", "server.pem")
    out = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in",
                          pem], stdout=subprocess.PIPE, text=True,
                         check=True).stdout.strip()
    not_after = calendar.timegm(time.strptime(
        out.partition("=")[2], "%b %d %H:%M:%S %Y %Z"))
    fams = scrape(client, admin)
    assert fams["security_certificate_expiration_node"]["samples"] == {
        "": not_after}
    assert not_after > time.time()


def test_snapshot_ages(server, client, admin):
    """Only a server that keeps snapshots has ages: one per copy a worker
    holds, by kind and node."""
    assert scrape(client, admin)["roachgate_snapshot_age_seconds"][
        "samples"] == {}  # snapshot_max_age_ms 0: none

    dbs = fx.build_fixture(server, prefix="rgmetsnap_", nodes=2, ranges=50,
                           sessions=20, seed=3)
    s = fx.FixtureServer(server, "metrics-snap", {
        i + 1: (db, "n%d" % (i + 1)) for i, db in enumerate(dbs)},
        extra_conf="node_timeout_ms 3000\nsnapshot_max_age_ms 600000\n")
    s.start()
    try:
        c = s.client()
        tok = c.login(*s.admin)

        def held():
            # The first request reads live and starts the copy's refresh.
            assert c.get("/api/v2/sessions/", session=tok).status == 200
            f = scrape(c, tok)["roachgate_snapshot_age_seconds"]["samples"]
            return f if {'{kind="sessions",node_id="1"}',
                         '{kind="sessions",node_id="2"}'} <= set(f) else None
        ages = s.wait_for(held, timeout=30, what="sessions snapshot held")
        assert all(k.startswith('{kind="sessions"') or
                   k.startswith('{kind="status"') for k in ages)
        assert all(v >= 0 for v in ages.values())
    finally:
        s.teardown()
        if not os.environ.get("RG_KEEP_RUN"):
            shutil.rmtree(s.dir, ignore_errors=True)
