-- postgres provider: DDL into roachgate.eventlog, through event triggers.
-- PostgreSQL lets an event trigger see the DDL of the database it lives in
-- (not CREATE DATABASE, roles or other databases), so this is the event
-- log of the connected database.  Objects of the roachgate schema itself
-- are left out (a catalog upgrade is not a user's DDL).

INSERT INTO roachgate.settings (name, value) VALUES
    ('eventlog_ttl_s', '7776000'),      -- keep events 90 days (server.eventlog.ttl)
    ('eventlog_max_rows', '10000')      -- and at most this many
ON CONFLICT (name) DO NOTHING;

-- Bounds the log after an insert: events older than eventlog_ttl_s, and
-- all but the eventlog_max_rows newest (by insertion: seq), so that a
-- reader's OFFSET never walks more than that many rows.  Both deletes
-- follow an index.
CREATE INDEX IF NOT EXISTS eventlog_seq ON roachgate.eventlog (seq);

CREATE OR REPLACE FUNCTION roachgate.eventlog_prune(ts timestamptz)
RETURNS void
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    DELETE FROM roachgate.eventlog e WHERE e."timestamp" < ts -
        make_interval(secs => roachgate.setting_int8('eventlog_ttl_s', 7776000));
    DELETE FROM roachgate.eventlog e WHERE e.seq <=
        (SELECT max(x.seq) FROM roachgate.eventlog x) -
        greatest(roachgate.setting_int8('eventlog_max_rows', 10000), 1);
END;

-- PostgreSQL's command tag -> CockroachDB's event type, and the info field
-- that names the object (eventpb: TableName, IndexName, ...).
CREATE OR REPLACE FUNCTION roachgate.event_type(tag text)
RETURNS TABLE (event_type text, name_field text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT m.t, m.f FROM (VALUES
        ('CREATE TABLE', 'create_table', 'TableName'),
        ('CREATE TABLE AS', 'create_table', 'TableName'),
        ('SELECT INTO', 'create_table', 'TableName'),
        ('ALTER TABLE', 'alter_table', 'TableName'),
        ('DROP TABLE', 'drop_table', 'TableName'),
        ('CREATE INDEX', 'create_index', 'IndexName'),
        ('ALTER INDEX', 'alter_index', 'IndexName'),
        ('DROP INDEX', 'drop_index', 'IndexName'),
        ('CREATE VIEW', 'create_view', 'ViewName'),
        ('CREATE MATERIALIZED VIEW', 'create_view', 'ViewName'),
        ('DROP VIEW', 'drop_view', 'ViewName'),
        ('DROP MATERIALIZED VIEW', 'drop_view', 'ViewName'),
        ('CREATE SEQUENCE', 'create_sequence', 'SequenceName'),
        ('ALTER SEQUENCE', 'alter_sequence', 'SequenceName'),
        ('DROP SEQUENCE', 'drop_sequence', 'SequenceName'),
        ('CREATE SCHEMA', 'create_schema', 'SchemaName'),
        ('DROP SCHEMA', 'drop_schema', 'SchemaName')
    ) AS m(tag, t, f) WHERE m.tag = event_type.tag;
END;

-- One event: eventpb's CommonEventDetails and CommonSQLEventDetails
-- (Timestamp, EventType, Statement, Tag, User, DescriptorID,
-- ApplicationName) plus the object's name, fully qualified with the
-- database; names holds what differs (an index: IndexName unqualified and
-- its TableName), and wins.  Old events are deleted here, so the log stays bounded
-- without a job.
CREATE OR REPLACE FUNCTION roachgate.log_event(tag text, objid oid,
    identity text, names jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
    et record;
    ts timestamptz := statement_timestamp();
BEGIN
    SELECT * INTO et FROM roachgate.event_type(tag);
    IF et.event_type IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO roachgate.eventlog ("timestamp", "eventType", info,
        reporting_name)
    VALUES (ts, et.event_type, jsonb_strip_nulls(jsonb_build_object(
            'Timestamp', roachgate.ns(ts),
            'EventType', et.event_type,
            'Statement', current_query(),
            'Tag', tag,
            'User', session_user::text,
            'DescriptorID', objid::int8,
            'ApplicationName', nullif(current_setting('application_name'), ''),
            et.name_field, current_database() || '.' || identity))
        || coalesce(jsonb_strip_nulls(names), '{}'), roachgate.self_name());
    PERFORM roachgate.eventlog_prune(ts);
END
$$;

-- Logging must never make a user's DDL fail: errors become warnings.
CREATE OR REPLACE FUNCTION roachgate.on_ddl_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT d.command_tag, d.objid, d.object_identity, d.classid
            FROM pg_event_trigger_ddl_commands() d
            WHERE d.command_tag = tg_tag
                AND d.schema_name IS DISTINCT FROM 'roachgate'
                AND NOT (d.object_type = 'schema'
                    AND d.object_identity = 'roachgate') LOOP
        PERFORM roachgate.log_event(c.command_tag, c.objid,
            c.object_identity, (
                SELECT jsonb_build_object('IndexName', ic.relname::text,
                    'TableName', current_database() || '.'
                        || i.indrelid::regclass::text)
                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE i.indexrelid = c.objid
                    AND c.command_tag IN ('CREATE INDEX', 'ALTER INDEX')));
    END LOOP;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'roachgate event log: %', sqlerrm;
END
$$;

CREATE OR REPLACE FUNCTION roachgate.on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT d.objid, d.object_identity, d.object_name
            FROM pg_event_trigger_dropped_objects() d
            WHERE d.original AND d.schema_name IS DISTINCT FROM 'roachgate'
                AND d.object_type = CASE
                    WHEN tg_tag LIKE '%TABLE' THEN 'table'
                    WHEN tg_tag = 'DROP INDEX' THEN 'index'
                    WHEN tg_tag = 'DROP VIEW' THEN 'view'
                    WHEN tg_tag = 'DROP MATERIALIZED VIEW'
                        THEN 'materialized view'
                    WHEN tg_tag = 'DROP SEQUENCE' THEN 'sequence'
                    WHEN tg_tag = 'DROP SCHEMA' THEN 'schema' END LOOP
        PERFORM roachgate.log_event(tg_tag, c.objid, c.object_identity,
            CASE WHEN tg_tag = 'DROP INDEX'
                THEN jsonb_build_object('IndexName', c.object_name) END);
    END LOOP;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'roachgate event log: %', sqlerrm;
END
$$;

-- Creating an event trigger takes a superuser: install.sql is run as one
-- after SET ROLE <owner> (cluster.sh does), so the triggers are created as
-- the session's superuser and everything else stays the owner's.  Run by
-- the owner alone, the event log stays empty and says why.
DO $do$
DECLARE
    owner text := current_user;
BEGIN
    IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r
            WHERE r.rolname = session_user), false) THEN
        RAISE WARNING 'roachgate: event log not installed: event triggers need a superuser (run install.sql as one, after SET ROLE %)',
            owner;
        RETURN;
    END IF;
    RESET ROLE;
    DROP EVENT TRIGGER IF EXISTS roachgate_ddl_end;
    DROP EVENT TRIGGER IF EXISTS roachgate_sql_drop;
    CREATE EVENT TRIGGER roachgate_ddl_end ON ddl_command_end
        EXECUTE FUNCTION roachgate.on_ddl_end();
    CREATE EVENT TRIGGER roachgate_sql_drop ON sql_drop
        EXECUTE FUNCTION roachgate.on_sql_drop();
    EXECUTE format('SET LOCAL ROLE %I', owner);
END
$do$;

-- Node events.  The server (src/nodeevents.c) asks every node for its
-- start time each sample interval and hands each answer, or the failure
-- to get one, to log_node_event() on the primary; what each node was last
-- seen as is kept here, so an event is recorded once per change, by
-- whichever server saw it, across server restarts.
CREATE TABLE IF NOT EXISTS roachgate.node_lifecycle (
    node_name text PRIMARY KEY,
    started_at int8 NOT NULL,   -- pg_postmaster_start_time(), ns
    last_up int8 NOT NULL,      -- when it last answered, ns
    up bool NOT NULL
);

-- One observation of a node at seen_at (ns): it answered with its start
-- time (up), or it did not (last_up: when it last answered, if known).
-- The change it makes, in eventpb's names: node_join (first seen),
-- node_restart (start time changed); roachgate's own node_unavailable
-- (stopped answering) and node_available (answers again, same start).
-- info: eventpb's CommonNodeEventDetails.  Returns the event type or NULL.
CREATE OR REPLACE FUNCTION roachgate.log_node_event(node_name text,
    node_id int8, up bool, started_at int8, seen_at int8, last_up int8)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev roachgate.node_lifecycle;
    known bool;
    et text;
    ts timestamptz := to_timestamp(seen_at / 1e9);
    started int8 := started_at;
    lastup int8;
BEGIN
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'roachgate.log_node_event() must run on the primary';
    END IF;
    IF node_name IS NULL OR up IS NULL OR seen_at IS NULL
        OR (up AND started_at IS NULL) THEN
        RAISE EXCEPTION 'roachgate.log_node_event(): name, up, seen_at and an up node''s started_at are required';
    END IF;
    SELECT * INTO prev FROM roachgate.node_lifecycle l
        WHERE l.node_name = log_node_event.node_name FOR UPDATE;
    known := FOUND;

    IF up THEN
        et := CASE WHEN NOT known THEN 'node_join'
            WHEN prev.started_at <> started_at THEN 'node_restart'
            WHEN NOT prev.up THEN 'node_available' END;
        lastup := CASE WHEN known THEN prev.last_up ELSE started_at END;
        INSERT INTO roachgate.node_lifecycle AS l
            (node_name, started_at, last_up, up)
        VALUES (log_node_event.node_name, started_at, seen_at, true)
        ON CONFLICT ON CONSTRAINT node_lifecycle_pkey DO UPDATE
            SET started_at = excluded.started_at,
                last_up = greatest(l.last_up, excluded.last_up), up = true;
    ELSIF known AND prev.up THEN
        et := 'node_unavailable';
        started := prev.started_at;
        lastup := greatest(prev.last_up, coalesce(last_up, 0));
        UPDATE roachgate.node_lifecycle l SET up = false, last_up = lastup
            WHERE l.node_name = log_node_event.node_name;
    END IF;

    IF et IS NOT NULL THEN
        INSERT INTO roachgate.eventlog ("timestamp", "eventType",
            "reportingID", info, reporting_name)
        VALUES (ts, et, coalesce(node_id, 0), jsonb_strip_nulls(
            jsonb_build_object('Timestamp', seen_at, 'EventType', et,
                'NodeID', node_id, 'StartedAt', started, 'LastUp', lastup)),
            log_node_event.node_name);
        PERFORM roachgate.eventlog_prune(ts);
    END IF;
    RETURN et;
END
$$;
