"""GET /api/v2/sessions/ (src/REFERENCE.md, "GET /sessions/" and
"Token pagination"; issue 5 items 5-6), over
verified TLS, on the live demo cluster and on the fixture provider."""

import base64
import re
import struct
import threading
import uuid

import psycopg2
import pytest

from fixture import go_json, ordered, shared_fixture_server
from pagewalk import (PageState, ZERO_TIME, ZERO_TOKEN, expected_page,
                      expected_walk, go_time, make_token, token_text, walk)

PATH = "/api/v2/sessions/"
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$")
ERR_RE = re.compile(r"^(failed to dial into node 3|error requesting session "
                    r"list from node 3) \(NODE_STATUS_[A-Z]+\): [a-z ]+$")

COLS = ("session_id, username, client_address, application_name, start, "
        "last_active_query, alloc_bytes, max_alloc_bytes, "
        "last_active_query_anon, query_id, query_txn_id, query_sql, "
        "query_start, query_is_distributed, query_phase, query_progress, "
        "query_sql_anon, txn_id, txn_start, txn_description, "
        "txn_num_statements_executed, txn_num_retries, txn_num_auto_retries, "
        "txn_deadline, txn_implicit, txn_alloc_bytes, txn_max_alloc_bytes, "
        "txn_read_only, txn_is_historical, txn_priority")


# The reference's Session from a catalog row ----------------------------

def tm(ns):
    return go_time(ns) if ns else ZERO_TIME


def f32(v):
    """A float whose shortest repr is Go's float32 text of v."""
    x = struct.unpack("f", struct.pack("f", v))[0]
    for p in range(1, 10):
        s = "%.*g" % (p, x)
        if struct.unpack("f", struct.pack("f", float(s)))[0] == x:
            return float(s)
    return x


def put(o, key, v):
    """gogoproto omitempty: zero values are left out."""
    if v:
        o[key] = v


def expected_session(r, node):
    o = {"node_id": node}
    put(o, "username", r["username"])
    put(o, "client_address", r["client_address"])
    put(o, "application_name", r["application_name"])
    if r["query_id"] is not None:
        q = {}
        put(q, "id", r["query_id"])
        q["txn_id"] = r["query_txn_id"] or ZERO_UUID
        put(q, "sql", r["query_sql"])
        q["start"] = tm(r["query_start"])
        put(q, "is_distributed", r["query_is_distributed"])
        put(q, "phase", r["query_phase"])
        if r["query_progress"]:
            q["progress"] = f32(r["query_progress"])
        put(q, "sql_anon", r["query_sql_anon"])
        o["active_queries"] = [q]
    o["start"] = tm(r["start"])
    put(o, "last_active_query", r["last_active_query"])
    if r["session_id"]:
        o["id"] = base64.b64encode(bytes(r["session_id"])).decode()
    put(o, "alloc_bytes", r["alloc_bytes"])
    put(o, "max_alloc_bytes", r["max_alloc_bytes"])
    if r["txn_id"] is not None:
        t = {"id": r["txn_id"], "start": tm(r["txn_start"])}
        put(t, "txn_description", r["txn_description"])
        put(t, "num_statements_executed", r["txn_num_statements_executed"])
        put(t, "num_retries", r["txn_num_retries"])
        put(t, "num_auto_retries", r["txn_num_auto_retries"])
        t["deadline"] = tm(r["txn_deadline"])
        put(t, "implicit", r["txn_implicit"])
        put(t, "alloc_bytes", r["txn_alloc_bytes"])
        put(t, "max_alloc_bytes", r["txn_max_alloc_bytes"])
        put(t, "read_only", r["txn_read_only"])
        put(t, "is_historical", r["txn_is_historical"])
        put(t, "priority", r["txn_priority"])
        o["active_txn"] = t
    put(o, "last_active_query_anon", r["last_active_query_anon"])
    return o


def catalog_rows(dsn, where="true", params=None):
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT %s FROM roachgate.sessions WHERE %s "
                        "ORDER BY start, session_id" % (COLS, where), params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        conn.close()


def body_of(sessions, errors=None, next_tok=ZERO_TOKEN):
    o = {}
    if sessions:
        o["sessions"] = sessions
    if errors:
        o["errors"] = errors
    o["next"] = next_tok
    return go_json(o).encode()


