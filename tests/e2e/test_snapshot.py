"""The per-worker cluster snapshot and O(page) pagination (issue 10 items
3 and 4), on fixture databases of their own (3 nodes, 20,000 ranges,
3,000 sessions) behind two servers: `live` reads every request live
(snapshot_max_age_ms 0), `snap` serves node status, hot ranges and
sessions from memory (snapshot_max_age_ms 3000).  The fixture's rows are
static, so both must answer every request with the same bytes; a row
changed on purpose shows the staleness bound from both sides."""

import time

import pytest

import fixture as fx
from pagewalk import make_token

NODES, RANGES, SESSIONS = 3, 20000, 3000
MAX_AGE_MS = 3000
USERS = ["root", "demo_admin", "demo_user", "alice", "bob"]


@pytest.fixture(scope="module")
def dbs(server):
    return fx.build_fixture(server, prefix="rgsnap_", nodes=NODES,
                            ranges=RANGES, sessions=SESSIONS, seed=7)


def _server(server, dbs, name, max_age):
    s = fx.FixtureServer(server, name, {
        i + 1: (db, "n%d" % (i + 1)) for i, db in enumerate(dbs)},
        extra_conf="node_timeout_ms 1500\nsnapshot_max_age_ms %d\n"
        % max_age)
    s.start()
    return s


@pytest.fixture(scope="module")
def live(server, dbs):
    s = _server(server, dbs, "snap-live", 0)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def snap(server, dbs):
    s = _server(server, dbs, "snap-mem", MAX_AGE_MS)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def tokens(live, snap):
    return {"live": live.client().login(*live.admin),
            "snap": snap.client().login(*snap.admin)}


def body(server, tok, path):
    r = server.client().get(path, session=tok)
    assert r.status == 200, (path, r)
    return r.body


def paths():
    """Every snapshot-served request shape, deep pages and filters too."""
    out = ["/api/v2/nodes/", "/api/v2/nodes/?limit=2&offset=1",
           "/api/v2/ranges/hot/", "/api/v2/ranges/hot/?node_id=2",
           "/api/v2/ranges/hot/?limit=50",
           "/api/v2/ranges/hot/?limit=50&start=" + make_token("|2|100|3,"),
           "/api/v2/sessions/", "/api/v2/sessions/?limit=7",
           "/api/v2/sessions/?limit=100&start=" + make_token("1,|2|990|3,"),
           "/api/v2/sessions/?limit=100&start=" + make_token("1,2,|3|999|"),
           "/api/v2/sessions/?username=nobody",
           "/api/v2/sessions/?username=%ff%fe"]
    for u in USERS:
        out.append("/api/v2/sessions/?username=%s&limit=30" % u)
        out.append("/api/v2/sessions/?username=%s&limit=30&start=%s" % (
            u, make_token("1,|2|150|3,")))
    return out


def test_snapshot_answers_like_live(live, snap, tokens):
    """Same bytes as the live server, before and after the copies exist
    (the first pass warms them; later passes are served from memory)."""
    want = {p: body(live, tokens["live"], p) for p in paths()}
    for _ in range(3):
        for p in paths():
            assert body(snap, tokens["snap"], p) == want[p], p
        time.sleep(0.5)


def _ranges_rows(live, node):
    return fx.query(live.db(node), "SELECT %s FROM roachgate.ranges "
                    "ORDER BY range_id" % fx.RANGE_COLS)


@pytest.mark.parametrize("node", [1, 3])
def test_deep_offset_pages_equal_the_catalog(live, snap, tokens, node):
    """Offset pages at any depth, the last one included, are the
    catalog's rows at that offset (the readers seek range_position)."""
    rows = _ranges_rows(live, node)
    names = {"n%d" % i: i for i in range(1, NODES + 1)}
    n = len(rows)
    for limit, offset in [(100, 0), (100, n // 2), (100, n - 100),
                          (100, n - 37), (7, n - 1), (100, n), (50, n + 10)]:
        want = {"ranges": [fx.expected_range_info(r, node, names)
                           for r in rows[offset:offset + limit]]}
        if offset + limit < n:
            want["next"] = offset + limit
        path = "/api/v2/nodes/%d/ranges/?limit=%d&offset=%d" % (
            node, limit, offset)
        for s, k in ((live, "live"), (snap, "snap")):
            assert body(s, tokens[k], path).decode() == fx.go_json(want), \
                (k, limit, offset)


def _set_app(live, node, session_pos, app):
    fx.query(live.db(node), "UPDATE roachgate.sessions SET "
             "application_name = %s WHERE session_position = %s",
             (app, session_pos))


def _first_app(server, tok, node):
    path = "/api/v2/sessions/?limit=1&start=" + make_token("|%d|0|" % node)
    page = fx.ordered(body(server, tok, path))
    return page["sessions"][0].get("application_name", "")


def test_changes_appear_within_the_bound(live, snap, tokens):
    """A change is never served later than snapshot_max_age_ms after it
    was committed; and the copy is really used: right after a change,
    the previous value is still served (until a refresh)."""
    orig = fx.query(live.db(2), "SELECT application_name FROM "
                    "roachgate.sessions WHERE session_position = 0")[0][0]
    stale = False
    try:
        for i in range(40):
            before = _first_app(snap, tokens["snap"], 2)
            _set_app(live, 2, 0, "rg-snap-%d" % i)
            now = _first_app(snap, tokens["snap"], 2)
            stale = stale or now == before
            time.sleep(MAX_AGE_MS / 1000.0 + 0.2)
            assert _first_app(snap, tokens["snap"], 2) == "rg-snap-%d" % i
            assert _first_app(live, tokens["live"], 2) == "rg-snap-%d" % i
            if stale:
                break
        assert stale, "every answer was live: the snapshot was never used"
    finally:
        _set_app(live, 2, 0, orig)
