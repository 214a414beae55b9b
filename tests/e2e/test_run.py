"""`make run`'s script: the ready line, verified TLS, and a clean stop."""

import os
import re
import signal
import subprocess
import time

from rgtest import ROOT, Client, free_port


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


def test_run_prints_ready_line_and_stops_cleanly(tmp_path):
    port = free_port(26600)
    rundir = os.path.join(ROOT, "run", "makerun-%d" % os.getpid())
    env = dict(os.environ, ROACHGATE_PORT=str(port), ROACHGATE_RUNDIR=rundir)
    p = subprocess.Popen(["scripts/run.sh"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    lines = []
    try:
        deadline = time.time() + 180
        ready = None
        while time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.match(r"roachgate ready: url=https://127\.0\.0\.1:(\d+)"
                         r"/api/v2/ ca=(\S+) user=(\S+) password=(\S+)$",
                         line.strip())
            if m:
                ready = m
                break
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
    finally:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=120)
        lines.append(out)
    assert p.returncode == 143, "".join(lines)
    # Nothing it started is left: server, workload, PostgreSQL.
    time.sleep(1)
    left = [q for q in procs if os.path.exists("/proc/%d" % q)]
    assert left == [], "".join(lines)
    subprocess.run(["rm", "-rf", rundir])
