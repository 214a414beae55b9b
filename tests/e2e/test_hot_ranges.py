"""GET /api/v2/ranges/hot/ (src/REFERENCE.md, "GET /ranges/hot/" and
"Token pagination"; issue 5 items 4 and 6),
over verified TLS, on the live demo cluster and on the fixture provider."""

import base64
import re
import time
import threading
import uuid

import psycopg2
import pytest

from fixture import go_json, ordered, shared_fixture_server
from pagewalk import (PageState, ZERO_TOKEN, expected_page, make_token,
                      token_text)

PATH = "/api/v2/ranges/hot/"
MAX_PER_NODE = 128
ITEM_KEYS = ["range_id", "start_key", "end_key", "store_id",
             "queries_per_second", "node_id", "leaseholder_node_id",
             "replica_node_ids", "table_name", "index_name", "database_name",
             "schema_name", "writes_per_second", "reads_per_second",
             "write_bytes_per_second", "read_bytes_per_second"]
COLS = ("range_id, start_key, end_key, queries_per_second, leaseholder_name, "
        "replica_names, table_name, index_name, database_name, schema_name, "
        "writes_per_second, reads_per_second, write_bytes_per_second, "
        "read_bytes_per_second")


def err_re(node):
    return re.compile(r"^(failed to dial into node %d|error requesting hot "
                      r"ranges from node %d) \(NODE_STATUS_[A-Z]+\): "
                      r"[a-z ]+$" % (node, node))


def assert_plain(r, status, text):
    assert r.status == status, r
    assert r.text == text
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.header("x-content-type-options") == "nosniff"


def get(client, tok, qs=""):
    r = client.get(PATH + ("?" + qs if qs else ""), session=tok)
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    return r


def catalog_hot(dsn, limit=MAX_PER_NODE):
    """A node's hot list as the endpoint defines it."""
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT %s FROM roachgate.ranges "
                        "WHERE queries_per_second > 0 "
                        "ORDER BY queries_per_second DESC, range_id "
                        "LIMIT %d" % (COLS, limit))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        conn.close()


def b64(b):
    return base64.b64encode(bytes(b)).decode()


def hot_item(r, node, name_to_id):
    """rangeDescriptorInfo, then the later hotRangeInfo fields (no
    omitempty on those), from a catalog row."""
    o = {"range_id": r["range_id"]}
    if r["start_key"]:
        o["start_key"] = b64(r["start_key"])
    if r["end_key"]:
        o["end_key"] = b64(r["end_key"])
    o["store_id"] = node
    o["queries_per_second"] = float(r["queries_per_second"] or 0)
    o["node_id"] = node
    o["leaseholder_node_id"] = name_to_id.get(r["leaseholder_name"], 0)
    o["replica_node_ids"] = sorted({name_to_id[x] for x in
                                    r["replica_names"] or []
                                    if x in name_to_id})
    for k in ("table_name", "index_name", "database_name", "schema_name"):
        o[k] = r[k] or ""
    for k in ("writes_per_second", "reads_per_second",
              "write_bytes_per_second", "read_bytes_per_second"):
        o[k] = float(r[k] or 0)
    return o


def hot_body(out, next_tok, messages=None):
    """The body for a page given as expected_page()'s [(node, items)]."""
    ok = sorted(((n, items) for n, items in out if items is not None),
                key=lambda x: str(x[0]))
    o = {"ranges_by_node_id": {str(n): items for n, items in ok}}
    errs = [{"error_message": (messages or {})[n], "node_id": n}
            for n, items in out if items is None]
    if errs:
        o["response_error"] = errs
    o["next"] = next_tok
    return go_json(o).encode()


def keys_of(body):
    return list(body["ranges_by_node_id"])


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


# Authentication --------------------------------------------------------

def test_requires_a_session(client):
    assert_plain(client.get(PATH), 401, "invalid session header\n")


def test_requires_admin(server, client):
    tok = client.login(*server.user)
    assert_plain(client.get(PATH, session=tok), 403,
                 "user not allowed to access this endpoint\n")


# Live cluster ----------------------------------------------------------

