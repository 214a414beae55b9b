"""Single flight (README, "Tail latency"): a burst of requests that all
need the same missing answer (a node's status with no usable snapshot
copy, a session whose cached check has expired) makes one query a worker,
and every request of the burst is answered from it, instead of one query
a request queueing on the node's pool.

Each test holds a lock on the table that query reads, sends a burst, and
counts the server's queries waiting on that lock: at most one a worker
(without single flight, up to both workers' pools: 2 x pgsql_conn_max).
Then it releases the lock and checks every answer."""

import base64
import threading
import time

import psycopg2
import pytest

import fixture as fx

BURST = 24
WORKERS = 2


@pytest.fixture(scope="module")
def fsrv(server):
    dbs = fx.build_fixture(server, prefix="rgsf_", nodes=1, ranges=50,
                           sessions=5, seed=3)
    # A copy that lives long: no timer refresh during a test.
    s = fx.FixtureServer(server, "single-flight", {1: (dbs[0], "n1")},
                         extra_conf="node_timeout_ms 4000\n"
                         "snapshot_max_age_ms 60000\n", workers=WORKERS)
    s.start()
    yield s
    s.stop()


def waiting(fs):
    return fx.query(fs.db(1), "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() "
                    "AND application_name = 'roachgate' "
                    "AND wait_event_type = 'Lock'")[0][0]


def burst(fs, table, path, token):
    """BURST requests of path at once while table is locked: the most
    roachgate queries seen waiting on the lock, and the answers."""
    answers = [None] * BURST
    blocker = psycopg2.connect(fs.db(1))

    def one(i):
        try:
            r = fs.client().get(path, session=token, keepalive=False)
            answers[i] = (r.status, r.body)
        except OSError as e:
            answers[i] = (repr(e), b"")

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(BURST)]
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE" % table)
        for t in threads:
            t.start()
        fs.wait_for(lambda: waiting(fs) >= 1, what="a query on the lock")
        # Let the rest of the burst arrive (none can be answered yet).
        peak = 0
        for _ in range(10):
            peak = max(peak, waiting(fs))
            time.sleep(0.1)
    finally:
        blocker.rollback()
        blocker.close()
        for t in threads:
            t.join()
    return peak, answers


def test_a_burst_on_a_missing_copy_reads_the_node_once(fsrv):
    token = fsrv.client().login(*fsrv.base.admin)
    live = fsrv.client().get("/api/v2/nodes/", session=token)
    fsrv.restart()      # no worker holds a copy (nor the session)
    peak, answers = burst(fsrv, "roachgate.node_status", "/api/v2/nodes/",
                          token)
    assert 1 <= peak <= WORKERS, peak
    assert all(a[0] == 200 for a in answers), answers
    # From the one refresh, as the live read answers (liveness aside).
    assert len({a[1] for a in answers}) == 1
    assert fx.ordered(answers[0][1]) == fx.ordered(live.body)


def test_expired_session_check_is_made_once(fsrv):
    token = fsrv.client().login(*fsrv.base.admin)
    fsrv.restart()      # no worker has the session cached
    # The auth-only route: 404 once the check has passed.
    peak, answers = burst(fsrv, "roachgate.web_sessions",
                          "/api/v2/nodes/99/ranges/", token)
    assert 1 <= peak <= WORKERS, peak
    assert all(a[0] == 404 for a in answers), answers


def test_a_bad_secret_does_not_ride_on_a_good_check(fsrv):
    """A request with the right id but a wrong secret, waiting on a good
    check of that id, still gets 401 (the cache compares the secret)."""
    c = fsrv.client()
    token = c.login(*fsrv.base.admin)
    fsrv.restart()
    # The token ends with its 16-byte secret: change its last byte.
    raw = bytearray(base64.b64decode(token))
    raw[-1] ^= 0x01
    bad = base64.b64encode(bytes(raw)).decode()
    results = {}

    def one(name, tok):
        results[name] = fsrv.client().get("/api/v2/nodes/99/ranges/",
                                          session=tok).status

    threads = [threading.Thread(target=one, args=(("good", i), token))
               for i in range(8)]
    threads += [threading.Thread(target=one, args=(("bad", i), bad))
                for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {v for k, v in results.items() if k[0] == "good"} == {404}
    assert {v for k, v in results.items() if k[0] == "bad"} == {401}
