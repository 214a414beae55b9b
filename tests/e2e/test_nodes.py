"""GET /api/v2/nodes/ (src/REFERENCE.md, "GET /nodes/"; issue 5 item 1):
every configured
node, ascending id, offset pagination, liveness; over verified TLS with a
logged-in admin.  The demo cluster (primary n1, standbys n2, n3) and the
fixture provider (5 nodes) both serve."""

import json
import re

import pytest

import fixture as fx

NODE_KEYS = ["node_id", "address", "attrs", "locality", "ServerVersion",
             "build_tag", "started_at", "cluster_name", "sql_address",
             "metrics", "total_system_memory", "num_cpus", "updated_at",
             "liveness_status"]
DOWN_KEYS = ["node_id", "address", "attrs", "locality", "ServerVersion",
             "build_tag", "started_at", "cluster_name", "sql_address",
             "liveness_status"]
LIVE, UNAVAILABLE = 3, 2


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


@pytest.fixture(scope="module")
def fixture_server(server):
    return fx.shared_fixture_server(server)


@pytest.fixture(scope="module")
def fadmin(fixture_server):
    return fixture_server.client().login(*fixture_server.admin)


def get_nodes(client, session, qs=""):
    r = client.get("/api/v2/nodes/" + ("?" + qs if qs else ""),
                   session=session)
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    assert not r.body.endswith(b"\n")
    return r


def wait_live(server, client, session, node_ids):
    def ok():
        body = get_nodes(client, session).json()
        st = {n["node_id"]: n["liveness_status"] for n in body["nodes"]}
        return all(st[i] == LIVE for i in node_ids)
    server.wait_for(ok, timeout=60, what="nodes %s LIVE" % node_ids)


# --- demo cluster -------------------------------------------------------

def test_every_node_in_id_order(server, client, admin):
    body = fx.ordered(get_nodes(client, admin).body)
    assert list(body) == ["nodes"]
    nodes = body["nodes"]
    assert [n["node_id"] for n in nodes] == server.node_ids == [1, 2, 3]
    for n in nodes:
        assert list(n) == NODE_KEYS, n
        port = server.node_port(n["node_id"])
        addr = {"network_field": "tcp", "address_field": "127.0.0.1:%d" % port}
        assert n["address"] == addr and n["sql_address"] == addr
        assert n["attrs"] == {}
        assert n["locality"] == {"tiers": [
            {"key": "region", "value": "local"},
            {"key": "zone", "value": "z%d" % n["node_id"]}]}
        v = n["ServerVersion"]
        assert list(v) == ["major_val", "minor_val", "patch", "internal"]
        assert v["major_val"] == 15 and v["patch"] == 0 == v["internal"]
        assert n["build_tag"] == "v15.%d" % v["minor_val"]
        assert n["cluster_name"] == "roachgate-demo"
        assert n["started_at"] > 10 ** 18 and n["updated_at"] > 10 ** 18
        assert n["total_system_memory"] > 0 and n["num_cpus"] > 0
        assert n["liveness_status"] == LIVE
        keys = list(n["metrics"])
        assert keys == sorted(keys, key=str.encode) and len(keys) > 20
        assert n["metrics"]["pg.replication.is_standby"] == (
            0 if n["node_id"] == 1 else 1)


