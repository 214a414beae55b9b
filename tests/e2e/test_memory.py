"""Memory stays bounded and flat under a mixed load, floods included.

Rounds of a bounded mixed load (every endpoint, the auth-only route,
long tokens and id lists, bad sessions, unknown paths, connections opened
and closed, bursts of bad passwords at /login/ from many addresses,
oversized and pipelined requests) from THREADS concurrent clients, so
that each worker holds about 150 connections and requests at once, while
IDLE idle connections (test_flood.py's flood) are held and re-opened:
what per-request and per-connection tables cost shows.  The server runs
with the production snapshot settings for the test (the session's server
reads live).  The first round warms every pool, cache and connection;
after the last, no Kore process (parent, key manager, workers) holds more
than 10% (plus 1 MiB of allocator slack) above what it held after the
first, and every one holds less than 32 MiB (RSS).  RSS after every
round and private memory (what a process does not share with the others
since fork()) are printed and in the failure message.  No timing is
asserted.  RG_MEMORY_THREADS, RG_MEMORY_PER_THREAD, RG_MEMORY_ROUNDS and
RG_MEMORY_IDLE make the load larger or longer.  RG_MEMORY_WRK_SECONDS (0:
off) adds, to each round, that many seconds of wrk (the benchmark's
client, `scripts/deps.sh bench`) at 16 keep-alive connections cycling
through the fast routes (WRK_PATHS): a Python client cannot send a
million requests in minutes, wrk can."""

import os
import random
import re
import subprocess
import tempfile
import threading

import pytest

from conftest import EXTRA_CONF
from test_flood import Flood, nofile  # noqa: F401 (a fixture)
from test_hostile import CLOSE, H, connect, get, read_until_close, statuses

THREADS = int(os.environ.get("RG_MEMORY_THREADS", "300"))
PER_THREAD = int(os.environ.get("RG_MEMORY_PER_THREAD", "20"))
ROUNDS = max(2, int(os.environ.get("RG_MEMORY_ROUNDS", "2")))
IDLE = int(os.environ.get("RG_MEMORY_IDLE", "600"))
WRK_SECONDS = int(os.environ.get("RG_MEMORY_WRK_SECONDS", "0"))
MIB = 1024 * 1024
# The session's server reads live (snapshot_max_age_ms 0); production
# serves from the snapshot, whose memory is part of what is measured.
PRODUCTION_CONF = EXTRA_CONF.replace("snapshot_max_age_ms 0\n", "")
assert PRODUCTION_CONF != EXTRA_CONF


def raw_get(target, extra=b""):
    return get(target, extra + CLOSE)


# Requests http.client cannot send: each on a connection of its own,
# answered with an error status (test_hostile.py) or, pipelined, in order.
RAW = [
    raw_get(b"/api/v2/health/?x=" + b"a" * 3000),                # 414
    raw_get(b"/api/v2/health/", b"X-A: " + b"a" * 8000 + b"\r\n"),  # 431
    raw_get(b"/api/v2/health/",
            b"".join(b"X-%d: a\r\n" % i for i in range(70))),   # 431
    b"POST /api/v2/login/ HTTP/1.1\r\n" + H +
    b"Content-Length: 20000\r\n\r\n",                            # 413
    get(b"/api/v2/health/") * 9 +
    raw_get(b"/api/v2/health/"),                                  # 200 x10
]


def memory(pid):
    """(RSS, private) of a process, in bytes."""
    rss = private = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "Rss":
                rss = int(value.split()[0]) * 1024
            elif key in ("Private_Clean", "Private_Dirty"):
                private += int(value.split()[0]) * 1024
    return rss, private


def kore_processes(server):
    procs = dict(server.processes())
    procs[server.pid()] = "parent"
    return procs


def mixed_paths(rng):
    token = "".join(rng.choice("ABCDEFGHabcdefgh0123456789_-")
                    for _ in range(rng.randrange(100, 3000)))
    ids = ",".join(str(rng.randrange(1, 1 << 40)) for _ in range(300))
    return [
        ("/api/v2/health/", False),
        ("/api/v2/health/?ready=true", False),
        ("/api/v2/nodes/", True),
        ("/api/v2/nodes/?limit=1&offset=1", True),
        ("/api/v2/nodes/local/ranges/?limit=10", True),
        ("/api/v2/nodes/2/ranges/?ranges=" + ids, True),
        ("/api/v2/nodes/99/ranges/", True),
        ("/api/v2/ranges/hot/?limit=10", True),
        ("/api/v2/ranges/hot/?limit=5&start=" + token, True),
        ("/api/v2/sessions/?limit=10", True),
        ("/api/v2/sessions/?limit=2&start=" + token, True),
        ("/api/v2/ranges/1/", True),
        ("/api/v2/sessions/", "bad"),
        ("/api/v2/no/such/path", False),
        ("login", None),
        ("login", None),
        ("raw", rng.choice(RAW)),
    ]


# wrk's share: (path, with the session) the server answers from memory,
# and the auth-only route, a bad session and an unknown path.
WRK_PATHS = [
    ("/api/v2/health/", False),
    ("/api/v2/nodes/", True),
    ("/api/v2/nodes/99/ranges/", True),
    ("/api/v2/ranges/hot/?limit=10", True),
    ("/api/v2/ranges/hot/?limit=100", True),
    ("/api/v2/sessions/?limit=10", True),
    ("/api/v2/sessions/?limit=100", True),
    ("/api/v2/no/such/path", False),
    ("/api/v2/sessions/", "bad"),
]

