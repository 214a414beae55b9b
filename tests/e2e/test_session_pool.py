"""Session checks, logins and logouts use a pool of their own on the
primary (README, "Cluster snapshot"): catalog reads that hang
on the primary, and fill its catalog pool in both workers, never make a
well-behaved login or session check wait behind them (issue 10 item 4)."""

import threading

import psycopg2

import fixture as fx

HOT = "/api/v2/ranges/hot/?node_id=1&limit=10"
# pgsql_conn_max (kore.conf) per worker, times the two workers.
SATURATED = 2 * 8


def waiting_readers(server):
    return fx.query(server.superuser_dsn(1),
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = 'roachgate' "
                    "AND wait_event_type = 'Lock'")[0][0]


def test_session_checks_never_wait_behind_catalog_reads(server):
    token = server.client().login(*server.admin)
    # The hot-ranges reader reads roachgate.load_samples: with it locked,
    # every live hot-ranges read on n1 waits until the node timeout.
    blocker = psycopg2.connect(server.superuser_dsn(1))
    stop = threading.Event()
    seen = {}

    def hammer():
        c = server.client()
        while not stop.is_set():
            try:
                r = c.get(HOT, session=token, keepalive=False)
                # A node that timed out is reported in "response_error".
                key = (r.status, b'"response_error"' in r.body)
            except OSError as e:
                key = repr(e)
            seen[key] = seen.get(key, 0) + 1

    threads = [threading.Thread(target=hammer) for _ in range(3 * SATURATED)]
    checks = 0
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE roachgate.load_samples "
                        "IN ACCESS EXCLUSIVE MODE")
        for t in threads:
            t.start()
        server.wait_for(lambda: waiting_readers(server) >= SATURATED,
                        what="both workers' n1 catalog pools busy")
        # New sessions, until reads have timed out and the catalog queue
        # has turned over at least once: each INSERT, and each first check
        # (in no worker's session cache), goes to the primary while the
        # catalog pool is full and its queue long.
        while checks < 4 or not seen.get((200, True)):
            c = server.client()
            fresh = c.login(*server.admin)
            r = c.get("/api/v2/nodes/99/ranges/", session=fresh,
                      keepalive=False)
            assert r.status == 404, r       # 404 comes after the check
            checks += 1
            assert checks < 200, seen
    finally:
        stop.set()
        blocker.rollback()
        blocker.close()
        for t in threads:
            t.join()
    # The hammer was really stuck behind the lock, and no session check of
    # its own failed either.
    assert set(seen) <= {(200, True), (200, False)}, seen
    server.wait_for(lambda: server.client().get(
        HOT, session=token).status == 200, what="hot ranges again")