# Requests --------------------------------------------------------------

def assert_plain(r, status, text):
    assert r.status == status, r
    assert r.text == text
    assert r.header("content-type") == "text/plain; charset=utf-8"


def get(client, tok, qs=""):
    r = client.get(PATH + ("?" + qs if qs else ""), session=tok)
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    return r


def page_ids(body):
    """[(node_id, id)] of a page, in order."""
    return [(s["node_id"], s["id"]) for s in body.get("sessions", [])]


def lists_by_node(body, nodes):
    out = {n: [] for n in nodes}
    for s in body.get("sessions", []):
        out[s["node_id"]].append(s["id"])
    return out


def check_walk(client, tok, qs, lists, limit):
    """Walk with `limit`; every page and token as paginationState says."""
    def fetch(start):
        q = "%slimit=%d" % (qs + "&" if qs else "", limit)
        if start is not None:
            q += "&start=" + start
        return ordered(get(client, tok, q).body)

    bodies = walk(fetch, limit, lambda b: len(b.get("sessions", [])))
    pages = expected_walk(lists, limit)
    assert len(bodies) == len(pages)
    seen = []
    for body, (out, next_tok) in zip(bodies, pages):
        want = [(n, i) for n, items in out if items for i in items]
        assert page_ids(body) == want
        errs = [n for n, items in out if items is None]
        assert [e["node_id"] for e in body.get("errors", [])] == errs
        assert body["next"] == next_tok
        seen += want
    return seen


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


def connect(server, node, app, user="demo_user"):
    pw = server.env["DEMO_USER_PASSWORD" if user == "demo_user"
                    else "DEMO_ADMIN_PASSWORD"]
    return psycopg2.connect(host="127.0.0.1", port=server.node_port(node),
                            dbname=server.env["ROACHGATE_DB"], user=user,
                            password=pw, application_name=app,
                            sslmode="disable", gssencmode="disable")


class Sessions:
    """Client sessions held open on given nodes for one test."""

    def __init__(self, server):
        self.server = server
        self.tag = "rgt-%s" % uuid.uuid4().hex[:10]
        self.conns = []

    def open(self, node, name, user="demo_user"):
        c = connect(self.server, node, "%s-%s" % (self.tag, name), user)
        self.conns.append(c)
        return c

    def close(self):
        for c in self.conns:
            try:
                c.cancel()
                c.close()
            except psycopg2.Error:
                pass


def settle(server, client, admin, tag):
    """Wait until every demo_user session is one of this test's: backends
    of connections closed by earlier tests exit asynchronously."""
    def ok():
        body = ordered(get(client, admin, "username=demo_user").body)
        return all(s.get("application_name", "").startswith(tag)
                   for s in body.get("sessions", []))
    server.wait_for(ok, timeout=15, what="demo_user sessions to settle")


@pytest.fixture
def sessions(server):
    s = Sessions(server)
    yield s
    s.close()


# Authentication --------------------------------------------------------

def test_requires_a_session(client):
    assert_plain(client.get(PATH), 401, "invalid session header\n")


def test_requires_admin(server, client):
    tok = client.login(*server.user)
    r = client.get(PATH, session=tok)
    assert_plain(r, 403, "user not allowed to access this endpoint\n")


# Live cluster ----------------------------------------------------------

def wait_active(server, node, app):
    dsn = server.superuser_dsn(node)
    server.wait_for(lambda: catalog_rows(
        dsn, "application_name = %s AND query_id IS NOT NULL", (app,)),
        timeout=10, what="the running query of " + app)


