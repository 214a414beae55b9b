"""Single flight (README, "Tail latency"): a burst of requests that all
need the same missing answer (a node's status with no usable snapshot
copy, a session whose cached check has expired) makes one query a worker,
and every request of the burst is answered from it, instead of one query
a request queueing on the node's pool.

Each test holds a lock on the table that query reads, sends a burst, and
counts the server's queries waiting on that lock: at most one a worker
(without single flight, up to both workers' pools: 2 x pgsql_conn_max).
Then it releases the lock and checks every answer.

Refresh-ahead (the last tests): a session in steady use is re-checked in
the background once its cache entry is half of session_cache_ms old, so
no request of it waits for a check, and a logout still wins over such a
re-check."""

import base64
import threading
import time

import psycopg2
import pytest

import fixture as fx

BURST = 24
WORKERS = 2
# session_cache_ms, in seconds: long, so the steps of the refresh-ahead
# tests fit inside an entry's life on a loaded machine.
CACHE = 10
AUTH_ONLY = "/api/v2/nodes/99/ranges/"


@pytest.fixture(scope="module")
def fsrv(server):
    dbs = fx.build_fixture(server, prefix="rgsf_", nodes=1, ranges=50,
                           sessions=5, seed=3)
    # A copy that lives long: no timer refresh during a test.
    s = fx.FixtureServer(server, "single-flight", {1: (dbs[0], "n1")},
                         extra_conf="node_timeout_ms 4000\n"
                         "snapshot_max_age_ms 60000\n"
                         "session_cache_ms %d\n" % (CACHE * 1000),
                         workers=WORKERS)
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


def last_used_age(fs, sid):
    return float(fx.query(fs.db(1), 'SELECT extract(epoch FROM now() - '
                          '"lastUsedAt") FROM roachgate.web_sessions '
                          "WHERE id = %s", (sid,))[0][0])


def session_id(token):
    # The token is the session id (protobuf field 1, a varint) and secret.
    raw = base64.b64decode(token)
    assert raw[0] == 0x08
    sid, shift, i = 0, 0, 1
    while True:
        sid |= (raw[i] & 0x7f) << shift
        shift += 7
        i += 1
        if not raw[i - 1] & 0x80:
            return sid


def until(t):
    time.sleep(max(0.0, t - time.monotonic()))


def test_steady_use_never_waits_for_a_check(fsrv):
    """Past half of its life, a hit re-checks the session in the
    background; past the first entry's end, requests are served from the
    re-check's entry while the table is locked (without refresh-ahead,
    that request waits on the lock and fails at node_timeout_ms)."""
    token = fsrv.client().login(*fsrv.base.admin)
    sid = session_id(token)
    c = fsrv.client()           # one connection: one worker
    assert c.get(AUTH_ONLY, session=token).status == 404
    checked = time.monotonic()  # the entry's check was sent before this
    # The re-check also refreshes a stale lastUsedAt, which shows that it
    # ran (a request served from the cache writes nothing).
    fx.query(fsrv.db(1), 'UPDATE roachgate.web_sessions SET "lastUsedAt" '
             "= now() - interval '2 minutes' WHERE id = %s", (sid,))
    until(checked + CACHE / 2 + 0.2)
    assert c.get(AUTH_ONLY, session=token).status == 404
    fsrv.wait_for(lambda: last_used_age(fsrv, sid) < 60,
                  what="the background re-check's lastUsedAt")
    blocker = psycopg2.connect(fsrv.db(1))
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE roachgate.web_sessions "
                        "IN ACCESS EXCLUSIVE MODE")
        until(checked + CACHE + 0.2)    # the first entry has expired
        r = c.get(AUTH_ONLY, session=token)
    finally:
        blocker.rollback()
        blocker.close()
    assert r.status == 404, r


ADMIN_FN = "roachgate.is_admin(text, text)"


def test_logout_wins_over_a_background_recheck(fsrv):
    """A re-check that read the session before a logout and answers after
    it must not bring the session back on its worker.  The admin check's
    function is made to wait on an advisory lock, so the re-check's
    snapshot predates the logout (which does not call it)."""
    token = fsrv.client().login(*fsrv.base.admin)
    c = fsrv.client()
    assert c.get(AUTH_ONLY, session=token).status == 404
    checked = time.monotonic()
    dsn = fsrv.db(1)
    orig = fx.query(dsn, "SELECT pg_get_functiondef(%s::regprocedure)",
                    (ADMIN_FN,))[0][0]
    blocker = psycopg2.connect(dsn)
    try:
        fx.query(dsn, """
            ALTER FUNCTION roachgate.is_admin(text, text)
                RENAME TO is_admin_orig;
            CREATE FUNCTION roachgate.is_admin(u text, a text)
            RETURNS bool LANGUAGE plpgsql STABLE AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(424242);
                RETURN roachgate.is_admin_orig(u, a);
            END $$;
            REVOKE EXECUTE ON FUNCTION roachgate.is_admin(text, text)
                FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION roachgate.is_admin(text, text)
                TO pg_monitor;""")
        with blocker.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(424242)")
        until(checked + CACHE / 2 + 0.2)
        # Served from the cache; its re-check waits on the advisory lock.
        assert c.get(AUTH_ONLY, session=token).status == 404
        fsrv.wait_for(lambda: waiting(fsrv) >= 1, what="the re-check")
        r = fsrv.client().request("POST", "/api/v2/logout/",
                                  headers={"X-Cockroach-API-Session": token})
        assert r.status == 200, r
        blocker.rollback()      # the re-check answers: valid, admin
        fsrv.wait_for(lambda: waiting(fsrv) == 0, what="the answer")
        time.sleep(0.5)         # for its worker to read it
        assert c.get(AUTH_ONLY, session=token).status == 401
        for _ in range(10):
            r = fsrv.client().get(AUTH_ONLY, session=token, keepalive=False)
            assert r.status == 401, r
    finally:
        blocker.rollback()
        blocker.close()
        fx.query(dsn, "DROP FUNCTION IF EXISTS roachgate.is_admin(text, text);"
                 "ALTER FUNCTION roachgate.is_admin_orig(text, text) "
                 "RENAME TO is_admin;")
    assert fx.query(dsn, "SELECT pg_get_functiondef(%s::regprocedure)",
                    (ADMIN_FN,))[0][0] == orig
