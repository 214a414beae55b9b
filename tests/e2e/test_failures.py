"""The server survives what production throws at it: a worker killed, the
primary restarted under it."""

import os
import signal
import time

import fixture as fx


def workers(server):
    return {p: a for p, a in server.processes().items() if "wrk" in a}


def test_killed_worker_is_replaced_and_sessions_survive(server):
    c = server.client()
    token = c.login(*server.admin)
    before = workers(server)
    victim = sorted(before)[0]
    os.kill(victim, signal.SIGKILL)

    def replaced():
        now = workers(server)
        return (victim not in now and len(now) == len(before)) and now
    now = server.wait_for(replaced, timeout=30, what="a new worker")
    assert set(now) - set(before)
    # Every worker answers, the session (stored on the primary) still works.
    for _ in range(20):
        fresh = server.client()
        assert fresh.get("/api/v2/health/", keepalive=False).status == 200
        r = fresh.get("/api/v2/nodes/", session=token, keepalive=False)
        assert r.status == 200, r
    # The parent logged the death and the respawn.
    log = server.log()
    assert "(%d) exited" % victim in log, log[-2000:]
    assert "restarting worker" in log


def test_primary_restart(server):
    c = server.client()
    token = c.login(*server.admin)
    server.stop_node(1)
    server.start_node(1)
    # start_node returns once PostgreSQL takes connections, and from then
    # on no request fails: pooled connections the old primary closed are
    # dropped before use (Kore patch 0012), without a restart of roachgate.
    # Fresh connections spread the requests over both workers' pools.
    assert fx.query(server.superuser_dsn(1), "SELECT 1") == [(1,)]
    for _ in range(20):
        r = c.get("/api/v2/nodes/", session=token, keepalive=False)
        assert r.status == 200, r
        nodes = r.json()["nodes"]
        assert [n["node_id"] for n in nodes] == [1, 2, 3]
        assert all("metrics" in n for n in nodes), r.text
    assert c.get("/api/v2/health/?ready=true").status == 200
    # Logins (a new connection as the user) and sessions work again.
    token2 = c.login(*server.admin)
    assert c.get("/api/v2/sessions/?limit=1", session=token2).status == 200
    assert c.get("/api/v2/sessions/?limit=1", session=token).status == 200



def test_stop_while_workers_start(server):
    """SIGTERM while workers are still starting: Kore 4.1 lost a signal
    that reached a worker before its handlers were set, and that worker
    (and so the server) never stopped (patch 0005)."""
    import subprocess

    from rgtest import ROOT

    server.stop()
    env = dict(os.environ,
               ROACHGATE_CONFIG=os.path.join(server.dir, "roachgate.conf"))
    kore = os.path.join(ROOT, "build", "kore", "bin", "kore")
    try:
        for i in range(12):
            with open(server.log_path, "a") as log:
                p = subprocess.Popen(
                    [kore, "-f", "-c", os.path.join(server.dir, "kore.conf")],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            time.sleep(0.02 + 0.03 * i)       # from before fork to running
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise AssertionError("kore did not stop within 10 s of a "
                                     "SIGTERM %.2f s after start" %
                                     (0.02 + 0.03 * i))
    finally:
        server.start()
