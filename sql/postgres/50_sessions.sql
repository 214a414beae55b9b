-- postgres provider: roachgate.sessions, the client backends of this node.
-- roachgate's own connections (application_name 'roachgate') are hidden.
-- Ids are built from (start time, node, pid), so they are stable for the
-- life of a backend/query/transaction and distinct across nodes:
--   session_id = int8 backend_start ns || int4 hashtext(node) || int4 pid
--   query_id   = hex(int8 query_start ns || int4 hashtext(node) || int4 pid)
--   txn_id     = uuid(int8 xact_start ns || int4 hashtext(node) || int4 pid)

CREATE OR REPLACE VIEW roachgate.sessions AS
WITH me AS (
    SELECT int4send(hashtext(roachgate.self_name())) AS node_bytes
), act AS (
    SELECT a.*,
        a.state = 'active' AS is_active,
        me.node_bytes || int4send(a.pid) AS suffix,
        (SELECT p.done / p.total FROM (
            SELECT c.blocks_done::float8 AS done, c.blocks_total::float8 AS total
                FROM pg_stat_progress_create_index c WHERE c.pid = a.pid
            UNION ALL SELECT v.heap_blks_scanned, v.heap_blks_total
                FROM pg_stat_progress_vacuum v WHERE v.pid = a.pid
            UNION ALL SELECT y.sample_blks_scanned, y.sample_blks_total
                FROM pg_stat_progress_analyze y WHERE y.pid = a.pid
            UNION ALL SELECT l.heap_blks_scanned, l.heap_blks_total
                FROM pg_stat_progress_cluster l WHERE l.pid = a.pid
            UNION ALL SELECT o.bytes_processed, o.bytes_total
                FROM pg_stat_progress_copy o WHERE o.pid = a.pid
        ) p WHERE p.total > 0 LIMIT 1) AS progress
    FROM pg_stat_activity a, me
    WHERE a.backend_type = 'client backend'
        AND a.application_name IS DISTINCT FROM 'roachgate'
        AND a.backend_start IS NOT NULL
)
SELECT
    int8send(roachgate.ns(a.backend_start)) || a.suffix AS session_id,
    a.usename::text AS username,
    CASE WHEN a.client_addr IS NULL THEN ''
        WHEN family(a.client_addr) = 6
            THEN '[' || host(a.client_addr) || ']:' || a.client_port
        ELSE host(a.client_addr) || ':' || a.client_port END AS client_address,
    a.application_name::text AS application_name,
    roachgate.ns(a.backend_start) AS start,
    CASE WHEN NOT a.is_active THEN nullif(a.query, '') END AS last_active_query,
    0::int8 AS alloc_bytes,
    0::int8 AS max_alloc_bytes,
    CASE WHEN NOT a.is_active
        THEN roachgate.anonymize_sql(nullif(a.query, '')) END AS last_active_query_anon,
    CASE WHEN a.is_active
        THEN encode(int8send(roachgate.ns(a.query_start)) || a.suffix, 'hex')
        END AS query_id,
    CASE WHEN a.is_active THEN coalesce(
        encode(int8send(roachgate.ns(a.xact_start)) || a.suffix, 'hex')::uuid,
        '00000000-0000-0000-0000-000000000000'::uuid) END AS query_txn_id,
    CASE WHEN a.is_active THEN a.query END AS query_sql,
    CASE WHEN a.is_active THEN roachgate.ns(a.query_start) END AS query_start,
    CASE WHEN a.is_active THEN EXISTS (SELECT 1 FROM pg_stat_activity w
        WHERE w.leader_pid = a.pid AND w.pid <> a.pid) END AS query_is_distributed,
    CASE WHEN a.is_active THEN 1 END AS query_phase,
    CASE WHEN a.is_active THEN coalesce(a.progress, 0)::float4 END AS query_progress,
    CASE WHEN a.is_active THEN roachgate.anonymize_sql(a.query) END AS query_sql_anon,
    CASE WHEN a.xact_start IS NOT NULL
        THEN encode(int8send(roachgate.ns(a.xact_start)) || a.suffix, 'hex')::uuid
        END AS txn_id,
    roachgate.ns(a.xact_start) AS txn_start,
    CASE WHEN a.xact_start IS NOT NULL THEN format('pg xact pid=%s xid=%s xmin=%s state=%s',
        a.pid, coalesce(a.backend_xid::text, '-'), coalesce(a.backend_xmin::text, '-'),
        a.state) END AS txn_description,
    CASE WHEN a.xact_start IS NOT NULL THEN 0 END AS txn_num_statements_executed,
    CASE WHEN a.xact_start IS NOT NULL THEN 0 END AS txn_num_retries,
    CASE WHEN a.xact_start IS NOT NULL THEN 0 END AS txn_num_auto_retries,
    CASE WHEN a.xact_start IS NOT NULL THEN 0::int8 END AS txn_deadline,
    CASE WHEN a.xact_start IS NOT NULL
        THEN a.is_active AND a.xact_start = a.query_start END AS txn_implicit,
    CASE WHEN a.xact_start IS NOT NULL THEN 0::int8 END AS txn_alloc_bytes,
    CASE WHEN a.xact_start IS NOT NULL THEN 0::int8 END AS txn_max_alloc_bytes,
    CASE WHEN a.xact_start IS NOT NULL THEN a.backend_xid IS NULL END AS txn_read_only,
    CASE WHEN a.xact_start IS NOT NULL THEN false END AS txn_is_historical,
    CASE WHEN a.xact_start IS NOT NULL THEN 'normal' END AS txn_priority,
    a.pid AS pid,
    a.state::text AS state,
    row_number() OVER (ORDER BY roachgate.ns(a.backend_start),
        int8send(roachgate.ns(a.backend_start)) || a.suffix) - 1 AS session_position,
    row_number() OVER (PARTITION BY a.usename::text
        ORDER BY roachgate.ns(a.backend_start),
        int8send(roachgate.ns(a.backend_start)) || a.suffix) - 1 AS user_position
FROM act a;
