"""Contract tests, run against both providers (postgres and fixture) on
every node, as the non-superuser roachgate role."""
import math
import re

import pytest

from sqlcat import encode_uvarint, parse_contract, pretty_key

RELATIONS, FUNCTIONS = parse_contract()
STATUS_RELATIONS = ["node_status", "ranges", "sessions", "web_sessions"]


def test_contract_document_is_complete():
    # eventlog: tests/sql/test_catalog_api.py
    assert sorted(RELATIONS) == sorted(STATUS_RELATIONS + ["eventlog"])
    for rel, cols in RELATIONS.items():
        names = [c for c, _ in cols]
        assert len(names) == len(set(names)), rel
        assert cols, rel
    assert set(FUNCTIONS) == {
        "roachgate.load_counters", "roachgate.record_sample",
        "roachgate.configure", "roachgate.is_admin", "roachgate.encode_uvarint",
        "roachgate.read_node_status", "roachgate.read_ranges",
        "roachgate.read_range", "roachgate.read_hot_ranges",
        "roachgate.read_sessions", "roachgate.log_node_event"}


@pytest.mark.parametrize("relation", STATUS_RELATIONS)
def test_relation_columns_and_types(provider, relation):
    want = RELATIONS[relation]
    for node in provider.nodes:
        rows = provider.query(node, """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""", ("roachgate.%s" % relation,))
        assert [tuple(r) for r in rows] == want, (provider.name, node)
        # readable by the non-superuser server role
        provider.query(node, "SELECT * FROM roachgate.%s LIMIT 1" % relation)


def test_functions(provider):
    for node in provider.nodes:
        rows = provider.query(node, """
            SELECT p.oid::regproc::text, pg_get_function_identity_arguments(p.oid),
                format_type(p.prorettype, NULL)
            FROM pg_proc p WHERE p.pronamespace = 'roachgate'::regnamespace""")
        have = {("roachgate." + r[0].split(".")[-1]): (r[1], r[2]) for r in rows}
        for name, sig in FUNCTIONS.items():
            assert have.get(name) == sig, (provider.name, node, name)


