-- postgres provider: ranges = slices of the relations of the connected
-- database. See sql/catalog.md ("Ranges of the postgres provider").

-- Every relation that is a range source: tables, indexes, materialized
-- views, TOAST tables and their indexes, sequences; with the table that
-- owns it. Skipped: relations without storage, temporary and unlogged
-- relations (not replicated, so not the same on every node), the roachgate
-- schema itself (its sampler writes would always be "hot"), and unless the
-- setting system_ranges is 1, the system catalogs (pg_catalog,
-- information_schema): every query, roachgate's own included, reads them,
-- so they would top every hot-ranges list.
-- Sizes: pg_relation_size() takes a (brief) ACCESS SHARE lock, so for a
-- relation someone holds or awaits ACCESS EXCLUSIVE on (DDL, or its replay
-- on a standby) the size from pg_class is used instead of waiting.
CREATE OR REPLACE VIEW roachgate.relations AS
WITH locked AS (
    SELECT DISTINCT l.relation
    FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
        AND l.database IN (0, (SELECT d.oid FROM pg_database d
            WHERE d.datname = current_database()))
)
SELECT
    c.oid::int8 AS relation_id,
    owner.oid::int8 AS table_id,
    CASE WHEN c.relkind = 'i' THEN c.oid::int8
        WHEN c.relkind = 't' THEN 2 ELSE 1 END AS index_id,
    CASE c.relkind
        WHEN 'r' THEN 'table' WHEN 'm' THEN 'materialized_view'
        WHEN 'S' THEN 'sequence' WHEN 't' THEN 'toast'
        WHEN 'i' THEN CASE WHEN base.relkind = 't' THEN 'toast_index' ELSE 'index' END
    END AS relation_kind,
    c.relname::text AS relation_name,
    n.nspname::text AS schema_name,
    owner.relname::text AS table_name,
    CASE WHEN c.relkind = 'i' THEN c.relname::text END AS index_name,
    CASE WHEN lk.relation IS NULL THEN coalesce(pg_relation_size(c.oid), 0)
        ELSE c.relpages::int8 * current_setting('block_size')::int8 END AS size_bytes,
    -- rough bytes per row, for write_bytes_per_second (0 = unknown)
    CASE WHEN c.reltuples > 0
        THEN c.relpages::float8 * current_setting('block_size')::float8 / c.reltuples
        ELSE 0 END AS row_bytes
FROM pg_class c
LEFT JOIN pg_index ix ON c.relkind = 'i' AND ix.indexrelid = c.oid
JOIN pg_class base ON base.oid = CASE WHEN c.relkind = 'i' THEN ix.indrelid ELSE c.oid END
LEFT JOIN pg_class toastowner ON base.relkind = 't' AND toastowner.reltoastrelid = base.oid
JOIN pg_class owner ON owner.oid = coalesce(toastowner.oid, base.oid)
JOIN pg_namespace n ON n.oid = owner.relnamespace
LEFT JOIN locked lk ON lk.relation = c.oid
WHERE c.relkind IN ('r', 'i', 'S', 't', 'm')
    AND c.relpersistence = 'p'
    AND n.nspname <> 'roachgate'
    AND (n.nspname NOT IN ('pg_catalog', 'information_schema')
        OR roachgate.setting_int8('system_ranges', 0) = 1);

-- Cumulative counters of this node, per relation: [reads, writes,
-- read_bytes]. reads = tuples read (seq_tup_read + idx_tup_fetch for a
-- heap, idx_tup_read for an index); writes = tuples written (n_tup_ins +
-- n_tup_upd + n_tup_del for a heap; for an index its table's inserts and
-- non-HOT updates); read_bytes = buffer accesses (hits + reads) x block
-- size. Relations whose counters are all zero are left out.
CREATE OR REPLACE FUNCTION roachgate.load_counters() RETURNS jsonb
LANGUAGE sql VOLATILE PARALLEL SAFE
BEGIN ATOMIC
    SELECT jsonb_build_object(
        'node', roachgate.self_name(),
        'at', roachgate.ns(clock_timestamp()),
        'rels', coalesce(jsonb_object_agg(x.relid::text,
            jsonb_build_array(x.reads, x.writes, x.read_bytes)), '{}'::jsonb))
    FROM (
        SELECT t.relid,
            coalesce(t.seq_tup_read, 0) + coalesce(t.idx_tup_fetch, 0) AS reads,
            t.n_tup_ins + t.n_tup_upd + t.n_tup_del AS writes,
            (coalesce(io.heap_blks_read, 0) + coalesce(io.heap_blks_hit, 0))
                * current_setting('block_size')::int8 AS read_bytes
        FROM pg_stat_all_tables t
        JOIN pg_statio_all_tables io ON io.relid = t.relid
        WHERE t.schemaname <> 'roachgate'
        UNION ALL
        SELECT i.indexrelid,
            i.idx_tup_read,
            t.n_tup_ins + t.n_tup_upd - t.n_tup_hot_upd,
            (coalesce(io.idx_blks_read, 0) + coalesce(io.idx_blks_hit, 0))
                * current_setting('block_size')::int8
        FROM pg_stat_all_indexes i
        JOIN pg_statio_all_indexes io ON io.indexrelid = i.indexrelid
        JOIN pg_stat_all_tables t ON t.relid = i.relid
        WHERE i.schemaname <> 'roachgate'
        UNION ALL
        SELECT s.relid, 0, 0,
            (coalesce(s.blks_read, 0) + coalesce(s.blks_hit, 0))
                * current_setting('block_size')::int8
        FROM pg_statio_all_sequences s
        WHERE s.schemaname <> 'roachgate'
    ) x
    WHERE x.reads <> 0 OR x.writes <> 0 OR x.read_bytes <> 0;
