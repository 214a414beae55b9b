"""The later routes' catalog (sql/catalog.md, "Later routes (API v2 since
v21.2)"): relation and function signatures on both providers, the readers'
rows against PostgreSQL's own catalogs, and the event log fed by the
primary's event triggers and read on the standbys."""
import os
import re
import subprocess

import pytest

from sqlcat import CATALOG_MD, TOP, parse_contract

RELATIONS, _ = parse_contract()
SECTION = "## Later routes (API v2 since v21.2)"


def api_functions():
    text = CATALOG_MD.read_text()
    text = text[text.index(SECTION):]
    return {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
        r"^\| `(roachgate\.\w+)` \| `([^`]*)` \| `([^`]+)` \|", text, re.M)}


FUNCTIONS = api_functions()


def test_section_lists_the_readers():
    assert set(FUNCTIONS) == {
        "roachgate.read_users", "roachgate.read_databases",
        "roachgate.read_database", "roachgate.read_database_grants",
        "roachgate.read_database_tables", "roachgate.read_events",
        "roachgate.read_restart_state"}


def test_eventlog_columns(provider):
    for node in provider.nodes:
        rows = provider.query(node, """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = 'roachgate.eventlog'::regclass AND a.attnum > 0
                AND NOT a.attisdropped ORDER BY a.attnum""")
        assert [tuple(r) for r in rows] == RELATIONS["eventlog"]


def test_function_signatures(provider):
    for node in provider.nodes:
        rows = provider.query(node, """
            SELECT p.proname, pg_get_function_identity_arguments(p.oid),
                format_type(p.prorettype, NULL)
            FROM pg_proc p WHERE p.pronamespace = 'roachgate'::regnamespace""")
        have = {"roachgate." + r[0]: (r[1], r[2]) for r in rows}
        for name, sig in FUNCTIONS.items():
            assert have.get(name) == sig, (provider.name, node, name)


def test_readers_run_as_the_owner_on_every_node(provider):
    for node in provider.nodes:
        users = [r[0] for r in provider.query(
            node, "SELECT * FROM roachgate.read_users(NULL, NULL)")]
        assert "roachgate" in users and users == sorted(users, key=str.encode)
        assert not any(u.startswith("pg_") for u in users)
        dbs = provider.query(
            node, "SELECT * FROM roachgate.read_databases('roachgate', NULL, 0)")
        assert dbs and all(isinstance(d[1], int) for d in dbs)
        state = provider.query(
            node, "SELECT * FROM roachgate.read_restart_state(true)")
        assert len(state) == 1 and state[0][4] >= 0
        assert provider.query(node, "SELECT count(*) FROM roachgate.read_events("
                              "NULL, NULL, 0)")[0][0] >= 0


def test_users_match_pg_roles(cluster):
    cluster.query(1, "CREATE ROLE api_u1 LOGIN; CREATE ROLE api_r1 NOLOGIN",
                  user="postgres")
    want = [r[0] for r in cluster.query(1, """SELECT rolname FROM pg_roles
        WHERE rolcanlogin AND rolname NOT LIKE 'pg\\_%' ORDER BY 1""")]
    got = [r[0] for r in cluster.query(
        1, "SELECT * FROM roachgate.read_users(NULL, NULL)")]
    assert got == want and "api_u1" in got and "api_r1" not in got
    assert [r[0] for r in cluster.query(
        1, "SELECT * FROM roachgate.read_users(2, 1)")] == want[1:3]


