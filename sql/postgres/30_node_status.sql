-- postgres provider: roachgate.node_status, one row about the answering server.

-- (name, value) pairs behind node_status.metrics. Numeric columns of the
-- statistics views are taken generically (to_jsonb) so new server versions
-- add metrics without edits here. Non-finite values are dropped: Go's JSON
-- encoder cannot write NaN or Inf.
CREATE OR REPLACE VIEW roachgate.node_metrics AS
WITH raw (name, value) AS (
    SELECT 'pg.db.' || j.key, j.value::text::float8
    FROM pg_stat_database d, jsonb_each(to_jsonb(d)) j
    WHERE d.datname = current_database() AND jsonb_typeof(j.value) = 'number'
        AND j.key <> 'datid'
    UNION ALL
    SELECT 'pg.bgwriter.' || j.key, j.value::text::float8
    FROM pg_stat_bgwriter b, jsonb_each(to_jsonb(b)) j
    WHERE jsonb_typeof(j.value) = 'number'
    UNION ALL
    SELECT 'pg.wal.' || j.key, j.value::text::float8
    FROM pg_stat_wal w, jsonb_each(to_jsonb(w)) j
    WHERE jsonb_typeof(j.value) = 'number'
    UNION ALL
    SELECT 'pg.conns.' || s.state, count(*)::float8
    FROM (SELECT CASE a.state WHEN 'active' THEN 'active' WHEN 'idle' THEN 'idle'
            WHEN 'idle in transaction' THEN 'idle_in_txn'
            WHEN 'idle in transaction (aborted)' THEN 'idle_in_txn'
            ELSE 'other' END AS state
        FROM pg_stat_activity a WHERE a.backend_type = 'client backend') s
    GROUP BY s.state
    UNION ALL
    SELECT 'pg.conns.total', count(*)::float8
    FROM pg_stat_activity a WHERE a.backend_type = 'client backend'
    UNION ALL
    SELECT 'pg.conns.max', current_setting('max_connections')::float8
    UNION ALL
    SELECT 'pg.db.size_bytes', pg_database_size(current_database())::float8
    UNION ALL
    SELECT 'pg.uptime_seconds',
        extract(epoch FROM clock_timestamp() - pg_postmaster_start_time())::float8
    UNION ALL
    SELECT 'pg.replication.is_standby', pg_is_in_recovery()::int4::float8
    UNION ALL
    SELECT 'pg.replication.streaming_standbys', count(*)::float8
    FROM pg_stat_replication r WHERE r.state = 'streaming'
    UNION ALL
    SELECT 'pg.replication.max_replay_lag_bytes',
        coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)), 0)::float8
    FROM pg_stat_replication r WHERE NOT pg_is_in_recovery()
    HAVING NOT pg_is_in_recovery()
    UNION ALL
    SELECT 'pg.replication.replay_lag_bytes',
        coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(),
            pg_last_wal_replay_lsn()), 0)::float8
    WHERE pg_is_in_recovery()
    UNION ALL
    SELECT 'pg.replication.replay_lag_seconds',
        extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
    WHERE pg_is_in_recovery() AND pg_last_xact_replay_timestamp() IS NOT NULL
)
SELECT name, value FROM raw
WHERE value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8);

CREATE OR REPLACE VIEW roachgate.node_status AS
WITH addr AS (
    SELECT coalesce(
        CASE WHEN family(inet_server_addr()) = 6
            THEN '[' || host(inet_server_addr()) || ']'
            ELSE host(inet_server_addr()) END,
        nullif(nullif(btrim(split_part(current_setting('listen_addresses'), ',', 1)), '*'), ''),
        'localhost') || ':' || current_setting('port') AS a
), ver AS (
    SELECT current_setting('server_version_num')::int4 AS num
), m AS (
    SELECT array_agg(name ORDER BY name COLLATE "C") AS names,
        array_agg(value ORDER BY name COLLATE "C") AS vals
    FROM roachgate.node_metrics
)
SELECT
    addr.a AS address,
    addr.a AS sql_address,
    'v' || split_part(current_setting('server_version'), ' ', 1) AS build_tag,
    ver.num / 10000 AS version_major,
    ver.num % 10000 AS version_minor,
    0 AS version_patch,
    roachgate.ns(pg_postmaster_start_time()) AS started_at,
    current_setting('cluster_name') AS cluster_name,
    coalesce(m.names, '{}') AS metric_names,
    coalesce(m.vals, '{}') AS metric_values,
    coalesce(CASE WHEN current_setting('roachgate.total_system_memory', true) ~ '^[0-9]{1,18}$'
        THEN current_setting('roachgate.total_system_memory', true)::int8 END, 0)
        AS total_system_memory,
    coalesce(CASE WHEN current_setting('roachgate.num_cpus', true) ~ '^[0-9]{1,9}$'
        THEN current_setting('roachgate.num_cpus', true)::int4 END, 0) AS num_cpus,
    roachgate.ns(clock_timestamp()) AS updated_at,
    rs.is_primary,
    rs.self_streaming AS wal_streaming,
    rs.streaming AS replica_names,
    'postgres'::text AS provider,
    rs.self AS node_name
FROM addr, ver, m, roachgate.replication_state rs;
