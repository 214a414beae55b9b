"""GET /api/v2/nodes/{node_id}/ranges/ and GET /api/v2/ranges/{range_id}/
(src/REFERENCE.md, "GET /nodes/{node_id}/ranges/" and
"GET /ranges/{range_id}/"; issue 5 items 2, 3), over verified TLS with a
logged-in admin, on the demo cluster and on the fixture provider."""

import base64
import re

import pytest

import fixture as fx
from rgtest import assert_plain

GENERIC = ("An internal server error has occurred. Please check your "
           "CockroachDB logs for more details.\n")
RANGE_KEYS = ["desc", "span", "source_node_id", "source_store_id",
              "lease_history", "problems", "stats"]
DESC_KEYS = ["range_id", "start_key", "end_key", "store_id",
             "queries_per_second"]
TABLE = "rg_e2e_ranges"
# A node that failed: how iterateNodes words it, with our fixed reasons.
NODE_ERROR = (r"^(failed to dial into node {n} \(NODE_STATUS_UNAVAILABLE\): "
              r"(connection refused|connection failed|connect timeout "
              r"expired|the database system is shutting down)"
              r"|error requesting details about range {r} from node {n} "
              r"\(NODE_STATUS_UNAVAILABLE\): (connection lost|timed out|"
              r"query failed))$")


@pytest.fixture(scope="module")
def table(server):
    """A table (heap, TOAST and its index, two indexes: five ranges)
    created on the primary; its
    catalog rows {range_id: row} once every standby holds them."""
    dsn = server.superuser_dsn(1)
    fx.query(dsn, "DROP TABLE IF EXISTS public.%s" % TABLE)
    fx.query(dsn, "CREATE TABLE public.%s (id int PRIMARY KEY, v text)"
             % TABLE)
    fx.query(dsn, "CREATE INDEX ON public.%s (v)" % TABLE)
    fx.query(dsn, "INSERT INTO public.%s SELECT g, repeat(md5(g::text), 200)"
             " FROM generate_series(1, 300) g" % TABLE)
    sql = ("SELECT %s FROM roachgate.ranges WHERE table_name = %%s "
           "ORDER BY range_id" % fx.RANGE_COLS)
    rows = fx.query(dsn, sql, (TABLE,))
    assert len(rows) == 5, rows
    for nid in server.node_ids[1:]:
        server.wait_for(lambda: len(fx.query(
            server.superuser_dsn(nid), sql, (TABLE,))) == 5,
            what="%s replicated to n%d" % (TABLE, nid))
    yield {r[0]: r for r in rows}
    fx.query(dsn, "DROP TABLE IF EXISTS public.%s" % TABLE)


def get(client, session, path):
    r = client.get(path, session=session)
    assert r.status == 200, (path, r)
    assert r.header("content-type") == "application/json"
    assert not r.body.endswith(b"\n")
    return r


def node_ranges(client, session, node, qs=""):
    return get(client, session, "/api/v2/nodes/%s/ranges/%s" % (
        node, "?" + qs if qs else "")).json()


def names_to_ids(server):
    return {"n%d" % i: i for i in server.node_ids}


# --- demo cluster: shapes ------------------------------------------------

def test_local_is_the_primary(server, client, admin, table):
    local = node_ranges(client, admin, "local")
    one = node_ranges(client, admin, 1)
    assert [r["desc"] for r in local["ranges"]] == \
        [r["desc"] for r in one["ranges"]]
    assert set(table) <= {r["desc"]["range_id"] for r in one["ranges"]}


def test_range_info_shape(server, client, admin, table):
    r = get(client, admin, "/api/v2/nodes/local/ranges/?ranges=%s" %
            ",".join(str(i) for i in table))
    body = fx.ordered(r.body)
    assert list(body) == ["ranges"]
    started = {n["node_id"]: n["started_at"] for n in client.get(
        "/api/v2/nodes/", session=admin).json()["nodes"]}
    for ri in body["ranges"]:
        assert list(ri)[:7] == RANGE_KEYS
        assert list(ri)[7:] in (["quiescent"], ["ticking"])
        assert list(ri["desc"]) == DESC_KEYS
        assert ri["desc"]["store_id"] == 0
        assert ri["desc"]["queries_per_second"] == 0
        assert ri["source_node_id"] == ri["source_store_id"] == 1
        # One lease: the primary's, since it started.
        assert ri["lease_history"] == [{
            "start": {"wall_time": started[1]},
            "replica": {"node_id": 1, "store_id": 1, "replica_id": 1}}]
        assert ri["problems"] == {}
        assert set(ri["stats"]) <= {"queries_per_second",
                                    "writes_per_second"}
    assert '"error_message"' not in r.text


