"""The web console in Debian's chromium against the real server over TLS
(drive.mjs has the page side of each test), and the demo that `make run`
shows.  Screenshots go to build/browser/."""

import secrets
import threading
import time

import psycopg2
import pytest

HOT_TABLE = "console_hammered"


def hot_ranges(demo):
    c = demo.client()
    tok = c.login(*demo.admin)
    r = c.get("/api/v2/ranges/hot/", session=tok)
    assert r.status == 200, r
    return [i for items in r.json()["ranges_by_node_id"].values()
            for i in items]


def test_demo_has_twenty_hot_ranges(demo):
    """A dashboard of the 10 hottest ranges is full: after two sample
    intervals the workload has put load on 20 or more relations."""
    def enough():
        items = hot_ranges(demo)
        rels = {(i["table_name"], i["index_name"]) for i in items}
        return len(items) >= 20 and len(rels) >= 20
    demo.wait_for(enough, timeout=60, interval=1, what="20 hot ranges")


def test_demo_chart_shows_twenty_bars(drive):
    drive("demo")


def test_login_sees_the_nodes(drive):
    drive("nodes")


def test_wrong_password_message(drive):
    drive("unauthorized")


def test_non_admin_sees_403(drive):
    drive("forbidden")


def test_throttled_login_message(drive):
    drive("throttled")


def test_hammered_table_is_the_top_bar(demo, drive):
    conn = psycopg2.connect(demo.superuser_dsn(1))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS %s" % HOT_TABLE)
    cur.execute("CREATE TABLE %s AS SELECT g AS id FROM "
                "generate_series(1, 50000) g" % HOT_TABLE)
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            cur.execute("SELECT count(*) FROM %s" % HOT_TABLE)
            cur.fetchall()
    t = threading.Thread(target=hammer)
    t.start()
    try:
        drive("hot", RG_HOT_TABLE=HOT_TABLE)
    finally:
        stop.set()
        t.join()
        cur.execute("DROP TABLE %s" % HOT_TABLE)
        conn.close()


def test_sessions_filter_and_paging(demo, drive):
    # 30 idle sessions on the primary of a role of their own (the
    # workload's demo_user sessions come and go, which moves a page's
    # boundary): two pages, 20 and 10.
    user, pw = "console_sessions", secrets.token_hex(16)
    su = psycopg2.connect(demo.superuser_dsn(1))
    su.autocommit = True
    cur = su.cursor()
    cur.execute("CREATE ROLE %s LOGIN PASSWORD %%s" % user, (pw,))
    conns = []
    try:
        conns = [psycopg2.connect(
            "host=127.0.0.1 port=%d dbname=%s user=%s password=%s "
            "application_name=console-test" % (
                demo.node_port(1), demo.env["ROACHGATE_DB"], user, pw))
            for _ in range(30)]
        drive("sessions", RG_SESSIONS_USER=user)
    finally:
        for c in conns:
            c.close()

        def gone():
            cur.execute("SELECT count(*) FROM pg_stat_activity "
                        "WHERE usename = %s", (user,))
            return cur.fetchone()[0] == 0
        demo.wait_for(gone, what="the sessions closed")
        cur.execute("DROP ROLE %s" % user)
        su.close()


def test_databases_tables_and_events(demo, drive):
    """A table made now is listed (on page 2, after 21 tables whose names
    sort first), its details shown, and its create_table event is the
    newest; the events of that type page."""
    table = "console_probe_%d" % int(time.time())
    admin = demo.admin[0]
    conn = psycopg2.connect(demo.superuser_dsn(1))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE SCHEMA console_pages")
    for i in range(21):
        cur.execute("CREATE TABLE console_pages.console_page_%02d (a int)" % i)
    cur.execute("GRANT USAGE ON SCHEMA console_pages TO %s" % admin)
    cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA console_pages TO %s" %
                admin)
    cur.execute("CREATE TABLE %s (id int8 PRIMARY KEY, "
                "name text NOT NULL DEFAULT 'x', note text)" % table)
    cur.execute("CREATE INDEX console_probe_name ON %s (name DESC) "
                "INCLUDE (note)" % table)
    cur.execute("INSERT INTO %s (id) SELECT generate_series(1, 100)" % table)
    cur.execute("GRANT SELECT ON %s TO %s" % (table, admin))
    try:
        env = dict(RG_DB=demo.env["ROACHGATE_DB"], RG_OTHER_DB="postgres",
                   RG_TABLE="public." + table)
        drive("databases", **env)
        drive("events", **env)
        drive("events-forbidden", **env)
    finally:
        cur.execute("DROP TABLE %s" % table)
        cur.execute("DROP SCHEMA console_pages CASCADE")
        conn.close()


def test_ranges_paging(drive):
    drive("ranges")


def test_logout_lands_on_login(drive):
    drive("logout")


def test_stopped_standby_banner(demo, drive):
    demo.stop_node(3)
    try:
        drive("banner-on")
    finally:
        demo.start_node(3)
    drive("banner-off")
