"""GET /_status/vars (Prometheus text) and GET /api/v2/rules/ (issue 11
item 6): the page parses as Prometheus text exposition, carries every
node's metrics and roachgate's view of the nodes, its counters move with
requests, a stopped standby shows; the rules parse as CockroachDB's YAML
layout and name only exported metrics."""

import re

import yaml
import pytest

PROM_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\]*\",?)*\})? "
                    r"(\S+)$" % PROM_NAME)


def parse_prom(text):
    """{family: {"type", "help", "samples": {labels: value}}}, strictly."""
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
            assert m.group(1) == current_name(fams, current), line
            labels = m.group(2) or ""
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
    exported = set(scrape(client, admin))
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
            expr = re.sub(r"\{\{.*?\}\}|\[[^\]]*\]|by\s*\([^)]*\)", "",
                          rule["expr"])
            for word in re.findall(PROM_NAME, expr):
                if word in ("sum", "avg", "resets", "by", "on") or \
                        re.fullmatch(r"e\d*", word):
                    continue
                names.add(word)
    assert names and names <= exported, names - exported
    assert "roachgate_node_up" in names and "pg_conns_max" in names