def test_pagination_walks(client, admin):
    full = get_nodes(client, admin).json()["nodes"]
    for limit in range(1, 8):
        items, pages = fx.walk_offsets(
            lambda qs: get_nodes(client, admin, qs).json(), limit, "nodes")
        assert [n["node_id"] for n in items] == [1, 2, 3], limit
        assert len(pages) == max(1, -(-3 // limit))
        # Pages hold the same nodes as the full list (live values move).
        assert [n["address"] for n in items] == [n["address"] for n in full]


@pytest.mark.parametrize("qs,ids,nxt", [
    ("limit=2", [1, 2], 2),
    ("limit=2&offset=2", [3], None),
    ("limit=1&offset=1", [2], 2),
    ("limit=%2B2", [1, 2], 2),          # Atoi accepts a sign
    ("limit=2&limit=1", [1, 2], 2),     # Go reads the first value
    ("limit=1&offset=-5", [1], 1),      # negative offset = 0
    ("limit=1&offset=abc", [1], 1),
    ("limit=1&offset=%2B2", [3], None),
    ("limit=3", [1, 2, 3], None),
    ("limit=0", [1, 2, 3], None),       # no pagination
    ("limit=-1", [1, 2, 3], None),
    ("limit=abc", [1, 2, 3], None),
    ("limit=", [1, 2, 3], None),
    ("limit=1.5", [1, 2, 3], None),
    ("limit=99999999999999999999", [1, 2, 3], None),  # Atoi overflow
    ("offset=2", [1, 2, 3], None),      # offset alone is ignored
    ("limit=0&offset=2", [1, 2, 3], None),
    ("foo=bar", [1, 2, 3], None),
])
def test_limit_and_offset_forms(client, admin, qs, ids, nxt):
    body = get_nodes(client, admin, qs).json()
    assert [n["node_id"] for n in body["nodes"]] == ids
    assert body.get("next") == nxt
    assert list(body) == (["nodes", "next"] if nxt else ["nodes"])


def test_offset_past_the_end_is_an_empty_slice(client, admin):
    # simplePaginate slices a non-nil slice: past the end is [], not null.
    for qs in ("limit=1&offset=3", "limit=5&offset=100"):
        assert get_nodes(client, admin, qs).body == b'{"nodes":[]}'


def test_authentication_and_role(server, client):
    r = client.get("/api/v2/nodes/")
    assert r.status == 401, r
    user = server.client().login(*server.user)
    r = client.get("/api/v2/nodes/", session=user)
    assert r.status == 403, r
    assert "not allowed" in r.text


def test_a_stopped_standby_is_reported_while_the_rest_answers(
        server, client, admin):
    server.stop_node(3)
    try:
        log_before = server.log().count("node 3 (n3): query failed")
        # The page without node 3 does not ask it.
        body = get_nodes(client, admin, "limit=2").json()
        assert [n["node_id"] for n in body["nodes"]] == [1, 2]
        assert server.log().count("node 3 (n3): query failed") == log_before

        r = get_nodes(client, admin)
        nodes = fx.ordered(r.body)["nodes"]
        assert [n["liveness_status"] for n in nodes] == [LIVE, LIVE,
                                                          UNAVAILABLE]
        assert list(nodes[0]) == NODE_KEYS
        assert list(nodes[2]) == DOWN_KEYS
        # What the configuration knows, byte for byte.
        want = fx.unreachable_node_status(
            3, "127.0.0.1:%d" % server.node_port(3), "",
            "region=local,zone=z3", UNAVAILABLE)
        assert r.text.endswith("," + fx.go_json(want) + "]}")
        assert "password" not in r.text
    finally:
        server.start_node(3)
    wait_live(server, client, admin, [1, 2, 3])


# --- fixture provider ----------------------------------------------------

def fixture_expected(fs, liveness=None):
    """The whole /nodes/ body the fixture server must write."""
    nodes = []
    for nid in fs.node_ids:
        row = fx.query(fs.db(nid), "SELECT %s FROM roachgate.node_status"
                       % fx.NODE_STATUS_COLS)[0]
        nodes.append(fx.expected_node_status(
            nid, row, fs.attrs.get(nid), fs.locality.get(nid),
            (liveness or {}).get(nid, LIVE)))
    return nodes


def test_fixture_exact_body(fixture_server, fadmin):
    fs = fixture_server
    c = fs.client()
    want = fixture_expected(fs)
    r = get_nodes(c, fadmin)
    assert r.text == fx.go_json({"nodes": want})
    # A few spot checks of what the expectation encodes.
    first = fx.ordered(r.body)["nodes"][0]
    assert first["attrs"] == {"attrs": ["ssd", "fast"]}
    assert first["address"]["address_field"] == "fixture-n1:26257"
    assert '"locality":{"tiers":null}' in r.text      # node 3: none set
    assert '"attrs":{}' in r.text
    assert first["metrics"]["pg.conns.total"] >= 0


def test_fixture_pagination_exact(fixture_server, fadmin):
    fs = fixture_server
    c = fs.client()
    want = fixture_expected(fs)
    for limit in range(1, 8):
        offset, got = 0, []
        while True:
            r = get_nodes(c, fadmin, "limit=%d&offset=%d" % (limit, offset))
            page = want[offset:offset + limit]
            end = offset + len(page)
            expect = {"nodes": page}
            if end < len(want):
                expect["next"] = end
            assert r.text == fx.go_json(expect), (limit, offset)
            got += page
            if end >= len(want):
                break
            offset = end
        assert got == want


def test_fixture_node_made_unreachable(server, fixture_server, fadmin):
    fs = fixture_server
    c = fs.client()
    want = fixture_expected(fs, {4: UNAVAILABLE})
    fs.block_node(4)
    try:
        def down():
            nodes = get_nodes(c, fadmin).json()["nodes"]
            return nodes if nodes[3]["liveness_status"] == UNAVAILABLE \
                else None
        nodes = fs.wait_for(down, timeout=30, what="node 4 unavailable")
        want[3] = fx.unreachable_node_status(
            4, "127.0.0.1:%d" % server.node_port(1), fs.attrs.get(4),
            fs.locality.get(4), UNAVAILABLE)
        for i in (0, 1, 2, 4):
            assert nodes[i]["liveness_status"] == LIVE
        assert [json.dumps(n, sort_keys=True) for n in nodes] == [
            json.dumps(n, sort_keys=True) for n in json.loads(
                fx.go_json({"nodes": want}))["nodes"]]
        assert not re.search(r"rgfix|password", json.dumps(nodes))
    finally:
        fs.unblock_node(4)
    wait_live(fs, c, fadmin, fs.node_ids)


def test_nul_in_a_value_is_not_truncated(server):
    """Go rejects "1%00" where a C parser would stop at the NUL and read
    "1": limit/offset then fall back to no pagination (Atoi failed), and
    a ranges filter is a 400."""
    c = server.client()
    token = c.login(*server.admin)
    all_nodes = c.get("/api/v2/nodes/", session=token).json()
    r = c.get("/api/v2/nodes/?limit=1%00", session=token)
    assert r.status == 200
    assert [n["node_id"] for n in r.json()["nodes"]] == \
        [n["node_id"] for n in all_nodes["nodes"]]
    assert "next" not in r.json()
    r = c.get("/api/v2/nodes/1/ranges/?ranges=1%00x", session=token)
    assert (r.status, r.text) == (400, "invalid range ID\n")
    r = c.get("/api/v2/nodes/1/ranges/?limit=1%00", session=token)
    assert r.status == 200 and "next" not in r.json()
