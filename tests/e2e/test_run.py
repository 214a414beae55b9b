"""`make run`'s script: the ready line, verified TLS, and a clean stop."""

import os
import signal
import subprocess
import time

import pytest

from rgtest import ROOT, Client, free_port, read_ready


def children_of(pid):
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="],
                         stdout=subprocess.PIPE, text=True).stdout
    kids = {}
    for line in out.splitlines():
        p, pp = (int(x) for x in line.split())
        kids.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            found.append(k)
            todo.append(k)
    return found


def postmasters(rundir):
    """PIDs of the cluster's PostgreSQL servers (they are not children)."""
    pids = []
    pg = os.path.join(rundir, "cluster", "pg")
    for node in sorted(os.listdir(pg)) if os.path.isdir(pg) else []:
        try:
            with open(os.path.join(pg, node, "postmaster.pid")) as f:
                pids.append(int(f.readline()))
        except (OSError, ValueError):
            pass
    return pids


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


# The second case: the log's tail already gone when the stop comes (the
# EXIT trap's `kill` of it failed and, under set -e, aborted the trap and
# left PostgreSQL running).
@pytest.mark.parametrize("kill_tail_first", [False, True],
                         ids=["stop", "tail-gone-then-stop"])
def test_run_prints_ready_line_and_stops_cleanly(tmp_path, kill_tail_first):
    port = free_port(26600)
    rundir = os.path.join(ROOT, "run", "makerun-%d" % os.getpid())
    env = dict(os.environ, ROACHGATE_PORT=str(port), ROACHGATE_RUNDIR=rundir)
    p = subprocess.Popen(["scripts/run.sh"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    lines = []
    try:
        ready, lines = read_ready(p, 180)
        assert ready, "".join(lines)
        assert int(ready.group(1)) == port
        c = Client(port, ready.group(2))
        assert c.get("/api/v2/health/?ready=true").status == 200
        # The printed login works and is an admin.
        token = c.login(ready.group(3), ready.group(4))
        r = c.get("/api/v2/nodes/", session=token)
        assert r.status == 200, r
        assert [n["node_id"] for n in r.json()["nodes"]] == [1, 2, 3]
        procs = children_of(p.pid)
        assert procs
        pms = postmasters(rundir)
        assert len(pms) == 3
        procs += pms
        if kill_tail_first:
            tails = [q for q in procs if cmdline(q).startswith("tail ")
                     and "kore.log" in cmdline(q)]
            assert len(tails) == 1, [cmdline(q) for q in procs]
            os.kill(tails[0], signal.SIGKILL)
            while os.path.exists("/proc/%d/stat" % tails[0]) and \
                    open("/proc/%d/stat" % tails[0]).read().split()[2] \
                    != "Z":
                time.sleep(0.1)
    finally:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=120)
        lines.append(out)
    # Nothing it started is left: server, workload, PostgreSQL.
    time.sleep(1)
    left = [q for q in procs if os.path.exists("/proc/%d" % q) and
            open("/proc/%d/stat" % q).read().split()[2] != "Z"]
    if left:
        # Stop what the script left, so a failure leaks nothing.
        subprocess.run(["scripts/server.sh", "stop", rundir], cwd=ROOT)
        subprocess.run(["scripts/workload.sh", rundir + "/cluster", "stop"],
                       cwd=ROOT)
        subprocess.run(["scripts/cluster.sh", "stop", rundir + "/cluster"],
                       cwd=ROOT)
    assert p.returncode == 143, "".join(lines)
    assert left == [], "".join(lines)
    subprocess.run(["rm", "-rf", rundir])