END;

-- Per-relation rates of this node from its two latest samples:
-- rate = max(0, c_latest - c_previous) / (t_latest - t_previous). No rows
-- when there are fewer than two samples or the latest is older than
-- sample_max_age_s (the sampler stopped).
CREATE OR REPLACE VIEW roachgate.relation_rates AS
WITH s AS (
    SELECT l.sampled_at, l.counters->'rels' AS rels
    FROM roachgate.load_samples l
    WHERE l.node_name = roachgate.self_name()
    ORDER BY l.sampled_at DESC
    LIMIT 2
), pair AS (
    SELECT a.rels AS cur, b.rels AS prev,
        (a.sampled_at - b.sampled_at)::float8 / 1e9 AS dt
    FROM s a, s b
    WHERE a.sampled_at > b.sampled_at
        AND a.sampled_at >= roachgate.ns(clock_timestamp())
            - roachgate.setting_int8('sample_max_age_s', 60) * 1000000000
)
SELECT e.key::int8 AS relation_id,
    greatest(0, (e.value->>0)::float8
        - coalesce((p.prev->e.key->>0)::float8, 0)) / p.dt AS reads_per_second,
    greatest(0, (e.value->>1)::float8
        - coalesce((p.prev->e.key->>1)::float8, 0)) / p.dt AS writes_per_second,
    greatest(0, (e.value->>2)::float8
        - coalesce((p.prev->e.key->>2)::float8, 0)) / p.dt AS read_bytes_per_second
FROM pair p, jsonb_each(p.cur) e
WHERE p.dt > 0;

-- One row per range: segment k (0-based) of relation R covers bytes
-- [k*range_size, (k+1)*range_size) of R's main fork; the last segment
-- takes the rest (at most 65536 segments). range_id = (R's oid << 16) | k.
CREATE OR REPLACE VIEW roachgate.ranges AS
WITH cfg AS (
    SELECT greatest(roachgate.setting_int8('range_size', 536870912), 1) AS range_size
), rel AS (
    SELECT r.*, greatest(1, least(65536,
        ceil(r.size_bytes::numeric / cfg.range_size)))::int8 AS n, cfg.range_size
    FROM roachgate.relations r, cfg
), rs AS (
    SELECT st.*,
        (SELECT coalesce(array_agg(x ORDER BY x COLLATE "C"), '{}')
         FROM (SELECT st.primary_name UNION SELECT unnest(st.streaming)
               UNION SELECT st.self) u(x)
         WHERE x IS NOT NULL) AS replicas,
        (NOT st.self_streaming) OR coalesce((
            SELECT bool_or(e <> st.primary_name AND NOT e = ANY (st.streaming))
            FROM unnest(st.expected) e), false) AS under
    FROM roachgate.replication_state st
)
SELECT
    (rel.relation_id << 16) | g.k AS range_id,
    CASE WHEN g.k = 0 THEN roachgate.table_key(rel.table_id, rel.index_id)
        ELSE roachgate.table_key(rel.table_id, rel.index_id, g.k) END AS start_key,
    CASE WHEN g.k = rel.n - 1 THEN roachgate.table_key(rel.table_id, rel.index_id + 1)
        ELSE roachgate.table_key(rel.table_id, rel.index_id, g.k + 1) END AS end_key,
    CASE WHEN g.k = 0 THEN roachgate.table_pretty(rel.table_id, rel.index_id)
        ELSE roachgate.table_pretty(rel.table_id, rel.index_id, g.k) END AS start_pretty,
    CASE WHEN g.k = rel.n - 1 THEN roachgate.table_pretty(rel.table_id, rel.index_id + 1)
        ELSE roachgate.table_pretty(rel.table_id, rel.index_id, g.k + 1) END AS end_pretty,
    current_database()::text AS database_name,
    rel.schema_name,
    rel.table_name,
    rel.index_name,
    rs.replicas AS replica_names,
    rs.primary_name AS leaseholder_name,
    rs.primary_started_at AS lease_start,
    coalesce(rr.reads_per_second + rr.writes_per_second, 0) / rel.n
        AS queries_per_second,
    coalesce(rr.writes_per_second, 0) / rel.n AS writes_per_second,
    coalesce(rr.reads_per_second, 0) / rel.n AS reads_per_second,
    coalesce(rr.writes_per_second * rel.row_bytes, 0) / rel.n
        AS write_bytes_per_second,
    coalesce(rr.read_bytes_per_second, 0) / rel.n AS read_bytes_per_second,
    rs.under AS underreplicated,
    false AS unavailable,
    coalesce(rr.reads_per_second + rr.writes_per_second, 0) = 0 AS quiescent,
    coalesce(rr.reads_per_second + rr.writes_per_second, 0) <> 0 AS ticking,
    rel.table_id,
    rel.index_id,
    g.k AS range_index,
    rel.relation_kind,
    rel.relation_name,
    CASE WHEN g.k < rel.n - 1 THEN rel.range_size
        ELSE rel.size_bytes - (rel.n - 1) * rel.range_size END AS range_bytes,
    row_number() OVER (ORDER BY (rel.relation_id << 16) | g.k) - 1
        AS range_position
FROM rel
CROSS JOIN LATERAL generate_series(0::int8, rel.n - 1) g(k)
CROSS JOIN rs
LEFT JOIN roachgate.relation_rates rr ON rr.relation_id = rel.relation_id;