def test_desc_and_span_match_the_catalog(server, client, admin, table):
    got = node_ranges(client, admin, 1, "ranges=" + ",".join(
        str(i) for i in table))["ranges"]
    assert [r["desc"]["range_id"] for r in got] == sorted(table)
    for ri in got:
        row = table[ri["desc"]["range_id"]]
        assert ri["desc"]["start_key"] == fx.b64(row[1])
        assert ri["desc"]["end_key"] == fx.b64(row[2])
        # Pretty-printed from the raw keys by the server; equal to the
        # catalog's own rendering.
        assert ri["span"] == {"start_key": row[3], "end_key": row[4]}
        assert ri["span"]["start_key"].startswith("/Table/")


def test_a_new_table_is_identical_on_every_node(server, client, admin, table):
    for rid in table:
        body = fx.ordered(get(client, admin, "/api/v2/ranges/%d/" % rid).body)
        resp = body["responses_by_node_id"]
        assert list(resp) == ["1", "2", "3"]
        descs = [dict(resp[k]["range_info"]["desc"]) for k in resp]
        # queries_per_second is each replica's own load (the primary's
        # includes the INSERT above until its samples age out); the
        # descriptor is the rest, and every replica holds the same one.
        for d in descs:
            assert d.pop("queries_per_second") >= 0
        assert all(d == descs[0] for d in descs)
        assert descs[0]["range_id"] == rid
        for k, v in resp.items():
            assert list(v) == ["range_info"]
            assert v["range_info"]["source_node_id"] == int(k)
            assert v["range_info"]["source_store_id"] == int(k)
            assert v["range_info"]["span"] == {
                "start_key": table[rid][3], "end_key": table[rid][4]}


# --- demo cluster: filters and pagination --------------------------------

def test_ranges_filter(server, client, admin, table):
    a, b, _, d, _ = sorted(table)
    got = node_ranges(client, admin, 2, "ranges=%d,%d,99999999,%d,%d" % (
        d, a, b, a))["ranges"]
    # Sorted, unknown skipped, a repeated id listed again (as Go does).
    assert [r["desc"]["range_id"] for r in got] == [a, a, b, d]
    assert all(r["source_node_id"] == 2 for r in got)
    assert node_ranges(client, admin, 1, "ranges=99999999") == {"ranges": []}
    r = get(client, admin, "/api/v2/nodes/1/ranges/?ranges=99999999")
    assert r.body == b'{"ranges":[]}'
    # An empty value means no filter.
    assert len(node_ranges(client, admin, 1, "ranges=")["ranges"]) >= 4


def test_filtered_pagination_walks(server, client, admin, table):
    ids = sorted(table)
    qs = "ranges=%s,%d,%d,123456789" % (",".join(map(str, ids)), ids[0],
                                        ids[3])
    full = node_ranges(client, admin, 3, qs)["ranges"]
    assert len(full) == 7
    for limit in range(1, 8):
        items, _ = fx.walk_offsets(
            lambda q: node_ranges(client, admin, 3, qs + "&" + q), limit,
            "ranges")
        assert [r["desc"] for r in items] == [r["desc"] for r in full]