def test_sessions_appear_on_their_node_exactly(server, client, admin,
                                               sessions):
    sessions.open(2, "idle")
    txn = sessions.open(2, "txn")
    with txn.cursor() as cur:          # psycopg2 opens a transaction
        cur.execute("SELECT 1")
    sleeper = sessions.open(3, "sleep")
    sleeper.autocommit = True
    t = threading.Thread(target=lambda: _sleep(sleeper), daemon=True)
    t.start()
    wait_active(server, 3, sessions.tag + "-sleep")

    r = get(client, admin)
    body = ordered(r.body)
    assert list(body) == ["sessions", "next"]
    assert body["next"] == ZERO_TOKEN
    mine = {s["application_name"][len(sessions.tag) + 1:]: s
            for s in body["sessions"]
            if s.get("application_name", "").startswith(sessions.tag)}
    assert {k: s["node_id"] for k, s in mine.items()} == \
        {"idle": 2, "txn": 2, "sleep": 3}

    idle, txs, slp = mine["idle"], mine["txn"], mine["sleep"]
    assert "active_queries" not in idle and "active_txn" not in idle
    assert "active_queries" not in txs
    assert txs["last_active_query"] == "SELECT 1"
    assert UUID_RE.match(txs["active_txn"]["id"])
    assert txs["active_txn"]["deadline"] == ZERO_TIME
    assert txs["active_txn"]["read_only"] is True
    assert "implicit" not in txs["active_txn"]
    q = slp["active_queries"]
    assert len(q) == 1 and q[0]["phase"] == 1
    assert q[0]["sql"] == "SELECT pg_sleep(60)"
    assert q[0]["sql_anon"] == "SELECT pg_sleep(_)"
    assert re.match(r"^[0-9a-f]{32}$", q[0]["id"])
    assert q[0]["txn_id"] == slp["active_txn"]["id"]
    assert slp["active_txn"]["implicit"] is True
    assert "last_active_query" not in slp
    for s in mine.values():
        assert len(base64.b64decode(s["id"])) == 16
        assert TIME_RE.match(s["start"])
        assert s["username"] == "demo_user"
        assert re.match(r"^127\.0\.0\.1:\d+$", s["client_address"])
        assert "alloc_bytes" not in s and "max_alloc_bytes" not in s

    # Field order, omitempty and every value: byte for byte what Go
    # writes for the catalog's rows.
    for name, node in (("idle", 2), ("txn", 2), ("sleep", 3)):
        rows = catalog_rows(server.superuser_dsn(node),
                            "application_name = %s",
                            (sessions.tag + "-" + name,))
        assert len(rows) == 1
        assert go_json(expected_session(rows[0], node)).encode() in r.body

    # Overall order: node id, then start, then id.
    keys = [(s["node_id"], s["start"]) for s in body["sessions"]]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    sleeper.cancel()
    t.join(10)


def _sleep(conn):
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_sleep(60)")
    except psycopg2.Error:
        pass


def test_username_filter(server, client, admin, sessions):
    sessions.open(1, "a")
    sessions.open(2, "b")
    sessions.open(3, "c", user="demo_admin")

    body = ordered(get(client, admin, "username=demo_user").body)
    users = {s["username"] for s in body["sessions"]}
    assert users == {"demo_user"}
    apps = {s.get("application_name") for s in body["sessions"]}
    assert {sessions.tag + "-a", sessions.tag + "-b"} <= apps
    assert sessions.tag + "-c" not in apps

    body = ordered(get(client, admin, "username=demo_admin").body)
    assert {s["username"] for s in body["sessions"]} == {"demo_admin"}
    assert [s["node_id"] for s in body["sessions"]
            if s.get("application_name") == sessions.tag + "-c"] == [3]

    # No match is an empty list, never an error: any bytes (invalid
    # UTF-8, NUL, a name longer than Kore's validator allows) simply
    # match nobody, as in CockroachDB.
    for u in ["nobody", "DEMO_USER", "demo_user%20", "%FF%FE", "demo_user%00",
              "x" * 300, "%22%3Cscript%3E"]:
        r = get(client, admin, "username=" + u)
        assert r.body == b'{"next":"fDB8MHw="}', u

    # Empty means everyone; the first value wins.
    everyone = get(client, admin).body
    users = {s["username"] for s in ordered(everyone)["sessions"]}
    assert {"demo_user", "demo_admin"} <= users
    assert ordered(get(client, admin, "username=").body)["sessions"]
    r = get(client, admin, "username=nobody&username=demo_user")
    assert r.body == b'{"next":"fDB8MHw="}'


@pytest.mark.parametrize("limit", range(1, 8))
def test_live_pagination_walk(server, client, admin, sessions, limit):
    # As CockroachDB's TestListSessionsV2: pages of at most `limit`, until
    # a short one; together exactly the unpaginated list.
    for node, n in ((1, 4), (2, 3), (3, 3)):
        for i in range(n):
            sessions.open(node, "%d-%d" % (node, i))
    settle(server, client, admin, sessions.tag)
    qs = "username=demo_user"
    full = ordered(get(client, admin, qs).body)
    assert len(full["sessions"]) >= 10
    lists = lists_by_node(full, server.node_ids)
    seen = check_walk(client, admin, qs, lists, limit)
    assert seen == page_ids(full)


