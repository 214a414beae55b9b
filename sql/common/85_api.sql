-- Readers of the later API v2 routes (users/, databases/, grants/,
-- tables/, events/), for both providers.  The first four read
-- PostgreSQL's own catalogs: pg_authid and pg_database are shared by
-- every database of a node, pg_class is the connected database's only
-- (so tables/ sees that database alone: sql/catalog.md, "Which databases
-- are visible").  Visibility follows the caller's privileges, passed in
-- as `username`, since the server itself reads as the catalog owner.

-- Login roles, bytewise by name; PostgreSQL's predefined pg_* roles are
-- not users.  lim NULL: all.
CREATE OR REPLACE FUNCTION roachgate.read_users(lim int8, off int8)
RETURNS TABLE (username text)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT r.rolname::text FROM pg_catalog.pg_roles r
        WHERE r.rolcanlogin AND r.rolname !~ '^pg_'
        ORDER BY r.rolname COLLATE "C"
        LIMIT lim OFFSET off;
END
$$;

-- Databases the user may connect to (SHOW DATABASES shows a user the
-- databases it has a privilege on), templates excluded, bytewise by name.
CREATE OR REPLACE FUNCTION roachgate.read_databases(username text, lim int8,
    off int8)
RETURNS TABLE (name text, descriptor_id int8)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    u oid := to_regrole(quote_ident(username));
BEGIN
    RETURN QUERY SELECT d.datname::text, d.oid::int8
        FROM pg_catalog.pg_database d
        WHERE NOT d.datistemplate AND u IS NOT NULL
            AND has_database_privilege(u, d.oid, 'CONNECT')
        ORDER BY d.datname COLLATE "C"
        LIMIT lim OFFSET off;
END
$$;

-- One visible database by name (no row: not found).
CREATE OR REPLACE FUNCTION roachgate.read_database(username text, dbname text)
RETURNS TABLE (name text, descriptor_id int8)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    u oid := to_regrole(quote_ident(username));
BEGIN
    RETURN QUERY SELECT d.datname::text, d.oid::int8
        FROM pg_catalog.pg_database d
        WHERE d.datname = dbname AND NOT d.datistemplate AND u IS NOT NULL
            AND has_database_privilege(u, d.oid, 'CONNECT');
END
$$;

-- The database's ACL, one row per (grantee, privilege), ordered by grantee
-- then privilege as SHOW GRANTS orders them; a NULL ACL is the owner's
-- implicit privileges plus PUBLIC's defaults (acldefault).  found is false
-- (and no other row) when the database is not visible.
CREATE OR REPLACE FUNCTION roachgate.read_database_grants(username text,
    dbname text, lim int8, off int8)
RETURNS TABLE (found bool, grantee text, privilege text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    d oid;
BEGIN
    SELECT v.descriptor_id INTO d
        FROM roachgate.read_database(username, dbname) v;
    IF d IS NULL THEN
        RETURN QUERY SELECT false, NULL::text, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY SELECT true, g.grantee, g.privilege FROM (
        SELECT CASE WHEN a.grantee = 0 THEN 'public'
                ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
            a.privilege_type::text AS privilege
        FROM pg_catalog.pg_database db,
            aclexplode(coalesce(db.datacl, acldefault('d', db.datdba))) a
        WHERE db.oid = d) g
        ORDER BY g.grantee COLLATE "C", g.privilege COLLATE "C"
        LIMIT lim OFFSET off;
END
$$;

-- Tables, views, materialized views, sequences and foreign tables of the
-- connected database on which the user holds any privilege (as
-- information_schema.tables shows them), as "schema.table" with each part
-- quoted as needed, ordered by table name only (CockroachDB's ORDER BY
-- table_name), then schema for a stable order.  found is false when
-- dbname is not the connected database or not visible to the user.
CREATE OR REPLACE FUNCTION roachgate.read_database_tables(username text,
    dbname text, lim int8, off int8)
RETURNS TABLE (found bool, table_name text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    u oid := to_regrole(quote_ident(username));
BEGIN
    IF dbname <> current_database() OR NOT EXISTS (
            SELECT 1 FROM roachgate.read_database(username, dbname)) THEN
        RETURN QUERY SELECT false, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY SELECT true, quote_ident(n.nspname) || '.' ||
            quote_ident(c.relname)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
            AND (pg_has_role(u, c.relowner, 'USAGE')
                OR has_table_privilege(u, c.oid,
                    'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                OR has_any_column_privilege(u, c.oid,
                    'SELECT, INSERT, UPDATE, REFERENCES'))
        ORDER BY c.relname COLLATE "C", n.nspname COLLATE "C"
        LIMIT lim OFFSET off;
END
$$;

-- CockroachDB's system.eventlog, same column names, plus the reporting
-- node's name (the server maps it to a node id) and a sequence that
-- orders events of one statement.  The postgres provider fills it from an
-- event trigger (sql/postgres/87_eventlog.sql); the fixture leaves it
-- empty unless a test writes to it.
CREATE TABLE IF NOT EXISTS roachgate.eventlog (
    "timestamp" timestamptz NOT NULL,
    "eventType" text NOT NULL,
    "reportingID" int8 NOT NULL DEFAULT 0,
    info jsonb NOT NULL,
    "uniqueID" bytea NOT NULL DEFAULT uuid_send(gen_random_uuid())
        CHECK (length("uniqueID") = 16),
    reporting_name text,
    seq bigserial,
    PRIMARY KEY ("timestamp", seq)
);
CREATE INDEX IF NOT EXISTS eventlog_type
    ON roachgate.eventlog ("eventType", "timestamp", seq);

-- Events newest first, optionally of one type, a page of them.  info comes
-- as parallel arrays (keys sorted bytewise, as Go marshals a map; the
-- jsonb type of each value; its text) so the server can write it as Go
-- re-marshals it.  Statement is always "<hidden>": v2 redacts it, and the
-- text never leaves the database.
CREATE OR REPLACE FUNCTION roachgate.read_events(etype text, lim int8,
    off int8)
RETURNS TABLE (ts int8, event_type text, reporting_id int8,
    reporting_name text, info_keys text[], info_types text[],
    info_values text[], unique_id bytea)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT roachgate.ns(e."timestamp"), e."eventType",
            e."reportingID", e.reporting_name,
            i.keys, i.types, i.vals, e."uniqueID"
        FROM roachgate.eventlog e
        CROSS JOIN LATERAL (
            SELECT coalesce(array_agg(k.key ORDER BY k.key COLLATE "C"), '{}'),
                coalesce(array_agg(jsonb_typeof(k.value)
                    ORDER BY k.key COLLATE "C"), '{}'),
                coalesce(array_agg(CASE WHEN k.key = 'Statement'
                        THEN '<hidden>' ELSE k.value #>> '{}' END
                    ORDER BY k.key COLLATE "C"), '{}')
            FROM jsonb_each(CASE jsonb_typeof(e.info) WHEN 'object'
                THEN e.info ELSE '{}'::jsonb END) k
        ) AS i(keys, types, vals)
        WHERE etype IS NULL OR e."eventType" = etype
        ORDER BY e."timestamp" DESC, e.seq DESC
        LIMIT lim OFFSET off;
END
$$;

-- What health/restart_safety/ needs of one node: its name and replication
-- role, the standbys streaming from it (primary) or last recorded so
-- (standby), and with count_ranges the number of ranges it holds.
CREATE OR REPLACE FUNCTION roachgate.read_restart_state(count_ranges bool)
RETURNS TABLE (node_name text, is_primary bool, wal_streaming bool,
    replica_names text[], range_count int8)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT s.node_name, s.is_primary, s.wal_streaming,
            s.replica_names,
            CASE WHEN count_ranges
                THEN (SELECT count(*) FROM roachgate.ranges) END
        FROM roachgate.node_status s;
END
$$;