def test_full_list_pagination_walks(server, client, admin, table):
    full = node_ranges(client, admin, 1)["ranges"]
    assert len(full) >= 4
    ids = [r["desc"]["range_id"] for r in full]
    assert ids == sorted(ids)
    for limit in range(1, 8):
        items, pages = fx.walk_offsets(
            lambda q: node_ranges(client, admin, 1, q), limit, "ranges")
        assert [r["desc"]["range_id"] for r in items] == ids, limit
        assert len(pages) == max(1, -(-len(ids) // limit))


@pytest.mark.parametrize("qs,count,nxt", [
    ("limit=0", "all", None), ("limit=-2", "all", None),
    ("limit=x", "all", None), ("offset=2", "all", None),
    ("limit=2&offset=-1", 2, 2), ("limit=2&offset=y", 2, 2),
    ("limit=2&offset=1", 2, 3), ("limit=%2B1", 1, 1),
])
def test_limit_forms(server, client, admin, table, qs, count, nxt):
    full = node_ranges(client, admin, 1)["ranges"]
    body = node_ranges(client, admin, 1, qs)
    n = len(full) if count == "all" else count
    assert len(body["ranges"]) == n
    assert body.get("next") == nxt


def test_past_the_end_is_an_empty_list(client, admin, table):
    r = get(client, admin, "/api/v2/nodes/1/ranges/?limit=3&offset=100000")
    assert r.body == b'{"ranges":[]}'


# --- status codes --------------------------------------------------------

@pytest.mark.parametrize("node", [
    "abc", "0", "-1", "2147483648", "99999999999999999999", "LOCAL",
    "Local", "1.0", "0x1", "1_0", "-0", "+0",
])
def test_invalid_node_id(client, admin, node):
    r = client.get("/api/v2/nodes/%s/ranges/" % node, session=admin)
    assert_plain(r, 400, "invalid node ID\n")


@pytest.mark.parametrize("node", ["4", "2147483647", "010", "+4"])
def test_unknown_node(client, admin, node):
    # CockroachDB answers 500 here; a 404 tells the caller what is wrong.
    r = client.get("/api/v2/nodes/%s/ranges/" % node, session=admin)
    assert_plain(r, 404, "node not found\n")


def test_valid_node_id_forms(client, admin, table):
    # ParseInt(s, 10, 32): a sign and leading zeros are fine.
    for node in ("+1", "01", "001"):
        body = node_ranges(client, admin, node)
        assert body["ranges"][0]["source_node_id"] == 1


@pytest.mark.parametrize("ranges", [
    "a", "1,a", "1,,2", ",", "1,", ",1", "1.5", "99999999999999999999",
    "1%20", "0x10", "%20", "1_000", "--1", "%2C",
])
def test_invalid_range_ids_in_the_filter(client, admin, ranges):
    r = client.get("/api/v2/nodes/1/ranges/?ranges=" + ranges, session=admin)
    assert_plain(r, 400, "invalid range ID\n")


def test_error_precedence(client, admin):
    # node id, then the filter, then the node's existence.
    r = client.get("/api/v2/nodes/x/ranges/?ranges=y", session=admin)
    assert_plain(r, 400, "invalid node ID\n")
    r = client.get("/api/v2/nodes/9/ranges/?ranges=y", session=admin)
    assert_plain(r, 400, "invalid range ID\n")
    # Only the first value counts, like Go's Query().Get.
    r = client.get("/api/v2/nodes/1/ranges/?ranges=y&ranges=1",
                   session=admin)
    assert_plain(r, 400, "invalid range ID\n")
    body = node_ranges(client, admin, 1, "ranges=99999999&ranges=y")
    assert body == {"ranges": []}


def test_range_id_errors(client, admin):
    r = client.get("/api/v2/ranges/99999999999999999999/", session=admin)
    assert_plain(r, 400, "invalid range ID\n")
    r = client.get("/api/v2/ranges/9223372036854775808/", session=admin)
    assert_plain(r, 400, "invalid range ID\n")
    for path in ("/api/v2/ranges/abc/", "/api/v2/ranges/-1/",
                 "/api/v2/ranges/1", "/api/v2/ranges//"):
        assert_plain(client.get(path, session=admin), 404,
                     "404 page not found\n")


@pytest.mark.parametrize("rid", ["0", "7", "9223372036854775807", "00012"])
def test_unknown_range_is_an_empty_map(client, admin, rid):
    r = get(client, admin, "/api/v2/ranges/%s/" % rid)
    assert r.body == b'{"responses_by_node_id":{}}'


def test_authentication_and_role(server, client):
    user = server.client().login(*server.user)
    for path in ("/api/v2/nodes/1/ranges/", "/api/v2/ranges/1/"):
        assert client.get(path).status == 401
        r = client.get(path, session=user)
        assert r.status == 403, r
        assert "not allowed" in r.text
    # Authentication comes before parameter checks.
    assert client.get("/api/v2/nodes/x/ranges/").status == 401


# --- demo cluster: a standby stopped --------------------------------------

def test_a_stopped_standby(server, client, admin, table):
    rid = min(table)
    server.stop_node(3)
    try:
        r = get(client, admin, "/api/v2/ranges/%d/" % rid)
        resp = fx.ordered(r.body)["responses_by_node_id"]
        assert list(resp) == ["1", "2", "3"]
        assert list(resp["3"]) == ["range_info", "error"]
        assert re.match(NODE_ERROR.format(n=3, r=rid), resp["3"]["error"]), \
            resp["3"]["error"]
        # The zero rangeInfo, exactly as Go writes it.
        assert ('"3":{"range_info":%s,"error":' % fx.ZERO_RANGE_INFO) in r.text
        assert resp["1"]["range_info"]["desc"] == \
            resp["2"]["range_info"]["desc"]
        assert "error" not in resp["1"] and "error" not in resp["2"]
        assert not re.search(r"127\.0\.0\.1|port|password|user=",
                             resp["3"]["error"])

        # Its own ranges cannot be listed.
        r = client.get("/api/v2/nodes/3/ranges/", session=admin)
        assert_plain(r, 500, GENERIC)

        # The primary sees a configured standby that does not stream.
        def under():
            ri = node_ranges(client, admin, 1, "ranges=%d" % rid)
            return ri["ranges"][0]["problems"] == {"underreplicated": True}
        server.wait_for(under, timeout=30, what="underreplicated on n1")
    finally:
        server.start_node(3)

    def healed():
        resp = get(client, admin, "/api/v2/ranges/%d/" % rid).json()[
            "responses_by_node_id"]
        return (sorted(resp) == ["1", "2", "3"] and
                all("error" not in v for v in resp.values()) and
                resp["1"]["range_info"]["problems"] == {})
    server.wait_for(healed, timeout=60, what="range healthy again")


# --- fixture provider ----------------------------------------------------

@pytest.fixture(scope="module")
def catalog(fixture_server):
    """{node_id: {range_id: row}} read straight from the fixture tables."""
    out = {}
    for nid in fixture_server.node_ids:
        rows = fx.query(fixture_server.db(nid),
                        "SELECT %s FROM roachgate.ranges ORDER BY range_id"
                        % fx.RANGE_COLS)
        out[nid] = {r[0]: r for r in rows}
    return out


def test_fixture_counts_and_ids(fixture_server, fadmin, catalog):
    c = fixture_server.client()
    ids = set()
    total = 0
    for nid in fixture_server.node_ids:
        got = node_ranges(c, fadmin, nid)["ranges"]
        assert [r["desc"]["range_id"] for r in got] == list(catalog[nid])
        ids |= set(catalog[nid])
        total += len(got)
    assert ids == set(range(1, 10001))
    # Three replicas each, but 0.1% (1 in 1000) with one fewer.
    under = {r for n in catalog.values() for r, row in n.items() if row[9]}
    assert total == 3 * 10000 - len(under)
    assert 0 < len(under) < 30


def test_fixture_exact_bodies(fixture_server, fadmin, catalog):
    c = fixture_server.client()
    names = names_to_ids(fixture_server)
    for nid in fixture_server.node_ids:
        rows = list(catalog[nid].values())
        # Leaseholder and follower rows, the hottest, the coldest, and an
        # underreplicated one when this node has any.
        pick = {rows[0][0], rows[-1][0]}
        pick |= set([r[0] for r in rows if names[r[5]] == nid][:2])
        pick |= set([r[0] for r in rows if names[r[5]] != nid][:2])
        pick.add(max(rows, key=lambda r: r[7])[0])
        pick |= set(r[0] for r in rows if r[9])
        pick |= set([r[0] for r in rows if r[11]][:2])
        pick = sorted(pick)
        r = get(c, fadmin, "/api/v2/nodes/%d/ranges/?ranges=%s" % (
            nid, ",".join(map(str, pick))))
        want = {"ranges": [fx.expected_range_info(catalog[nid][i], nid,
                                                  names) for i in pick]}
        assert r.text == fx.go_json(want), nid
    assert '"writes_per_second":' in r.text and '"quiescent":true' in r.text


def test_fixture_full_list_pagination(fixture_server, fadmin, catalog):
    c = fixture_server.client()
    ids = list(catalog[2])
    for limit in (997, 1000, 2500, len(ids) - 1, len(ids)):
        items, pages = fx.walk_offsets(
            lambda q: node_ranges(c, fadmin, 2, q), limit, "ranges")
        assert [r["desc"]["range_id"] for r in items] == ids, limit
        assert len(pages) == max(1, -(-len(ids) // limit))


def test_fixture_filtered_pagination_walks(fixture_server, fadmin, catalog):
    c = fixture_server.client()
    names = names_to_ids(fixture_server)
    held = list(catalog[5])
    pick = held[:5] + held[100:103] + held[-3:] + [10001, 20000]
    qs = "ranges=" + ",".join(map(str, reversed(pick)))
    want = [fx.expected_range_info(catalog[5][i], 5, names)
            for i in sorted(p for p in pick if p in catalog[5])]
    for limit in range(1, 8):
        offset, got = 0, []
        while True:
            r = get(c, fadmin, "/api/v2/nodes/5/ranges/?%s&limit=%d"
                    "&offset=%d" % (qs, limit, offset))
            page = want[offset:offset + limit]
            expect = {"ranges": page}
            if offset + len(page) < len(want):
                expect["next"] = offset + len(page)
            assert r.text == fx.go_json(expect), (limit, offset)
            got += page
            if "next" not in expect:
                break
            offset = expect["next"]
        assert got == want


def holders(catalog, rid):
    return sorted(n for n, rows in catalog.items() if rid in rows)


def test_fixture_range_on_its_replicas(fixture_server, fadmin, catalog):
    c = fixture_server.client()
    names = names_to_ids(fixture_server)
    under = sorted(r for n in catalog.values() for r, row in n.items()
                   if row[9])
    for rid in [1, 2, 777, 5000, 9999, 10000, under[0]]:
        r = get(c, fadmin, "/api/v2/ranges/%d/" % rid)
        nodes = holders(catalog, rid)
        row = catalog[nodes[0]][rid]
        assert nodes == sorted(names[x] for x in row[13])
        want = {"responses_by_node_id": {
            str(n): {"range_info": fx.expected_range_info(
                catalog[n][rid], n, names)} for n in nodes}}
        assert r.text == fx.go_json(want), rid


def test_fixture_node_made_unreachable(fixture_server, fadmin, catalog):
    fs = fixture_server
    c = fs.client()
    names = names_to_ids(fs)
    rid = next(r for r in catalog[3] if 1 in holders(catalog, r))
    fs.block_node(3)
    try:
        def failed():
            resp = get(c, fadmin, "/api/v2/ranges/%d/" % rid)
            return resp if '"error"' in resp.text else None
        r = fs.wait_for(failed, timeout=30, what="node 3 failing")
        resp = fx.ordered(r.body)["responses_by_node_id"]
        assert list(resp) == [str(n) for n in holders(catalog, rid)]
        assert re.match(NODE_ERROR.format(n=3, r=rid), resp["3"]["error"]), \
            resp["3"]["error"]
        assert ('"3":{"range_info":%s,"error":' % fx.ZERO_RANGE_INFO) in r.text
        for n in holders(catalog, rid):
            if n != 3:
                assert fx.go_json(resp[str(n)]) == fx.go_json({
                    "range_info": fx.expected_range_info(
                        catalog[n][rid], n, names)})
        assert_plain(c.get("/api/v2/nodes/3/ranges/", session=fadmin), 500,
                     GENERIC)
        # The others still list their ranges.
        assert len(node_ranges(c, fadmin, 1, "limit=5")["ranges"]) == 5
    finally:
        fs.unblock_node(3)

    def healed():
        resp = get(c, fadmin, "/api/v2/ranges/%d/" % rid).text
        return '"error"' not in resp
    fs.wait_for(healed, timeout=60, what="node 3 back")


def test_map_keys_in_go_string_order(server, fixture_server, catalog):
    """responses_by_node_id is a Go map: keys sort as strings, so node 10
    comes between 1 and 2.  A second server maps node 10 to fixture n5."""
    base = fixture_server
    s = fx.FixtureServer(server, "fixture-ids", {
        1: (base.nodes[1][0], "n1"), 2: (base.nodes[2][0], "n2"),
        10: (base.nodes[5][0], "n5")})
    s.start()
    try:
        c = s.client()
        tok = c.login(*s.admin)
        rid = next(r for r in catalog[1]
                   if holders(catalog, r) == [1, 2, 5])
        r = get(c, tok, "/api/v2/ranges/%d/" % rid)
        keys = list(fx.ordered(r.body)["responses_by_node_id"])
        assert keys == ["1", "10", "2"]
        names = {"n1": 1, "n2": 2, "n5": 10}
        want = {"responses_by_node_id": {
            str(n): {"range_info": fx.expected_range_info(
                catalog[db][rid], n, names)}
            for n, db in ((1, 1), (10, 5), (2, 2))}}
        assert r.text == fx.go_json(want)
        # /nodes/ stays in numeric order.
        nodes = get(c, tok, "/api/v2/nodes/").json()["nodes"]
        assert [n["node_id"] for n in nodes] == [1, 2, 10]
        body = node_ranges(c, tok, 10, "limit=1")
        assert body["ranges"][0]["source_node_id"] == 10
        assert body["next"] == 1
    finally:
        s.stop()


def test_fixture_base64_keys(fixture_server, fadmin, catalog):
    c = fixture_server.client()
    ri = node_ranges(c, fadmin, 1, "limit=1")["ranges"][0]
    row = catalog[1][ri["desc"]["range_id"]]
    assert base64.b64decode(ri["desc"]["start_key"]) == bytes(row[1])
    assert ri["span"]["start_key"] == row[3]
