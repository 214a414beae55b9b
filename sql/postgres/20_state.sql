-- postgres provider: the small tables behind the views. All live on the
-- primary and reach standbys by replication, so every node reads the same
-- settings and each node finds its own load samples.

CREATE TABLE IF NOT EXISTS roachgate.settings (
    name text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO roachgate.settings (name, value) VALUES
    ('range_size', '536870912'),        -- bytes per range (CockroachDB: 512 MiB)
    ('samples_kept', '5'),              -- load samples kept per node
    ('sample_max_age_s', '60'),         -- older latest sample => rates are 0
    ('system_ranges', '0')              -- 1: system catalogs are ranges too
ON CONFLICT (name) DO NOTHING;

-- Written by roachgate.configure() when the server starts.
CREATE TABLE IF NOT EXISTS roachgate.cluster_config (
    id bool PRIMARY KEY DEFAULT true CHECK (id),
    node_names text[] NOT NULL,
    primary_name text NOT NULL,
    configured_at int8 NOT NULL
);

-- Cumulative per-relation counters of one node, as load_counters()
-- returned them on that node; written by record_sample() on the primary.
CREATE TABLE IF NOT EXISTS roachgate.load_samples (
    node_name text NOT NULL,
    sampled_at int8 NOT NULL,
    counters jsonb NOT NULL,
    PRIMARY KEY (node_name, sampled_at)
);

-- The primary's view of replication, so standbys can report it.
CREATE TABLE IF NOT EXISTS roachgate.replication_snapshot (
    id bool PRIMARY KEY DEFAULT true CHECK (id),
    taken_at int8 NOT NULL,
    primary_name text NOT NULL,
    primary_started_at int8 NOT NULL,
    streaming text[] NOT NULL,
    detail jsonb NOT NULL
);

CREATE OR REPLACE FUNCTION roachgate.setting_int8(setting text, fallback int8)
RETURNS int8
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce((SELECT CASE WHEN s.value ~ '^[0-9]{1,18}$'
        THEN s.value::int8 END
        FROM roachgate.settings s WHERE s.name = setting_int8.setting), fallback);
END;

-- The name this node goes by: the primary's configured name; a standby's
-- application_name in primary_conninfo (the name pg_stat_replication shows
-- on the primary); else the roachgate.node_name GUC; else cluster_name.
CREATE OR REPLACE FUNCTION roachgate.self_name() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(
        CASE WHEN NOT pg_is_in_recovery()
            THEN (SELECT nullif(c.primary_name, '') FROM roachgate.cluster_config c)
        WHEN pg_has_role('pg_read_all_settings', 'USAGE')
            THEN substring(current_setting('primary_conninfo')
                FROM 'application_name\s*=\s*''?([^''\s&]+)')
        END,
        nullif(current_setting('roachgate.node_name', true), ''),
        nullif(current_setting('cluster_name'), ''),
        CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END);
END;

-- One row: replication as this node knows it. On the primary from live
-- pg_stat_replication; on a standby from the replicated snapshot (plus its
-- own walreceiver state).
CREATE OR REPLACE VIEW roachgate.replication_state AS
WITH me AS (
    SELECT roachgate.self_name() AS self, pg_is_in_recovery() AS standby
), live AS (
    SELECT coalesce(array_agg(r.application_name::text
        ORDER BY r.application_name COLLATE "C"), '{}') AS streaming
    FROM pg_stat_replication r
    WHERE r.state = 'streaming' AND r.application_name <> ''
), snap AS (
    SELECT * FROM roachgate.replication_snapshot
), cfg AS (
    SELECT * FROM roachgate.cluster_config
)
SELECT
    me.self,
    NOT me.standby AS is_primary,
    CASE WHEN me.standby THEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver w
        WHERE w.status = 'streaming') ELSE true END AS self_streaming,
    CASE WHEN me.standby THEN coalesce((SELECT snap.primary_name FROM snap),
        (SELECT cfg.primary_name FROM cfg)) ELSE me.self END AS primary_name,
    CASE WHEN me.standby THEN coalesce((SELECT snap.primary_started_at FROM snap), 0)
        ELSE roachgate.ns(pg_postmaster_start_time()) END AS primary_started_at,
    CASE WHEN me.standby THEN coalesce((SELECT snap.streaming FROM snap), '{}')
        ELSE (SELECT live.streaming FROM live) END AS streaming,
    (SELECT cfg.node_names FROM cfg) AS expected
FROM me;