def test_bad_start_restarts_from_the_beginning(server, client, admin,
                                               sessions):
    for node in (1, 2, 3):
        sessions.open(node, "s%d" % node)
    settle(server, client, admin, sessions.tag)
    qs = "username=demo_user&limit=2"
    first = get(client, admin, qs).body
    assert ordered(first)["next"] != ZERO_TOKEN
    for bad in ["!!!", "garbage", "fDB8MHw", make_token("1,2|x|"),
                make_token("|1|-1|"), make_token("|0|5|"),
                make_token("a,|1|0|"), make_token("|1|0|2|"),
                make_token("0,|1|0|"), "%00", "fDB8MHw%3D%00"]:
        assert get(client, admin, qs + "&start=" + bad).body == first, bad
    # Go's base64 decoder skips newlines: still the zero state.
    assert get(client, admin, qs + "&start=fDB8%0AMHw=").body == first


def test_no_limit_means_everything(server, client, admin, sessions):
    for node in (1, 2, 3):
        sessions.open(node, "s%d" % node)
    settle(server, client, admin, sessions.tag)
    qs = "username=demo_user"
    full = get(client, admin, qs).body
    assert ordered(full)["next"] == ZERO_TOKEN
    mid = make_token("1,|2|1|3,")
    for lim in ["0", "-1", "abc", "1.5", "", "%2B0", "99999999999999999999"]:
        assert get(client, admin, qs + "&limit=" + lim).body == full, lim
        # Without a limit the token is ignored.
        assert get(client, admin, "%s&limit=%s&start=%s" % (qs, lim, mid)
                   ).body == full
    # A huge limit is a limit: everything, with a finished token.
    body = ordered(get(client, admin,
                       qs + "&limit=9223372036854775807").body)
    assert page_ids(body) == page_ids(ordered(full))
    assert token_text(body["next"]) == "1,2,3,|0|0|"
    assert ordered(get(client, admin, qs + "&limit=%2B5").body)["next"] \
        != ZERO_TOKEN


def test_stopped_standby_is_an_error_entry(server, client, admin, sessions):
    sessions.open(1, "one")
    sessions.open(2, "two")
    settle(server, client, admin, sessions.tag)
    qs = "username=demo_user"
    server.stop_node(3)
    try:
        r = get(client, admin, qs)
        body = ordered(r.body)
        assert list(body) == ["sessions", "errors", "next"]
        assert len(body["errors"]) == 1
        err = body["errors"][0]
        assert list(err) == ["node_id", "message"]
        assert err["node_id"] == 3
        assert ERR_RE.match(err["message"]), err
        assert {s["node_id"] for s in body["sessions"]} <= {1, 2}
        apps = {s.get("application_name") for s in body["sessions"]}
        assert {sessions.tag + "-one", sessions.tag + "-two"} <= apps
        assert body["next"] == ZERO_TOKEN

        # Paginated: the failed node is reported in the page that reaches
        # it and skipped; the state machine goes on as CockroachDB's.
        lists = lists_by_node(body, [1, 2])
        lists[3] = None
        for limit in (1, 2, 3):
            check_walk(client, admin, qs, lists, limit)
    finally:
        server.start_node(3)
    server.wait_for(lambda: "errors" not in ordered(
        get(client, admin, qs).body), timeout=30,
        what="node 3 answering again")


# Fixture provider: 5 nodes, 500 sessions -------------------------------

@pytest.fixture(scope="module")
def fx(server):
    return shared_fixture_server(server)


@pytest.fixture(scope="module")
def fx_admin(fx):
    return fx.client().login(*fx.admin)


@pytest.fixture(scope="module")
def fx_rows(fx):
    return {n: catalog_rows(fx.db(n)) for n in fx.node_ids}


@pytest.fixture(scope="module")
def fx_expected(fx_rows):
    return {n: [expected_session(r, n) for r in rows]
            for n, rows in fx_rows.items()}


def all_of(expected):
    return [s for n in sorted(expected) for s in expected[n]]