WRK_SCRIPT = """
local paths = {%s}
local auth = {%s}
local token = ""
function init(args) token = args[1] end
local i = 0
function request()
  i = i %% #paths + 1
  local h = {}
  if auth[i] == 1 then h["X-Cockroach-API-Session"] = token end
  if auth[i] == 2 then h["X-Cockroach-API-Session"] = string.rep("x", 40) end
  return wrk.format("GET", paths[i], h)
end
"""


def wrk_load(server, token, seconds):
    """Requests wrk sent in `seconds` over WRK_PATHS (None: wrk failed)."""
    script = WRK_SCRIPT % (
        ", ".join('"%s"' % p for p, _ in WRK_PATHS),
        ", ".join({False: "0", True: "1", "bad": "2"}[a]
                  for _, a in WRK_PATHS))
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
        f.write(script)
        f.flush()
        out = subprocess.run(
            ["wrk", "-t2", "-c16", "-d%ds" % seconds, "--timeout", "10s",
             "-s", f.name, "https://127.0.0.1:%d/" % server.port, "--",
             token], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True).stdout
    m = re.search(r"(\d+) requests in", out)
    return int(m.group(1)) if m else None


def raw(server, data):
    """The status of the first answer to bytes sent on a new connection,
    read until the server closes it."""
    t = connect(server)
    try:
        t.sendall(data)
        codes = statuses(read_until_close(t))
    finally:
        t.close()
    return codes[0] if codes else 0


def bad_login(c, rng):
    """A wrong password for a user that does not exist (so that no real
    user is locked out), sometimes longer than v_password allows."""
    size = rng.choice((8, 200, 1024, 1500))
    password = "".join(rng.choice("abcdefgh0123") for _ in range(size))
    return c.post_form("/api/v2/login/", {
        "username": "flood%d" % rng.randrange(50), "password": password},
        keepalive=rng.random() < 0.5).status


def load(server, token, seed):
    """Answers by status class; a request the server did not answer (the
    machine may be too busy for a node to answer in time) counts as 0."""
    answers = {}

    def worker(n):
        rng = random.Random(seed * 1000 + n)
        c = server.client()
        # Bad logins come from 127.0.1.x: the throttle locks those
        # addresses out (429), not the load's 127.0.0.1.
        lc = server.client(source="127.0.1.%d" % (n % 200 + 1))
        for _ in range(PER_THREAD):
            path, what = rng.choice(mixed_paths(rng))
            try:
                if path == "login":
                    status = bad_login(lc, rng)
                elif path == "raw":
                    status = raw(server, what)
                else:
                    session = {True: token, False: None,
                               "bad": "x" * 40}[what]
                    status = c.get(path, session=session,
                                   keepalive=rng.random() < 0.8).status
            except OSError:
                status = 0
            with lock:
                answers[status // 100] = answers.get(status // 100, 0) + 1
        for conn in (c.conn, lc.conn):
            if conn is not None:
                conn.close()

    lock = threading.Lock()
    threads = [threading.Thread(target=worker, args=(n,))
               for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def flooded_load(server, token, seed):
    """load(), then wrk if asked, while IDLE idle connections are held and
    re-opened.  wrk runs after the Python clients, not beside them: their
    logins and live reads keep PostgreSQL busy, and wrk's connections,
    each cycling through the routes, would then mostly wait."""
    flood = Flood(server.port, conns=IDLE)
    th = threading.Thread(target=flood.run)
    th.start()
    try:
        answers = load(server, token, seed)
        if WRK_SECONDS > 0:
            answers["wrk"] = wrk_load(server, token, WRK_SECONDS)
    finally:
        flood.stop.set()
        th.join()
    answers["idle opened"] = flood.opened
    return answers


@pytest.fixture
def production(server):
    server.restart(PRODUCTION_CONF)
    try:
        yield server
    finally:
        server.restart(EXTRA_CONF)


def test_memory_flat_under_mixed_load(production, nofile):
    server = production
    # From an address of its own: earlier tests' failed logins from
    # 127.0.0.1 may have that address throttled (login_throttle_after).
    token = server.client(source="127.0.0.9").login(*server.admin)
    procs = kore_processes(server)
    assert len(procs) == server.workers + 2, procs

    # Not a timing test: only check that the load was served at all.
    rounds = []
    total = 0
    for seed in range(1, ROUNDS + 1):
        answers = flooded_load(server, token, seed)
        rss = {procs[p]: memory(p)[0] // 1024 for p in procs}
        print("round %d: answers %s, RSS KiB %s" % (seed, answers, rss))
        rounds.append(rss)
        total += THREADS * PER_THREAD + (answers.get("wrk") or 0)
        assert answers.get(2, 0) > 0, answers
        assert answers.get(4, 0) > 0, answers
        assert answers.get(0, 0) <= THREADS * PER_THREAD // 2, answers
        if WRK_SECONDS > 0:
            assert answers["wrk"], answers
        if seed == 1:
            first = {pid: memory(pid) for pid in procs}
    second = {pid: memory(pid) for pid in procs}

    # The same processes: none died and was replaced meanwhile.
    assert kore_processes(server) == procs
    report = {procs[p]: (first[p][0] // 1024, second[p][0] // 1024,
                         second[p][1] // 1024) for p in procs}
    print("memory (KiB: RSS after round 1, RSS and private after round "
          "%d; %d clients x %d requests a round, %d idle; %d requests "
          "in all):" % (ROUNDS, THREADS, PER_THREAD, IDLE, total), report)
    for pid in procs:
        rss1, _ = first[pid]
        rss2, _ = second[pid]
        assert rss2 <= rss1 * 1.10 + MIB, (report, rounds)
        assert rss2 < 32 * MIB, (report, rounds)
