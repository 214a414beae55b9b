"""The key manager: a user of its own (workers can neither signal it nor
read the key file), and its death is not the server's (Kore patch 0009
restarts it; before, the server stopped with exit status 0)."""

import os
import signal
import subprocess
import threading
import time

WORKER_USER = "roachgate"


def uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError("no Uid for %d" % pid)


def roles(server):
    procs = server.processes()
    km = [p for p, a in procs.items() if "keymgr" in a]
    wrk = [p for p, a in procs.items() if "wrk" in a]
    return km, wrk


def as_worker_user(*cmd):
    return subprocess.run(["setpriv", "--reuid", WORKER_USER, "--regid",
                           WORKER_USER, "--clear-groups"] + list(cmd),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def test_keymgr_has_its_own_user(server):
    (km,), wrk = roles(server)
    assert wrk
    assert all(uid(w) != uid(km) for w in wrk)
    assert all(uid(w) != 0 for w in wrk) and uid(km) != 0
    key = os.path.join(server.dir, "keymgr", "cert", "server.key")
    st = os.stat(key)
    assert st.st_uid == uid(km) and st.st_mode & 0o077 == 0
    # The workers' user can neither signal the keymgr nor read the key.
    r = as_worker_user("kill", "-0", str(km))
    assert r.returncode != 0, r.stdout
    r = as_worker_user("cat", key)
    assert r.returncode != 0 and "BEGIN" not in r.stdout, r.stdout


def test_keymgr_killed_under_load_is_restarted(server):
    (km,), _ = roles(server)
    end = time.monotonic() + 8
    results = []

    def load():
        while time.monotonic() < end:
            try:
                # A new connection each time: every handshake needs a
                # signature from the keymgr.
                results.append(server.client().get(
                    "/api/v2/health/", keepalive=False).status)
            except OSError as e:
                results.append(type(e).__name__)
    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    os.kill(km, signal.SIGKILL)
    for t in threads:
        t.join()

    def restarted():
        k, _ = roles(server)
        return len(k) == 1 and k[0] != km and k[0]
    server.wait_for(restarted, timeout=30, what="a new keymgr")
    failed = [r for r in results if r != 200]
    print("keymgr killed under load: %d requests, %d failed (%s)" % (
        len(results), len(failed), sorted(set(map(str, failed)))))
    # The server lives on and every new handshake works again.
    os.kill(server.pid(), 0)
    for _ in range(20):
        assert server.client().get("/api/v2/health/",
                                   keepalive=False).status == 200
    assert "keymgr gone, restarting it" in server.log()


def test_stalled_keymgr_costs_only_the_handshakes_it_held(server):
    """A key manager that stalls (stopped here, overloaded in life) fails
    the handshakes whose signature it did not give within 1 s, with a TLS
    alert, and nothing more: it resumes with the same process, every
    later handshake succeeds, and no stale answer signs another handshake
    (Kore patch 0014; that race needs an answer to arrive between two
    requests, which this test provokes but cannot force: it passed on the
    unpatched build too)."""
    (km,), _ = roles(server)
    errors = []

    def handshake():
        try:
            server.client().get("/api/v2/health/", keepalive=False)
        except OSError as e:
            errors.append(repr(e))

    for _ in range(3):
        os.kill(km, signal.SIGSTOP)
        threads = [threading.Thread(target=handshake) for _ in range(8)]
        try:
            for t in threads:
                t.start()
            # Each worker gives up on its first requests (1 s each) and
            # waits for a later one when the key manager resumes: its
            # queued stale answers come first.
            time.sleep(1.5)
        finally:
            os.kill(km, signal.SIGCONT)
        for t in threads:
            t.join()
    # Requests given up on fail (an alert from the server); none may be
    # answered with another handshake's signature.
    assert not [e for e in errors if "SIGNATURE" in e.upper()], errors
    for _ in range(40):
        r = server.client().get("/api/v2/health/", keepalive=False)
        assert r.status == 200, r
    (now,), _ = roles(server)
    assert now == km
