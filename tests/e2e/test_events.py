"""GET /api/v2/events/ (issue 11 item 4): DDL recorded by the catalog's
event triggers, newest first, CockroachDB's event type names, `info` as Go
re-marshals the redacted map, 16-byte unique ids, type filter, limit/offset;
admin only."""

import base64
import datetime
import json
import re
import time

import psycopg2
import pytest

import fixture as fx

EVENT_KEYS = ["timestamp", "event_type", "reporting_id", "info", "unique_id"]


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


@pytest.fixture(scope="module")
def su(server):
    conn = psycopg2.connect(server.superuser_dsn(), application_name="evtest")
    conn.autocommit = True
    yield conn.cursor()
    conn.close()


def events(client, session, qs=""):
    r = client.get("/api/v2/events/" + ("?" + qs if qs else ""),
                   session=session)
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    return r


def test_ddl_appears_newest_first(client, admin, su):
    before = time.time()
    su.execute("CREATE TABLE ev_t (id int PRIMARY KEY, secret text "
               "DEFAULT 'hunter2')")
    su.execute("CREATE INDEX ev_t_secret ON ev_t (secret)")
    su.execute("ALTER TABLE ev_t ADD COLUMN more int")
    su.execute("DROP TABLE ev_t")
    su.execute("SELECT 'public.ev_t'::text")

    r = events(client, admin, "limit=4")
    assert b"hunter2" not in r.body  # the statement never leaves
    assert b'\\"Statement\\":\\"\\\\u003chidden\\\\u003e\\"' in r.body
    body = fx.ordered(r.body)
    assert list(body) == ["events", "next"] and body["next"] == 4
    evs = body["events"]
    assert [e["event_type"] for e in evs] == [
        "drop_table", "alter_table", "create_index", "create_table"]
    stamps = []
    for e in evs:
        assert list(e) == EVENT_KEYS
        assert e["reporting_id"] == 1
        assert len(base64.b64decode(e["unique_id"], validate=True)) == 16
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                            e["timestamp"])
        ts = datetime.datetime.fromisoformat(
            e["timestamp"][:26].rstrip("Z") + "+00:00").timestamp()
        assert before - 5 < ts < time.time() + 5
        stamps.append(e["timestamp"])
        info = json.loads(e["info"])
        # Go's re-marshalled map: keys sorted, compact, numbers through
        # float64.
        assert list(info) == sorted(info)
        assert e["info"] == fx.go_json(
            {k: float(v) if isinstance(v, int) else v
             for k, v in info.items()})
        assert info["Statement"] == "<hidden>"
        assert info["User"] == "postgres"
        assert info["ApplicationName"] == "evtest"
        assert info["EventType"] == e["event_type"]
        assert isinstance(info["DescriptorID"], int)
    assert stamps == sorted(stamps, reverse=True)
    assert json.loads(evs[3]["info"])["Tag"] == "CREATE TABLE"
    assert json.loads(evs[3]["info"])["TableName"] == "roachgate.public.ev_t"
    assert json.loads(evs[2]["info"])["IndexName"] == "ev_t_secret"
    assert json.loads(evs[2]["info"])["TableName"] == "roachgate.public.ev_t"


def test_type_filter_and_walk(client, admin, su):
    for i in range(3):
        su.execute("CREATE TABLE ev_w%d (a int)" % i)
        su.execute("DROP TABLE ev_w%d" % i)
    all_drops = events(client, admin, "type=drop_table").json()["events"]
    assert len(all_drops) >= 3
    assert {e["event_type"] for e in all_drops} == {"drop_table"}
    names = [json.loads(e["info"])["TableName"] for e in all_drops[:3]]
    assert names == ["roachgate.public.ev_w2", "roachgate.public.ev_w1",
                     "roachgate.public.ev_w0"]
    items, pages = fx.walk_offsets(
        lambda qs: events(client, admin, "type=drop_table&" + qs).json(), 2,
        "events")
    assert items == all_drops
    # limit 0 (or a bad one): everything; an empty type: no filter.
    assert events(client, admin, "type=&limit=abc").body == \
        events(client, admin).body
    assert events(client, admin, "type=no_such_type").text == \
        '{"events":null}'
    assert events(client, admin, "type=bad%01type").text == \
        '{"events":null}'


def test_roachgate_schema_ddl_is_not_logged(client, admin, su):
    n = len(events(client, admin).json()["events"] or [])
    su.execute("CREATE TABLE roachgate.ev_internal (a int)")
    su.execute("DROP TABLE roachgate.ev_internal")
    assert len(events(client, admin).json()["events"] or []) == n


def test_admin_only(server, client):
    user = client.login(*server.user)
    r = client.get("/api/v2/events/", session=user)
    assert r.status == 403
    assert r.text == "user not allowed to access this endpoint\n"
    r = client.get("/api/v2/events/")
    assert r.status == 401 and r.text == "invalid session header\n"
