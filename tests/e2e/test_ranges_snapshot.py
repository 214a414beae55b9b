"""The ranges snapshot (issue 10): /nodes/{id}/ranges/ and /ranges/{id}/
served from each worker's copy of a node's whole ranges list.

Fixture databases of their own (3 nodes, 3,000 ranges each) behind three
servers: `live` reads every request live (snapshot_max_age_ms 0), `snap`
keeps the lists (snapshot_max_ranges above the fixture's size), `small`
has snapshot_max_ranges below it, so its nodes are read live.  The
fixture's rows are static, so all three must answer with the same bytes;
a row changed on purpose shows the staleness bound from both sides and
that `small` really reads live.  A server on the demo cluster shows a new
table's range appearing within the bound (the postgres provider)."""

import os
import shutil
import time

import pytest

import fixture as fx
from rgtest import Server

NODES, RANGES = 3, 3000
MAX_AGE_MS = 3000
PARTIAL = []    # a range nodes 1 and 2 hold, node 3 not (set by dbs)


@pytest.fixture(scope="module")
def dbs(server):
    names = fx.build_fixture(server, prefix="rgrsnap_", nodes=NODES,
                             ranges=RANGES, sessions=10, seed=11)
    # A range that every node held, gone from node 3 (positions renumbered
    # to stay dense, as the readers need): held by some nodes only.
    dsns = [fx.db_dsn(server, n) for n in names]
    held = [{r[0] for r in fx.query(d, "SELECT range_id FROM "
                                    "roachgate.ranges")} for d in dsns]
    common = sorted(held[0] & held[1] & held[2])
    PARTIAL.append(common[len(common) // 2])
    pos = fx.query(dsns[2], "DELETE FROM roachgate.ranges WHERE range_id "
                   "= %s RETURNING range_position", (PARTIAL[0],))[0][0]
    fx.query(dsns[2], "UPDATE roachgate.ranges SET range_position = "
             "-range_position - 1 WHERE range_position > %s", (pos,))
    fx.query(dsns[2], "UPDATE roachgate.ranges SET range_position = "
             "-range_position - 2 WHERE range_position < 0")
    return names


def _server(server, dbs, name, conf):
    s = fx.FixtureServer(server, name, {
        i + 1: (db, "n%d" % (i + 1)) for i, db in enumerate(dbs)},
        extra_conf="node_timeout_ms 1500\n" + conf)
    s.start()
    return s


@pytest.fixture(scope="module")
def live(server, dbs):
    s = _server(server, dbs, "rsnap-live", "snapshot_max_age_ms 0\n")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def snap(server, dbs):
    s = _server(server, dbs, "rsnap-mem", "snapshot_max_age_ms %d\n"
                "snapshot_max_ranges %d\n" % (MAX_AGE_MS, RANGES * 2))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def small(server, dbs):
    s = _server(server, dbs, "rsnap-small", "snapshot_max_age_ms %d\n"
                "snapshot_max_ranges 10\n" % MAX_AGE_MS)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def tokens(live, snap, small):
    return {s: s.client().login(*s.admin) for s in (live, snap, small)}


def body(server, tok, path):
    r = server.client().get(path, session=tok)
    assert r.status == 200, (path, r)
    return r.body


def _ids(live, node):
    return [r[0] for r in fx.query(live.db(node), "SELECT range_id FROM "
                                   "roachgate.ranges ORDER BY range_id")]


def paths(live):
    """Pages first, middle and last, no limit, filters, ranges by id."""
    ids = {n: _ids(live, n) for n in range(1, NODES + 1)}
    n3 = len(ids[3])
    only1 = sorted(set(ids[1]) - set(ids[2]) - set(ids[3]))
    common = sorted(set(ids[1]) & set(ids[2]) & set(ids[3]))
    absent = max(max(v) for v in ids.values()) + 12345
    flt = [ids[2][5], ids[2][5], absent, ids[2][900], 1, ids[2][-1],
           ids[1][3]]
    rflt = ",".join(str(i) for i in reversed(flt))
    out = ["/api/v2/nodes/1/ranges/?limit=10",
           "/api/v2/nodes/local/ranges/?limit=100",
           "/api/v2/nodes/2/ranges/?limit=100&offset=%d" % (n3 // 2),
           "/api/v2/nodes/3/ranges/?limit=100&offset=%d" % (n3 - 37),
           "/api/v2/nodes/3/ranges/?limit=7&offset=%d" % (n3 - 7),
           "/api/v2/nodes/3/ranges/?limit=50&offset=%d" % (n3 + 10),
           "/api/v2/nodes/1/ranges/",
           "/api/v2/nodes/2/ranges/?offset=17",
           "/api/v2/nodes/2/ranges/?limit=0&offset=17",
           "/api/v2/nodes/2/ranges/?ranges=" + rflt,
           "/api/v2/nodes/2/ranges/?ranges=%s&limit=2" % rflt,
           "/api/v2/nodes/2/ranges/?ranges=%s&limit=2&offset=1" % rflt,
           "/api/v2/nodes/2/ranges/?ranges=%s&limit=3&offset=3" % rflt,
           "/api/v2/nodes/2/ranges/?ranges=%d" % absent,
           "/api/v2/ranges/%d/" % common[0],
           "/api/v2/ranges/%d/" % absent,
           "/api/v2/ranges/%d/" % PARTIAL[0]]
    if only1:
        out.append("/api/v2/ranges/%d/" % only1[0])
    for n in (2, 3):
        part = sorted(set(ids[n]) - set(common))
        if part:
            out.append("/api/v2/ranges/%d/" % part[len(part) // 2])
    return out


def test_answers_like_live(live, snap, small, tokens):
    """Same bytes as live, before the copies exist (the first pass reads
    live and starts them) and after (served from memory)."""
    ps = paths(live)
    want = {p: body(live, tokens[live], p) for p in ps}
    assert b'"next":' in want[ps[2]] and b'"next":' not in want[ps[3]]
    part = want["/api/v2/ranges/%d/" % PARTIAL[0]]
    assert b'"1":{' in part and b'"2":{' in part and b'"3":{' not in part
    for _ in range(3):
        for p in ps:
            assert body(snap, tokens[snap], p) == want[p], p
            assert body(small, tokens[small], p) == want[p], p
        time.sleep(0.5)


def _set_qps(live, node, pos, qps):
    fx.query(live.db(node), "UPDATE roachgate.ranges SET "
             "queries_per_second = %s WHERE range_position = %s",
             (qps, pos))


def _first_qps(server, tok, node):
    page = fx.ordered(body(server, tok,
                           "/api/v2/nodes/%d/ranges/?limit=1" % node))
    return page["ranges"][0]["stats"]["queries_per_second"]


def _one_qps(server, tok, rid, node):
    page = fx.ordered(body(server, tok, "/api/v2/ranges/%d/" % rid))
    return page["responses_by_node_id"][str(node)]["range_info"][
        "stats"]["queries_per_second"]


def test_changes_appear_within_the_bound(live, snap, small, tokens):
    """A change is served within snapshot_max_age_ms, by both routes; the
    copy is really used (right after a change the old value is still
    served, at least once); a node above snapshot_max_ranges is read live
    (the change is served at once, every time)."""
    orig, rid = fx.query(live.db(2), "SELECT queries_per_second, range_id "
                         "FROM roachgate.ranges WHERE range_position = 0")[0]
    stale = False
    try:
        for i in range(40):
            before = _first_qps(snap, tokens[snap], 2)
            _one_qps(snap, tokens[snap], rid, 2)
            qps = 1000.5 + i
            _set_qps(live, 2, 0, qps)
            stale = stale or _first_qps(snap, tokens[snap], 2) == before
            assert _first_qps(small, tokens[small], 2) == qps
            assert _one_qps(small, tokens[small], rid, 2) == qps
            time.sleep(MAX_AGE_MS / 1000.0 + 0.2)
            assert _first_qps(snap, tokens[snap], 2) == qps
            assert _one_qps(snap, tokens[snap], rid, 2) == qps
            if stale:
                break
        assert stale, "every answer was live: the snapshot was never used"
    finally:
        _set_qps(live, 2, 0, orig)


class DemoServer(fx.FixtureServer):
    """A second roachgate on the session's demo cluster (postgres
    provider, the configuration scripts/mkconf.sh writes from it) with
    extra_conf of its own; teardown stops only this server."""

    def __init__(self, base, name, extra_conf):
        super().__init__(base, name, {n: (None, "n%d" % n)
                                      for n in base.node_ids},
                         extra_conf=extra_conf)

    def start(self, extra_conf=None):
        # The demo's own configuration (Server.start), not a fixture's.
        Server.start(self, extra_conf)


def _range_ids(server, tok):
    page = fx.ordered(body(server, tok, "/api/v2/nodes/1/ranges/"))
    return {r["desc"]["range_id"] for r in page["ranges"]}


def test_new_relation_appears_within_the_bound(server):
    """postgres provider: a table created on the primary is listed by
    /nodes/1/ranges/ within snapshot_max_age_ms, and is not listed right
    after it was created at least once (the copy is used)."""
    s = DemoServer(server, "rsnap-demo", "node_timeout_ms 3000\n"
                   "snapshot_max_age_ms %d\n" % MAX_AGE_MS)
    s.start()
    made = []
    try:
        tok = s.client().login(*s.admin)
        stale = False
        for i in range(20):
            _range_ids(s, tok)
            name = "rg_rsnap_%d_%d" % (os.getpid(), i)
            fx.query(server.superuser_dsn(1), "CREATE TABLE public.%s "
                     "(k int PRIMARY KEY)" % name)
            made.append(name)
            rid = fx.query(server.superuser_dsn(1), "SELECT %s::regclass"
                           "::oid::int8 << 16", ("public." + name,))[0][0]
            stale = stale or rid not in _range_ids(s, tok)
            time.sleep(MAX_AGE_MS / 1000.0 + 0.2)
            assert rid in _range_ids(s, tok), name
            if stale:
                break
        assert stale, "every answer was live: the snapshot was never used"
    finally:
        for name in made:
            fx.query(server.superuser_dsn(1), "DROP TABLE IF EXISTS "
                     "public.%s" % name)
        s.teardown()
        if not os.environ.get("RG_KEEP_RUN"):
            shutil.rmtree(s.dir, ignore_errors=True)