def uvarint(v):
    if v <= 109:
        return bytes([136 + v])
    b = v.to_bytes((v.bit_length() + 7) // 8, "big")
    return bytes([245 + len(b)]) + b


class Hammer:
    """Reads a table in a loop through one node until stopped."""

    def __init__(self, server, node, table):
        self.conn = psycopg2.connect(
            host="127.0.0.1", port=server.node_port(node),
            dbname=server.env["ROACHGATE_DB"], user="demo_user",
            password=server.env["DEMO_USER_PASSWORD"],
            application_name="rgt-hammer", sslmode="disable",
            gssencmode="disable")
        self.conn.autocommit = True
        self.table = table
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        with self.conn.cursor() as cur:
            while not self.stop.is_set():
                cur.execute("SELECT count(*) FROM %s" % self.table)
                cur.fetchall()

    def close(self):
        self.stop.set()
        self.thread.join(10)
        self.conn.close()


@pytest.fixture
def hot_table(server):
    name = "rgt_hot_%s" % uuid.uuid4().hex[:8]
    su = psycopg2.connect(server.superuser_dsn(1))
    su.autocommit = True
    with su.cursor() as cur:
        cur.execute("CREATE TABLE %s (id int, v text)" % name)
        cur.execute("INSERT INTO %s SELECT g, repeat('x', 20) FROM "
                    "generate_series(1, 2000) g" % name)
        cur.execute("GRANT SELECT ON %s TO demo_user" % name)
        cur.execute("SELECT '%s'::regclass::oid::int8" % name)
        oid = cur.fetchone()[0]
    standby = psycopg2.connect(server.superuser_dsn(2))
    standby.autocommit = True

    def replicated():
        with standby.cursor() as cur:
            cur.execute("SELECT has_table_privilege('demo_user', %s, "
                        "'SELECT') IS TRUE FROM pg_class WHERE relname = %s",
                        (name, name))
            return cur.fetchall() == [(True,)]
    server.wait_for(replicated, timeout=30, what="the table on n2")
    standby.close()
    yield name, oid
    with su.cursor() as cur:
        cur.execute("DROP TABLE %s" % name)
    su.close()


def test_hammered_table_becomes_the_hottest_range_of_its_node(
        server, client, admin, hot_table):
    name, oid = hot_table
    hammer = Hammer(server, 2, name)
    try:
        def top():
            body = ordered(get(client, admin).body)
            items = body["ranges_by_node_id"].get("2") or []
            return body if items and items[0]["table_name"] == name else None
        # Rates need two samples after the reads began (interval 1 s).
        body = server.wait_for(top, timeout=15, interval=0.5,
                               what="the hammered table on top of n2")
    finally:
        hammer.close()

    assert keys_of(body) == ["1", "2", "3"]
    assert "response_error" not in body
    assert body["next"] == ZERO_TOKEN
    item = body["ranges_by_node_id"]["2"][0]
    assert list(item) == ITEM_KEYS
    assert item["range_id"] == oid << 16
    assert base64.b64decode(item["start_key"]) == uvarint(oid) + uvarint(1)
    assert base64.b64decode(item["end_key"]) == uvarint(oid) + uvarint(2)
    assert item["store_id"] == item["node_id"] == 2
    assert item["leaseholder_node_id"] == 1
    assert item["replica_node_ids"] == [1, 2, 3]
    assert (item["table_name"], item["index_name"], item["database_name"],
            item["schema_name"]) == (name, "", server.env["ROACHGATE_DB"],
                                     "public")
    assert item["reads_per_second"] > 1000
    assert item["writes_per_second"] == 0      # a standby never writes
    assert item["queries_per_second"] == item["reads_per_second"]
    assert item["read_bytes_per_second"] > 0

    # Hottest first on every node: qps descending, then range id.
    for items in body["ranges_by_node_id"].values():
        keys = [(-i["queries_per_second"], i["range_id"]) for i in items]
        assert keys == sorted(keys)
        assert all(i["queries_per_second"] > 0 for i in items)
        assert len(items) <= MAX_PER_NODE
    # Nobody read it through node 3: not a hot range there.
    assert name not in [i["table_name"]
                        for i in body["ranges_by_node_id"]["3"]]

    # The node filter, with and without a limit.
    body = ordered(get(client, admin, "node_id=2&limit=1").body)
    assert keys_of(body) == ["2"]
    assert body["ranges_by_node_id"]["2"][0]["range_id"] == oid << 16
    assert token_text(body["next"]) in ("|2|1|", "2,|0|0|")


@pytest.mark.parametrize("value,node", [
    ("2", 2), ("3", 3), ("local", 1), ("LOCAL", 1), ("LoCaL", 1),
    ("nonlocal", 1), ("localhost", 1), ("local%20", 1), ("0x2", 2),
    ("0X3", 3), ("%2B2", 2), ("02", 2), ("0b11", 3), ("0o3", 3), ("0_3", 3),
    ("1&node_id=abc", 1)])
def test_node_filter(client, admin, value, node):
    body = ordered(get(client, admin, "node_id=" + value).body)
    assert keys_of(body) == [str(node)]
    assert body["next"] == ZERO_TOKEN
    # Honoured with a limit too (CockroachDB ignores it without one).
    body = ordered(get(client, admin, "limit=500&node_id=" + value).body)
    assert keys_of(body) == [str(node)]
    # Done with the node, unless it had nothing (paginate() only finishes
    # a node that returned something).
    items = body["ranges_by_node_id"][str(node)]
    assert token_text(body["next"]) == \
        ("%d,|0|0|" if items else "|%d|0|") % node


@pytest.mark.parametrize("value", [
    "abc", "2.0", "1e3", "08", "0x", "0x1g", "2%20", "%202", "+2", "2%00",
    "9999999999", "2147483648", "-", "--1", "1_", "_1", "%FF",
    "abc&node_id=2"])
def test_bad_node_id(client, admin, value):
    for qs in ("node_id=" + value, "limit=3&node_id=" + value):
        assert_plain(client.get(PATH + "?" + qs, session=admin), 400,
                     "invalid node ID\n")


@pytest.mark.parametrize("value", ["99", "0", "-1", "4", "0x10",
                                   "2147483647", "-2147483648"])
def test_unknown_node_is_404(client, admin, value):
    for qs in ("node_id=" + value, "limit=3&node_id=" + value):
        assert_plain(client.get(PATH + "?" + qs, session=admin), 404,
                     "node not found\n")


def test_empty_node_id_means_every_node(client, admin):
    body = ordered(get(client, admin, "node_id=").body)
    assert keys_of(body) == ["1", "2", "3"]


def test_stopped_standby_is_a_response_error(server, client, admin):
    server.stop_node(3)
    try:
        for qs in ("", "limit=1000"):
            body = ordered(get(client, admin, qs).body)
            assert list(body) == ["ranges_by_node_id", "response_error",
                                  "next"]
            assert keys_of(body) == ["1", "2"]
            assert len(body["response_error"]) == 1
            err = body["response_error"][0]
            assert list(err) == ["error_message", "node_id"]
            assert err["node_id"] == 3
            assert err_re(3).match(err["error_message"]), err
            if qs == "":
                assert body["next"] == ZERO_TOKEN
                continue
            lists = {n: body["ranges_by_node_id"][str(n)] for n in (1, 2)}
            lists[3] = None
            _, nxt = expected_page(PageState(), 1000, lists)
            assert body["next"] == nxt.token()
        body = ordered(get(client, admin, "node_id=3").body)
        assert body["ranges_by_node_id"] == {}
        assert [e["node_id"] for e in body["response_error"]] == [3]
    finally:
        server.start_node(3)
    server.wait_for(lambda: "response_error" not in ordered(
        get(client, admin).body), timeout=30, what="node 3 answering again")


# Fixture provider: 5 nodes, 10,000 ranges ------------------------------

@pytest.fixture(scope="module")
def fx(server):
    return shared_fixture_server(server)


@pytest.fixture(scope="module")
def fx_admin(fx):
    return fx.client().login(*fx.admin)


@pytest.fixture(scope="module")
def fx_hot(fx):
    ids = {"n%d" % n: n for n in fx.node_ids}
    return {n: [hot_item(r, n, ids) for r in catalog_hot(fx.db(n))]
            for n in fx.node_ids}


def test_fixture_everything_exactly(fx, fx_admin, fx_hot):
    c = fx.client()
    r = get(c, fx_admin)
    assert r.body == hot_body([(n, fx_hot[n]) for n in fx.node_ids],
                              ZERO_TOKEN)
    body = ordered(r.body)
    for n in fx.node_ids:
        items = body["ranges_by_node_id"][str(n)]
        # The 128 hottest of the node's 6,000 replicas.
        assert len(items) == MAX_PER_NODE
        assert items[0]["queries_per_second"] == max(
            float(x) for (x,) in _q(fx.db(n), "SELECT queries_per_second "
                                    "FROM roachgate.ranges"))
        assert all(list(i) == ITEM_KEYS for i in items)
        for i in items:
            assert n in i["replica_node_ids"]
            assert i["leaseholder_node_id"] in i["replica_node_ids"]
    # Without a limit the token is ignored.
    mid = make_token("1,|2|5|3,")
    for qs in ("limit=0", "limit=-3", "limit=x", "start=" + mid,
               "limit=0&start=" + mid):
        assert get(c, fx_admin, qs).body == r.body, qs


def _q(dsn, sql):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def test_fixture_node_filter(fx, fx_admin, fx_hot):
    c = fx.client()
    for n in fx.node_ids:
        r = get(c, fx_admin, "node_id=%d" % n)
        assert r.body == hot_body([(n, fx_hot[n])], ZERO_TOKEN)
        r = get(c, fx_admin, "node_id=%d&limit=50" % n)
        assert r.body == hot_body([(n, fx_hot[n][:50])],
                                  make_token("|%d|50|" % n))
        r = get(c, fx_admin, "node_id=%d&limit=50&start=%s" % (
            n, make_token("|%d|100|" % n)))
        assert r.body == hot_body([(n, fx_hot[n][100:])],
                                  make_token("%d,|0|0|" % n))
    r = get(c, fx_admin, "node_id=local&limit=3")
    assert r.body == hot_body([(1, fx_hot[1][:3])], make_token("|1|3|"))


@pytest.mark.parametrize("limit", range(1, 8))
def test_fixture_pagination_walk_exactly(fx, fx_admin, fx_hot, limit):
    """Every page of a walk over all 640 hot ranges, byte for byte."""
    c = fx.client()
    st, got, pages = PageState(), [], 0
    while True:
        out, nxt = expected_page(st, limit, fx_hot)
        q = "limit=%d" % limit
        if pages:
            q += "&start=" + st.token()
        r = get(c, fx_admin, q)
        assert r.body == hot_body(out, nxt.token()), (limit, pages)
        items = [i for _, its in out for i in its]
        got += items
        st, pages = nxt, pages + 1
        if len(items) < limit:
            break
    assert got == [i for n in fx.node_ids for i in fx_hot[n]]
    assert token_text(st.token()) == "1,2,3,4,5,|0|0|"


def test_fixture_bad_start_restarts(fx, fx_admin):
    c = fx.client()
    first = get(c, fx_admin, "limit=4").body
    assert token_text(ordered(first)["next"]) == "|1|4|2,3,4,5,"
    for bad in ["x", "fDF8NHw", make_token("|1|4|2,3,4,5,|"),
                make_token("|-1|4|"), make_token("1,|1|x|"),
                make_token("99999999999,|1|0|")]:
        assert get(c, fx_admin, "limit=4&start=" + bad).body == first, bad


def test_fixture_unreachable_node(fx, fx_admin, fx_hot):
    """A node made unreachable mid-test: reported, the rest answers 200,
    and pagination skips it as CockroachDB's does."""
    c = fx.client()
    fx.block_node(4)
    try:
        body = ordered(get(c, fx_admin).body)
        assert keys_of(body) == ["1", "2", "3", "5"]
        assert [e["node_id"] for e in body["response_error"]] == [4]
        msg = body["response_error"][0]["error_message"]
        assert err_re(4).match(msg), msg
        for n in (1, 2, 3, 5):
            assert body["ranges_by_node_id"][str(n)] == fx_hot[n]

        # Walk from node 3 on: node 4 fails in the page that reaches it.
        lists = dict(fx_hot)
        lists[4] = None
        st = PageState([1, 2], 3, 120, [4, 5])
        while True:
            out, nxt = expected_page(st, 5, lists)
            r = get(c, fx_admin, "limit=5&start=" + st.token())
            msgs = {e["node_id"]: e["error_message"]
                    for e in ordered(r.body).get("response_error", [])}
            assert r.body == hot_body(out, nxt.token(), msgs)
            if any(items is None for _, items in out):
                assert list(msgs) == [4]
            st = nxt
            if sum(len(i) for _, i in out if i) < 5:
                break
        assert token_text(st.token()) == "1,2,3,4,5,|0|0|"
    finally:
        fx.unblock_node(4)
    fx.wait_for(lambda: "response_error" not in ordered(
        get(c, fx_admin).body), timeout=30, what="node 4 answering again")


# The load sampler ------------------------------------------------------

def test_sampler_logs_a_failing_node_once(server, client, admin):
    """One worker samples every node each interval (1 s here); a node that
    stops answering is logged when it starts failing and when it works
    again, not on every tick."""
    log = server.log()
    assert log.count("sampler: catalog configured") >= 1
    # One worker only (restarts of the server or of that worker aside).
    assert set(re.findall(r"\[wrk (\d+)\]: sampler: \d+ node\(s\) every",
                          log)) == {"1"}
    mark = len(log)
    failed = "sampler: load_counters on n3 failed: "
    again = "sampler: load_counters on n3 works again"
    server.stop_node(3)
    try:
        server.wait_for(lambda: failed in server.log()[mark:], timeout=10,
                        what="the sampler to notice n3")
        time.sleep(3.5)                  # several more ticks
        assert server.log()[mark:].count(failed) == 1
    finally:
        server.start_node(3)
    server.wait_for(lambda: again in server.log()[mark:], timeout=30,
                    what="the sampler to reach n3 again")
    tail = server.log()[mark:]
    assert tail.count(failed) == 1 and tail.count(again) == 1
    assert "sampler: record_sample" not in tail
    server.wait_for(lambda: "response_error" not in ordered(
        get(client, admin).body), timeout=30, what="node 3 answering again")