def test_databases_follow_connect_privilege(cluster):
    cluster.query(1, "DROP DATABASE IF EXISTS api_db", user="postgres")
    cluster.query(1, "CREATE DATABASE api_db", user="postgres")
    cluster.query(1, "REVOKE CONNECT ON DATABASE api_db FROM PUBLIC",
                  user="postgres")

    def names(user):
        return [r[0] for r in cluster.query(1, """SELECT name FROM
            roachgate.read_databases(%s, NULL, 0)""", (user,))]
    assert "api_db" not in names("demo_user")
    assert "api_db" in names("postgres")  # superuser
    assert names("no such user") == []
    assert cluster.query(1, """SELECT * FROM
        roachgate.read_database('demo_user', 'api_db')""") == []
    cluster.query(1, "GRANT CONNECT ON DATABASE api_db TO demo_user",
                  user="postgres")
    oid = cluster.query(1, "SELECT oid::int8 FROM pg_database "
                        "WHERE datname = 'api_db'")[0][0]
    assert cluster.query(1, """SELECT * FROM
        roachgate.read_database('demo_user', 'api_db')""") == [("api_db", oid)]
    grants = cluster.query(1, """SELECT * FROM
        roachgate.read_database_grants('demo_user', 'api_db', NULL, 0)""")
    assert (True, "demo_user", "CONNECT") in grants
    assert (True, "public", "CONNECT") not in grants
    assert (True, "postgres", "CREATE") in grants  # the owner's
    assert grants == sorted(grants, key=lambda g: (g[1].encode(),
                                                   g[2].encode()))
    assert cluster.query(1, """SELECT * FROM
        roachgate.read_database_grants('demo_user', 'nope', NULL, 0)""") == \
        [(False, None, None)]
    # tables/ of another database: not visible from this one.
    assert cluster.query(1, """SELECT * FROM
        roachgate.read_database_tables('postgres', 'api_db', NULL, 0)""") == \
        [(False, None)]
    cluster.query(1, "DROP DATABASE api_db", user="postgres")


def test_tables_by_privilege_and_quoted(cluster):
    cluster.query(1, """CREATE TABLE public."Api T" (a int);
        CREATE VIEW public.api_v AS SELECT 1 AS x;
        GRANT SELECT ON public.api_v TO demo_user""", user="postgres")
    got = cluster.query(1, """SELECT table_name FROM
        roachgate.read_database_tables('demo_user', current_database(), NULL, 0)""")
    assert got == [("public.api_v",)]
    got = [r[0] for r in cluster.query(1, """SELECT table_name FROM
        roachgate.read_database_tables('postgres', current_database(), NULL, 0)""")]
    assert 'public."Api T"' in got and "roachgate.eventlog" in got
    assert not any(t.startswith(("pg_catalog.", "information_schema."))
                   for t in got)
    cluster.query(1, 'DROP TABLE public."Api T"; DROP VIEW public.api_v',
                  user="postgres")


def test_ddl_events_replicate_to_standbys(cluster):
    cluster.query(1, """CREATE TABLE api_ev (a int);
        CREATE INDEX api_ev_a ON api_ev (a); DROP TABLE api_ev""",
                  user="postgres")
    cluster.wait_replay()
    for node in range(1, cluster.nodes + 1):
        rows = cluster.query(node, """SELECT event_type, reporting_name,
            info_keys, info_values, length(unique_id)
            FROM roachgate.read_events(NULL, 3, 0)""")
        assert [r[0] for r in rows] == ["drop_table", "create_index",
                                        "create_table"]
        for r in rows:
            assert r[1] == "n1" and r[4] == 16
            info = dict(zip(r[2], r[3]))
            assert info["Statement"] == "<hidden>"
            assert r[2] == sorted(r[2], key=str.encode)
        assert dict(zip(rows[2][2], rows[2][3]))["TableName"] == \
            "roachgate.public.api_ev"
    raw = cluster.query(1, """SELECT info->>'Statement' FROM roachgate.eventlog
        ORDER BY seq DESC LIMIT 1""")[0][0]
    assert raw.startswith("CREATE TABLE api_ev")  # stored, never returned
    assert cluster.query(1, """SELECT count(*) FROM
        roachgate.read_events('create_index', NULL, 0)""")[0][0] >= 1


def test_install_as_owner_alone_keeps_working(cluster):
    env = dict(os.environ, PGPASSWORD=cluster.password("roachgate"))
    r = subprocess.run(
        ["/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-h", "127.0.0.1",
         "-p", str(cluster.port(1)), "-U", "roachgate", "-d", cluster.db,
         "-f", str(TOP / "sql" / "postgres" / "install.sql")],
        capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "event log not installed" in r.stderr
    # The superuser's install left its triggers in place.
    assert cluster.query(1, """SELECT count(*) FROM pg_event_trigger
        WHERE evtname LIKE 'roachgate_%'""")[0][0] == 2