def test_roachgate_is_not_superuser(provider):
    assert provider.query(1, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") \
        == [(False,)]


@pytest.mark.parametrize("v", [0, 1, 109, 110, 255, 256, 65535, 65536, 16383,
                               2 ** 24 - 1, 2 ** 24, 2 ** 32 - 1, 2 ** 32,
                               2 ** 40, 2 ** 48 - 1, 2 ** 56, 2 ** 63 - 1, -1])
def test_encode_uvarint(provider, v):
    got = provider.query(1, "SELECT roachgate.encode_uvarint(%s)", (v,))[0][0]
    assert bytes(got) == encode_uvarint(v)


def test_encode_uvarint_cockroach_vectors(provider):
    # From CockroachDB pkg/util/encoding (EncodeUvarintAscending).
    vectors = {0: "88", 1: "89", 109: "f5", 110: "f66e", 1 << 8: "f70100",
               (1 << 16) - 1: "f7ffff", 1 << 16: "f8010000",
               (1 << 64) - 1: "fdffffffffffffffff"}
    for v, hexed in vectors.items():
        signed = v - (1 << 64) if v >= 1 << 63 else v
        got = provider.query(1, "SELECT encode(roachgate.encode_uvarint(%s), 'hex')",
                             (signed,))[0][0]
        assert got == hexed, v


def test_node_status(provider):
    names = set()
    for node in provider.nodes:
        rows = provider.query(node, "SELECT * FROM roachgate.node_status")
        assert len(rows) == 1
        conn = provider.connect(node)
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM roachgate.node_status")
            row = dict(zip([d.name for d in cur.description], cur.fetchone()))
        conn.close()
        assert re.match(r"^[^:]+:\d+$", row["address"])
        assert row["build_tag"].startswith("v")
        assert row["version_major"] >= 1
        assert row["started_at"] > 10 ** 18
        assert row["updated_at"] >= row["started_at"]
        mn, mv = row["metric_names"], row["metric_values"]
        assert len(mn) == len(mv) > 0
        assert [n.encode() for n in mn] == sorted(n.encode() for n in mn)
        assert len(set(mn)) == len(mn)
        assert all(re.match(r"^[a-z0-9_.]+$", n) for n in mn)
        assert all(math.isfinite(v) for v in mv)
        assert row["provider"] == provider.name
        assert row["is_primary"] == (node == 1)
        assert row["wal_streaming"] is True
        assert row["node_name"] == "n%d" % node
        assert row["cluster_name"]
        rn = row["replica_names"]
        assert [n.encode() for n in rn] == sorted(n.encode() for n in rn)
        names.add(row["node_name"])
    assert len(names) == len(provider.nodes)


def _ranges(provider, node):
    conn = provider.connect(node)
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM roachgate.ranges ORDER BY range_id")
        cols = [d.name for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    conn.close()
    return rows


def test_ranges_shape(provider):
    if provider.name == "postgres":
        # user relations of every kind: heap, index, TOAST, sequence, matview
        provider.server.query(1, """
            CREATE TABLE IF NOT EXISTS contract_t (id serial PRIMARY KEY, v text);
            INSERT INTO contract_t (v) SELECT repeat('x', 5000) || g
                FROM generate_series(1, 50) g;
            CREATE MATERIALIZED VIEW IF NOT EXISTS contract_mv AS
                SELECT id FROM contract_t""", user="postgres")
        provider.server.wait_replay()
    for node in provider.nodes:
        rows = _ranges(provider, node)
        assert rows, (provider.name, node)
        ids = [r["range_id"] for r in rows]
        assert len(ids) == len(set(ids))
        spans = set()
        for r in rows:
            sk, ek = bytes(r["start_key"]), bytes(r["end_key"])
            assert sk < ek, r
            assert pretty_key(sk) == r["start_pretty"], r
            assert pretty_key(ek) == r["end_pretty"], r
            assert r["range_id"] > 0
            rn = r["replica_names"]
            assert "n%d" % node in rn
            assert [n.encode() for n in rn] == sorted(n.encode() for n in rn)
            assert r["leaseholder_name"] in rn
            for f in ("queries_per_second", "writes_per_second", "reads_per_second",
                      "write_bytes_per_second", "read_bytes_per_second"):
                assert r[f] >= 0 and math.isfinite(r[f]), (f, r)
            assert r["quiescent"] != r["ticking"]
            assert r["database_name"] and r["table_name"] and r["schema_name"]
            spans.add((sk, ek))
        # spans never overlap
        ordered = sorted(spans)
        for (s1, e1), (s2, e2) in zip(ordered, ordered[1:]):
            assert e1 <= s2, (s1, e1, s2, e2)


def test_sessions_shape(provider):
    for node in provider.nodes:
        conn = provider.connect(node)
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM roachgate.sessions ORDER BY start, session_id")
            cols = [d.name for d in cur.description]
            rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        conn.close()
        for r in rows:
            assert len(bytes(r["session_id"])) == 16
            assert r["application_name"] != "roachgate"
            assert r["start"] > 0
            if r["query_id"] is not None:
                assert re.match(r"^[0-9a-f]{32}$", r["query_id"])
                assert r["query_sql"] is not None and r["query_start"] > 0
                assert r["query_phase"] in (0, 1)
                assert 0 <= r["query_progress"] <= 1
                assert r["txn_id"] is not None
            if r["txn_id"] is not None:
                assert r["txn_start"] > 0
            else:
                assert r["txn_start"] is None and r["txn_implicit"] is None
            ca = r["client_address"]
            assert ca == "" or re.match(r"^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+$", ca)
        ids = [bytes(r["session_id"]) for r in rows]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize("user,role,want", [
    ("postgres", "pg_monitor", True),
    ("demo_admin", "pg_monitor", True),
    ("demo_user", "pg_monitor", False),
    ("roachgate", "pg_monitor", True),
    ("no_such_user", "pg_monitor", False),
    ("postgres", "no_such_role", True),
    ("demo_admin", "no_such_role", False),
    ("demo_user", None, False),
    # Role names are exact: no case folding, no identifier parsing.
    ("DEMO_ADMIN", "pg_monitor", False),
    ("demo_admin", "PG_MONITOR", False),
    ('demo_admin"', "pg_monitor", False),
    ("demo_admin", 'pg_monitor"', False),
])
def test_is_admin(provider, user, role, want):
    for node in provider.nodes:
        got = provider.query(node, "SELECT roachgate.is_admin(%s, %s)", (user, role))
        assert got == [(want,)], node


def test_web_sessions_writable_on_primary(provider):
    conn = provider.connect(1)
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO roachgate.web_sessions
            ("hashedSecret", username, "expiresAt")
            VALUES (sha256('\\x01'::bytea), 'demo_admin', now() + interval '7 days')
            RETURNING id, "createdAt" IS NOT NULL, "lastUsedAt" IS NOT NULL,
                "revokedAt" IS NULL""")
        sid, created, used, notrevoked = cur.fetchone()
        assert sid > 0 and created and used and notrevoked
        cur.execute("""UPDATE roachgate.web_sessions SET "revokedAt" = now()
            WHERE id = %s""", (sid,))
        assert cur.rowcount == 1
        cur.execute("DELETE FROM roachgate.web_sessions WHERE id = %s", (sid,))
    conn.close()


def test_sampler_interface(provider):
    import json
    for node in provider.nodes:
        c = provider.query(node, "SELECT roachgate.load_counters()")[0][0]
        assert isinstance(c, dict)
        assert c["node"] == "n%d" % node
        assert isinstance(c["at"], int) and c["at"] > 10 ** 18
        assert isinstance(c["rels"], dict)
        provider.query(1, "SELECT roachgate.record_sample(NULL, %s::jsonb)",
                       (json.dumps(c),))
    names = ["n%d" % n for n in provider.nodes]
    provider.query(1, "SELECT roachgate.configure(%s, %s)", (names, "n1"))