def test_fixture_everything_exactly(fx, fx_admin, fx_expected):
    c = fx.client()
    r = get(c, fx_admin)
    assert r.body == body_of(all_of(fx_expected))
    body = ordered(r.body)
    assert len(body["sessions"]) == 500
    for n in fx.node_ids:
        assert sum(s["node_id"] == n for s in body["sessions"]) == 100


@pytest.mark.parametrize("limit", range(1, 8))
def test_fixture_pagination_walk_exactly(fx, fx_admin, fx_expected, limit):
    """Every page, byte for byte, for a walk over all 500 sessions."""
    c = fx.client()
    st = PageState()
    got, pages = [], 0
    while True:
        out, nxt = expected_page(st, limit, fx_expected)
        q = "limit=%d" % limit
        if pages:
            q += "&start=" + st.token()
        items = [s for _, ss in out for s in ss]
        r = get(c, fx_admin, q)
        assert r.body == body_of(items, next_tok=nxt.token()), (limit, pages)
        got += items
        st, pages = nxt, pages + 1
        if len(items) < limit:
            break
    assert got == all_of(fx_expected)
    assert token_text(st.token()) == "1,2,3,4,5,|0|0|"
    # A finished token keeps answering an empty page and itself.
    r = get(c, fx_admin, "limit=%d&start=%s" % (limit, st.token()))
    assert r.body == body_of([], next_tok=st.token())


def test_fixture_tokens(fx, fx_admin, fx_expected):
    c = fx.client()
    # 100 sessions a node: a page of 100 ends exactly at node 1's end.
    body = ordered(get(c, fx_admin, "limit=100").body)
    assert token_text(body["next"]) == "1,|2|0|3,4,5,"
    body = ordered(get(c, fx_admin, "limit=150&start=" + body["next"]).body)
    assert [s["node_id"] for s in body["sessions"]] == [2] * 100 + [3] * 50
    assert token_text(body["next"]) == "1,2,|3|50|4,5,"
    # Hand-made states are honoured as CockroachDB would.
    for text, limit in [("1,|2|40|3,4,5,", 7), ("|4|99|", 3),
                        ("5,|3|0|", 250), ("1,2,3,4,5,|0|0|", 4),
                        ("|5|1000|", 2)]:
        st = PageState(*_parse(text))
        out, nxt = expected_page(st, limit, fx_expected)
        items = [s for _, ss in out for s in ss]
        r = get(c, fx_admin, "limit=%d&start=%s" % (limit, make_token(text)))
        assert r.body == body_of(items, next_tok=nxt.token()), text


def _parse(text):
    q, ip, idx, t = text.split("|")
    ids = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    return ids(q), int(ip), int(idx), ids(t)


def test_fixture_unknown_node_in_token(fx, fx_admin, fx_expected):
    """A token naming a node the server does not know (a stale token):
    reported like a node that cannot be dialled, then skipped."""
    c = fx.client()
    text = "1,|99|0|2,"
    lists = dict(fx_expected)
    lists[99] = None
    st = PageState(*_parse(text))
    out, nxt = expected_page(st, 3, lists, nodes=fx.node_ids)
    assert [n for n, _ in out] == [99, 2]
    r = get(c, fx_admin, "limit=3&start=" + make_token(text))
    errors = [{"node_id": 99, "message": "failed to dial into node 99 "
               "(NODE_STATUS_UNKNOWN): unknown node"}]
    assert r.body == body_of(out[1][1], errors, nxt.token())
    assert token_text(nxt.token()) == "1,99,|2|3|3,4,5,"


def test_fixture_username(fx, fx_admin, fx_rows):
    c = fx.client()
    for user in ("alice", "root", "demo_user"):
        want = [expected_session(r, n) for n in sorted(fx_rows)
                for r in fx_rows[n] if r["username"] == user]
        assert want
        assert get(c, fx_admin, "username=" + user).body == body_of(want)
        # Filter and pagination together.
        lists = {n: [expected_session(r, n) for r in fx_rows[n]
                     if r["username"] == user] for n in fx_rows}
        out, nxt = expected_page(PageState(), 30, lists)
        items = [s for _, ss in out for s in ss]
        r = get(c, fx_admin, "username=%s&limit=30" % user)
        assert r.body == body_of(items, next_tok=nxt.token())
