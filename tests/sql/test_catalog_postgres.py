"""postgres provider on a real primary + 2 streaming standbys."""
import threading
import time

import psycopg2
import pytest

from sqlcat import encode_uvarint

SPAN_COLS = "range_id, start_key, end_key, start_pretty, end_pretty"


def wait_for(fn, timeout=60, step=0.1, what="condition", cluster=None):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for %s%s" % (
                what, diagnose(cluster) if cluster else ""))
        time.sleep(step)


def diagnose(cluster):
    """Replication state and log tails, for a failure message."""
    out = ["", cluster.script_status()]
    try:
        out.append(repr(cluster.query(1, """SELECT application_name, state
            FROM pg_stat_replication""", user="postgres")))
    except psycopg2.Error as e:
        out.append("primary: %s" % e)
    for node in range(1, cluster.nodes + 1):
        out.append("--- n%d log:\n%s" % (node, cluster.log_tail(node)))
    return "\n".join(out)


def spans(cluster, node, table):
    rows = cluster.query(node, """
        SELECT %s FROM roachgate.ranges WHERE table_name = %%s
        ORDER BY range_id""" % SPAN_COLS, (table,))
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]


def test_new_table_has_same_ranges_on_every_replica(cluster):
    cluster.query(1, """
        CREATE TABLE repl_t (id int PRIMARY KEY, v text);
        CREATE INDEX repl_t_v ON repl_t (v);
        INSERT INTO repl_t SELECT g, md5(g::text) FROM generate_series(1, 1000) g""",
                  user="postgres")
    cluster.wait_replay()
    on_primary = spans(cluster, 1, "repl_t")
    kinds = cluster.query(1, """SELECT relation_kind, index_name FROM roachgate.ranges
        WHERE table_name = 'repl_t' ORDER BY range_id""")
    assert sorted(k for k, _ in kinds) == ["index", "index", "table", "toast", "toast_index"]
    assert len(on_primary) == 5
    oid = cluster.query(1, "SELECT 'repl_t'::regclass::oid::int8")[0][0]
    heap = [r for r in on_primary if r[0] == oid << 16]
    assert heap and heap[0][1] == encode_uvarint(oid) + encode_uvarint(1)
    assert heap[0][3] == "/Table/%d/1" % oid
    assert heap[0][4] == "/Table/%d/2" % oid
    for node in range(2, cluster.nodes + 1):
        assert spans(cluster, node, "repl_t") == on_primary, node


