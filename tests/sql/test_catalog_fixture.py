"""The fixture generator (scripts/fixture.sh)."""
import os
import time

import pytest

from sqlcat import FIXTURE_ARGS, encode_uvarint, run_fixture

TABLES = ["node_status", "ranges", "sessions"]


def digest(server, db, table):
    """md5 of a table's rows in a fixed order."""
    return server.query(1, """SELECT count(*), md5(coalesce(string_agg(t::text, '|'
        ORDER BY t::text COLLATE "C"), '')) FROM roachgate.%s t""" % table, db=db)[0]


def all_ranges(server, dbs):
    """{range_id: row} over all node databases, and the holders of each id."""
    merged, holders = {}, {}
    for i, db in enumerate(dbs, 1):
        rows = server.query(1, """SELECT range_id, start_key, end_key, start_pretty,
            end_pretty, replica_names, leaseholder_name, lease_start, underreplicated,
            table_name FROM roachgate.ranges""", db=db)
        for r in rows:
            r = (r[0], bytes(r[1]), bytes(r[2])) + tuple(r[3:])
            if r[0] in merged:
                assert merged[r[0]] == r, "range %d differs between replicas" % r[0]
            merged[r[0]] = r
            holders.setdefault(r[0], set()).add("n%d" % i)
    return merged, holders


def test_same_seed_same_data(fixture_server, fixture_dbs):
    again = run_fixture(fixture_server, "rgfixb_", **FIXTURE_ARGS)
    for a, b in zip(fixture_dbs, again):
        for t in TABLES:
            assert digest(fixture_server, a, t) == digest(fixture_server, b, t), (a, t)


def test_other_seed_other_data(fixture_server, fixture_dbs):
    args = dict(FIXTURE_ARGS, seed=FIXTURE_ARGS["seed"] + 1)
    other = run_fixture(fixture_server, "rgfixc_", **args)
    for t in ("ranges", "sessions"):
        assert digest(fixture_server, fixture_dbs[0], t) != \
            digest(fixture_server, other[0], t), t


def test_counts_as_asked(fixture_server, fixture_dbs):
    merged, holders = all_ranges(fixture_server, fixture_dbs)
    assert sorted(merged) == list(range(1, FIXTURE_ARGS["ranges"] + 1))
    for rid, row in merged.items():
        assert set(row[5]) == holders[rid], rid           # replica list = holders
        assert len(row[5]) == (2 if row[8] else 3), rid   # 3 replicas, 2 if under
        assert row[6] in row[5]
    sessions = sum(fixture_server.query(1, "SELECT count(*) FROM roachgate.sessions",
                                        db=db)[0][0] for db in fixture_dbs)
    assert sessions == FIXTURE_ARGS["sessions"]
    for db in fixture_dbs:
        assert fixture_server.query(1, "SELECT count(*) FROM roachgate.node_status",
                                    db=db) == [(1,)]
    active = sum(fixture_server.query(1, """SELECT count(*) FROM roachgate.sessions
        WHERE query_id IS NOT NULL""", db=db)[0][0] for db in fixture_dbs)
    in_txn = sum(fixture_server.query(1, """SELECT count(*) FROM roachgate.sessions
        WHERE txn_id IS NOT NULL""", db=db)[0][0] for db in fixture_dbs)
    assert 0 < active <= in_txn < FIXTURE_ARGS["sessions"]


def test_keys_sorted_and_contiguous(fixture_server, fixture_dbs):
    merged, _ = all_ranges(fixture_server, fixture_dbs)
    rows = [merged[k] for k in sorted(merged)]
    assert rows[0][1] == encode_uvarint(100)
    for a, b in zip(rows, rows[1:]):
        assert a[1] < a[2] == b[1], (a[0], b[0])  # range_id order = key order
    keys = [r[1] for r in rows]
    assert keys == sorted(keys)


def test_zipf_load(fixture_server, fixture_dbs):
    top = max(fixture_server.query(1, "SELECT max(queries_per_second) FROM roachgate.ranges",
                                   db=db)[0][0] for db in fixture_dbs)
    assert top == pytest.approx(1000.0)
    # the hottest range's leaseholder carries it; other replicas a tenth
    for db in fixture_dbs:
        rows = fixture_server.query(1, """SELECT queries_per_second, leaseholder_name,
            (SELECT node_name FROM roachgate.node_status) FROM roachgate.ranges
            ORDER BY queries_per_second DESC LIMIT 50""", db=db)
        for qps, lh, me in rows:
            assert qps > 0
            if lh != me:
                assert qps <= 100.0 + 1e-9


@pytest.mark.skipif(os.environ.get("RG_SQLTEST_SKIP_BIG") == "1",
                    reason="RG_SQLTEST_SKIP_BIG=1")
def test_one_million_ranges(fixture_server, capsys):
    t0 = time.monotonic()
    dbs = run_fixture(fixture_server, "rgbig_", nodes=3, ranges=1000000,
                      sessions=10000, seed=7)
    elapsed = time.monotonic() - t0
    per_node = [fixture_server.query(1, "SELECT count(*) FROM roachgate.ranges",
                                     db=db)[0][0] for db in dbs]
    with capsys.disabled():
        print("\nfixture.sh: 1,000,000 ranges x 3 nodes (%s rows), 10,000 sessions: %.1f s"
              % ("+".join(map(str, per_node)), elapsed))
    # with 3 nodes every range is on every node, except under-replicated ones
    assert all(990000 < n <= 1000000 for n in per_node)
    for db in dbs:
        fixture_server.query(1, "DROP DATABASE %s WITH (FORCE)" % db, user="postgres",
                             db="postgres")
