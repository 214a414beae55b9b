"""GET /api/v2/health/restart_safety/ (issue 11 item 5): no login; the
primary is never safe to restart, a standby only while every other standby
streams; a stopped standby flips it for the other one."""

import psycopg2
import pytest


@pytest.fixture(scope="module", autouse=True)
def table(server):
    """Ranges to count: a table of the demo database."""
    conn = psycopg2.connect(server.superuser_dsn())
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS restart_t AS "
                "SELECT g AS id FROM generate_series(1, 1000) g")
    cur.execute("CREATE INDEX IF NOT EXISTS restart_t_id ON restart_t (id)")
    yield
    cur.execute("DROP TABLE restart_t")
    conn.close()


def safety(client, node_id):
    # A fresh connection each time: the server may close an idle one
    # while a node stops or starts.
    r = client.get("/api/v2/health/restart_safety/?node_id=%d" % node_id,
                   keepalive=False)
    assert r.status in (200, 503), r
    assert r.header("content-type") == "application/json"
    return r


def range_count(server, client):
    admin = client.login(*server.admin)
    r = client.get("/api/v2/nodes/1/ranges/", session=admin, keepalive=False)
    assert r.status == 200
    return len(r.json()["ranges"])


def test_primary_is_unsafe(server, client):
    r = safety(client, 1)
    body = r.json()
    assert r.status == 503
    assert list(body) == ["node_id", "raft_leadership_on_node_count",
                          "store_not_draining_count"], body
    assert body["node_id"] == 1 and body["store_not_draining_count"] == 1
    assert body["raft_leadership_on_node_count"] == \
        range_count(server, client) >= 2


def test_standby_is_safe_while_others_stream(server, client):
    for n in (2, 3):
        r = safety(client, n)
        assert r.status == 200, r
        assert r.text == '{"node_id":%d,"is_restart_safe":true}' % n


@pytest.mark.parametrize("qs", ["", "node_id=", "node_id=abc",
                                "node_id=0", "node_id=-1", "node_id=1.5",
                                "node_id=99999999999", "node_id=%00"])
def test_bad_node_id(client, qs):
    r = client.get("/api/v2/health/restart_safety/?" + qs)
    assert r.status == 400 and r.text == "invalid node ID\n", (qs, r)


def test_unknown_node(client):
    r = client.get("/api/v2/health/restart_safety/?node_id=42")
    assert r.status == 404 and r.text == "node not found\n"


def test_method(client):
    r = client.request("POST", "/api/v2/health/restart_safety/?node_id=2")
    assert r.status == 405


def test_stopped_standby_flips_the_other(server, client):
    ranges = range_count(server, client)
    server.stop_node(2)
    try:
        def flipped():
            r = safety(client, 3)
            return r if r.status == 503 else None
        r = server.wait_for(flipped, timeout=60, what="n3 unsafe")
        assert r.json() == {"node_id": 3,
                            "underreplicated_range_count": ranges}
        # Restarting n2 (already down) loses nothing more: n3 streams.
        r = safety(client, 2)
        assert r.status == 200 and r.json()["is_restart_safe"] is True
    finally:
        server.start_node(2)
    server.wait_for(lambda: safety(client, 3).status == 200, timeout=60,
                    what="n3 safe again")
