"""Small hardening fixes, each seen from outside: the empty page of every
offset-paginated route, and failure reasons in the log."""

import re
import threading
import time

import psycopg2
import pytest


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


# simplePaginate slices a non-nil slice: past the end the page is [],
# never null (CockroachDB pkg/server/api_v2.go).
@pytest.mark.parametrize("path,key", [
    ("/api/v2/nodes/?limit=1&offset=3", "nodes"),
    ("/api/v2/nodes/?limit=2&offset=100", "nodes"),
    ("/api/v2/nodes/1/ranges/?limit=1&offset=100000", "ranges"),
])
def test_past_the_end_is_an_empty_list(server, admin, path, key):
    r = server.client().get(path, session=admin)
    assert r.status == 200, r
    assert r.body == ('{"%s":[]}' % key).encode(), r.body


def terminate_pool(server, node):
    with psycopg2.connect(server.superuser_dsn(node)) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT count(pg_terminate_backend(pid)) FROM"
                        " pg_stat_activity WHERE application_name ="
                        " 'roachgate' AND pid <> pg_backend_pid()")


def test_query_failures_log_a_reason(server, admin):
    """Backends terminated under load: libpq then often has no message
    for the queries that were on them; the log still gives a reason."""
    before = len(server.log())
    end = time.monotonic() + 8
    statuses = []

    def load():
        c = server.client()
        while time.monotonic() < end:
            try:
                statuses.append(c.get("/api/v2/nodes/",
                                      session=admin).status)
            except OSError as e:
                statuses.append(repr(e))
    threads = [threading.Thread(target=load) for _ in range(6)]
    for t in threads:
        t.start()
    while time.monotonic() < end - 1:
        for node in server.node_ids:
            terminate_pool(server, node)
        time.sleep(0.3)
    for t in threads:
        t.join()
    log = server.log()[before:]
    failed = re.findall(r"query failed:(.*)", log)
    assert failed, (statuses, log[-2000:])
    assert all(r.strip() for r in failed), log[-3000:]
    # Clients get the fixed text only, never PostgreSQL's message.
    assert set(statuses) <= {200, 500}, statuses
    # Each pooled connection that died fails one more request, then
    # reconnects (README, GET /health/): the server recovers by itself.
    c = server.client()
    server.wait_for(lambda: c.get("/api/v2/nodes/",
                                  session=admin).status == 200,
                    timeout=30, what="/nodes/ answering again")
    # Leave the sampler as found: every query it saw fail works again,
    # so later tests' logs start quiet.
    server.wait_for(lambda: sampler_settled(server.log()[before:]),
                    timeout=30, what="the sampler to recover")


def sampler_settled(log):
    last = {}
    for m in re.finditer(r"sampler: (\S+) on (\S+) (failed|works again)",
                         log):
        last[(m.group(1), m.group(2))] = m.group(3)
    return all(v == "works again" for v in last.values())
