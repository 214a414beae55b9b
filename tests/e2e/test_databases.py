"""GET /api/v2/users/, databases/, databases/{db}/, .../grants/ and
.../tables/ (issue 11 items 1-2) on the demo cluster, for a logged-in
non-admin and an admin: CockroachDB's JSON (field order, null vs omitted),
offset pagination walks, visibility by privilege, 401/404/405 texts."""

import json

import psycopg2
import pytest

import fixture as fx


@pytest.fixture(scope="module")
def su(server):
    conn = psycopg2.connect(server.superuser_dsn())
    conn.autocommit = True
    cur = conn.cursor()
    # A login user, a role that cannot log in, a database only some may
    # reach, tables with names CockroachDB would quote.
    cur.execute("DROP DATABASE IF EXISTS api_hidden")
    cur.execute("DROP ROLE IF EXISTS api_login")
    cur.execute("DROP ROLE IF EXISTS api_nologin")
    cur.execute("CREATE ROLE api_login LOGIN")
    cur.execute("CREATE ROLE api_nologin NOLOGIN")
    cur.execute("CREATE DATABASE api_hidden")
    cur.execute("REVOKE CONNECT ON DATABASE api_hidden FROM PUBLIC")
    cur.execute("GRANT CONNECT ON DATABASE api_hidden TO demo_admin")
    cur.execute('CREATE TABLE public."MyTable" (id int PRIMARY KEY)')
    cur.execute('CREATE SCHEMA "naughty schema"')
    cur.execute('CREATE TABLE "naughty schema".t (a int)')
    cur.execute("CREATE TABLE public.zz_private (a int)")
    cur.execute('GRANT SELECT ON public."MyTable" TO demo_user')
    cur.execute('GRANT USAGE ON SCHEMA "naughty schema" TO demo_user')
    cur.execute('GRANT INSERT ON "naughty schema".t TO demo_user')
    yield cur
    cur.execute('DROP TABLE public."MyTable", public.zz_private')
    cur.execute('DROP SCHEMA "naughty schema" CASCADE')
    cur.execute("DROP DATABASE api_hidden")
    cur.execute("DROP ROLE api_login")
    cur.execute("DROP ROLE api_nologin")
    conn.close()


@pytest.fixture(scope="module")
def user(server, su):
    return server.client().login(*server.user)


@pytest.fixture(scope="module")
def admin(server, su):
    return server.client().login(*server.admin)


def get(client, session, path, status=200):
    r = client.get("/api/v2/" + path, session=session)
    assert r.status == status, r
    if status == 200:
        assert r.header("content-type") == "application/json"
        assert not r.body.endswith(b"\n")
    return r


def getter(client, session, path):
    def g(qs):
        return json.loads(get(client, session, path + "?" + qs).body)
    return g


# --- users/ ---------------------------------------------------------------

def test_users_lists_login_roles(client, user, su):
    su.execute("SELECT rolname FROM pg_roles WHERE rolcanlogin "
               "AND rolname !~ '^pg_' ORDER BY rolname COLLATE \"C\"")
    want = [r[0] for r in su.fetchall()]
    r = get(client, user, "users/")
    body = fx.ordered(r.body)
    assert list(body) == ["users"]
    assert body["users"] == [{"username": u} for u in want]
    names = [u["username"] for u in body["users"]]
    assert "api_login" in names and "demo_user" in names
    assert "api_nologin" not in names and "pg_monitor" not in names


def test_users_pagination_walk(client, user):
    full = get(client, user, "users/").json()["users"]
    items, pages = fx.walk_offsets(getter(client, user, "users/"), 2, "users")
    assert items == full
    # CockroachDB: a full page always carries next; the one after is null.
    if len(full) % 2 == 0:
        assert pages[-1] == {"users": None}
    r = get(client, user, "users/?limit=2&offset=%d" % len(full))
    assert r.text == '{"users":null}'


def test_users_bad_limit_means_all(client, user):
    full = get(client, user, "users/").body
    for qs in ("limit=abc", "limit=0", "limit=-3&offset=2", "offset=1"):
        assert get(client, user, "users/?" + qs).body == full, qs


def test_users_needs_session(client):
    r = client.get("/api/v2/users/")
    assert r.status == 401 and r.text == "invalid session header\n"
    r = client.get("/api/v2/users/", session="nonsense!")
    assert r.status == 400 and r.text == "invalid session header\n"


def test_method_not_allowed(client, user):
    for path in ("users/", "databases/", "databases/roachgate/",
                 "databases/roachgate/grants/", "databases/roachgate/tables/"):
        r = client.request("POST", "/api/v2/" + path,
                           headers={"X-Cockroach-API-Session": user})
        assert r.status == 405, (path, r)