def test_big_relation_is_split_into_contiguous_ranges(cluster):
    cluster.query(1, "UPDATE roachgate.settings SET value = '65536' WHERE name = 'range_size'")
    try:
        cluster.query(1, """
            CREATE TABLE big_t (id int PRIMARY KEY, pad text);
            INSERT INTO big_t SELECT g, repeat(md5(g::text), 4)
                FROM generate_series(1, 20000) g""", user="postgres")
        cluster.wait_replay()
        oid, size = cluster.query(1, """SELECT 'big_t'::regclass::oid::int8,
            pg_relation_size('big_t')""")[0]
        want = -(-size // 65536)
        assert want >= 5
        ref = None
        for node in range(1, cluster.nodes + 1):
            rows = cluster.query(node, """
                SELECT range_id, start_key, end_key, range_index, range_bytes
                FROM roachgate.ranges WHERE table_name = 'big_t' AND index_name IS NULL
                    AND relation_kind = 'table'
                ORDER BY start_key""")
            rows = [(r[0], bytes(r[1]), bytes(r[2]), r[3], r[4]) for r in rows]
            assert len(rows) == want, node
            assert [r[3] for r in rows] == list(range(want))
            assert [r[0] for r in rows] == [(oid << 16) | k for k in range(want)]
            assert sum(r[4] for r in rows) == size
            prefix = encode_uvarint(oid) + encode_uvarint(1)
            assert rows[0][1] == prefix
            assert rows[-1][2] == encode_uvarint(oid) + encode_uvarint(2)
            for a, b in zip(rows, rows[1:]):
                assert a[2] == b[1]          # contiguous
                assert a[1] < a[2] <= b[1]   # ordered, non-overlapping
            for k, r in enumerate(rows[1:], 1):
                assert r[1] == prefix + encode_uvarint(k)
            if ref is None:
                ref = rows
            assert rows == ref, node
        # the primary key index is split too, under the same table id
        idx = cluster.query(1, """SELECT count(*), min(start_pretty) FROM roachgate.ranges
            WHERE table_name = 'big_t' AND index_name = 'big_t_pkey'""")[0]
        ioid = cluster.query(1, "SELECT 'big_t_pkey'::regclass::oid::int8")[0][0]
        assert idx[0] >= 2 and idx[1] == "/Table/%d/%d" % (oid, ioid)
    finally:
        cluster.query(1, """UPDATE roachgate.settings SET value = '536870912'
            WHERE name = 'range_size'""")
        cluster.wait_replay()


def test_load_through_one_standby_is_that_standbys(cluster):
    cluster.query(1, """
        CREATE TABLE hot_t (id int PRIMARY KEY, v text);
        INSERT INTO hot_t SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
        ANALYZE hot_t""", user="postgres")
    cluster.wait_replay()
    cluster.sample()
    time.sleep(0.2)
    reader = cluster.connect(2, user="postgres", appname="rg-load-test")
    with reader.cursor() as cur:
        for _ in range(20):
            cur.execute("SELECT count(*) FROM hot_t")
    reader.close()  # a backend flushes its statistics when it exits
    time.sleep(0.5)
    cluster.sample()
    cluster.wait_replay()

    def heap(node):
        return cluster.query(node, """
            SELECT reads_per_second, writes_per_second, queries_per_second,
                read_bytes_per_second, quiescent
            FROM roachgate.ranges WHERE table_name = 'hot_t' AND relation_kind = 'table'""")
    r2 = heap(2)
    assert len(r2) == 1
    reads, writes, qps, rbytes, quiescent = r2[0]
    assert reads > 0 and qps >= reads and rbytes > 0 and not quiescent
    assert writes == 0  # a standby does not count replayed writes
    for node in (1, 3):
        assert heap(node)[0][0] == 0, node
    # rates do not depend on the client: a second reader sees the same
    assert heap(2)[0][0] == reads
    samples = cluster.query(1, """SELECT node_name, count(*) FROM roachgate.load_samples
        GROUP BY 1 ORDER BY 1""")
    assert [s[0] for s in samples] == ["n1", "n2", "n3"]
    assert all(2 <= s[1] <= 5 for s in samples)


def test_writes_on_primary_show_as_primary_writes(cluster):
    cluster.sample()
    time.sleep(0.2)
    cluster.query(1, "UPDATE hot_t SET v = v || 'x' WHERE id <= 1000", user="postgres")
    time.sleep(0.3)
    cluster.sample()
    cluster.wait_replay()
    w = cluster.query(1, """SELECT writes_per_second, write_bytes_per_second
        FROM roachgate.ranges WHERE table_name = 'hot_t' AND relation_kind = 'table'""")
    assert w[0][0] > 0 and w[0][1] > 0
    for node in (2, 3):
        assert cluster.query(node, """SELECT writes_per_second FROM roachgate.ranges
            WHERE table_name = 'hot_t' AND relation_kind = 'table'""")[0][0] == 0


def test_session_on_a_standby_is_only_that_standbys(cluster):
    app = "rg-session-test"
    conn = cluster.connect(2, user="demo_user", appname=app)
    done = threading.Event()

    def sleeper():
        with conn.cursor() as cur:
            cur.execute("SELECT pg_sleep(3), 42")
        done.set()

    t = threading.Thread(target=sleeper)
    t.start()
    try:
        def mine(node):
            c = cluster.connect(node)
            with c.cursor() as cur:
                cur.execute("SELECT * FROM roachgate.sessions WHERE application_name = %s",
                            (app,))
                cols = [d.name for d in cur.description]
                rows = [dict(zip(cols, r)) for r in cur.fetchall()]
            c.close()
            return rows
        rows = wait_for(lambda: [r for r in mine(2) if r["query_id"]], what="active query")
        assert len(rows) == 1
        r = rows[0]
        assert r["username"] == "demo_user"
        assert r["client_address"].startswith("127.0.0.1:")
        assert "pg_sleep(3), 42" in r["query_sql"]
        assert r["query_sql_anon"] == "SELECT pg_sleep(_), _"
        assert r["query_phase"] == 1 and r["query_is_distributed"] is False
        assert r["txn_id"] is not None and r["txn_implicit"] is True
        assert r["query_txn_id"] == r["txn_id"]
        assert r["last_active_query"] is None
        sid = bytes(r["session_id"])
        assert mine(1) == [] and mine(3) == []
    finally:
        t.join()
    # idle in an open transaction: no active query, an open transaction
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SELECT 7")
    r = mine(2)[0]
    assert bytes(r["session_id"]) == sid  # stable for the backend
    assert r["query_id"] is None and r["query_sql"] is None
    assert r["txn_id"] is not None and r["txn_implicit"] is False
    assert r["txn_read_only"] is True
    assert r["last_active_query"] == "SELECT 7"
    assert r["last_active_query_anon"] == "SELECT _"
    assert r["state"] == "idle in transaction"
    conn.close()
    wait_for(lambda: mine(2) == [], what="session to end")


def test_roachgate_connections_are_hidden(cluster):
    conn = cluster.connect(1, appname="roachgate")
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM roachgate.sessions WHERE pid = pg_backend_pid()")
        assert cur.fetchone()[0] == 0
    conn.close()


def test_system_catalogs_are_ranges_only_when_asked(cluster):
    q = "SELECT count(*) FROM roachgate.ranges WHERE schema_name = 'pg_catalog'"
    assert cluster.query(1, q)[0][0] == 0
    cluster.query(1, "UPDATE roachgate.settings SET value = '1' WHERE name = 'system_ranges'")
    try:
        cluster.wait_replay()
        for node in range(1, cluster.nodes + 1):
            assert cluster.query(node, q)[0][0] > 50
    finally:
        cluster.query(1, "UPDATE roachgate.settings SET value = '0' WHERE name = 'system_ranges'")
        cluster.wait_replay()


def test_reinstall_keeps_web_sessions_and_settings(cluster):
    sid = cluster.query(1, """INSERT INTO roachgate.web_sessions
        ("hashedSecret", username, "expiresAt")
        VALUES (sha256('\\x02'::bytea), 'demo_user', now() + interval '1 day')
        RETURNING id""")[0][0]
    cluster.query(1, "UPDATE roachgate.settings SET value = '7' WHERE name = 'samples_kept'")
    cluster.script("install")
    cluster.script("install")
    assert cluster.query(1, "SELECT username FROM roachgate.web_sessions WHERE id = %s",
                         (sid,)) == [("demo_user",)]
    assert cluster.query(1, """SELECT value FROM roachgate.settings
        WHERE name = 'samples_kept'""") == [("7",)]
    cluster.wait_replay()
    assert cluster.query(3, "SELECT count(*) FROM roachgate.web_sessions WHERE id = %s",
                         (sid,)) == [(1,)]
    cluster.query(1, "UPDATE roachgate.settings SET value = '5' WHERE name = 'samples_kept'")


def test_record_sample_refuses_standby(cluster):
    c = cluster.query(2, "SELECT roachgate.load_counters()::text")[0][0]
    with pytest.raises(psycopg2.Error):
        cluster.query(2, "SELECT roachgate.record_sample(NULL, %s::jsonb)", (c,))


def test_status_reports_every_node(cluster):
    out = cluster.script("status")
    assert out.count("running") == 3 and out.count("standby") == 2


def test_stopped_standby_makes_ranges_underreplicated(cluster):
    cluster.query(1, "SELECT roachgate.configure('{n1,n2,n3}', 'n1')")
    cluster.sample()
    cluster.wait_replay()
    under = "SELECT bool_or(underreplicated), bool_and(underreplicated) FROM roachgate.ranges"
    for node in (1, 2, 3):
        assert cluster.query(node, under) == [(False, False)], node
    cluster.script("stop-node", "3")
    try:
        wait_for(lambda: cluster.query(1, under) == [(True, True)], what="under-replication",
             cluster=cluster)
        assert cluster.query(1, "SELECT replica_names FROM roachgate.node_status") \
            == [(["n2"],)]
        reps = cluster.query(1, "SELECT DISTINCT replica_names FROM roachgate.ranges")
        assert reps == [(["n1", "n2"],)]
        # the standby learns it from the primary's next sample
        cluster.sample()
        cluster.wait_replay()
        assert cluster.query(2, under) == [(True, True)]
        assert cluster.query(2, "SELECT replica_names FROM roachgate.node_status") \
            == [(["n2"],)]
    finally:
        cluster.script("start-node", "3")
    wait_for(lambda: cluster.query(1, under) == [(False, False)], what="recovery",
             cluster=cluster)
    cluster.sample()
    cluster.wait_replay()
    assert cluster.query(3, under) == [(False, False)]


def test_ranges_do_not_wait_for_ddl_locks(cluster):
    cluster.query(1, "CREATE TABLE locked_t (id int PRIMARY KEY)", user="postgres")
    holder = cluster.connect(1, user="postgres", appname="rg-lock-holder")
    holder.autocommit = False
    try:
        with holder.cursor() as cur:
            cur.execute("LOCK TABLE locked_t IN ACCESS EXCLUSIVE MODE")
        conn = cluster.connect(1)
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = '3s'")
            cur.execute("""SELECT count(*) FROM roachgate.ranges
                WHERE table_name = 'locked_t'""")
            assert cur.fetchone()[0] == 2  # heap and primary key, no wait
        conn.close()
    finally:
        holder.rollback()
        holder.close()


def test_restart_node_and_whole_cluster(cluster):
    streaming = "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
    cluster.script("restart-node", "2")
    wait_for(lambda: cluster.query(1, streaming) == [(2,)], what="n2 streaming",
             cluster=cluster)
    before = cluster.script("status")
    cluster.script("start")  # already running: nothing changes
    assert cluster.script("status") == before
    cluster.script("stop")
    for node in range(1, cluster.nodes + 1):
        with pytest.raises(psycopg2.OperationalError):
            cluster.connect(node)
    cluster.script("start")  # no new initdb: same ports, same data
    wait_for(lambda: cluster.query(1, streaming) == [(2,)], what="standbys streaming",
             cluster=cluster)
    assert [line.split()[:3] for line in cluster.script("status").splitlines()] == \
        [line.split()[:3] for line in before.splitlines()]
    cluster.wait_replay()
    for node in range(1, cluster.nodes + 1):
        assert cluster.query(node, "SELECT count(*) FROM repl_t", user="postgres") \
            == [(1000,)]
        assert cluster.query(node, "SELECT node_name FROM roachgate.node_status") \
            == [("n%d" % node,)]
