"""Node events in GET /api/v2/events/ (issue 11 item 4): roachgate records
each node it first sees (node_join), a node that stops answering
(node_unavailable, roachgate's own) and one whose start time changed
(node_restart), once each, with eventpb's node fields in `info`; and the
event log keeps at most `eventlog_max_rows` rows."""

import base64
import json

import pytest

import fixture as fx

NODE_INFO_KEYS = ["EventType", "LastUp", "NodeID", "StartedAt", "Timestamp"]


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


def node_events(client, admin, etype, node_id):
    r = client.get("/api/v2/events/?type=" + etype, session=admin)
    assert r.status == 200, r
    return [e for e in r.json()["events"] or []
            if e["reporting_id"] == node_id]


def started_ns(server, node_id):
    return fx.query(server.superuser_dsn(node_id),
                    "SELECT roachgate.ns(pg_postmaster_start_time())")[0][0]


def check_event(e, etype, node_id):
    assert list(e) == ["timestamp", "event_type", "reporting_id", "info",
                       "unique_id"]
    assert e["event_type"] == etype and e["reporting_id"] == node_id
    assert len(base64.b64decode(e["unique_id"], validate=True)) == 16
    info = json.loads(e["info"])
    assert list(info) == NODE_INFO_KEYS
    assert info["EventType"] == etype and info["NodeID"] == node_id
    # Go re-marshals numbers through float64.
    assert e["info"] == fx.go_json({k: float(v) if isinstance(v, int) else v
                                    for k, v in info.items()})
    return info


def test_every_node_joins_once(server, client, admin):
    for n in server.node_ids:
        joins = server.wait_for(
            lambda: node_events(client, admin, "node_join", n),
            timeout=60, what="node_join of n%d" % n)
        assert len(joins) == 1, joins
        info = check_event(joins[0], "node_join", n)
        now = started_ns(server, n)
        assert info["StartedAt"] <= now + 1000
        # The node's latest start that roachgate logged is its current
        # one (earlier tests may have restarted it); to the microsecond:
        # float64 keeps ns only roughly.
        starts = joins + node_events(client, admin, "node_restart", n)
        latest = max(starts,
                     key=lambda e: json.loads(e["info"])["Timestamp"])
        assert abs(json.loads(latest["info"])["StartedAt"] - now) < 1000


def new_events(client, admin, etype, node_id, seen):
    return [e for e in node_events(client, admin, etype, node_id)
            if e["unique_id"] not in seen]


def test_stopped_standby_then_restarted(server, client, admin):
    seen = {e["unique_id"] for t in ("node_join", "node_unavailable",
                                      "node_restart", "node_available")
            for e in node_events(client, admin, t, 3)}
    old_start = started_ns(server, 3)
    server.stop_node(3)
    try:
        down = server.wait_for(
            lambda: new_events(client, admin, "node_unavailable", 3, seen),
            timeout=60, what="node_unavailable of n3")
    finally:
        server.start_node(3)
    info = check_event(down[0], "node_unavailable", 3)
    assert abs(info["StartedAt"] - old_start) < 1000
    assert info["LastUp"] <= info["Timestamp"]

    new_start = started_ns(server, 3)
    assert new_start > old_start
    restarts = server.wait_for(
        lambda: new_events(client, admin, "node_restart", 3, seen),
        timeout=60, what="node_restart of n3")
    info = check_event(restarts[0], "node_restart", 3)
    assert abs(info["StartedAt"] - new_start) < 1000
    assert info["LastUp"] < info["StartedAt"]
    assert json.loads(restarts[0]["info"])["Timestamp"] > \
        json.loads(down[0]["info"])["Timestamp"]
    # Each change once (two workers see it); a restart is not also an
    # "available again", and not a join.
    assert len(new_events(client, admin, "node_unavailable", 3, seen)) == 1
    assert len(new_events(client, admin, "node_restart", 3, seen)) == 1
    assert new_events(client, admin, "node_available", 3, seen) == []
    assert len(node_events(client, admin, "node_join", 3)) == 1
    # Newest first, all types together: the restart, then the outage.
    r = client.get("/api/v2/events/?limit=20", session=admin).json()
    mine = [e["event_type"] for e in r["events"]
            if e["reporting_id"] == 3 and e["unique_id"] not in seen]
    assert mine == ["node_restart", "node_unavailable"]


def test_log_bounded_by_setting(server, client, admin):
    """eventlog_max_rows: the next event prunes all but the newest rows,
    so an OFFSET walks at most that many."""
    dsn = server.superuser_dsn()
    fx.query(dsn, "UPDATE roachgate.settings SET value = '4' "
             "WHERE name = 'eventlog_max_rows'")
    try:
        for i in range(6):
            fx.query(dsn, "CREATE TABLE ne_bound%d (a int)" % i)
        assert fx.query(dsn, "SELECT count(*) FROM roachgate.eventlog")[
            0][0] <= 4
        r = client.get("/api/v2/events/", session=admin).json()
        names = [json.loads(e["info"]).get("TableName")
                 for e in r["events"]]
        assert names == ["roachgate.public.ne_bound%d" % i
                         for i in (5, 4, 3, 2)]
        assert client.get("/api/v2/events/?limit=10&offset=4",
                          session=admin).text == '{"events":null}'
    finally:
        fx.query(dsn, "UPDATE roachgate.settings SET value = '10000' "
                 "WHERE name = 'eventlog_max_rows'")
        for i in range(6):
            fx.query(dsn, "DROP TABLE IF EXISTS ne_bound%d" % i)
