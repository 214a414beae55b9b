-- postgres provider: functions the server calls to drive the load sampler.
-- Every ~10 s the server runs load_counters() on each node and hands the
-- result to record_sample() on the primary; the ranges view of a node then
-- derives its rates from that node's two latest samples (replicated to it).

-- Records the replication state so standbys can report it.
CREATE OR REPLACE FUNCTION roachgate.snapshot_replication() RETURNS void
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    INSERT INTO roachgate.replication_snapshot AS s
        (id, taken_at, primary_name, primary_started_at, streaming, detail)
    SELECT true, roachgate.ns(clock_timestamp()), roachgate.self_name(),
        roachgate.ns(pg_postmaster_start_time()),
        coalesce((SELECT array_agg(r.application_name::text
            ORDER BY r.application_name COLLATE "C")
            FROM pg_stat_replication r
            WHERE r.state = 'streaming' AND r.application_name <> ''), '{}'),
        coalesce((SELECT jsonb_agg(jsonb_build_object(
                'application_name', r.application_name, 'state', r.state,
                'sync_state', r.sync_state,
                'replay_lag_bytes', pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn))
            ORDER BY r.application_name COLLATE "C")
            FROM pg_stat_replication r), '[]')
    WHERE NOT pg_is_in_recovery()
    ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at,
        primary_name = excluded.primary_name,
        primary_started_at = excluded.primary_started_at,
        streaming = excluded.streaming, detail = excluded.detail;
END;

-- Samples are filed under the name the node gave itself in the counters
-- (that is the name its ranges view looks for); node_name is a fallback.
CREATE OR REPLACE FUNCTION roachgate.record_sample(node_name text, counters jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n text := coalesce($2->>'node', $1);
    at int8;
    keep int8 := greatest(roachgate.setting_int8('samples_kept', 5), 2);
BEGIN
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'roachgate.record_sample() must run on the primary';
    END IF;
    IF $2 IS NULL OR jsonb_typeof($2->'at') <> 'number'
        OR jsonb_typeof($2->'rels') <> 'object' OR n IS NULL THEN
        RAISE EXCEPTION 'roachgate.record_sample(): not a load_counters() result';
    END IF;
    at := ($2->>'at')::int8;
    INSERT INTO roachgate.load_samples AS l (node_name, sampled_at, counters)
    VALUES (n, at, $2)
    ON CONFLICT ON CONSTRAINT load_samples_pkey
        DO UPDATE SET counters = excluded.counters;
    DELETE FROM roachgate.load_samples l
    WHERE l.node_name = n AND l.sampled_at < (
        SELECT min(k.sampled_at) FROM (
            SELECT x.sampled_at FROM roachgate.load_samples x
            WHERE x.node_name = n ORDER BY x.sampled_at DESC LIMIT keep) k);
    PERFORM roachgate.snapshot_replication();
END;
$$;

CREATE OR REPLACE FUNCTION roachgate.configure(node_names text[], primary_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'roachgate.configure() must run on the primary';
    END IF;
    IF $2 IS NULL OR $2 = '' OR $1 IS NULL OR NOT $2 = ANY ($1) THEN
        RAISE EXCEPTION 'roachgate.configure(): primary_name must be one of node_names';
    END IF;
    INSERT INTO roachgate.cluster_config AS c
        (id, node_names, primary_name, configured_at)
    VALUES (true, $1, $2, roachgate.ns(clock_timestamp()))
    ON CONFLICT (id) DO UPDATE SET node_names = excluded.node_names,
        primary_name = excluded.primary_name, configured_at = excluded.configured_at;
    PERFORM roachgate.snapshot_replication();
END;
$$;