# --- databases/ -------------------------------------------------------------

def test_databases_visible_by_connect_privilege(client, user, admin):
    assert get(client, user, "databases/").text == \
        '{"databases":["postgres","roachgate"]}'
    assert get(client, admin, "databases/").json() == \
        {"databases": ["api_hidden", "postgres", "roachgate"]}


def test_databases_simple_paginate(client, admin):
    g = getter(client, admin, "databases/")
    # simplePaginate: next only while the page does not reach the end.
    assert g("limit=1") == {"databases": ["api_hidden"], "next": 1}
    assert g("limit=1&offset=1") == {"databases": ["postgres"], "next": 2}
    assert g("limit=1&offset=2") == {"databases": ["roachgate"]}
    assert g("limit=2&offset=1") == {"databases": ["postgres", "roachgate"]}
    assert get(client, admin, "databases/?limit=5&offset=9").text == "{}"


def test_database_details(client, user, admin, su):
    su.execute("SELECT oid FROM pg_database WHERE datname = 'roachgate'")
    oid = su.fetchone()[0]
    r = get(client, user, "databases/roachgate/")
    assert r.text == '{"descriptor_id":%d}' % oid
    # limit/offset are not read by this route.
    assert get(client, user, "databases/roachgate/?limit=1&offset=5").text \
        == r.text
    su.execute("SELECT oid FROM pg_database WHERE datname = 'api_hidden'")
    assert get(client, admin, "databases/api_hidden/").json() == \
        {"descriptor_id": su.fetchone()[0]}


@pytest.mark.parametrize("suffix", ["", "grants/", "tables/"])
def test_database_not_found(client, user, suffix):
    for db in ("nope", "api_hidden", "template1", "a" * 64, "a.b"):
        r = get(client, user, "databases/%s/%s" % (db, suffix), status=404)
        assert r.text == "database not found\n", db
        assert r.header("content-type") == "text/plain; charset=utf-8"
    # Names outside [\w.]+ match no route: gorilla's 404.
    for db in ("bad-name", "x%20y", "caf%C3%A9"):
        r = get(client, user, "databases/%s/%s" % (db, suffix), status=404)
        assert r.text == "404 page not found\n", db


def test_database_grants(client, user, su):
    # A NULL ACL: the owner's implicit privileges and PUBLIC's defaults.
    su.execute("SELECT datacl IS NULL FROM pg_database "
               "WHERE datname = 'postgres'")
    assert su.fetchone()[0]
    body = fx.ordered(get(client, user, "databases/postgres/grants/").body)
    assert body == {"grants": [
        {"user": "postgres", "privileges": ["CONNECT"]},
        {"user": "postgres", "privileges": ["CREATE"]},
        {"user": "postgres", "privileges": ["TEMPORARY"]},
        {"user": "public", "privileges": ["CONNECT"]},
        {"user": "public", "privileges": ["TEMPORARY"]}]}
    assert list(body["grants"][0]) == ["user", "privileges"]
    su.execute("GRANT CREATE ON DATABASE postgres TO demo_user")
    try:
        grants = get(client, user, "databases/postgres/grants/").json()
        assert {"user": "demo_user", "privileges": ["CREATE"]} in \
            grants["grants"]
        items, _ = fx.walk_offsets(
            getter(client, user, "databases/postgres/grants/"), 2, "grants")
        assert items == grants["grants"]
    finally:
        su.execute("REVOKE CREATE ON DATABASE postgres FROM demo_user")
    r = get(client, user, "databases/postgres/grants/?limit=3&offset=50")
    assert r.text == '{"grants":null}'


def test_database_tables(client, user, admin):
    body = fx.ordered(get(client, user, "databases/roachgate/tables/").body)
    # Only tables the user holds a privilege on; ordered by table name
    # (bytewise), quoted as needed.
    assert body == {"table_names": ['public."MyTable"', '"naughty schema".t']}
    names = get(client, admin, "databases/roachgate/tables/").json()[
        "table_names"]
    assert "roachgate.node_status" in names
    assert 'public."MyTable"' not in names  # demo_admin holds no privilege
    g = getter(client, admin, "databases/roachgate/tables/")
    items, pages = fx.walk_offsets(
        lambda qs: dict({"table_names": None}, **g(qs)), 1, "table_names")
    assert items == names
    # The last full page has a next; the page after it is {} (omitempty).
    assert get(client, admin, "databases/roachgate/tables/?limit=1&offset="
               "%d" % len(names)).text == "{}"
    # Another database's tables are not visible (README).
    r = get(client, user, "databases/postgres/tables/", status=404)
    assert r.text == "database not found\n"
